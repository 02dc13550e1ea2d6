package acp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"agentshop/internal/idempotency"
)

// NewIdempotency returns the runner of ACP §6 for an ACP transport (REST
// here, the MCP binding in internal/acpmcp): errors are answered with
// ACP's flat error object, and 5xx and "retry shortly" answers are not
// stored, so that a retry runs anew.
func NewIdempotency(store idempotency.Store, log *slog.Logger, now func() time.Time, ttl, inFlight time.Duration) *idempotency.Idempotency {
	return &idempotency.Idempotency{
		Store: store, Logger: log, Now: now, TTL: ttl, InFlight: inFlight,
		Answer: func(err error) (int, []byte, bool) {
			e := ErrorFor(err)
			return e.status, e.body(), e.status < 500 && e.retryAfter == 0
		},
	}
}

// IdempotencyError maps an outcome of idempotency's Do to ACP's flat
// errors, counting it in m, and returns other errors as they are:
//
//   - key required: 400 idempotency_key_required;
//   - key too long, or not UTF-8 text without U+0000: 400
//     invalid_idempotency_key;
//   - same key, other body: 422 idempotency_conflict (409 unless strict,
//     the 2025-09-29 rule);
//   - same key still running: 409 idempotency_in_flight, Retry-After 1.
//
// strict is [StrictIdempotency] of the request's API version.
func IdempotencyError(err error, strict bool, m *Metrics) error {
	switch {
	case errors.Is(err, idempotency.ErrKeyRequired):
		return newError(http.StatusBadRequest, typeInvalid, "idempotency_key_required", "Idempotency-Key header is required on all POST requests.", "")
	case errors.Is(err, idempotency.ErrKeyInvalid):
		return newError(http.StatusBadRequest, typeInvalid, "invalid_idempotency_key", "Idempotency-Key may be at most 255 characters of UTF-8 text without U+0000.", "")
	case errors.Is(err, idempotency.ErrConflict):
		m.idempotencyEvent("conflict")
		st := http.StatusUnprocessableEntity
		if !strict {
			st = http.StatusConflict
		}
		return newError(st, typeInvalid, "idempotency_conflict", "This Idempotency-Key was used with a different request body.", "")
	case errors.Is(err, idempotency.ErrInFlight):
		m.idempotencyEvent("in_flight")
		e := newError(http.StatusConflict, typeInvalid, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed.", "")
		e.retryAfter = 1
		return e
	}
	return err
}

// DoIdempotent runs req through id and maps its outcome for ACP:
// [IdempotencyError] for the key's problems, a replay counted in m.
// strict is [StrictIdempotency] of the request's API version and sets
// req.Required.
func DoIdempotent(ctx context.Context, id *idempotency.Idempotency, m *Metrics, strict bool, req idempotency.Request, run func(k *idempotency.Key) ([]byte, error)) (idempotency.Result, error) {
	req.Required = strict
	res, err := id.Do(ctx, req, run)
	if err != nil {
		return res, IdempotencyError(err, strict, m)
	}
	if res.Replayed {
		m.idempotencyEvent("replayed")
	}
	return res, nil
}

// idempotent runs an HTTP request through h's idempotency and writes the
// response with the ACP headers. Every operation claims the key inside its
// own transactions (idempotency.Hooks).
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, c *call, status int, run func(k *idempotency.Key) ([]byte, error)) error {
	key := r.Header.Get("Idempotency-Key")
	res, err := DoIdempotent(r.Context(), h.idem, h.cfg.Metrics, StrictIdempotency(c.codec.Version()), idempotency.Request{
		Scope:   c.key.ID + " " + r.Method + " " + r.URL.Path,
		Variant: c.codec.Version(),
		Key:     key,
		Body:    c.body,
		Status:  status,
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
