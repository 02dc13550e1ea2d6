package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"agentshop/internal/commerce"
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
	start := time.Now()
	// In a BEGIN IMMEDIATE transaction (the write pool's _txlock), not as
	// a bare statement: a bare CREATE reads the schema first and then
	// upgrades to a write lock. Even so, while another process is creating
	// the file and switching it to WAL, SQLite can answer SQLITE_BUSY
	// without waiting out busy_timeout; start-up retries for a while then.
	var err error
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		err = db.createMigrationsTable(ctx)
		if err == nil || !errors.Is(err, commerce.ErrUnavailable) || ctx.Err() != nil {
			break
		}
		if wait == 500*time.Millisecond && time.Since(start) > busyTimeout {
			break
		}
		time.Sleep(wait)
	}
	if err != nil {
		return err
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
		if path.Base(name) == db.lastMigration {
			break
		}
	}
	return nil
}

func (db *DB) createMigrationsTable(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap("create schema_migrations", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER))
	) STRICT`); err != nil {
		_ = tx.Rollback()
		return wrap("create schema_migrations", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("create schema_migrations", err)
	}
	return nil
}
