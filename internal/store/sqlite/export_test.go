package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// UseDriver makes Open use the database/sql driver registered as name, until
// the returned function is called. Tests calling it must not run in
// parallel with others that open databases.
func UseDriver(name string) (restore func()) {
	old := driverName
	driverName = name
	return func() { driverName = old }
}

// Queued returns how many jobs wait for the writer (not counting the
// batch it is running).
func (db *DB) Queued() int {
	db.w.mu.Lock()
	defer db.w.mu.Unlock()
	return len(db.w.queue)
}

// WALFile is the path of the WAL of the database at path.
func WALFile(path string) string { return path + "-wal" }

// SetCheckpointing sets the checkpointer's interval and WAL bound for
// databases opened until restore is called.
func SetCheckpointing(interval time.Duration, maxFrames int64) (restore func()) {
	oi, of := checkpointInterval, walMaxFrames
	checkpointInterval, walMaxFrames = interval, maxFrames
	return func() { checkpointInterval, walMaxFrames = oi, of }
}

// WriterPragma reads PRAGMA name on the write connection, in a writer job.
func (db *DB) WriterPragma(ctx context.Context, name string) (string, error) {
	var v string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	})
	return v, err
}

// RawTable returns every row of table as stored, one line per row
// (storetest.RawDB).
func (db *DB) RawTable(ctx context.Context, table string) (string, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&out, "%s=%v ", cols[i], v)
		}
		out.WriteString("\n")
	}
	return out.String(), rows.Err()
}

// RawExec runs stmt in a write transaction (storetest.RawDB).
func (db *DB) RawExec(ctx context.Context, stmt string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, stmt)
		return err
	})
}

// MigrateUpTo makes Open stop migrating after the migration file last, as
// an older version left the database, for upgrade tests.
func MigrateUpTo(last string) Option { return func(db *DB) { db.lastMigration = last } }
