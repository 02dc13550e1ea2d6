package acp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"agentshop/internal/commerce"
)

// SaveFunc stores a response body inside the transaction that commits the
// request's effect.
type SaveFunc func(ctx context.Context, tx commerce.Executor, body []byte) error

// Idempotency applies ACP §6 to requests of any transport (REST here, the
// ACP MCP binding in internal/acpmcp).
type Idempotency struct {
	Store   commerce.Store
	Logger  *slog.Logger
	Metrics *Metrics
	Now     func() time.Time
	// TTL is how long responses are kept for replay.
	TTL time.Duration
	// InFlight is how long a claimed key answers same-key requests with
	// 409 before a crashed request's claim may be taken over.
	InFlight time.Duration
}

// IdempotentRequest is one mutating request.
type IdempotentRequest struct {
	// Scope names the caller and operation: API key id, method and path.
	Scope string
	// Key is the Idempotency-Key; "" when absent.
	Key string
	// Strict is true for API versions that require a key and answer a
	// different body with 422 (2026-04-17); false for 2025-09-29 (optional
	// key, 409 on a different body).
	Strict bool
	Body   []byte
	// Status is the success status (201 for create, 200 otherwise).
	Status int
	// Atomic says the request's effect commits in one transaction that
	// calls save. The key is then claimed inside that transaction rather
	// than in one of its own: one commit less, and a concurrent request
	// with the same key waits for the first and replays its answer. Complete
	// is not atomic: it calls the payment provider between transactions,
	// so its key is claimed first and answers 409 while the charge runs.
	Atomic bool
}

// IdempotentResult is the response to send.
type IdempotentResult struct {
	Status   int
	Body     []byte
	Replayed bool
}

// Do runs a mutating request under its key:
//
//   - missing key: an error when Strict; otherwise the request just runs;
//   - same key, same canonical body, finished: the stored status and body,
//     Replayed, and no side effect;
//   - same key, other body: 422 (409 when not Strict) idempotency_conflict;
//   - same key still running: 409 idempotency_in_flight with Retry-After;
//   - 5xx and "retry shortly" answers are not stored, so a retry runs anew;
//     other errors are stored and replayed like successes.
//
// run must call save inside the transaction that commits its effect; the
// stored response then commits or rolls back with it. Errors returned are
// *Error (key problems) or run's own.
func (id *Idempotency) Do(ctx context.Context, req IdempotentRequest, run func(save SaveFunc) ([]byte, error)) (IdempotentResult, error) {
	if req.Key == "" {
		if req.Strict {
			return IdempotentResult{}, newError(http.StatusBadRequest, typeInvalid, "idempotency_key_required", "Idempotency-Key header is required on all POST requests.", "")
		}
		body, err := run(func(context.Context, commerce.Executor, []byte) error { return nil })
		return IdempotentResult{Status: req.Status, Body: body}, err
	}
	if len(req.Key) > 255 {
		return IdempotentResult{}, newError(http.StatusBadRequest, typeInvalid, "invalid_idempotency_key", "Idempotency-Key may be at most 255 characters.", "")
	}
	fp, err := Fingerprint(req.Body)
	if err != nil {
		// Not JSON: compare raw bytes; the codec reports the syntax error.
		sum := sha256.Sum256(req.Body)
		fp = "raw:" + hex.EncodeToString(sum[:])
	}
	now := id.Now().UTC()
	claim := &commerce.IdempotencyRecord{
		Scope: req.Scope, Key: req.Key, Fingerprint: fp,
		LockedUntil: now.Add(id.InFlight), CreatedAt: now, ExpiresAt: now.Add(id.TTL),
	}
	if req.Atomic {
		return id.atomic(ctx, req, claim, now, run)
	}
	prev, claimed, err := id.Store.ClaimIdempotencyKey(ctx, claim, now)
	if err != nil {
		return IdempotentResult{}, err
	}
	if !claimed {
		return id.existing(prev, fp, req.Strict)
	}

	saved := false
	body, err := run(func(ctx context.Context, tx commerce.Executor, body []byte) error {
		saved = true
		return tx.FinishIdempotencyKey(ctx, req.Scope, req.Key, req.Status, body)
	})
	bg := context.WithoutCancel(ctx)
	if err != nil {
		e := ErrorFor(err)
		if e.status >= 500 || e.retryAfter > 0 {
			if rerr := id.Store.ReleaseIdempotencyKey(bg, req.Scope, req.Key); rerr != nil {
				id.Logger.ErrorContext(ctx, "release idempotency key", "err", rerr)
			}
		} else if ferr := id.Store.FinishIdempotencyKey(bg, req.Scope, req.Key, e.status, e.body()); ferr != nil {
			id.Logger.ErrorContext(ctx, "store idempotent error response", "err", ferr)
		}
		return IdempotentResult{}, err
	}
	if !saved {
		// The operation had no transaction of its own (nothing changed).
		if err := id.Store.FinishIdempotencyKey(bg, req.Scope, req.Key, req.Status, body); err != nil {
			return IdempotentResult{}, err
		}
	}
	return IdempotentResult{Status: req.Status, Body: body}, nil
}

// errKeyTaken rolls an atomic request's effect back when its key turns out
// to be in use by an earlier request.
var errKeyTaken = errors.New("idempotency key already used")

// atomic claims the key inside the effect's transaction (see
// IdempotentRequest.Atomic). If another request holds the key, the effect
// rolls back and that request's answer is replayed (or refused).
func (id *Idempotency) atomic(ctx context.Context, req IdempotentRequest, claim *commerce.IdempotencyRecord, now time.Time, run func(save SaveFunc) ([]byte, error)) (IdempotentResult, error) {
	var prev *commerce.IdempotencyRecord
	saved := false
	claimAndFinish := func(ctx context.Context, tx commerce.Executor, status int, body []byte) error {
		p, ok, err := tx.ClaimIdempotencyKey(ctx, claim, now)
		if err != nil {
			return err
		}
		if !ok {
			prev = p
			return errKeyTaken
		}
		return tx.FinishIdempotencyKey(ctx, req.Scope, req.Key, status, body)
	}
	body, err := run(func(ctx context.Context, tx commerce.Executor, body []byte) error {
		if err := claimAndFinish(ctx, tx, req.Status, body); err != nil {
			return err
		}
		saved = true
		return nil
	})
	if prev != nil {
		return id.existing(prev, claim.Fingerprint, req.Strict)
	}
	bg := context.WithoutCancel(ctx)
	if err != nil {
		// A 4xx changed nothing and is stored for replay; 5xx and "retry
		// shortly" answers are not stored.
		if e := ErrorFor(err); e.status < 500 && e.retryAfter == 0 {
			serr := id.Store.InTx(bg, func(tx commerce.Executor) error { return claimAndFinish(bg, tx, e.status, e.body()) })
			if prev != nil {
				return id.existing(prev, claim.Fingerprint, req.Strict)
			}
			if serr != nil {
				id.Logger.ErrorContext(ctx, "store idempotent error response", "err", serr)
			}
		}
		return IdempotentResult{}, err
	}
	if !saved {
		// The operation had no transaction of its own (nothing changed).
		if err := id.Store.InTx(bg, func(tx commerce.Executor) error { return claimAndFinish(bg, tx, req.Status, body) }); err != nil {
			if prev != nil {
				return id.existing(prev, claim.Fingerprint, req.Strict)
			}
			return IdempotentResult{}, err
		}
	}
	return IdempotentResult{Status: req.Status, Body: body}, nil
}

// existing answers a request whose key another request already holds.
func (id *Idempotency) existing(prev *commerce.IdempotencyRecord, fp string, strict bool) (IdempotentResult, error) {
	switch {
	case prev.Fingerprint != fp:
		id.Metrics.idempotencyEvent("conflict")
		st := http.StatusUnprocessableEntity
		if !strict {
			st = http.StatusConflict
		}
		return IdempotentResult{}, newError(st, typeInvalid, "idempotency_conflict", "This Idempotency-Key was used with a different request body.", "")
	case !prev.Done:
		id.Metrics.idempotencyEvent("in_flight")
		e := newError(http.StatusConflict, typeInvalid, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed.", "")
		e.retryAfter = 1
		return IdempotentResult{}, e
	}
	id.Metrics.idempotencyEvent("replayed")
	return IdempotentResult{Status: prev.Status, Body: prev.Body, Replayed: true}, nil
}

// idempotent runs an HTTP request through h's Idempotency and writes the
// response with the ACP headers.
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, c *call, status int, atomic bool, run func(save SaveFunc) ([]byte, error)) error {
	key := r.Header.Get("Idempotency-Key")
	res, err := h.idem.Do(r.Context(), IdempotentRequest{
		Scope:  c.key.ID + " " + r.Method + " " + r.URL.Path,
		Key:    key,
		Strict: StrictIdempotency(c.codec.Version()),
		Body:   c.body,
		Status: status,
		Atomic: atomic,
	}, run)
	if err != nil {
		return err
	}
	if key != "" {
		w.Header().Set("Idempotency-Key", key)
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, res.Status, res.Body)
	return nil
}

// recorder adapts save to a commerce.Recorder that encodes the view with
// the call's codec; the encoded body is kept in *out.
func recorder(c *call, save SaveFunc, out *[]byte) commerce.Recorder {
	return func(ctx context.Context, tx commerce.Executor, v *commerce.View) error {
		b, err := c.codec.EncodeSession(v)
		if err != nil {
			return err
		}
		*out = b
		return save(ctx, tx, b)
	}
}
