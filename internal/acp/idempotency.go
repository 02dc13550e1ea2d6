package acp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"agentshop/internal/commerce"
)

// saveFunc stores the response body inside the effect's transaction.
type saveFunc func(ctx context.Context, tx commerce.Executor, body []byte) error

// idempotent runs a mutating request under its Idempotency-Key (ACP §6):
//
//   - missing key: 400 on 2026-04-17; on 2025-09-29 the request just runs;
//   - same key, same canonical body, finished: the stored status and body,
//     with Idempotent-Replayed: true, and no side effect;
//   - same key, other body: 422 (409 on 2025-09-29) idempotency_conflict;
//   - same key still running: 409 idempotency_in_flight with Retry-After;
//   - 5xx and "retry shortly" answers are not stored, so a retry runs anew.
//
// The scope is the API key, method and path, so the same key on another
// endpoint or session is independent. run must call save inside the
// transaction that commits its effect; the stored response then commits
// or rolls back with it.
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, c *call, status int, run func(save saveFunc) ([]byte, error)) error {
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	strict := strictIdempotency(c.codec.Version())
	if key == "" {
		if strict {
			return newError(http.StatusBadRequest, typeInvalid, "idempotency_key_required", "Idempotency-Key header is required on all POST requests.", "")
		}
		body, err := run(func(context.Context, commerce.Executor, []byte) error { return nil })
		if err != nil {
			return err
		}
		writeJSON(w, status, body)
		return nil
	}
	if len(key) > 255 {
		return newError(http.StatusBadRequest, typeInvalid, "invalid_idempotency_key", "Idempotency-Key may be at most 255 characters.", "")
	}
	fp, err := Fingerprint(c.body)
	if err != nil {
		// Not JSON: compare raw bytes; the codec reports the syntax error.
		sum := sha256.Sum256(c.body)
		fp = "raw:" + hex.EncodeToString(sum[:])
	}
	scope := c.key.ID + " " + r.Method + " " + r.URL.Path
	now := h.cfg.Now().UTC()
	claim := &commerce.IdempotencyRecord{
		Scope: scope, Key: key, Fingerprint: fp,
		LockedUntil: now.Add(h.cfg.InFlightLease), CreatedAt: now, ExpiresAt: now.Add(h.cfg.IdempotencyTTL),
	}
	prev, claimed, err := h.cfg.Store.ClaimIdempotencyKey(ctx, claim, now)
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case prev.Fingerprint != fp:
			h.cfg.Metrics.idempotencyEvent("conflict")
			st := http.StatusUnprocessableEntity
			if !strict {
				st = http.StatusConflict
			}
			return newError(st, typeInvalid, "idempotency_conflict", "This Idempotency-Key was used with a different request body.", "")
		case !prev.Done:
			h.cfg.Metrics.idempotencyEvent("in_flight")
			e := newError(http.StatusConflict, typeInvalid, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed.", "")
			e.retryAfter = 1
			return e
		}
		h.cfg.Metrics.idempotencyEvent("replayed")
		w.Header().Set("Idempotency-Key", key)
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, prev.Status, prev.Body)
		return nil
	}

	saved := false
	body, err := run(func(ctx context.Context, tx commerce.Executor, body []byte) error {
		saved = true
		return tx.FinishIdempotencyKey(ctx, scope, key, status, body)
	})
	bg := context.WithoutCancel(ctx)
	if err != nil {
		e := errorFor(err)
		if e.status >= 500 || e.retryAfter > 0 {
			if rerr := h.cfg.Store.ReleaseIdempotencyKey(bg, scope, key); rerr != nil {
				h.log.ErrorContext(ctx, "release idempotency key", "err", rerr)
			}
		} else if ferr := h.cfg.Store.FinishIdempotencyKey(bg, scope, key, e.status, e.body()); ferr != nil {
			h.log.ErrorContext(ctx, "store idempotent error response", "err", ferr)
		}
		return err
	}
	if !saved {
		// The operation had no transaction of its own (nothing changed).
		if err := h.cfg.Store.FinishIdempotencyKey(bg, scope, key, status, body); err != nil {
			return err
		}
	}
	w.Header().Set("Idempotency-Key", key)
	writeJSON(w, status, body)
	return nil
}

// recorder adapts save to a commerce.Recorder that encodes the view with
// the call's codec; the encoded body is kept in *out.
func recorder(c *call, save saveFunc, out *[]byte) commerce.Recorder {
	return func(ctx context.Context, tx commerce.Executor, v *commerce.View) error {
		b, err := c.codec.EncodeSession(v)
		if err != nil {
			return err
		}
		*out = b
		return save(ctx, tx, b)
	}
}
