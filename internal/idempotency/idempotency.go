package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"agentshop/internal/commerce"
)

// MaxKeyLength is the longest key accepted, in bytes.
const MaxKeyLength = 255

// Do's outcomes other than running the request or replaying its answer.
// Transports map them to their status codes.
var (
	// ErrKeyRequired: the request has no key and [Request.Required] is set.
	ErrKeyRequired = errors.New("idempotency: key required")
	// ErrKeyInvalid: the key is longer than [MaxKeyLength], or is not
	// text a store can hold (invalid UTF-8, U+0000).
	ErrKeyInvalid = errors.New("idempotency: key too long")
	// ErrConflict: the key was used with a different request body.
	ErrConflict = errors.New("idempotency: key used with a different request body")
	// ErrInFlight: a request with the key is still running.
	ErrInFlight = errors.New("idempotency: a request with this key is in flight")
)

// Idempotency runs requests under their keys. Its fields are set once;
// Do is safe for concurrent use.
type Idempotency struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time
	// TTL is how long answers are kept for replay.
	TTL time.Duration
	// InFlight is how long a claimed key answers same-key requests with
	// ErrInFlight before a crashed request's claim may be taken over.
	InFlight time.Duration
	// Answer turns an operation's error into the answer to store and
	// replay. keep is false for answers that must not be stored (server
	// faults, "retry shortly"), so that a retry runs anew. Nil stores no
	// error.
	Answer func(err error) (status int, body []byte, keep bool)
}

// Request is one mutating request.
type Request struct {
	// Scope names the caller and operation: API key id, method and path.
	Scope string
	// Variant names the wire format the answer is rendered in (ACP's
	// API-Version). It is part of the fingerprint, not of the scope: the
	// same key and body under another variant is ErrConflict, never a
	// replay of an answer shaped for the other variant, nor a second
	// effect. "" for a transport with one format.
	Variant string
	// Key is the request's idempotency key; "" when absent.
	Key string
	// Required refuses a request without a key (ErrKeyRequired) instead
	// of running it unguarded.
	Required bool
	Body     []byte
	// Status is the success status stored with the answer (e.g. 201 for
	// create, 200 otherwise).
	Status int
}

// Result is the answer to send.
type Result struct {
	Status   int
	Body     []byte
	Replayed bool // a stored answer of an earlier request with the key
}

// Key is a request's key as its operation sees it from inside its
// transactions. All methods are no-ops for a request without a key.
type Key struct {
	req   Request
	rec   *Record
	now   time.Time
	early bool    // Claim was used: the key is claimed before Save
	done  bool    // the claim is committed
	saved bool    // Save ran
	prev  *Record // another request's record, found by a claim
	noKey bool
}

// Save stores the answer body inside tx, the transaction that commits the
// request's effect. Unless Claim ran first, it also claims the key there,
// in the same write.
func (k *Key) Save(ctx context.Context, tx Executor, body []byte) error {
	if k.noKey {
		return nil
	}
	k.saved = true
	if !k.early {
		return k.claimFinished(ctx, tx, k.req.Status, body)
	}
	return tx.FinishIdempotencyKey(ctx, k.req.Scope, k.req.Key, k.req.Status, body)
}

// Claim claims the key inside tx ahead of Save, for an operation whose
// effect spans transactions (complete: claim the payment, call the
// provider, record the outcome). Once tx commits, and Claimed says so, the
// key is in flight: a concurrent request with it gets ErrInFlight. A later
// transaction that calls Save must follow Claimed or call Claim first.
func (k *Key) Claim(ctx context.Context, tx Executor) error {
	if k.noKey {
		return nil
	}
	k.early = true
	if k.done {
		return nil
	}
	return k.claimRec(ctx, tx, k.rec)
}

// Claimed tells that the transaction that ran Claim has committed.
func (k *Key) Claimed() {
	if k.early {
		k.done = true
	}
}

// claimFinished claims the key with its answer in one write: the record is
// born finished.
func (k *Key) claimFinished(ctx context.Context, q Executor, status int, body []byte) error {
	rec := *k.rec
	rec.Done, rec.Status, rec.Body = true, status, body
	return k.claimRec(ctx, q, &rec)
}

func (k *Key) claimRec(ctx context.Context, tx Executor, rec *Record) error {
	p, ok, err := tx.ClaimIdempotencyKey(ctx, rec, k.now)
	if err != nil {
		return fmt.Errorf("claim idempotency key: %w", err)
	}
	if !ok {
		k.prev = p
		return errKeyTaken
	}
	return nil
}

// errKeyTaken rolls a request's effect back when its key turns out to be
// in use by an earlier request.
var errKeyTaken = errors.New("idempotency: key already used")

// Do runs a mutating request under its key:
//
//   - no key: ErrKeyRequired when Required; otherwise the request just runs;
//   - a key longer than MaxKeyLength, or not valid UTF-8, or holding
//     U+0000: ErrKeyInvalid;
//   - same key, same canonical body, finished: the stored status and body,
//     Replayed, and no side effect;
//   - same key, other body or other Variant: ErrConflict;
//   - same key still running: ErrInFlight;
//   - errors that Answer does not keep are not stored, so a retry runs
//     anew; other errors are stored and replayed like successes.
//
// run must hand k to its operation's transactions (see [Hooks]): Save in
// the transaction that commits the effect, and Claim first in the first
// one when the effect spans transactions. The stored answer then commits
// or rolls back with the effect. An operation that commits nothing (it
// answers from a read) is answered here, in a write of its own. Errors
// returned are the sentinels above or run's own.
func (id *Idempotency) Do(ctx context.Context, req Request, run func(k *Key) ([]byte, error)) (Result, error) {
	if req.Key == "" {
		if req.Required {
			return Result{}, ErrKeyRequired
		}
		body, err := run(&Key{noKey: true})
		return Result{Status: req.Status, Body: body}, err
	}
	if len(req.Key) > MaxKeyLength || !utf8.ValidString(req.Key) || strings.ContainsRune(req.Key, 0) {
		return Result{}, ErrKeyInvalid
	}
	fp, err := Fingerprint(req.Body)
	if err != nil {
		// Not JSON: compare raw bytes; the codec reports the syntax error.
		sum := sha256.Sum256(req.Body)
		fp = "raw:" + hex.EncodeToString(sum[:])
	}
	if req.Variant != "" {
		fp = req.Variant + ":" + fp
	}
	now := id.Now().UTC()
	k := &Key{req: req, now: now, rec: &Record{
		Scope: req.Scope, Key: req.Key, Fingerprint: fp,
		LockedUntil: now.Add(id.InFlight), CreatedAt: now, ExpiresAt: now.Add(id.TTL),
	}}

	body, err := run(k)
	if k.prev != nil {
		return existing(k.prev, fp)
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
		status, ebody, keep := 0, []byte(nil), false
		if id.Answer != nil {
			status, ebody, keep = id.Answer(err)
		}
		switch {
		case !keep:
			// Not stored: a retry runs anew.
			if held {
				if rerr := id.Store.ReleaseIdempotencyKey(bg, req.Scope, req.Key); rerr != nil {
					id.logger().ErrorContext(ctx, "release idempotency key", "err", rerr)
				}
			}
		case held:
			if ferr := id.Store.FinishIdempotencyKey(bg, req.Scope, req.Key, status, ebody); ferr != nil {
				id.logger().ErrorContext(ctx, "store idempotent error response", "err", ferr)
			}
		default:
			// An error that changed nothing is stored for replay.
			serr := claimAndFinish(status, ebody)
			if k.prev != nil {
				return existing(k.prev, fp)
			}
			if serr != nil {
				id.logger().ErrorContext(ctx, "store idempotent error response", "err", serr)
			}
		}
		return Result{}, err
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
			return existing(k.prev, fp)
		}
		if serr != nil {
			return Result{}, fmt.Errorf("store idempotent response: %w", serr)
		}
	}
	return Result{Status: req.Status, Body: body}, nil
}

// existing answers a request whose key another request already holds.
func existing(prev *Record, fp string) (Result, error) {
	switch {
	case prev.Fingerprint != fp:
		return Result{}, ErrConflict
	case !prev.Done:
		return Result{}, ErrInFlight
	}
	return Result{Status: prev.Status, Body: prev.Body, Replayed: true}, nil
}

func (id *Idempotency) logger() *slog.Logger {
	if id.Logger != nil {
		return id.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Hooks returns the commerce.TxHooks that run k inside an operation of
// commerce.Service: Commit encodes the operation's result with encode,
// keeps the body in *out and saves it (Key.Save); with claim, Begin claims
// the key first in the operation's first transaction and Begun says that
// transaction committed (Key.Claim, Key.Claimed), for an operation whose
// effect spans transactions (Complete). The store's transactions must
// implement [Executor].
func Hooks[T any](k *Key, encode func(T) ([]byte, error), claim bool, out *[]byte) *commerce.TxHooks[T] {
	h := &commerce.TxHooks[T]{
		Commit: func(ctx context.Context, tx commerce.Executor, v T) error {
			b, err := encode(v)
			if err != nil {
				return err
			}
			*out = b
			x, err := executor(tx)
			if err != nil {
				return err
			}
			return k.Save(ctx, x, b)
		},
	}
	if claim {
		h.Begin = func(ctx context.Context, tx commerce.Executor) error {
			x, err := executor(tx)
			if err != nil {
				return err
			}
			return k.Claim(ctx, x)
		}
		h.Begun = k.Claimed
	}
	return h
}

// executor is tx's idempotency side: the stores' transactions hold
// idempotency records beside commerce's rows.
func executor(tx commerce.Executor) (Executor, error) {
	x, ok := tx.(Executor)
	if !ok {
		return nil, fmt.Errorf("idempotency: transaction %T holds no idempotency records", tx)
	}
	return x, nil
}
