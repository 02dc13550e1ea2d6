package sqlite

import (
	"context"
	"database/sql"
	"time"

	"agentshop/internal/apikey"
)

const apiKeyColumns = `id, name, hash, prefix, signing_secret, created_at, revoked_at`

var (
	qCreateAPIKey = writeQuery(`
		INSERT INTO api_keys (id, name, hash, prefix, signing_secret, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	qAPIKeyByHash = readQuery(`SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ?`)
	qListAPIKeys  = readQuery(`SELECT ` + apiKeyColumns + ` FROM api_keys ORDER BY created_at, id`)
	qRevokeAPIKey = writeQuery(`UPDATE api_keys SET revoked_at = ? WHERE id = ?`)
)

// CreateAPIKey inserts k. ErrConflict if the id or hash exists.
func (c conn) CreateAPIKey(ctx context.Context, k *apikey.Key) error {
	_, err := c.writer().exec(ctx, qCreateAPIKey,
		k.ID, k.Name, k.Hash, k.Prefix, k.SigningSecret, micros(k.CreatedAt), microsPtr(k.RevokedAt))
	return wrap("create api key", err)
}

// APIKeyByHash returns the key with this hash, revoked or not, or
// ErrNotFound.
func (c conn) APIKeyByHash(ctx context.Context, hash string) (*apikey.Key, error) {
	row := c.reader().queryRow(ctx, qAPIKeyByHash, hash)
	k, err := scanAPIKey(row)
	if err != nil {
		return nil, wrap("api key by hash", err)
	}
	return k, nil
}

// ListAPIKeys returns every key, oldest first (ties by id).
func (c conn) ListAPIKeys(ctx context.Context) ([]*apikey.Key, error) {
	rows, err := c.reader().query(ctx, qListAPIKeys)
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
	res, err := c.writer().exec(ctx, qRevokeAPIKey, micros(at), id)
	if err != nil {
		return wrap("revoke api key", err)
	}
	return mustAffect("revoke api key", id, res)
}

func scanAPIKey(row scanner) (*apikey.Key, error) {
	var (
		k                = new(apikey.Key)
		created, revoked sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &k.SigningSecret, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = timeOf(created), timePtrOf(revoked)
	return k, nil
}
