package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// CreateVaultToken inserts t. ErrConflict if the id exists.
func (c conn) CreateVaultToken(ctx context.Context, t *sandbox.VaultToken) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("postgres: create vault token: %w", err)
	}
	return c.writeLater(ctx, "create vault token "+t.ID, `
		INSERT INTO vault_tokens (id, redeemed_by, redeemed_at, created_at, expires_at, data)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, nullString(t.RedeemedBy), tsPtr(t.RedeemedAt), ts(t.CreatedAt), ts(t.ExpiresAt), string(data))
}

// GetVaultToken returns the token with id, or ErrNotFound.
func (c conn) GetVaultToken(ctx context.Context, id string) (*sandbox.VaultToken, error) {
	var (
		data                     []byte
		by                       *string
		redeemed, created, expir pgtype.Timestamptz
	)
	err := c.q.QueryRow(ctx, `
		SELECT data, redeemed_by, redeemed_at, created_at, expires_at FROM vault_tokens WHERE id = $1`, id,
	).Scan(&data, &by, &redeemed, &created, &expir)
	if err != nil {
		return nil, wrap("get vault token "+id, err)
	}
	t := new(sandbox.VaultToken)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("postgres: get vault token %s: decode: %w", id, err)
	}
	t.RedeemedBy = ""
	if by != nil {
		t.RedeemedBy = *by
	}
	t.RedeemedAt, t.CreatedAt, t.ExpiresAt = timePtrOf(redeemed), timeOf(created), timeOf(expir)
	return t, nil
}

// RedeemVaultToken marks the token used by chargeKey at at. Redeeming again
// with the same chargeKey succeeds and changes nothing; with another key it
// returns ErrConflict. ErrNotFound if no such token.
func (c conn) RedeemVaultToken(ctx context.Context, id, chargeKey string, at time.Time) error {
	op := "redeem vault token " + id
	// Of two concurrent redeems, the second waits for the first's row lock
	// and then finds redeemed_by set.
	tag, err := c.q.Exec(ctx, `
		UPDATE vault_tokens SET redeemed_by = $1, redeemed_at = $2
		WHERE id = $3 AND redeemed_by IS NULL`, chargeKey, ts(at), id)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var by *string
	if err := c.q.QueryRow(ctx, `SELECT redeemed_by FROM vault_tokens WHERE id = $1`, id).Scan(&by); err != nil {
		return wrap(op, err)
	}
	if by == nil || *by != chargeKey {
		return fmt.Errorf("postgres: %s: already redeemed by another charge: %w", op, commerce.ErrConflict)
	}
	return nil
}
