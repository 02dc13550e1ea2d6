package mcpapp_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/mcpapp"
	"agentshop/internal/ratelimit"
)

// testClock is a settable clock for the limits.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rawPost sends body to the app as client (the Test-Client header, which
// the test's ClientAddr reads) and returns the answer.
func rawPost(t *testing.T, url, client, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	req.Header.Set("Test-Client", client)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

const toolsList = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`

func byTestClient(r *http.Request) string { return r.Header.Get("Test-Client") }

// TestClientRateLimit: /mcp is throttled per client address (issue 15
// item 5: one anonymous client wrote 9–18 MB/s), with the RateLimit
// headers and Retry-After; another client is not affected.
func TestClientRateLimit(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Now()}
	b := setup(t, func(c *mcpapp.Config) {
		c.Limiter = ratelimit.New(1, 3, 0)
		c.ClientAddr = byTestClient
		c.Now = clk.Now
	})
	for i := range 3 {
		res, body := rawPost(t, b.srv.URL, "a", toolsList)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, res.StatusCode, body)
		}
		if got := res.Header.Get("RateLimit-Remaining"); got != []string{"2", "1", "0"}[i] {
			t.Errorf("request %d: RateLimit-Remaining %q", i, got)
		}
	}
	res, body := rawPost(t, b.srv.URL, "a", toolsList)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" || res.Header.Get("RateLimit-Limit") != "3" {
		t.Fatalf("4th request: %d %v %s, want 429 with Retry-After 1", res.StatusCode, res.Header, body)
	}
	if !strings.Contains(body, `"jsonrpc":"2.0"`) || !strings.Contains(body, `"error"`) {
		t.Errorf("429 body is not a JSON-RPC error: %s", body)
	}
	if res, body := rawPost(t, b.srv.URL, "b", toolsList); res.StatusCode != http.StatusOK {
		t.Fatalf("another client: %d %s", res.StatusCode, body)
	}
	clk.Advance(time.Second)
	if res, body := rawPost(t, b.srv.URL, "a", toolsList); res.StatusCode != http.StatusOK {
		t.Fatalf("after a second: %d %s", res.StatusCode, body)
	}
}

// TestBodyCap: /mcp refuses bodies over its cap (64 KiB by default; the
// SDK's default, 4 MiB, let 3.5 MB requests through).
func TestBodyCap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"show_checkout","arguments":{"items":[{"id":"` + strings.Repeat("x", 100<<10) + `"}]}}}`
	if res, body := rawPost(t, b.srv.URL, "a", big); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("100 KiB body: %d %.200s, want 413", res.StatusCode, body)
	}
	if res, body := rawPost(t, b.srv.URL, "a", toolsList); res.StatusCode != http.StatusOK {
		t.Fatalf("small body: %d %s", res.StatusCode, body)
	}
}

// TestOpenSessionCap: one client may create at most MaxOpenSessions
// sessions within the session TTL through show_checkout; a refused or
// failed create costs nothing, and places come back as sessions expire.
func TestOpenSessionCap(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: time.Now()}
	b := setup(t, func(c *mcpapp.Config) {
		c.MaxOpenSessions = 2
		c.Now = clk.Now
	})
	show := map[string]any{"items": []any{map[string]any{"id": racket}}}
	b.ok(t, "show_checkout", show)
	if res := b.call(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket, "quantity": -1}}}); !res.IsError {
		t.Fatalf("bad quantity accepted: %s", text(res))
	}
	b.ok(t, "show_checkout", show)
	res := b.call(t, "show_checkout", show)
	if !res.IsError || !strings.Contains(text(res), "Too many checkouts") {
		t.Fatalf("third session: %s, want refused", text(res))
	}
	clk.Advance(24 * time.Hour)
	b.ok(t, "show_checkout", show)
}

// TestFieldLengthsApp: show_checkout refuses an address over ACP's
// lengths with the tool's own argument path, and creates nothing.
func TestFieldLengthsApp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res := b.call(t, "show_checkout", map[string]any{
		"items": []any{map[string]any{"id": racket}},
		"fulfillment_address": map[string]any{"name": "Ada", "line_one": strings.Repeat("x", 61), "city": "SF",
			"state": "CA", "country": "US", "postal_code": "94105"},
	})
	if !res.IsError || !strings.Contains(text(res), "$.fulfillment_address.line_one") {
		t.Fatalf("long line_one: %s, want a tool error naming $.fulfillment_address.line_one", text(res))
	}
}

// TestOpenSessionCapPerClient: the cap counts each client address on its
// own (the address reaches the tool through the request context).
func TestOpenSessionCapPerClient(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *mcpapp.Config) {
		c.MaxOpenSessions = 1
		c.ClientAddr = byTestClient
	})
	show := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"show_checkout","arguments":{"items":[{"id":"` + racket + `"}]}}}`
	isErr := func(body string) bool { return strings.Contains(body, `"isError":true`) }
	if _, body := rawPost(t, b.srv.URL, "a", show); isErr(body) {
		t.Fatalf("client a's first session refused: %s", body)
	}
	if _, body := rawPost(t, b.srv.URL, "a", show); !isErr(body) || !strings.Contains(body, "Too many checkouts") {
		t.Fatalf("client a's second session: %s, want refused", body)
	}
	if _, body := rawPost(t, b.srv.URL, "b", show); isErr(body) {
		t.Fatalf("client b's first session refused: %s", body)
	}
}
