package reqsign

import (
	"crypto/hmac"
	"encoding/base64"
	"strings"
	"sync"
	"time"
)

// Error is a refused signature. Its message is client-safe: the surfaces
// send it as the error message.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// Errors of [Verifier.Verify].
var (
	ErrTimestamp = newError("The timestamp must be RFC 3339.")
	ErrStale     = newError("The timestamp is outside the allowed clock skew.")
	ErrLineBreak = newError("A signed value (method, path, API version, Idempotency-Key, timestamp) holds a line break.")
	ErrMismatch  = newError("The request signature does not match.")
	ErrReplayed  = newError("This signature was already used: sign every request afresh, with a new timestamp.")
	// ErrBusy means the verifier remembers as many signatures as it may
	// and none has expired yet: the request is refused rather than let a
	// replay through. Surfaces answer it as unavailable, with Retry-After.
	ErrBusy = newError("Too many signed requests in the time window; retry shortly.")
)

func newError(msg string) error { return &Error{msg} }

// DefaultMaxRemembered bounds how many signatures a [Verifier]
// remembers: about 32 MiB at most, and 870 signed requests a second,
// every second, for the 10 minutes a signature may be live with the
// default 5-minute skew.
const DefaultMaxRemembered = 1 << 19

// sweepEvery is how often Verify drops expired signatures even when the
// set is not full, so that memory follows the traffic down.
const sweepEvery = 10 * time.Second

// Verifier checks signed requests: the timestamp within Skew of now, the
// MAC, and that the signature was not used before. It remembers each
// signature it accepts until its timestamp leaves the window, in this
// process only: replicas do not share what they remember (README.md,
// Agent API keys). It is safe for concurrent use; surfaces may share one.
type Verifier struct {
	skew time.Duration
	max  int
	now  func() time.Time

	mu        sync.Mutex
	seen      map[[32]byte]int64 // MAC → unix nanoseconds when its timestamp leaves the window
	nextSweep time.Time
}

// NewVerifier returns a Verifier that allows |now − timestamp| ≤ skew
// (default 5 min) and remembers at most maxRemembered signatures (default
// [DefaultMaxRemembered]); now defaults to time.Now.
func NewVerifier(skew time.Duration, maxRemembered int, now func() time.Time) *Verifier {
	if skew <= 0 {
		skew = 5 * time.Minute
	}
	if maxRemembered <= 0 {
		maxRemembered = DefaultMaxRemembered
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{skew: skew, max: maxRemembered, now: now, seen: map[[32]byte]int64{}}
}

// Skew is the allowed distance between a request's timestamp and now.
func (v *Verifier) Skew() time.Duration { return v.skew }

// Verify checks sig, the Signature a client sent for m, under secret. It
// returns one of the package's errors, whose messages are client-safe:
// [ErrTimestamp], [ErrStale], [ErrLineBreak], [ErrMismatch],
// [ErrReplayed] (a signature accepted before, whose timestamp is still
// inside the window) or [ErrBusy]. A signature it accepts is remembered,
// so the same one is refused from then on.
func (v *Verifier) Verify(secret string, m Message, sig string) error {
	now := v.now()
	t, err := time.Parse(time.RFC3339, m.Timestamp)
	if err != nil {
		return ErrTimestamp
	}
	if d := now.Sub(t); d > v.skew || d < -v.skew {
		return ErrStale
	}
	for _, f := range m.fields() {
		if strings.ContainsAny(f, "\r\n") {
			return ErrLineBreak
		}
	}
	want := mac(secret, m)
	if !hmac.Equal([]byte(base64.RawURLEncoding.EncodeToString(want)), []byte(strings.TrimRight(sig, "="))) {
		return ErrMismatch
	}
	return v.remember([32]byte(want), t.Add(v.skew), now)
}

// remember records mac until expires, or answers why it cannot.
func (v *Verifier) remember(mac [32]byte, expires, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.seen[mac]; ok {
		return ErrReplayed
	}
	if len(v.seen) >= v.max || !now.Before(v.nextSweep) {
		v.sweep(now)
	}
	if len(v.seen) >= v.max {
		return ErrBusy
	}
	v.seen[mac] = expires.UnixNano()
	return nil
}

// sweep drops the signatures whose timestamps have left the window: the
// timestamp check refuses them now, so they need not be remembered.
func (v *Verifier) sweep(now time.Time) {
	n := now.UnixNano()
	for k, exp := range v.seen {
		if exp < n {
			delete(v.seen, k)
		}
	}
	v.nextSweep = now.Add(sweepEvery)
}
