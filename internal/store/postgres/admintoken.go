package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"agentshop/internal/admintoken"
)

const adminTokenColumns = `id, name, hash, prefix, created_at, expires_at, revoked_at`

// CreateAdminToken inserts t. ErrConflict if the id or hash exists.
func (c conn) CreateAdminToken(ctx context.Context, t *admintoken.Token) error {
	_, err := c.q.Exec(ctx, `INSERT INTO admin_tokens (`+adminTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.Name, t.Hash, t.Prefix, ts(t.CreatedAt), tsPtr(t.ExpiresAt), tsPtr(t.RevokedAt))
	return wrap("create admin token", err)
}

// AdminTokenByHash returns the token with this hash, or ErrNotFound.
func (c conn) AdminTokenByHash(ctx context.Context, hash string) (*admintoken.Token, error) {
	t, err := scanAdminToken(c.q.QueryRow(ctx, `SELECT `+adminTokenColumns+` FROM admin_tokens WHERE hash = $1`, hash))
	if err != nil {
		return nil, wrap("admin token by hash", err)
	}
	return t, nil
}

// ListAdminTokens returns every token, oldest first (ties by id).
func (c conn) ListAdminTokens(ctx context.Context) ([]*admintoken.Token, error) {
	rows, err := c.q.Query(ctx, `SELECT `+adminTokenColumns+` FROM admin_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list admin tokens", err)
	}
	defer rows.Close()
	out := []*admintoken.Token{}
	for rows.Next() {
		t, err := scanAdminToken(rows)
		if err != nil {
			return nil, wrap("list admin tokens", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list admin tokens", err)
	}
	return out, nil
}

// RevokeAdminToken marks the token revoked at at, keeping an earlier
// revocation. ErrNotFound if no such id.
func (c conn) RevokeAdminToken(ctx context.Context, id string, at time.Time) error {
	tag, err := c.q.Exec(ctx, `UPDATE admin_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, ts(at), id)
	if err != nil {
		return wrap("revoke admin token", err)
	}
	return mustAffect("revoke admin token "+id, tag)
}

func scanAdminToken(row pgx.Row) (*admintoken.Token, error) {
	var (
		t                         = new(admintoken.Token)
		created, expires, revoked pgtype.Timestamptz
	)
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &t.Prefix, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = timeOf(created), timePtrOf(expires), timePtrOf(revoked)
	return t, nil
}
