package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"agentshop/internal/commerce"
	"agentshop/internal/secretbox"
	"agentshop/internal/store"
)

// busyTimeout is how long a connection waits for another process's write
// lock before failing with SQLITE_BUSY. Writers in this process queue in Go.
const busyTimeout = 5 * time.Second

// DB is a [commerce.Store] on one SQLite file. Its methods are safe for
// concurrent use; see the package doc for how reads and writes are pooled.
type DB struct {
	conn
	// lastMigration, when set, stops migrating after that file (upgrade
	// tests open a database as an older version left it).
	lastMigration string
	write         *sql.DB // one connection, BEGIN IMMEDIATE
	read          *sql.DB // several query_only connections
	// wstmts and rstmts are every query prepared on write and every read
	// query prepared on read; see [query].
	wstmts, rstmts stmts
	// w owns write: every write transaction is a job of its batches.
	w *writer
	// ckpt checkpoints the WAL in the background.
	ckpt *checkpointer
	// file is the database file, open for the checkpointer's fsyncs. It is
	// closed after every connection: closing a descriptor of a file drops
	// all of the process's POSIX locks on it, SQLite's included.
	file *os.File
	// box seals the secrets the store keeps (API keys' signing secrets);
	// nil: none can be written (apikey.ErrNoMasterKey).
	box *secretbox.Box
}

// Option configures [Open].
type Option func(*DB)

// WithSecrets makes the store seal the recoverable secrets it keeps (the
// API keys' signing secrets) with box, and open them with it. Without it
// the store refuses to write such a secret and to read a sealed one
// (apikey.ErrNoMasterKey).
func WithSecrets(box *secretbox.Box) Option { return func(db *DB) { db.box = box } }

// driverName is the database/sql driver Open uses; tests swap in a wrapper.
var driverName = "sqlite"

var (
	_ store.Store = (*DB)(nil)
	_ store.Tx    = conn{}
)

// Open opens (creating if needed) the database file at path and applies
// pending migrations. path must name a file: the read and write pools are
// separate connections, which an in-memory database cannot share.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: need a plain file path", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	// WAL lets readers run alongside the writer and makes commits cheap.
	q.Set("_journal_mode", "WAL")
	// FULL: every commit fsyncs the WAL, so what is committed (an order
	// the provider has charged) survives a power loss. See "Durability" in
	// the package doc.
	q.Set("_synchronous", "FULL")
	// SQLite leaves foreign keys off by default, per connection.
	q.Set("_foreign_keys", "1")

	wq := cloneValues(q)
	wq.Set("_txlock", "immediate")
	// Commits never checkpoint: the checkpointer does, off the commit path.
	wq.Add("_pragma", "wal_autocheckpoint(0)")
	// Each transaction of a group commit runs in a savepoint, whose undo
	// copies of pages (the sub-journal) would spill to a temporary file
	// past 64 KiB: a file created and written for every large batch, only
	// to be deleted. In memory it is bounded by the batch (at most
	// maxBatch transactions) and never touches the disk.
	wq.Add("_pragma", "temp_store(memory)")
	write, err := sql.Open(driverName, path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	db := &DB{write: write}
	for _, o := range opts {
		o(db)
	}
	db.conn = conn{db: db}
	// Migrate before the read pool exists: it switches the file to WAL
	// and creates the tables that the readers will see.
	if err := db.migrate(ctx); err != nil {
		_ = write.Close()
		return nil, err
	}

	rq := cloneValues(q)
	rq.Del("_journal_mode") // persistent in the file; a reader must not try to set it
	rq.Set("_query_only", "1")
	read, err := sql.Open(driverName, path+"?"+rq.Encode())
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	db.read = read
	if err := read.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Prepare after migrating: the statements need the tables. Later
	// migrations by another process make SQLite re-prepare them by itself.
	// A database left at an older migration (upgrade tests) lacks later
	// tables: their statements stay unprepared and must not be used.
	partial := db.lastMigration != ""
	if db.wstmts, err = prepareAll(ctx, write, false, partial); err == nil {
		db.rstmts, err = prepareAll(ctx, read, true, partial)
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	cq := url.Values{}
	cq.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	ckpt, err := sql.Open(driverName, path+"?"+cq.Encode())
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	if db.file, err = os.Open(path); err != nil {
		_ = ckpt.Close()
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.w = newWriter(write, db.wstmts)
	if db.ckpt, err = newCheckpointer(ctx, ckpt, db.w, db.file); err != nil {
		_ = ckpt.Close()
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, translate(err))
	}
	return db, nil
}

// createPrivate creates the database file, empty, readable and writable
// by its owner only (0600), unless it exists. SQLite would create it 0644;
// it creates the -wal and -shm files with the database file's mode, so
// they are 0600 too. An existing file keeps its mode: the operator chose
// it.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Close waits for the queued transactions to be committed or rolled back,
// stops the writer and the checkpointer, and closes both pools and their
// prepared statements. Transactions started after Close fail.
func (db *DB) Close() error {
	var errs []error
	if db.w != nil {
		db.w.close()
	}
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	errs = append(errs, db.rstmts.close(), db.wstmts.close())
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	if db.file != nil {
		errs = append(errs, db.file.Close())
	}
	return errors.Join(errs...)
}

// Ping reports whether the file can be read and every embedded migration
// has been applied.
func (db *DB) Ping(ctx context.Context) error {
	want, err := migrationNames()
	if err != nil {
		return err
	}
	var n int
	err = db.conn.reader().queryRow(ctx, qCountMigrations).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: ping: %w", translate(err))
	}
	if n < len(want) {
		return fmt.Errorf("sqlite: ping: %d of %d migrations applied", n, len(want))
	}
	return nil
}

// InTx runs fn in one transaction on the write connection. It commits when
// fn returns nil and rolls back otherwise (also when ctx ends before the
// commit); fn's error is returned as is. Concurrent calls are committed in
// groups by the writer (see the package doc): fn runs inside a savepoint of
// a shared transaction, never alongside another fn, so a transaction never
// sees another's uncommitted writes and [DB.LockSession] needs no lock of
// its own. A panic in fn is returned as an error.
func (db *DB) InTx(ctx context.Context, fn func(tx commerce.Executor) error) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return fn(conn{db: db, tx: tx}) })
}

// directTx runs fn in a transaction of its own on the write pool, for
// [DB.migrate] before the writer starts.
func (db *DB) directTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", translate(err))
	}
	// After Commit, Rollback is a no-op returning sql.ErrTxDone.
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", translate(err))
	}
	return nil
}

var qCountMigrations = readQuery(`SELECT count(*) FROM schema_migrations`)

// conn implements [commerce.Executor] either on the pools (tx nil) or
// inside one transaction (tx set). db is always set.
type conn struct {
	db *DB
	tx *sql.Tx
}

// reader is where reads go: the transaction, or the read pool.
func (c conn) reader() runner {
	if c.tx != nil {
		return runner{tx: c.tx, stmts: c.db.wstmts}
	}
	return runner{stmts: c.db.rstmts}
}

// writer is where single-statement writes go: the transaction, or outside
// one a job of the writer of its own.
func (c conn) writer() runner {
	if c.tx != nil {
		return runner{tx: c.tx, stmts: c.db.wstmts}
	}
	return runner{stmts: c.db.wstmts, db: c.db}
}

// atomic runs fn in the transaction, or in a new one outside InTx, for
// writes made of several statements.
func (c conn) atomic(ctx context.Context, fn func(r runner) error) error {
	if c.tx != nil {
		return fn(c.writer())
	}
	return c.db.inTx(ctx, func(tx *sql.Tx) error { return fn(runner{tx: tx, stmts: c.db.wstmts}) })
}

// translate maps driver errors onto the commerce sentinels: no rows is
// ErrNotFound, a unique or primary key violation is ErrConflict, a missing
// referenced row (foreign key) is ErrNotFound; busy, locked, and a full,
// read-only or failing disk (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR)
// are ErrUnavailable. The original error stays in the chain.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", commerce.ErrNotFound, err)
	}
	if e, ok := errors.AsType[*msqlite.Error](err); ok {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", commerce.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", commerce.ErrNotFound, err)
		}
		switch e.Code() & 0xff {
		// Busy after busy_timeout, or locked: retryable, nothing changed.
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
			// The disk is full (or max_page_count reached), read-only, or
			// failing: the transaction is rolled back, nothing is
			// half-written, and the request can be retried once an
			// operator has made room.
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return fmt.Errorf("%w: %w", commerce.ErrUnavailable, err)
		}
	}
	return err
}

// wrap translates err and prefixes the operation.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlite: %s: %w", op, translate(err))
}

// mustAffect returns ErrNotFound when res changed no row. op and id name
// the operation in the error (id may be "").
func mustAffect(op, id string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err == nil && n > 0 {
		return nil
	}
	if id != "" {
		op += " " + id
	}
	if err != nil {
		return wrap(op, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, commerce.ErrNotFound)
}

// micros encodes t for an INTEGER time column: microseconds since the
// epoch, NULL for the zero time.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// timeOf decodes an INTEGER time column in UTC.
func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func timePtrOf(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	return new(timeOf(v))
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
