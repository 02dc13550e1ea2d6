package acp_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acp"
	"agentshop/internal/ratelimit"
)

// TestRateLimitHeaders: every answer under a limit carries the IETF
// RateLimit-Limit/-Remaining/-Reset headers, and a 429 Retry-After too
// (issue 15 item 6).
func TestRateLimitHeaders(t *testing.T) {
	b := setup(t, func(c *acp.Config) { c.RateLimit, c.RateBurst = 1, 2 })
	get := req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026}
	r := b.do(t, get).want(t, http.StatusNotFound)
	if got := [3]string{r.Header.Get("RateLimit-Limit"), r.Header.Get("RateLimit-Remaining"), r.Header.Get("RateLimit-Reset")}; got != [3]string{"2", "1", "1"} {
		t.Errorf("first answer: RateLimit-Limit/-Remaining/-Reset = %v, want [2 1 1]", got)
	}
	b.do(t, get).want(t, http.StatusNotFound)
	r = b.do(t, get).want(t, http.StatusTooManyRequests)
	if got := [4]string{r.Header.Get("RateLimit-Limit"), r.Header.Get("RateLimit-Remaining"), r.Header.Get("RateLimit-Reset"), r.Header.Get("Retry-After")}; got != [4]string{"2", "0", "2", "1"} {
		t.Errorf("429: RateLimit-Limit/-Remaining/-Reset, Retry-After = %v, want [2 0 2 1]", got)
	}
	if r.str("type") != "invalid_request" || r.str("code") != "rate_limit_exceeded" {
		t.Errorf("429 body %s", r.Raw)
	}
}

// TestRateLimitLogsOncePerInterval: a flood of 429s for one key is one
// log line per interval, not one per request (9.6 MB of WARN lines in
// 3 s before).
func TestRateLimitLogsOncePerInterval(t *testing.T) {
	b := setup(t, func(c *acp.Config) { c.RateLimit, c.RateBurst = 1, 1 })
	get := req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026}
	b.do(t, get).want(t, http.StatusNotFound)
	for range 20 {
		b.do(t, get).want(t, http.StatusTooManyRequests)
	}
	if n := strings.Count(b.logs.String(), `"msg":"rate limited"`); n != 1 {
		t.Errorf("%d rate-limited log lines for 20 throttled requests, want 1:\n%s", n, b.logs)
	}
	if n := strings.Count(b.logs.String(), `"status":429`); n != 0 {
		t.Errorf("%d per-request log lines for 429s, want 0", n)
	}
	b.clock.Advance(time.Minute)
	b.do(t, get).want(t, http.StatusNotFound)
	b.do(t, get).want(t, http.StatusTooManyRequests)
	if !strings.Contains(b.logs.String(), `"suppressed":19`) {
		t.Errorf("the next interval's line does not count the 19 suppressed 429s:\n%s", b.logs)
	}
}

// TestAuthFailuresThrottled: an address that keeps failing
// authentication gets 429 before its key is looked at, even a valid one;
// other addresses are not affected (issue 15 item 6).
func TestAuthFailuresThrottled(t *testing.T) {
	fails := ratelimit.New(1, 3, 0)
	b := setup(t, func(c *acp.Config) {
		c.AuthFailures = fails
		c.ClientAddr = func(r *http.Request) string { return r.Header.Get("Test-Client") }
	})
	get := func(key, client string) req {
		return req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026, key: key, header: map[string]string{"Test-Client": client}}
	}
	for range 3 {
		b.do(t, get("ask_wrong", "a")).want(t, http.StatusUnauthorized)
	}
	r := b.do(t, get("ask_wrong", "a")).want(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Limit") != "3" || r.str("code") != "rate_limit_exceeded" {
		t.Errorf("throttled failure: %v %s", r.Header, r.Raw)
	}
	// The valid key from the throttled address waits too: otherwise the
	// throttle would still answer a guess that happens to be right.
	b.do(t, get(b.key, "a")).want(t, http.StatusTooManyRequests)
	b.do(t, get(b.key, "b")).want(t, http.StatusNotFound)
	// Successes cost nothing.
	for range 5 {
		b.do(t, get(b.key, "c")).want(t, http.StatusNotFound)
	}
	b.do(t, get("ask_wrong", "c")).want(t, http.StatusUnauthorized)
	b.clock.Advance(time.Second)
	b.do(t, get(b.key, "a")).want(t, http.StatusNotFound)
}

// TestFieldLengths: an address line over ACP's 60 characters is a 400
// invalid with the version's JSONPath, on create and update, in both
// versions, and changes nothing (issue 15 item 5).
func TestFieldLengths(t *testing.T) {
	b := setup(t)
	long := strings.Repeat("x", 61)
	for _, v := range []string{v2025, v2026} {
		t.Run(v, func(t *testing.T) {
			want := "$.fulfillment_details.address.line_one"
			if v == v2025 {
				want = "$.fulfillment_address.line_one"
			}
			body := createBody(v, map[string]int{racket: 1}, true)
			addr := map[string]any{}
			for k, x := range caAddress {
				addr[k] = x
			}
			addr["line_one"] = long
			if v == v2025 {
				body["fulfillment_address"] = addr
			} else {
				body["fulfillment_details"] = map[string]any{"name": "Ada", "address": addr}
			}
			r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: v, body: body}).want(t, http.StatusBadRequest)
			if r.str("code") != "invalid" || r.str("param") != want {
				t.Errorf("create: %s, want invalid at %s", r.Raw, want)
			}
			s := b.newReadySession(t, v)
			id := s.str("id")
			upd := map[string]any{"fulfillment_details": map[string]any{"address": addr}}
			if v == v2025 {
				upd = map[string]any{"fulfillment_address": addr}
			}
			r = b.do(t, req{method: "POST", path: "/checkout_sessions/" + id, version: v, body: upd}).want(t, http.StatusBadRequest)
			if r.str("param") != want {
				t.Errorf("update: %s, want invalid at %s", r.Raw, want)
			}
			after := b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: v}).want(t, http.StatusOK)
			if strings.Contains(string(after.Raw), long) {
				t.Errorf("the refused address was stored: %s", after.Raw)
			}
		})
	}
}
