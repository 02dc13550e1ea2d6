package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"agentshop/internal/commerce"
	"agentshop/internal/secretbox"
	"agentshop/internal/store"
)

// DB is a [commerce.Store] on a PostgreSQL connection pool. Its methods are
// safe for concurrent use.
type DB struct {
	conn
	pool *pgxpool.Pool
}

// Option configures [Open] and [OpenSchema].
type Option func(*options)

type options struct {
	box *secretbox.Box
	// lastMigration, when set, stops migrating after that file (upgrade
	// tests open a database as an older version left it).
	lastMigration string
}

// WithSecrets makes the store seal the recoverable secrets it keeps (the
// API keys' signing secrets) with box, and open them with it. Without it
// the store refuses to write such a secret and to read a sealed one
// (apikey.ErrNoMasterKey).
func WithSecrets(box *secretbox.Box) Option { return func(o *options) { o.box = box } }

var (
	_ store.Store = (*DB)(nil)
	_ store.Tx    = conn{}
)

// Open connects to the database at url (a postgres:// URL or DSN that pgx
// accepts, pool_* settings included) and applies pending migrations in the
// first schema of its search_path, which must exist.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	return open(ctx, url, "", nil, opts...)
}

// OpenSchema is [Open] with search_path set to schema alone, creating the
// schema if needed. Tests use it to get an empty database per test.
func OpenSchema(ctx context.Context, url, schema string, opts ...Option) (*DB, error) {
	if schema == "" {
		return nil, errors.New("postgres: open: empty schema name")
	}
	return open(ctx, url, schema, nil, opts...)
}

// open opens the store; configure, when not nil, adjusts the pool's
// configuration last (tests count round trips with it).
func open(ctx context.Context, url, schema string, configure func(*pgxpool.Config), opts ...Option) (*DB, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	}
	// pgxpool's default, max(4, NumCPU), starves a checkout server: every
	// commit waits for a WAL flush while holding its connection, so more
	// connections are what lets commits share flushes. Measured on 2 cores
	// at 16 concurrent agents: 84 → 131 flows/s with 32 (BENCHMARKS.md).
	// A pool_max_conns in the URL still wins.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(16, 4*runtime.GOMAXPROCS(0)))
	}
	if configure != nil {
		configure(cfg)
	}
	if err := migrate(ctx, cfg.ConnConfig, schema, o.lastMigration); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{pool: pool, conn: conn{q: pool, box: o.box}}
	ping := db.Ping
	if o.lastMigration != "" {
		ping = pool.Ping // Ping wants every migration applied
	}
	if err := ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers and every embedded migration
// has been applied.
func (db *DB) Ping(ctx context.Context) error {
	want, err := migrationNames()
	if err != nil {
		return err
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return wrap("ping", err)
	}
	if n < len(want) {
		return fmt.Errorf("postgres: ping: %d of %d migrations applied", n, len(want))
	}
	return nil
}

// InTx runs fn in one READ COMMITTED transaction, committing when fn
// returns nil and rolling back otherwise; fn's error is returned as is.
//
// The transaction saves round trips (see txConn): BEGIN goes out with its
// first statement, and the writes whose only result is their error
// (package doc) are queued and sent with the next statement or with COMMIT. Their errors come back from that later call, or from InTx, and
// the transaction is then rolled back. A commit whose outcome is unknown
// (the connection was lost once COMMIT was sent) returns
// [commerce.ErrUnavailable].
func (db *DB) InTx(ctx context.Context, fn func(tx commerce.Executor) error) error {
	t := &txConn{pool: db.pool}
	// Rolls back unless committed, also when ctx ended the transaction.
	defer t.end(ctx)
	if err := fn(conn{q: t, box: db.box}); err != nil {
		return err
	}
	return t.commit(ctx)
}

// querier is what *pgxpool.Pool and *txConn have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// conn implements [commerce.Executor] on the pool (each call its own
// implicit transaction) or inside one transaction (a *txConn).
type conn struct {
	q querier
	// box seals the secrets the store keeps; nil: none can be written.
	box *secretbox.Box
}

// writeLater runs a write whose only result is its error; sql must raise
// an error for every failure, a missing row included (must_affect). Inside
// a transaction the write is queued and sent with the transaction's next
// statement or its COMMIT, so that its error comes from a later call;
// outside, it runs at once.
func (c conn) writeLater(ctx context.Context, op, sql string, args ...any) error {
	if t, ok := c.q.(*txConn); ok {
		return t.later(op, sql, args)
	}
	_, err := c.q.Exec(ctx, sql, args...)
	return wrap(op, err)
}

// translate maps driver errors onto the commerce sentinels: no rows (or
// no_data_found, P0002, which must_affect raises) is ErrNotFound, a unique
// violation (23505) is ErrConflict, a missing referenced row (foreign key,
// 23503) is ErrNotFound, stock's CHECK (quantity >= 0) failing (23514) is
// ErrInsufficientStock, text PostgreSQL cannot store (22021, 22P05) is an
// EINVALID [commerce.Error]; a lost connection, a shutdown, a read-only
// transaction (25006), an I/O error (58030) or insufficient resources
// (class 53: a full disk, too many connections) are ErrUnavailable. The
// original error stays in the chain.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", commerce.ErrNotFound, err)
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch e.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %w", commerce.ErrConflict, err)
		case "23503", "P0002": // foreign_key_violation, no_data_found
			return fmt.Errorf("%w: %w", commerce.ErrNotFound, err)
		case "23514": // check_violation
			if e.ConstraintName == "stock_quantity_check" {
				return fmt.Errorf("%w: %w", commerce.ErrInsufficientStock, err)
			}
		case "40001", "40P01", "57P01", "57P02", "57P03", // serialization, deadlock, shutdown
			"25006", "58030": // read_only_sql_transaction (a standby, default_transaction_read_only), io_error
			return fmt.Errorf("%w: %w", commerce.ErrUnavailable, err)
		case "22021", "22P05": // character_not_in_repertoire (NUL, invalid UTF-8), untranslatable_character (\u0000 in jsonb)
			// The codecs refuse such text first; this is the net under
			// every other way in (a path segment, a form, a header).
			return &commerce.Error{Code: commerce.EINVALID, Message: "A text value holds a character that cannot be stored (U+0000 or invalid UTF-8).", Err: err}
		}
		// Connection exception; insufficient resources (53100 disk_full,
		// 53200 out_of_memory, 53300 too_many_connections, …).
		if strings.HasPrefix(e.Code, "08") || strings.HasPrefix(e.Code, "53") {
			return fmt.Errorf("%w: %w", commerce.ErrUnavailable, err)
		}
		return err
	}
	// No server answer at all: the connection failed or timed out.
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", commerce.ErrUnavailable, err)
	}
	return err
}

// wrap translates err and prefixes the operation. A *txError, which a
// transaction's earlier operation failed with, is returned as is.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*txError](err); ok {
		return e
	}
	return fmt.Errorf("postgres: %s: %w", op, translate(err))
}

// mustAffect returns ErrNotFound when tag changed no row.
func mustAffect(op string, tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: %w", op, commerce.ErrNotFound)
	}
	return nil
}

// ts encodes t for a timestamptz column, NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// timeOf decodes a timestamptz column in UTC.
func timeOf(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}

func timePtrOf(v pgtype.Timestamptz) *time.Time {
	if !v.Valid {
		return nil
	}
	return new(v.Time.UTC())
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
