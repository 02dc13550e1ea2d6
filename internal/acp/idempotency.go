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

// Key is a request's Idempotency-Key as its operation sees it from inside
// its transactions. All methods are no-ops for a request without a key.
type Key struct {
	req    IdempotentRequest
	rec    *commerce.IdempotencyRecord
	now    time.Time
	atomic bool
	early  bool // Claim was used: the key is claimed before Save
	done   bool // the claim is committed
	saved  bool
	prev   *commerce.IdempotencyRecord // another request's record, found by a claim
	noKey  bool
}

// Save stores the response body inside tx, the transaction that commits
// the request's effect. In an atomic request that did not Claim, it also
// claims the key there.
func (k *Key) Save(ctx context.Context, tx commerce.Executor, body []byte) error {
	if k.noKey {
		return nil
	}
	if k.atomic && !k.early {
		if err := k.claimFinished(ctx, tx, k.req.Status, body); err != nil {
			return err
		}
		k.saved = true
		return nil
	}
	k.saved = true
	return tx.FinishIdempotencyKey(ctx, k.req.Scope, k.req.Key, k.req.Status, body)
}

// Claim claims the key inside tx ahead of Save, for an operation whose
// effect spans transactions (complete: claim the payment, call the
// provider, record the outcome). Once tx commits, and Claimed says so, the
// key is in flight: a concurrent request with it gets 409. A later
// transaction that calls Save must follow Claimed or call Claim first.
func (k *Key) Claim(ctx context.Context, tx commerce.Executor) error {
	if k.noKey || !k.atomic {
		return nil
	}
	k.early = true
	if k.done {
		return nil
	}
	return k.claimIn(ctx, tx)
}

// Claimed tells that the transaction that ran Claim has committed.
func (k *Key) Claimed() {
	if k.early {
		k.done = true
	}
}

func (k *Key) claimIn(ctx context.Context, tx commerce.Executor) error {
	return k.claimRec(ctx, tx, k.rec)
}

// claimFinished claims the key with its answer in one write: the record is
// born finished.
func (k *Key) claimFinished(ctx context.Context, q commerce.Executor, status int, body []byte) error {
	rec := *k.rec
	rec.Done, rec.Status, rec.Body = true, status, body
	return k.claimRec(ctx, q, &rec)
}

func (k *Key) claimRec(ctx context.Context, tx commerce.Executor, rec *commerce.IdempotencyRecord) error {
	p, ok, err := tx.ClaimIdempotencyKey(ctx, rec, k.now)
	if err != nil {
		return err
	}
	if !ok {
		k.prev = p
		return errKeyTaken
	}
	return nil
}

// errKeyTaken rolls a request's effect back when its key turns out to be
// in use by an earlier request.
var errKeyTaken = errors.New("idempotency key already used")

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
// run must call k.Save inside the transaction that commits its effect; the
// stored response then commits or rolls back with it. Errors returned are
// *Error (key problems) or run's own.
func (id *Idempotency) Do(ctx context.Context, req IdempotentRequest, run func(k *Key) ([]byte, error)) (IdempotentResult, error) {
	if req.Key == "" {
		if req.Strict {
			return IdempotentResult{}, newError(http.StatusBadRequest, typeInvalid, "idempotency_key_required", "Idempotency-Key header is required on all POST requests.", "")
		}
		body, err := run(&Key{noKey: true})
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
	k := &Key{req: req, now: now, atomic: req.Atomic, rec: &commerce.IdempotencyRecord{
		Scope: req.Scope, Key: req.Key, Fingerprint: fp,
		LockedUntil: now.Add(id.InFlight), CreatedAt: now, ExpiresAt: now.Add(id.TTL),
	}}
	if !req.Atomic {
		prev, claimed, err := id.Store.ClaimIdempotencyKey(ctx, k.rec, now)
		if err != nil {
			return IdempotentResult{}, err
		}
		if !claimed {
			return id.existing(prev, fp, req.Strict)
		}
		k.early, k.done = true, true
	}

	body, err := run(k)
	if k.prev != nil {
		return id.existing(k.prev, fp, req.Strict)
	}
	bg := context.WithoutCancel(ctx)
	// held: a committed claim in flight, to be finished or released here.
	// Otherwise no claim of this request survived, and storing an answer
	// means claiming the key first.
	held := k.early && k.done
	claimAndFinish := func(status int, body []byte) error {
		return k.claimFinished(bg, id.Store, status, body)
	}
	if err != nil {
		e := ErrorFor(err)
		switch {
		case e.status >= 500 || e.retryAfter > 0:
			// Not stored: a retry runs anew.
			if held {
				if rerr := id.Store.ReleaseIdempotencyKey(bg, req.Scope, req.Key); rerr != nil {
					id.Logger.ErrorContext(ctx, "release idempotency key", "err", rerr)
				}
			}
		case held:
			if ferr := id.Store.FinishIdempotencyKey(bg, req.Scope, req.Key, e.status, e.body()); ferr != nil {
				id.Logger.ErrorContext(ctx, "store idempotent error response", "err", ferr)
			}
		default:
			// A 4xx changed nothing and is stored for replay.
			serr := claimAndFinish(e.status, e.body())
			if k.prev != nil {
				return id.existing(k.prev, fp, req.Strict)
			}
			if serr != nil {
				id.Logger.ErrorContext(ctx, "store idempotent error response", "err", serr)
			}
		}
		return IdempotentResult{}, err
	}
	if !k.saved {
		// The operation had no transaction of its own (nothing changed).
		var serr error
		if held {
			serr = id.Store.FinishIdempotencyKey(bg, req.Scope, req.Key, req.Status, body)
		} else {
			serr = claimAndFinish(req.Status, body)
		}
		if k.prev != nil {
			return id.existing(k.prev, fp, req.Strict)
		}
		if serr != nil {
			return IdempotentResult{}, serr
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
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, c *call, status int, run func(k *Key) ([]byte, error)) error {
	key := r.Header.Get("Idempotency-Key")
	res, err := h.idem.Do(r.Context(), IdempotentRequest{
		Scope:  c.key.ID + " " + r.Method + " " + r.URL.Path,
		Key:    key,
		Strict: StrictIdempotency(c.codec.Version()),
		Body:   c.body,
		Status: status,
		// Every operation claims the key inside its own transactions:
		// complete through Key.Claim, the others in Key.Save.
		Atomic: true,
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

// Hooks returns the transaction hooks that run k around a session
// operation: Commit encodes the view with encode, keeps the body in *out
// and saves it (Key.Save); with claim, Begin and Begun claim the key in the
// operation's first transaction (Key.Claim, Key.Claimed), for an operation
// whose effect spans transactions (complete).
func (k *Key) Hooks(encode func(*commerce.View) ([]byte, error), claim bool, out *[]byte) *commerce.TxHooks[*commerce.View] {
	h := &commerce.TxHooks[*commerce.View]{
		Commit: func(ctx context.Context, tx commerce.Executor, v *commerce.View) error {
			b, err := encode(v)
			if err != nil {
				return err
			}
			*out = b
			return k.Save(ctx, tx, b)
		},
	}
	if claim {
		h.Begin, h.Begun = k.Claim, k.Claimed
	}
	return h
}
