package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// HasSchema reports whether the first schema of url's search_path holds
// agentshop's tables (its schema_migrations table), without creating or
// changing anything: the admin commands use it to refuse a wrong
// --database rather than create the tables there.
func HasSchema(ctx context.Context, url string) (bool, error) {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return false, fmt.Errorf("postgres: connect: %w", err)
	}
	defer func() { _ = c.Close(context.WithoutCancel(ctx)) }()
	var ok bool
	if err := c.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&ok); err != nil {
		return false, wrap("has schema", err)
	}
	return ok, nil
}
