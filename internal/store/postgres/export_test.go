package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenSchemaWith is [OpenSchema] with configure applied to the pool's
// configuration, for tests that watch the connections.
func OpenSchemaWith(ctx context.Context, url, schema string, configure func(*pgxpool.Config), opts ...Option) (*DB, error) {
	return open(ctx, url, schema, configure, opts...)
}

// RawTable returns every row of table as stored, one line per row
// (storetest.RawDB).
func (db *DB) RawTable(ctx context.Context, table string) (string, error) {
	rows, err := db.pool.Query(ctx, "SELECT t::text FROM "+table+" t")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		out.WriteString(line + "\n")
	}
	return out.String(), rows.Err()
}

// RawExec runs stmt (storetest.RawDB).
func (db *DB) RawExec(ctx context.Context, stmt string) error {
	_, err := db.pool.Exec(ctx, stmt)
	return err
}

// MigrateUpTo makes Open stop migrating after the migration file last, as
// an older version left the database, for upgrade tests.
func MigrateUpTo(last string) Option { return func(o *options) { o.lastMigration = last } }
