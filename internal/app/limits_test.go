package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"agentshop/internal/apikey"
)

// TestLimitsWiring: the REST API and /acp/mcp share one per-key budget
// and one failed-authentication budget per address, and /mcp counts per
// client address, the forwarded one with behind_proxy (issue 15 items 5
// and 6: /acp/mcp was not throttled at all), and so do the hosted pages
// (in buckets of their own).
func TestLimitsWiring(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Shop.RateLimit, cfg.Shop.RateBurst = 0.001, 2
	cfg.Shop.AuthFailureLimit, cfg.Shop.AuthFailureBurst = 0.001, 2
	cfg.Shop.MCPRateLimit, cfg.Shop.MCPRateBurst = 0.001, 1
	cfg.Shop.WebRateLimit, cfg.Shop.WebRateBurst = 0.001, 1
	cfg.Shop.BehindProxy = true
	a := newApp(t, cfg, Options{})
	secret, k := apikey.New("wiring", time.Now())
	if err := a.Store.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	do := func(method, path, key, body, forwardedFor string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("API-Version", "2026-04-17")
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json, text/event-stream")
		r.Header.Set("MCP-Protocol-Version", "2025-06-18")
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		if forwardedFor != "" {
			r.Header.Set("X-Forwarded-For", forwardedFor)
		}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, r)
		return rec
	}
	const list = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`

	// Per key: one REST request and one /acp/mcp call use the burst of 2.
	if rec := do("GET", "/checkout_sessions/cs_x", secret, "", "198.51.100.1"); rec.Code != http.StatusNotFound {
		t.Fatalf("REST: %d %s", rec.Code, rec.Body)
	}
	if rec := do("POST", "/acp/mcp", secret, list, "198.51.100.1"); rec.Code != http.StatusOK {
		t.Fatalf("/acp/mcp: %d %s", rec.Code, rec.Body)
	}
	if rec := do("GET", "/checkout_sessions/cs_x", secret, "", "198.51.100.1"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("third call on the key: %d %v, want 429 with Retry-After", rec.Code, rec.Header())
	}

	// Failed authentications from one forwarded address: two on /acp/mcp
	// use its burst, and REST then refuses it too.
	for range 2 {
		if rec := do("POST", "/acp/mcp", "ask_wrong", list, "203.0.113.7"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong key on /acp/mcp: %d %s", rec.Code, rec.Body)
		}
	}
	if rec := do("GET", "/checkout_sessions/cs_x", "ask_wrong", "", "203.0.113.7"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("REST after failures on /acp/mcp: %d %s, want 429", rec.Code, rec.Body)
	}
	if rec := do("GET", "/checkout_sessions/cs_x", "ask_wrong", "", "203.0.113.8"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("another forwarded address: %d %s, want 401", rec.Code, rec.Body)
	}

	// /mcp per forwarded client address.
	if rec := do("POST", "/mcp", "", list, "192.0.2.10"); rec.Code != http.StatusOK {
		t.Fatalf("/mcp: %d %s", rec.Code, rec.Body)
	}
	if rec := do("POST", "/mcp", "", list, "192.0.2.10"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("RateLimit-Limit") != "1" {
		t.Fatalf("/mcp again: %d %v, want 429", rec.Code, rec.Header())
	}
	if rec := do("POST", "/mcp", "", list, "192.0.2.10, 192.0.2.11"); rec.Code != http.StatusOK {
		t.Fatalf("/mcp from another client behind the proxy: %d %s", rec.Code, rec.Body)
	}

	// Hosted pages per forwarded client address, in buckets of their own:
	// the address that used up its /mcp budget still loads a page once.
	if rec := do("GET", "/checkout/cs_x", "", "", "192.0.2.10"); rec.Code != http.StatusNotFound {
		t.Fatalf("hosted page: %d %s", rec.Code, rec.Body)
	}
	if rec := do("GET", "/orders/ord_x", "", "", "192.0.2.10"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("hosted page again: %d %v, want 429 with Retry-After", rec.Code, rec.Header())
	}
	if rec := do("GET", "/orders/ord_x", "", "", "192.0.2.10, 192.0.2.12"); rec.Code != http.StatusNotFound {
		t.Fatalf("hosted page from another client behind the proxy: %d %s", rec.Code, rec.Body)
	}
}
