package acpmcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acpmcp"
	"agentshop/internal/apikey"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestRevokedKeyBothSurfaces: REST and /acp/mcp authenticate through one
// API key cache, so a revoked key keeps working on both until its cached
// entry is older than the TTL, and then stops on both at the same moment.
func TestRevokedKeyBothSurfaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"), sqlite.WithSecrets(storetest.Box()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	secret, k := apikey.New("agent", clock.Now())
	if err := db.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	const ttl = 10 * time.Second
	keys := apikey.NewCache(db, ttl, clock.Now)
	m := commerce.Merchant{Name: "Test shop", ID: merchantID, BaseURL: "https://shop.example", Provider: "sandbox"}
	svc := &commerce.Service{Store: db, Pricer: &commerce.Pricer{Catalog: catalog.Demo()}, Now: clock.Now}
	codecs := []acp.Codec{acp20260417.New(m)}
	mux := http.NewServeMux()
	acp.NewHandler(acp.Config{Service: svc, Store: db, Codecs: codecs, Merchant: m, Keys: keys, Now: clock.Now}).Register(mux)
	mux.Handle("/acp/mcp", acpmcp.New(acpmcp.Config{Service: svc, Store: db, Codecs: codecs, Keys: keys, Now: clock.Now}).Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// authorized reports whether each surface let the key in (any answer
	// but 401).
	authorized := func(t *testing.T) (rest, mcp bool) {
		t.Helper()
		send := func(r *http.Request) bool {
			r.Header.Set("Authorization", "Bearer "+secret)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode != http.StatusUnauthorized
		}
		get, _ := http.NewRequest(http.MethodGet, srv.URL+"/checkout_sessions/cs_missing", nil)
		get.Header.Set("API-Version", v2026)
		post, _ := http.NewRequest(http.MethodPost, srv.URL+"/acp/mcp", strings.NewReader(
			`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
		post.Header.Set("Content-Type", "application/json")
		post.Header.Set("Accept", "application/json, text/event-stream")
		return send(get), send(post)
	}

	if rest, mcp := authorized(t); !rest || !mcp {
		t.Fatalf("a valid key: REST let in %t, /acp/mcp %t; want both", rest, mcp)
	}
	if err := db.RevokeAPIKey(ctx, k.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(ttl - time.Second)
	if rest, mcp := authorized(t); !rest || !mcp {
		t.Errorf("a revoked key within the TTL: REST let in %t, /acp/mcp %t; want both (the cached key)", rest, mcp)
	}
	clock.Advance(time.Second)
	if rest, mcp := authorized(t); rest || mcp {
		t.Errorf("a revoked key past the TTL: REST let in %t, /acp/mcp %t; want neither", rest, mcp)
	}
}
