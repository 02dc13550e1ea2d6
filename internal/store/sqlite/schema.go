package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// HasSchema reports whether the file at path exists and holds agentshop's
// schema (its schema_migrations table), without creating or changing
// anything: the admin commands use it to refuse a wrong --data rather
// than create an empty database there.
func HasSchema(ctx context.Context, path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("sqlite: %w", err)
	}
	db, err := sql.Open(driverName, path+"?_query_only=1")
	if err != nil {
		return false, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlite: read the schema of %s: %w", path, err)
	}
	return n == 1, nil
}
