package acp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/acp"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/reqsign"
)

func TestAuth(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	secret, k := apikey.New("old", time.Now())
	if err := b.store.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := b.store.RevokeAPIKey(ctx, k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    req
		code string
	}{
		{"no key", req{noAuth: true}, "unauthorized"},
		{"unknown key", req{key: "ask_nope"}, "invalid_api_key"},
		{"revoked key", req{key: secret}, "invalid_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.method, tt.r.path, tt.r.version = "GET", "/checkout_sessions/cs_x", v2026
			r := b.do(t, tt.r).want(t, http.StatusUnauthorized)
			if r.str("code") != tt.code || r.str("type") != "invalid_request" {
				t.Errorf("got %s", r.Raw)
			}
		})
	}
}

// With KeyCacheTTL a key read from the store is trusted for that long: a
// revocation takes effect once the cached entry is older than the TTL.
func TestAuthKeyCache(t *testing.T) {
	const ttl = time.Second
	b := setup(t, func(c *acp.Config) { c.KeyCacheTTL = ttl })
	ctx := context.Background()
	secret, k := apikey.New("cached", b.clock.Now())
	if err := b.store.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	get := req{method: "GET", path: "/checkout_sessions/cs_missing", version: v2026, key: secret}
	b.do(t, get).want(t, http.StatusNotFound) // authenticated: the session is what is missing
	if err := b.store.RevokeAPIKey(ctx, k.ID, b.clock.Now()); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(ttl / 2)
	b.do(t, get).want(t, http.StatusNotFound) // still the cached key
	b.clock.Advance(ttl / 2)
	if r := b.do(t, get).want(t, http.StatusUnauthorized); r.str("code") != "invalid_api_key" {
		t.Errorf("revoked key after the TTL: %s", r.Raw)
	}
	// Unknown keys are never cached: a key created after a failed lookup works at once.
	secret2, k2 := apikey.New("late", b.clock.Now())
	get.key = secret2
	b.do(t, get).want(t, http.StatusUnauthorized)
	if err := b.store.CreateAPIKey(ctx, k2); err != nil {
		t.Fatal(err)
	}
	b.do(t, get).want(t, http.StatusNotFound)
}

func TestAPIVersion(t *testing.T) {
	b := setup(t)
	for _, tt := range []struct{ version, code string }{{"", "missing_api_version"}, {"2024-01-01", "unsupported_api_version"}} {
		r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.version, body: createBody(v2026, map[string]int{racket: 1}, false)}).want(t, http.StatusBadRequest)
		vs, _ := r.JSON["supported_versions"].([]any)
		if r.str("code") != tt.code || len(vs) != 2 || vs[0] != v2026 {
			t.Errorf("API-Version %q: %s", tt.version, r.Raw)
		}
		if b.schema != nil {
			if err := b.schema.Validate(v2026, "Error", r.Raw); err != nil {
				t.Errorf("error violates schema: %v", err)
			}
		}
	}
}

// An error message repeats at most acp.MaxEcho characters of a header
// value: a 5,000-character API-Version does not come back whole.
func TestAPIVersionEchoTruncated(t *testing.T) {
	b := setup(t)
	long := strings.Repeat("9", 5000)
	r := b.do(t, req{method: "GET", path: "/checkout_sessions/cs_x", version: long}).want(t, http.StatusBadRequest)
	want := "API-Version " + strings.Repeat("9", acp.MaxEcho) + "… is not supported."
	if r.str("code") != "unsupported_api_version" || r.str("message") != want || len(r.Raw) > 1000 {
		t.Errorf("%d-byte answer: %.300s", len(r.Raw), r.Raw)
	}
}

// The Bearer scheme is case-insensitive (RFC 7235): "bearer <key>" is the
// key, not 401.
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	b := setup(t)
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		r := b.do(t, req{method: "GET", path: "/checkout_sessions/cs_missing", version: v2026,
			header: map[string]string{"Authorization": scheme + " " + b.key}})
		r.want(t, http.StatusNotFound)
	}
}

func TestNotFound(t *testing.T) {
	b := setup(t)
	for _, v := range versions() {
		r := b.do(t, req{method: "GET", path: "/checkout_sessions/cs_missing", version: v}).want(t, http.StatusNotFound)
		if r.str("code") != "not_found" {
			t.Errorf("%s: %s", v, r.Raw)
		}
		b.do(t, req{method: "POST", path: "/checkout_sessions/cs_missing", version: v, body: addressBody(v)}).want(t, http.StatusNotFound)
		b.complete(t, v, "cs_missing", "vt_x").want(t, http.StatusNotFound)
		b.do(t, req{method: "POST", path: "/checkout_sessions/cs_missing/cancel", version: v}).want(t, http.StatusNotFound)
	}
}

func TestMalformed(t *testing.T) {
	b := setup(t)
	tests := []struct {
		name, version string
		body          string
		param         string
	}{
		{"not JSON", v2026, `{"line_items": [`, "$"},
		{"quantity is a string", v2026, `{"currency":"usd","capabilities":{},"line_items":[{"id":"x","quantity":"two"}]}`, "$.line_items[0].quantity"},
		{"quantity is zero", v2026, `{"currency":"usd","capabilities":{},"line_items":[{"id":"x","quantity":0}]}`, "$.line_items[0].quantity"},
		{"items is an object", v2025, `{"items":{"id":"x"}}`, "$.items"},
		{"no items", v2025, `{"items":[]}`, "$.items"},
		{"fractional quantity", v2025, `{"items":[{"id":"x","quantity":1.5}]}`, "$.items[0].quantity"},
		{"quantity above the cap (domain check, 2025 path)", v2025, `{"items":[{"id":"x","quantity":1000}]}`, "$.items[0].quantity"},
		{"quantity above the cap (domain check, 2026 path)", v2026, `{"currency":"usd","capabilities":{},"line_items":[{"id":"x","quantity":1000}]}`, "$.line_items[0].quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.version, body: tt.body}).want(t, http.StatusBadRequest)
			if r.str("type") != "invalid_request" || r.str("param") != tt.param {
				t.Errorf("got %s, want param %s", r.Raw, tt.param)
			}
		})
	}
	// Body cap.
	big := `{"items":[{"id":"` + strings.Repeat("x", 2<<20) + `","quantity":1}]}`
	b.do(t, req{method: "POST", path: "/checkout_sessions", version: v2025, body: big}).want(t, http.StatusRequestEntityTooLarge)
}

func TestIdempotency(t *testing.T) {
	t.Run("2026 requires a key", func(t *testing.T) {
		b := setup(t)
		r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: v2026, noIdem: true, body: createBody(v2026, map[string]int{racket: 1}, true)}).want(t, http.StatusBadRequest)
		if r.str("code") != "idempotency_key_required" {
			t.Errorf("got %s", r.Raw)
		}
		// 2025-09-29 keys are optional.
		b.do(t, req{method: "POST", path: "/checkout_sessions", version: v2025, noIdem: true, body: createBody(v2025, map[string]int{racket: 1}, true)}).want(t, http.StatusCreated)
	})
	for _, tt := range []struct {
		version  string
		conflict int
	}{{v2026, http.StatusUnprocessableEntity}, {v2025, http.StatusConflict}} {
		t.Run(tt.version, func(t *testing.T) {
			b := setup(t)
			body := createBody(tt.version, map[string]int{racket: 1}, true)
			first := b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.version, idem: "k1", body: body}).want(t, http.StatusCreated)
			replay := b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.version, idem: "k1", body: body}).want(t, http.StatusCreated)
			if string(replay.Raw) != string(first.Raw) || replay.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("replay differs or lacks Idempotent-Replayed:\n%s\n%s", first.Raw, replay.Raw)
			}
			if first.Header.Get("Idempotent-Replayed") != "" {
				t.Error("first response marked as replayed")
			}
			// Key order and number spelling do not matter (canonical JSON).
			reordered := `{"fulfillment_address":{"postal_code":"94103","country":"US","state":"CA","city":"San Francisco","line_one":"1 Market St","name":"Ada Lovelace"},"items":[{"quantity":1.0,"id":"` + racket + `"}]}`
			if tt.version == v2025 {
				b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.version, idem: "k1", body: reordered}).want(t, http.StatusCreated)
			}
			other := createBody(tt.version, map[string]int{racket: 2}, true)
			c := b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.version, idem: "k1", body: other}).want(t, tt.conflict)
			if c.str("code") != "idempotency_conflict" {
				t.Errorf("conflict: %s", c.Raw)
			}
			// Scoped per endpoint: the same key on update is a new request.
			u := b.do(t, req{method: "POST", path: "/checkout_sessions/" + first.str("id"), version: tt.version, idem: "k1", body: addressBody(tt.version)}).want(t, http.StatusOK)
			if u.Header.Get("Idempotent-Replayed") != "" {
				t.Error("update with a key used on create was replayed")
			}
			// Errors (4xx) replay too: the same 404.
			n1 := b.do(t, req{method: "POST", path: "/checkout_sessions/cs_none/cancel", version: tt.version, idem: "k2"}).want(t, http.StatusNotFound)
			n2 := b.do(t, req{method: "POST", path: "/checkout_sessions/cs_none/cancel", version: tt.version, idem: "k2"}).want(t, http.StatusNotFound)
			if string(n1.Raw) != string(n2.Raw) {
				t.Error("4xx replay differs")
			}
		})
	}
	t.Run("complete replay charges once", func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2026)
		id := s.str("id")
		tok := b.delegate(t, v2026, "4242424242424242", id, s.total())
		a := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c1", body: completeBody(v2026, tok)}).want(t, http.StatusOK)
		r := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c1", body: completeBody(v2026, tok)}).want(t, http.StatusOK)
		if string(a.Raw) != string(r.Raw) || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("complete replay differs")
		}
		if b.provider.calls.Load() != 1 {
			t.Errorf("provider called %d times", b.provider.calls.Load())
		}
	})
	t.Run("in flight", func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2026)
		id := s.str("id")
		tok := b.delegate(t, v2026, "4242424242424242", id, s.total())
		b.provider.block = make(chan struct{})
		b.provider.blocked = make(chan struct{}, 1)
		var wg sync.WaitGroup
		var first resp
		wg.Go(func() {
			first = b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c1", body: completeBody(v2026, tok)})
		})
		<-b.provider.blocked // the first complete holds the key and the payment
		r := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c1", body: completeBody(v2026, tok)}).want(t, http.StatusConflict)
		if r.str("code") != "idempotency_in_flight" || r.Header.Get("Retry-After") == "" {
			t.Errorf("in flight: %s %v", r.Raw, r.Header)
		}
		// Another key meanwhile finds the payment in progress.
		o := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c2", body: completeBody(v2026, tok)}).want(t, http.StatusConflict)
		if o.Header.Get("Retry-After") == "" {
			t.Errorf("payment in progress without Retry-After: %s", o.Raw)
		}
		close(b.provider.block)
		wg.Wait()
		first.want(t, http.StatusOK)
		// c2 was not stored: retried now, it returns the completed session.
		again := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c2", body: completeBody(v2026, tok)}).want(t, http.StatusOK)
		if again.str("status") != "completed" {
			t.Errorf("retry after in-progress: %s", again.Raw)
		}
	})
	t.Run("5xx is not stored", func(t *testing.T) {
		b := setup(t)
		s := b.newReadySession(t, v2026)
		id := s.str("id")
		tok := b.delegate(t, v2026, "4242424242424242", id, s.total())
		b.provider.fail.Store(true)
		r := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c1", body: completeBody(v2026, tok)}).want(t, http.StatusServiceUnavailable)
		if r.str("type") != "service_unavailable" {
			t.Errorf("got %s", r.Raw)
		}
		b.provider.fail.Store(false)
		ok := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: v2026, idem: "c1", body: completeBody(v2026, tok)}).want(t, http.StatusOK)
		if ok.Header.Get("Idempotent-Replayed") != "" || ok.str("status") != "completed" {
			t.Errorf("retry after 5xx: %s", ok.Raw)
		}
		// The retry re-drove the same attempt: one payment row.
		if ps, _ := b.store.ListPayments(context.Background(), id); len(ps) != 1 || ps[0].Status != commerce.PaymentSucceeded {
			t.Errorf("payments after retry: %+v", ps)
		}
	})
}

func TestSignedRequests(t *testing.T) {
	b := setup(t)
	secret, k := apikey.New("signed", time.Now())
	k.SigningSecret = "whsec_test"
	if err := b.store.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	body := `{"items":[{"id":"` + racket + `","quantity":1}]}`
	now := b.clock.Now()
	ts := now.Format(time.RFC3339)
	msg := func(secret, ts, idem string) string {
		return reqsign.Sign(secret, reqsign.REST("POST", "/checkout_sessions", v2025, idem, ts, []byte(body)))
	}
	old := now.Add(-10 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name   string
		sig    string
		ts     string
		status int
	}{
		{"valid", msg("whsec_test", ts, "sr-valid"), ts, http.StatusCreated},
		{"missing", "", "", http.StatusUnauthorized},
		{"wrong", msg("other", ts, "sr-wrong"), ts, http.StatusUnauthorized},
		{"stale", msg("whsec_test", old, "sr-stale"), old, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.sig != "" {
				h["Signature"], h["Timestamp"] = tt.sig, tt.ts
			}
			r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: v2025, key: secret, body: body, header: h, idem: "sr-" + tt.name}).want(t, tt.status)
			if tt.status == http.StatusUnauthorized && r.str("code") != "invalid_signature" {
				t.Errorf("got %s", r.Raw)
			}
		})
	}
}

// signedReq signs r as a client of a signing key would, at the bundle's
// clock (nanosecond timestamps, so no two requests share one).
func (b *bundle) signedReq(r req, secret string) req {
	body, _ := r.body.(string)
	ts := b.clock.Now().Add(time.Duration(idemSeq.Add(1))).Format(time.RFC3339Nano)
	h := map[string]string{"Timestamp": ts}
	for k, v := range r.header {
		h[k] = v
	}
	h["Signature"] = reqsign.Sign(secret, reqsign.REST(r.method, r.path, r.version, r.idem, ts, []byte(body)))
	r.header = h
	return r
}

// TestSignatureCoversRequest: a captured signed request cannot be pointed
// at another session, endpoint or Idempotency-Key, nor sent twice
// (issue 15 item 3). Before, the signature covered only the timestamp and
// the body, and each of these went through.
func TestSignatureCoversRequest(t *testing.T) {
	b := setup(t)
	secret, k := apikey.New("signed", time.Now())
	k.SigningSecret = "whsec_cover"
	if err := b.store.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	create := func(name string) string {
		body, _ := json.Marshal(createBody(v2026, map[string]int{racket: 1}, true))
		r := b.do(t, b.signedReq(req{method: "POST", path: "/checkout_sessions", version: v2026, key: secret, idem: "create-" + name, body: string(body)}, k.SigningSecret))
		return r.want(t, http.StatusCreated).str("id")
	}
	a, bID := create("a"), create("b")
	status := func(id string) string {
		r := b.do(t, b.signedReq(req{method: "GET", path: "/checkout_sessions/" + id, version: v2026, key: secret}, k.SigningSecret))
		return r.want(t, http.StatusOK).str("status")
	}
	refused := func(t *testing.T, r resp, why string) {
		t.Helper()
		r.want(t, http.StatusUnauthorized)
		if r.str("code") != "invalid_signature" || !strings.Contains(r.str("message"), why) {
			t.Errorf("got %s, want invalid_signature: %s", r.Raw, why)
		}
	}

	cancelA := b.signedReq(req{method: "POST", path: "/checkout_sessions/" + a + "/cancel", version: v2026, key: secret, idem: "cancel-a", body: "{}"}, k.SigningSecret)
	t.Run("CancelReplayedOnOtherSession", func(t *testing.T) {
		r := cancelA
		r.path, r.idem = "/checkout_sessions/"+bID+"/cancel", "fresh-key-1"
		refused(t, b.do(t, r), "does not match")
		if got := status(bID); got == "canceled" {
			t.Errorf("session B was canceled with session A's signature")
		}
	})
	t.Run("CancelWithFreshIdempotencyKey", func(t *testing.T) {
		r := cancelA
		r.idem = "fresh-key-2"
		refused(t, b.do(t, r), "does not match")
	})
	t.Run("GetReplayedOnOtherSession", func(t *testing.T) {
		getA := b.signedReq(req{method: "GET", path: "/checkout_sessions/" + a, version: v2026, key: secret}, k.SigningSecret)
		b.do(t, getA).want(t, http.StatusOK)
		r := getA
		r.path = "/checkout_sessions/" + bID
		refused(t, b.do(t, r), "does not match")
		refused(t, b.do(t, getA), "already used") // and the same GET twice
	})
	t.Run("ExactReplay", func(t *testing.T) {
		b.do(t, cancelA).want(t, http.StatusOK)
		refused(t, b.do(t, cancelA), "already used")
		// A retry signed afresh with the same key is an idempotent replay.
		retry := b.signedReq(req{method: "POST", path: "/checkout_sessions/" + a + "/cancel", version: v2026, key: secret, idem: "cancel-a", body: "{}"}, k.SigningSecret)
		if r := b.do(t, retry).want(t, http.StatusOK); r.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("re-signed retry: %v %s", r.Header, r.Raw)
		}
	})
	if got := status(bID); got == "canceled" {
		t.Errorf("session B: %s", got)
	}
}

func TestRateLimit(t *testing.T) {
	b := setup(t, func(c *acp.Config) { c.RateLimit, c.RateBurst = 0.001, 2 })
	for range 2 {
		b.do(t, req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026}).want(t, http.StatusNotFound)
	}
	r := b.do(t, req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026}).want(t, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" || r.str("code") != "rate_limit_exceeded" {
		t.Errorf("got %s %v", r.Raw, r.Header)
	}
}

func TestDiscovery(t *testing.T) {
	b := setup(t)
	r := b.do(t, req{method: "GET", path: "/.well-known/acp.json", noAuth: true}).want(t, http.StatusOK)
	if !strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	if b.schema != nil {
		if err := b.schema.Validate(v2026, "DiscoveryResponse", r.Raw); err != nil {
			t.Errorf("discovery violates schema: %v\n%s", err, r.Raw)
		}
	}
}

func TestRequestID(t *testing.T) {
	b := setup(t)
	r := b.do(t, req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026, header: map[string]string{"Request-Id": "req-abc"}})
	if r.Header.Get("Request-Id") != "req-abc" {
		t.Errorf("Request-Id not echoed: %v", r.Header)
	}
	r = b.do(t, req{method: "GET", path: "/checkout_sessions/cs_x", version: v2026})
	if r.Header.Get("Request-Id") == "" {
		t.Error("no Request-Id generated")
	}
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	b := setup(t)
	s := b.newReadySession(t, v2026)
	id := s.str("id")
	declined := b.delegate(t, v2026, "4000000000009995", id, s.total())
	b.complete(t, v2026, id, declined).want(t, http.StatusOK)
	tok := b.delegate(t, v2026, "4242424242424242", id, s.total())
	b.provider.fail.Store(true) // a provider error is logged with its context
	b.complete(t, v2026, id, tok).want(t, http.StatusServiceUnavailable)
	b.provider.fail.Store(false)
	b.complete(t, v2026, id, tok).want(t, http.StatusOK)
	b.complete(t, v2026, "cs_none", tok).want(t, http.StatusNotFound)
	b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: v2026, key: b.key + "x"}).want(t, http.StatusUnauthorized)
	logs := b.logs.String()
	if !strings.Contains(logs, "request failed") {
		t.Fatalf("expected failure log lines; got:\n%s", logs)
	}
	for name, secret := range map[string]string{
		"API key": b.key, "card number": "4242424242424242", "declined card": "4000000000009995",
		"vault token": tok, "declined vault token": declined,
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in the logs", name)
		}
	}
}

func TestConcurrentSameKey(t *testing.T) {
	b := setup(t)
	body := createBody(v2026, map[string]int{racket: 1}, true)
	var wg sync.WaitGroup
	res := make([]resp, 10)
	for i := range res {
		wg.Go(func() {
			res[i] = b.do(t, req{method: "POST", path: "/checkout_sessions", version: v2026, idem: "same", body: body})
		})
	}
	wg.Wait()
	fresh := 0
	for _, r := range res {
		// Same key, same body: one creates, the others wait and replay.
		if r.Status != http.StatusCreated || r.str("id") != res[0].str("id") {
			t.Fatalf("concurrent same-key create: %d %s (first %s)", r.Status, r.Raw, res[0].str("id"))
		}
		if r.Header.Get("Idempotent-Replayed") == "" {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d responses were not replays, want exactly 1", fresh)
	}
}

// TestIdempotencyAcrossVersions: the same key and body under another
// API-Version is that version's conflict (422 on 2026-04-17, 409 on
// 2025-09-29), never a replay of the answer rendered in the first
// version's shape, and it changes nothing.
func TestIdempotencyAcrossVersions(t *testing.T) {
	for _, tt := range []struct {
		first, second string
		conflict      int
	}{
		{v2025, v2026, http.StatusUnprocessableEntity},
		{v2026, v2025, http.StatusConflict},
	} {
		t.Run(tt.first+" then "+tt.second, func(t *testing.T) {
			b := setup(t)
			id := b.newReadySession(t, tt.first).str("id")
			path := "/checkout_sessions/" + id + "/cancel"
			b.do(t, req{method: "POST", path: path, version: tt.first, idem: "k1", body: map[string]any{}}).want(t, http.StatusOK)
			c := b.do(t, req{method: "POST", path: path, version: tt.second, idem: "k1", body: map[string]any{}}).want(t, tt.conflict)
			if c.str("code") != "idempotency_conflict" || c.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("other version: %s %v", c.Raw, c.Header)
			}
			// Create too: the key, path and body are the same, so only the
			// version tells them apart; nothing is created the second time.
			body := `{"items":[{"id":"` + racket + `","quantity":1}],"line_items":[{"id":"` + racket + `","quantity":1}],"currency":"usd"}`
			b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.first, idem: "k2", body: body}).want(t, http.StatusCreated)
			c = b.do(t, req{method: "POST", path: "/checkout_sessions", version: tt.second, idem: "k2", body: body}).want(t, tt.conflict)
			if c.str("code") != "idempotency_conflict" {
				t.Errorf("create under the other version: %s", c.Raw)
			}
			// The same version still replays.
			r := b.do(t, req{method: "POST", path: path, version: tt.first, idem: "k1", body: map[string]any{}}).want(t, http.StatusOK)
			if r.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("same version not replayed: %v", r.Header)
			}
		})
	}
}
