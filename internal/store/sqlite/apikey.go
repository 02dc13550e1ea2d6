package sqlite

import (
	"context"
	"database/sql"
	"time"

	"agentshop/internal/apikey"
	"agentshop/internal/ops"
	"agentshop/internal/secretbox"
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
// The signing secret is stored sealed (apikey.SealSigningSecret).
func (c conn) CreateAPIKey(ctx context.Context, k *apikey.Key) error {
	sealed, err := apikey.SealSigningSecret(c.db.box, k.ID, k.SigningSecret)
	if err != nil {
		return wrap("create api key", err)
	}
	_, err = c.writer().exec(ctx, qCreateAPIKey,
		k.ID, k.Name, k.Hash, k.Prefix, sealed, micros(k.CreatedAt), microsPtr(k.RevokedAt))
	return wrap("create api key", err)
}

// APIKeyByHash returns the key with this hash, revoked or not, or
// ErrNotFound.
func (c conn) APIKeyByHash(ctx context.Context, hash string) (*apikey.Key, error) {
	row := c.reader().queryRow(ctx, qAPIKeyByHash, hash)
	k, err := c.scanAPIKey(row)
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
		k, err := c.scanAPIKey(rows)
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

// scanAPIKey reads a key and opens its signing secret.
func (c conn) scanAPIKey(row scanner) (*apikey.Key, error) {
	var (
		k                = new(apikey.Key)
		created, revoked sql.NullInt64
		sealed           string
	)
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &sealed, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = timeOf(created), timePtrOf(revoked)
	var err error
	if k.SigningSecret, err = apikey.OpenSigningSecret(c.db.box, k.ID, sealed); err != nil {
		return nil, err
	}
	return k, nil
}

// sealedColumn is a column of sealed secrets: every one is counted by
// SealedSecrets and re-sealed by ResealSecrets.
type sealedColumn struct {
	table, column string
	open          func(box *secretbox.Box, id, stored string) (string, error)
	seal          func(box *secretbox.Box, id, plain string) (string, error)
}

// sealedColumns are the API keys' signing secrets and the ops accounts'
// Stripe keys.
var sealedColumns = []sealedColumn{
	{"api_keys", "signing_secret", apikey.OpenSigningSecret, apikey.SealSigningSecret},
	{"ops_accounts", "stripe_key", ops.OpenStripeKey, ops.SealStripeKey},
}

// SealedSecrets counts the stored secrets by the master key that sealed
// them ("": in clear).
func (db *DB) SealedSecrets(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, col := range sealedColumns {
		rows, err := db.read.QueryContext(ctx, `SELECT `+col.column+` FROM `+col.table+` WHERE `+col.column+` <> ''`)
		if err != nil {
			return nil, wrap("sealed secrets", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, wrap("sealed secrets", err)
			}
			id, _ := secretbox.KeyID(s)
			out[id]++
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("sealed secrets", err)
		}
		if err := rows.Err(); err != nil {
			return nil, wrap("sealed secrets", err)
		}
	}
	return out, nil
}

// ResealSecrets re-seals under box's primary key, in one transaction,
// every stored secret in clear or under another key.
func (db *DB) ResealSecrets(ctx context.Context, box *secretbox.Box) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, col := range sealedColumns {
			rows, err := tx.QueryContext(ctx, `SELECT id, `+col.column+` FROM `+col.table+` WHERE `+col.column+` <> '' ORDER BY id`)
			if err != nil {
				return err
			}
			type row struct{ id, stored string }
			var todo []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.stored); err != nil {
					rows.Close()
					return err
				}
				if id, _ := secretbox.KeyID(r.stored); id != box.Primary().ID() {
					todo = append(todo, r)
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, r := range todo {
				plain, err := col.open(box, r.id, r.stored)
				if err != nil {
					return err
				}
				sealed, err := col.seal(box, r.id, plain)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE `+col.table+` SET `+col.column+` = ? WHERE id = ?`, sealed, r.id); err != nil {
					return err
				}
			}
			n += len(todo)
		}
		return nil
	})
	if err != nil {
		return 0, wrap("reseal secrets", err)
	}
	return n, nil
}
