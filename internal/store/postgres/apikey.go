package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"agentshop/internal/apikey"
)

const apiKeyColumns = `id, name, hash, prefix, signing_secret, created_at, revoked_at`

// CreateAPIKey inserts k. ErrConflict if the id or hash exists.
func (c conn) CreateAPIKey(ctx context.Context, k *apikey.Key) error {
	_, err := c.q.Exec(ctx, `
		INSERT INTO api_keys (id, name, hash, prefix, signing_secret, created_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.Name, k.Hash, k.Prefix, k.SigningSecret, ts(k.CreatedAt), tsPtr(k.RevokedAt))
	return wrap("create api key", err)
}

// APIKeyByHash returns the key with this hash, revoked or not, or
// ErrNotFound.
func (c conn) APIKeyByHash(ctx context.Context, hash string) (*apikey.Key, error) {
	k, err := scanAPIKey(c.q.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return nil, wrap("api key by hash", err)
	}
	return k, nil
}

// ListAPIKeys returns every key, oldest first (ties by id).
func (c conn) ListAPIKeys(ctx context.Context) ([]*apikey.Key, error) {
	rows, err := c.q.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at NULLS FIRST, id`)
	if err != nil {
		return nil, wrap("list api keys", err)
	}
	defer rows.Close()
	out := []*apikey.Key{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, wrap("list api keys", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list api keys", err)
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked at at. ErrNotFound if no such id.
func (c conn) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	tag, err := c.q.Exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2`, ts(at), id)
	if err != nil {
		return wrap("revoke api key", err)
	}
	return mustAffect("revoke api key "+id, tag)
}

func scanAPIKey(row pgx.Row) (*apikey.Key, error) {
	var (
		k                = new(apikey.Key)
		created, revoked pgtype.Timestamptz
	)
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &k.SigningSecret, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = timeOf(created), timePtrOf(revoked)
	return k, nil
}
