package idempotency

import (
	"context"
	"time"
)

// Record is a stored request/response pair for one idempotency key, scoped
// by caller and operation.
type Record struct {
	Scope       string // e.g. "key_123 POST /checkout_sessions"
	Key         string
	Fingerprint string // hash of the canonical request body
	Done        bool   // false while in flight
	Status      int    // response status, when done
	Body        []byte // response body, when done
	LockedUntil time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Response is the status and body columns of r as stored: its answer when
// it is Done (an empty body, never nil), none while in flight.
func (r *Record) Response() (status int, body []byte) {
	if !r.Done {
		return 0, nil
	}
	if r.Body == nil {
		return r.Status, []byte{}
	}
	return r.Status, r.Body
}

// Executor is what a claim needs inside a transaction of the operation
// it guards. The stores' transactions implement it beside
// commerce.Executor (one database), so a key commits or rolls back with
// the operation's effect. Errors are the commerce sentinels
// (commerce.ErrNotFound, commerce.ErrUnavailable).
type Executor interface {
	// ClaimIdempotencyKey records rec as in flight, unless a record with the
	// same Scope and Key exists that has not expired at now. It returns
	// (rec, true) when it claimed, and (existing, false) otherwise. An
	// in-flight record whose LockedUntil has passed is taken over: it is
	// replaced by rec and the claim succeeds. When rec.Done is set, rec is
	// recorded finished, with its Status and Body: the claim and the finish
	// in one write, for a response that commits in the claim's transaction.
	// It reports its answer at once, also inside a transaction.
	ClaimIdempotencyKey(ctx context.Context, rec *Record, now time.Time) (*Record, bool, error)
	// FinishIdempotencyKey stores the response of a claimed record and
	// marks it done. commerce.ErrNotFound if the record does not exist.
	// Inside a transaction the error may come late, as commerce.Store
	// describes for its queued writes.
	FinishIdempotencyKey(ctx context.Context, scope, key string, status int, body []byte) error
}

// Store holds idempotency records: internal/store/sqlite and
// internal/store/postgres implement it over the same database as
// commerce.Store, and internal/store/storetest checks it. Its methods run
// in their own implicit transaction.
type Store interface {
	Executor
	// ReleaseIdempotencyKey deletes an in-flight record (after a 5xx, which
	// must not be stored). Done records are left alone.
	ReleaseIdempotencyKey(ctx context.Context, scope, key string) error
	// DeleteExpiredIdempotencyKeys removes records that expired before now
	// and returns how many.
	DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time) (int64, error)
}
