package postgres

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"agentshop/internal/idempotency"
)

// ClaimIdempotencyKey records rec, in flight or (rec.Done) finished, unless
// an unexpired record with the same scope and key exists. A record expires
// when ExpiresAt <= now; an in-flight record whose LockedUntil <= now is
// taken over. A zero time counts as long past.
//
// The upsert is atomic: of two concurrent claims one inserts (or takes
// over) and the other waits for it, then finds its record.
func (c conn) ClaimIdempotencyKey(ctx context.Context, rec *idempotency.Record, now time.Time) (*idempotency.Record, bool, error) {
	status, body := rec.Response()
	// The record found may be released or deleted before it is read;
	// then the claim is tried again.
	for range 3 {
		var claimed bool
		err := c.q.QueryRow(ctx, `
			INSERT INTO idempotency_keys AS k (scope, key, fingerprint, done, status, body, locked_until, created_at, expires_at)
			VALUES ($1, $2, $3, $8, $9, $10, $4, $5, $6)
			ON CONFLICT (scope, key) DO UPDATE SET
				fingerprint = excluded.fingerprint, done = excluded.done, status = excluded.status, body = excluded.body,
				locked_until = excluded.locked_until, created_at = excluded.created_at, expires_at = excluded.expires_at
			WHERE k.expires_at IS NULL OR k.expires_at <= $7
				OR (NOT k.done AND (k.locked_until IS NULL OR k.locked_until <= $7))
			RETURNING true`,
			rec.Scope, rec.Key, rec.Fingerprint, ts(rec.LockedUntil), ts(rec.CreatedAt), ts(rec.ExpiresAt), now,
			rec.Done, status, body,
		).Scan(&claimed)
		switch {
		case err == nil:
			return rec, true, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, false, wrap("claim idempotency key", err)
		}
		existing, err := c.getIdempotencyKey(ctx, rec.Scope, rec.Key)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, false, wrap("claim idempotency key", err)
		}
		return existing, false, nil
	}
	return nil, false, wrap("claim idempotency key", errors.New("record keeps disappearing"))
}

func (c conn) getIdempotencyKey(ctx context.Context, scope, key string) (*idempotency.Record, error) {
	var (
		r                    = &idempotency.Record{Scope: scope, Key: key}
		locked, created, exp pgtype.Timestamptz
	)
	err := c.q.QueryRow(ctx, `
		SELECT fingerprint, done, status, body, locked_until, created_at, expires_at
		FROM idempotency_keys WHERE scope = $1 AND key = $2`, scope, key,
	).Scan(&r.Fingerprint, &r.Done, &r.Status, &r.Body, &locked, &created, &exp)
	if err != nil {
		return nil, err
	}
	r.LockedUntil, r.CreatedAt, r.ExpiresAt = timeOf(locked), timeOf(created), timeOf(exp)
	return r, nil
}

// FinishIdempotencyKey stores the response of a claimed record and marks it
// done. ErrNotFound if the record does not exist. Inside [DB.InTx] it is
// queued: its error may come from a later call or from InTx.
func (c conn) FinishIdempotencyKey(ctx context.Context, scope, key string, status int, body []byte) error {
	// A copy: a queued write is sent after the caller may have reused body.
	body = bytes.Clone(body)
	if body == nil {
		body = []byte{}
	}
	return c.writeLater(ctx, "finish idempotency key", `
		WITH w AS (
			UPDATE idempotency_keys SET done = true, status = $1, body = $2
			WHERE scope = $3 AND key = $4
			RETURNING 1
		)
		SELECT must_affect(count(*)) FROM w`, status, body, scope, key)
}

// ReleaseIdempotencyKey deletes an in-flight record; done records and
// missing ones are left alone.
func (c conn) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	_, err := c.q.Exec(ctx, `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND NOT done`, scope, key)
	return wrap("release idempotency key", err)
}

// DeleteExpiredIdempotencyKeys removes records whose ExpiresAt is before
// now and returns how many.
func (c conn) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	tag, err := c.q.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at IS NULL OR expires_at < $1`, now)
	if err != nil {
		return 0, wrap("delete expired idempotency keys", err)
	}
	return tag.RowsAffected(), nil
}
