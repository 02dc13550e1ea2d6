package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"agentshop/internal/idempotency"
)

var (
	qClaimIdempotencyKey = writeQuery(`
			INSERT INTO idempotency_keys (scope, key, fingerprint, done, status, body, body_encoding, locked_until, created_at, expires_at)
			VALUES (?1, ?2, ?3, ?8, ?9, ?10, ?11, ?4, ?5, ?6)
			ON CONFLICT (scope, key) DO UPDATE SET
				fingerprint = excluded.fingerprint, done = excluded.done, status = excluded.status,
				body = excluded.body, body_encoding = excluded.body_encoding,
				locked_until = excluded.locked_until, created_at = excluded.created_at, expires_at = excluded.expires_at
			WHERE idempotency_keys.expires_at IS NULL OR idempotency_keys.expires_at <= ?7
				OR (idempotency_keys.done = 0 AND (idempotency_keys.locked_until IS NULL OR idempotency_keys.locked_until <= ?7))
			RETURNING 1`)
	qGetIdempotencyKey = writeQuery(`
		SELECT fingerprint, done, status, body, body_encoding, locked_until, created_at, expires_at
		FROM idempotency_keys WHERE scope = ? AND key = ?`)
	qFinishIdempotencyKey = writeQuery(`
		UPDATE idempotency_keys SET done = 1, status = ?, body = ?, body_encoding = ?
		WHERE scope = ? AND key = ?`)
	qReleaseIdempotencyKey = writeQuery(`
		DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND done = 0`)
	qDeleteExpiredIdempotencyKeys = writeQuery(`
		DELETE FROM idempotency_keys WHERE expires_at IS NULL OR expires_at < ?`)
)

// ClaimIdempotencyKey records rec, in flight or (rec.Done) finished, unless
// an unexpired record with the same scope and key exists. A record expires
// when ExpiresAt <= now; an in-flight record whose LockedUntil <= now is
// taken over. A zero time counts as long past.
func (c conn) ClaimIdempotencyKey(ctx context.Context, rec *idempotency.Record, now time.Time) (*idempotency.Record, bool, error) {
	var (
		existing *idempotency.Record
		claimed  bool
	)
	status, body := rec.Response()
	encoding, stored := encodeBody(body)
	err := c.atomic(ctx, func(q runner) error {
		var one int
		err := q.queryRow(ctx, qClaimIdempotencyKey,
			rec.Scope, rec.Key, rec.Fingerprint, micros(rec.LockedUntil), micros(rec.CreatedAt), micros(rec.ExpiresAt), now.UnixMicro(),
			rec.Done, status, stored, encoding,
		).Scan(&one)
		switch {
		case err == nil:
			claimed = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// Writers are serialized, so the conflicting row is still there.
		existing, err = getIdempotencyKey(ctx, q, rec.Scope, rec.Key)
		return err
	})
	if err != nil {
		return nil, false, wrap("claim idempotency key", err)
	}
	if claimed {
		return rec, true, nil
	}
	return existing, false, nil
}

func getIdempotencyKey(ctx context.Context, q runner, scope, key string) (*idempotency.Record, error) {
	var (
		r                    = &idempotency.Record{Scope: scope, Key: key}
		locked, created, exp sql.NullInt64
		encoding             int
	)
	err := q.queryRow(ctx, qGetIdempotencyKey, scope, key).Scan(&r.Fingerprint, &r.Done, &r.Status, &r.Body, &encoding, &locked, &created, &exp)
	if err != nil {
		return nil, err
	}
	if r.Body, err = decodeBody(encoding, r.Body); err != nil {
		return nil, err
	}
	r.LockedUntil, r.CreatedAt, r.ExpiresAt = timeOf(locked), timeOf(created), timeOf(exp)
	return r, nil
}

// FinishIdempotencyKey stores the response of a claimed record and marks it
// done. ErrNotFound if the record does not exist.
func (c conn) FinishIdempotencyKey(ctx context.Context, scope, key string, status int, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	encoding, stored := encodeBody(body)
	res, err := c.writer().exec(ctx, qFinishIdempotencyKey, status, stored, encoding, scope, key)
	if err != nil {
		return wrap("finish idempotency key", err)
	}
	return mustAffect("finish idempotency key", "", res)
}

// ReleaseIdempotencyKey deletes an in-flight record; done records and
// missing ones are left alone.
func (c conn) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	_, err := c.writer().exec(ctx, qReleaseIdempotencyKey, scope, key)
	return wrap("release idempotency key", err)
}

// DeleteExpiredIdempotencyKeys removes records whose ExpiresAt is before
// now and returns how many.
func (c conn) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res, err := c.writer().exec(ctx, qDeleteExpiredIdempotencyKeys, now.UnixMicro())
	if err != nil {
		return 0, wrap("delete expired idempotency keys", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("delete expired idempotency keys", err)
}
