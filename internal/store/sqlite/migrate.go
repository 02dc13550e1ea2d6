package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed migrations/*.sql
var migrations embed.FS

func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies every embedded migration not yet recorded in
// schema_migrations, in name order, each in its own transaction. BEGIN
// IMMEDIATE makes a second process starting at the same time wait for the
// first, after which it finds the migration recorded and skips it.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER))
	) STRICT`); err != nil {
		return wrap("create schema_migrations", err)
	}
	names, err := migrationNames()
	if err != nil {
		return err
	}
	for _, name := range names {
		err := db.directTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, path.Base(name)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(migrations, name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, path.Base(name))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migrate %s: %w", name, translate(err))
		}
	}
	return nil
}
