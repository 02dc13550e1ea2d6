package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

var (
	qCreateVaultToken = writeQuery(`
		INSERT INTO vault_tokens (id, redeemed_by, redeemed_at, created_at, expires_at, data)
		VALUES (?, ?, ?, ?, ?, ?)`)
	qGetVaultToken = readQuery(`
		SELECT data, redeemed_by, redeemed_at, created_at, expires_at FROM vault_tokens WHERE id = ?`)
	qRedeemVaultToken = writeQuery(`
			UPDATE vault_tokens SET redeemed_by = ?, redeemed_at = ?
			WHERE id = ? AND redeemed_by IS NULL`)
	qVaultTokenRedeemedBy = writeQuery(`SELECT redeemed_by FROM vault_tokens WHERE id = ?`)
)

// CreateVaultToken inserts t. ErrConflict if the id exists.
func (c conn) CreateVaultToken(ctx context.Context, t *sandbox.VaultToken) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("sqlite: create vault token: %w", err)
	}
	_, err = c.writer().exec(ctx, qCreateVaultToken,
		t.ID, nullString(t.RedeemedBy), microsPtr(t.RedeemedAt), micros(t.CreatedAt), micros(t.ExpiresAt), string(data))
	return wrap("create vault token", err)
}

// GetVaultToken returns the token with id, or ErrNotFound.
func (c conn) GetVaultToken(ctx context.Context, id string) (*sandbox.VaultToken, error) {
	var (
		data                     []byte
		by                       sql.NullString
		redeemed, created, expir sql.NullInt64
	)
	err := c.reader().queryRow(ctx, qGetVaultToken, id).Scan(&data, &by, &redeemed, &created, &expir)
	if err != nil {
		return nil, wrap("get vault token "+id, err)
	}
	t := new(sandbox.VaultToken)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("sqlite: get vault token %s: decode: %w", id, err)
	}
	t.RedeemedBy, t.RedeemedAt = by.String, timePtrOf(redeemed)
	t.CreatedAt, t.ExpiresAt = timeOf(created), timeOf(expir)
	return t, nil
}

// RedeemVaultToken marks the token used by chargeKey at at. Redeeming again
// with the same chargeKey succeeds and changes nothing; with another key it
// returns ErrConflict. ErrNotFound if no such token.
func (c conn) RedeemVaultToken(ctx context.Context, id, chargeKey string, at time.Time) error {
	op := "redeem vault token " + id
	return c.atomic(ctx, func(q runner) error {
		res, err := q.exec(ctx, qRedeemVaultToken, chargeKey, micros(at), id)
		if err != nil {
			return wrap(op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(op, err)
		} else if n == 1 {
			return nil
		}
		var by string
		if err := q.queryRow(ctx, qVaultTokenRedeemedBy, id).Scan(&by); err != nil {
			return wrap(op, err)
		}
		if by != chargeKey {
			return fmt.Errorf("sqlite: %s: already redeemed by another charge: %w", op, commerce.ErrConflict)
		}
		return nil
	})
}
