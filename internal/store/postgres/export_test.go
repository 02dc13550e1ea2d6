package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenSchemaWith is [OpenSchema] with configure applied to the pool's
// configuration, for tests that watch the connections.
func OpenSchemaWith(ctx context.Context, url, schema string, configure func(*pgxpool.Config)) (*DB, error) {
	return open(ctx, url, schema, configure)
}
