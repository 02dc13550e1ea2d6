package acp

import (
	"log/slog"
	"net/http"
	"time"

	"agentshop/internal/ratelimit"
)

// Throttling: the 429 answers of the per-key and failed-authentication
// limiters, shared by REST and the ACP MCP binding (internal/acpmcp).
// Neither is logged per request (writeError skips 429s): a throttled key
// or address is logged at most once per interval, with the count of the
// 429s it got since ([ratelimit.Decision.Log]).

// KeyThrottled is the 429 for a request of API key keyID over its limit
// d. Its Retry-After comes from d; the caller has written d's headers.
func KeyThrottled(log *slog.Logger, keyID string, d ratelimit.Decision) *Error {
	if d.Log {
		log.Warn("rate limited", "limit", "api_key", "api_key_id", keyID, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
	}
	e := newError(http.StatusTooManyRequests, typeInvalid, "rate_limit_exceeded", "Too many requests for this API key; slow down.", "")
	e.retryAfter = d.RetryAfterSeconds()
	return e
}

// AuthThrottled is the 429 for a request from addr, which has failed
// authentication too often (d, from [ratelimit.Limiter.Check]); it writes
// d's headers on h. The request's key is not looked at.
func AuthThrottled(h http.Header, log *slog.Logger, addr string, d ratelimit.Decision) *Error {
	d.WriteHeaders(h)
	if d.Log {
		log.Warn("rate limited", "limit", "auth_failures", "client", addr, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
	}
	e := newError(http.StatusTooManyRequests, typeInvalid, "rate_limit_exceeded", "Too many failed authentications from this address; slow down.", "")
	e.retryAfter = d.RetryAfterSeconds()
	return e
}

// CountAuthFailure charges addr's failed-authentication bucket: the
// caller calls it for a 401 (a missing, unknown or revoked key, or a bad
// signature), not for a store that failed.
func CountAuthFailure(l *ratelimit.Limiter, log *slog.Logger, addr string, now time.Time) {
	if d := l.Allow(addr, now); d.Log {
		log.Warn("rate limited", "limit", "auth_failures", "client", addr, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
	}
}
