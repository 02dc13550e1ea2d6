package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limiter is a token bucket per key: each key may make Burst requests at
// once and Rate a second steadily. A nil *Limiter allows everything and
// writes no headers. It is safe for concurrent use.
type Limiter struct {
	rate     float64 // tokens per second
	burst    float64
	logEvery time.Duration

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	// logged is when a denial of this key was last reported through
	// [Decision.Log]; denied counts the denials since.
	logged time.Time
	denied int
}

// sweepEvery is how often idle (full) buckets are dropped.
const sweepEvery = time.Minute

// DefaultLogEvery is how often a throttled key is reported at most.
const DefaultLogEvery = time.Minute

// New returns a limiter of rate tokens a second with bursts of burst (at
// least 1) that reports a throttled key at most once per logEvery
// (0: [DefaultLogEvery]). A rate of 0 or less means no limit: New then
// returns nil.
func New(rate float64, burst int, logEvery time.Duration) *Limiter {
	if rate <= 0 {
		return nil
	}
	if logEvery <= 0 {
		logEvery = DefaultLogEvery
	}
	return &Limiter{rate: rate, burst: float64(max(burst, 1)), logEvery: logEvery, buckets: map[string]*bucket{}}
}

// Decision is a limiter's answer for one request.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the bucket's size (0 when there is no limiter); Remaining
	// the whole tokens left after this request; Reset how long until the
	// bucket is full again.
	Limit, Remaining int
	Reset            time.Duration
	// RetryAfter, when not Allowed, is how long until a token is there.
	RetryAfter time.Duration
	// Log is set on at most one denial per key per log interval: the
	// caller logs it, with Suppressed, the denials since the last one it
	// was told to log, so that a flood of 429s is one line a minute.
	Log        bool
	Suppressed int
}

// Allow takes a token for key at now, if there is one.
func (l *Limiter) Allow(key string, now time.Time) Decision { return l.decide(key, now, true) }

// Check reports whether key has a token at now without taking it. It is
// for limits on failures, checked before the work and charged only when
// it fails ([Limiter.Allow] then).
func (l *Limiter) Check(key string, now time.Time) Decision { return l.decide(key, now, false) }

func (l *Limiter) decide(key string, now time.Time, take bool) Decision {
	if l == nil {
		return Decision{Allowed: true}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if now.After(b.last) {
		b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	}
	d := Decision{Limit: int(l.burst)}
	if b.tokens >= 1 {
		d.Allowed = true
		if take {
			b.tokens--
		}
	} else {
		d.RetryAfter = l.seconds(1 - b.tokens)
		b.denied++
		if now.Sub(b.logged) >= l.logEvery {
			d.Log, d.Suppressed = true, b.denied-1
			b.logged, b.denied = now, 0
		}
	}
	d.Remaining = int(math.Floor(b.tokens))
	d.Reset = l.seconds(l.burst - b.tokens)
	return d
}

func (l *Limiter) seconds(tokens float64) time.Duration {
	return time.Duration(tokens / l.rate * float64(time.Second))
}

// sweep drops, once every sweepEvery, the buckets that are full at now
// and have no unreported denials: they are the same as new ones.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.denied == 0 && b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// Len is the number of buckets held (for tests of the sweep).
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// WriteHeaders sets the IETF rate-limit headers of d on h
// (draft-ietf-httpapi-ratelimit-headers: RateLimit-Limit, the bucket
// size; RateLimit-Remaining; RateLimit-Reset, whole seconds until the
// bucket is full) and, when d is a denial, Retry-After (whole seconds,
// at least 1). It writes nothing for a decision without a limiter.
func (d Decision) WriteHeaders(h http.Header) {
	if d.Limit == 0 {
		return
	}
	h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(d.Reset)))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(d.RetryAfter))))
	}
}

// RetryAfterSeconds is d's Retry-After in whole seconds, at least 1.
func (d Decision) RetryAfterSeconds() int { return max(1, ceilSeconds(d.RetryAfter)) }

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
