package acpmcp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acpmcp"
	"agentshop/internal/ratelimit"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
)

// rpc sends one JSON-RPC tools/list to /acp/mcp with key and returns
// the HTTP answer and its body.
func (b *bundle) rpc(t *testing.T, key string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/acp/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestPerKeyRateLimit: /acp/mcp is throttled per API key like REST
// (before, 250 calls and none throttled), with the RateLimit headers and
// Retry-After on the HTTP answer and the ACP error in the JSON-RPC error.
func TestPerKeyRateLimit(t *testing.T) {
	t0 := time.Now()
	b := setupWith(t, func(db *sqlite.DB) store.Store { return db }, func(c *acpmcp.Config) {
		c.Limiter = ratelimit.New(1, 3, 0)
		c.Now = func() time.Time { return t0 } // no refill during the test
	})
	for i := range 3 {
		resp, body := b.rpc(t, b.key)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, resp.StatusCode, body)
		}
		if got := resp.Header.Get("RateLimit-Remaining"); got != []string{"2", "1", "0"}[i] {
			t.Errorf("call %d: RateLimit-Remaining %q", i, got)
		}
	}
	resp, body := b.rpc(t, b.key)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th call: %d %s, want 429", resp.StatusCode, body)
	}
	if resp.Header.Get("Retry-After") != "1" || resp.Header.Get("RateLimit-Limit") != "3" || resp.Header.Get("RateLimit-Reset") != "3" {
		t.Errorf("429 headers %v", resp.Header)
	}
	var msg struct {
		ID    int `json:"id"`
		Error struct {
			Code int `json:"code"`
			Data struct {
				Code string `json:"code"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.ID != 7 || msg.Error.Code != acpmcp.CodeACPError || msg.Error.Data.Code != "rate_limit_exceeded" {
		t.Errorf("429 body %s (%v)", body, err)
	}
}

// TestAuthFailuresThrottled: failed authentications on /acp/mcp count
// per client address, and once over, that address gets 429 before any
// key is looked at.
func TestAuthFailuresThrottled(t *testing.T) {
	t0 := time.Now()
	b := setupWith(t, func(db *sqlite.DB) store.Store { return db }, func(c *acpmcp.Config) {
		c.AuthFailures = ratelimit.New(1, 2, 0)
		c.Now = func() time.Time { return t0 }
	})
	for range 2 {
		if resp, body := b.rpc(t, "ask_wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong key: %d %s, want 401", resp.StatusCode, body)
		}
	}
	if resp, body := b.rpc(t, "ask_wrong"); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third wrong key: %d %v %s, want 429 with Retry-After", resp.StatusCode, resp.Header, body)
	}
	if resp, body := b.rpc(t, b.key); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("valid key from the throttled address: %d %s, want 429", resp.StatusCode, body)
	}
}
