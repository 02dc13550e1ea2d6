package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrations embed.FS

func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// migrate applies every embedded migration not yet recorded in
// schema_migrations, each in its own transaction, on a connection of its
// own. It holds a session advisory lock keyed by the schema for the whole
// run; closing the connection releases it even if unlocking fails. A
// non-empty last stops after the migration of that file name.
func migrate(ctx context.Context, cfg *pgx.ConnConfig, schema, last string) error {
	c, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("postgres: migrate: connect: %w", err)
	}
	defer func() { _ = c.Close(context.WithoutCancel(ctx)) }()

	create := schema != ""
	if !create {
		var cur *string
		if err := c.QueryRow(ctx, `SELECT current_schema()`).Scan(&cur); err != nil {
			return wrap("migrate: current schema", err)
		}
		if cur == nil {
			return fmt.Errorf("postgres: migrate: no schema of search_path exists")
		}
		schema = *cur
	}
	lock := "agentshop migrate " + schema
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, lock); err != nil {
		return wrap("migrate: lock", err)
	}
	defer func() { _, _ = c.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext($1))`, lock) }()

	if create {
		if _, err := c.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
			return wrap("migrate: create schema", err)
		}
	}
	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return wrap("migrate: create schema_migrations", err)
	}
	names, err := migrationNames()
	if err != nil {
		return err
	}
	for _, name := range names {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, path.Base(name)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(migrations, name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, path.Base(name))
			return err
		})
		if err != nil {
			return wrap("migrate "+path.Base(name), err)
		}
		if path.Base(name) == last {
			break
		}
	}
	return nil
}
