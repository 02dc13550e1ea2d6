package opsmcp_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"agentshop/internal/ops"
)

// TestFilteredServers: a server lists exactly its filter's tools, never
// runs another, and a read-only server has no write tool.
func TestFilteredServers(t *testing.T) {
	b := setup(t)
	tests := []struct {
		name   string
		filter ops.Filter
		want   []string // every tool listed, when set
		has    []string
		hasNot []string
	}{
		{name: "ReadOnlyDefault", filter: ops.Filter{},
			has:    []string{"stripe_list_charges", "stripe_search_customers", "shop_list_orders"},
			hasNot: []string{"stripe_create_refund", "stripe_update_dispute_evidence", "stripe_close_dispute", "shop_refund_order", ops.APIReadTool}},
		{name: "DisputesReadWrite", filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, Tags: []string{"disputes"}},
			want: []string{"stripe_list_disputes", "stripe_get_dispute", "stripe_update_dispute_evidence", "stripe_close_dispute"}},
		{name: "Tools", filter: ops.Filter{Tools: []string{"stripe_get_balance", "shop_get_order"}},
			want: []string{"stripe_get_balance", "shop_get_order"}},
		{name: "WriteOnlyRefunds", filter: ops.Filter{Methods: []ops.Method{ops.Write}, Tags: []string{"refunds"}},
			want: []string{"stripe_create_refund", "shop_refund_order"}},
		{name: "APIRead", filter: ops.Filter{APIRead: true, Tags: []string{"api"}}, want: []string{ops.APIReadTool}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := b.server(t, ops.ServerInput{Filter: tt.filter})
			c := b.client(t, n)
			got := c.toolNames(t)
			if tt.want != nil && !slices.Equal(got, slices.Sorted(slices.Values(tt.want))) {
				t.Fatalf("tools = %v, want %v", got, tt.want)
			}
			for _, name := range tt.has {
				if !slices.Contains(got, name) {
					t.Errorf("tools %v lack %s", got, name)
				}
			}
			for _, name := range tt.hasNot {
				if slices.Contains(got, name) {
					t.Errorf("tools %v have %s", got, name)
				}
			}
			// A tool outside the filter is unknown, and Stripe never sees
			// the call.
			for _, spec := range ops.Catalogue {
				if slices.Contains(got, spec.Name) {
					continue
				}
				before := len(b.stripe.Requests())
				if r, err := c.try(t, spec.Name, map[string]any{"charge": "ch_1", "amount": 100}); err == nil {
					t.Fatalf("%s outside the filter ran: %v", spec.Name, r.JSON)
				}
				if n := len(b.stripe.Requests()); n != before {
					t.Fatalf("%s outside the filter reached Stripe", spec.Name)
				}
			}
		})
	}
	// Every listed tool carries its hint.
	c := b.client(t, b.server(t, ops.ServerInput{Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, APIRead: true}}))
	res, err := c.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) != len(ops.Catalogue) {
		t.Fatalf("a server allowing everything lists %d tools, the catalogue has %d", len(res.Tools), len(ops.Catalogue))
	}
	for _, tl := range res.Tools {
		spec, _ := ops.Tool(tl.Name)
		a := tl.Annotations
		switch spec.Method {
		case ops.Read:
			if !a.ReadOnlyHint || (a.DestructiveHint != nil && *a.DestructiveHint) {
				t.Errorf("read tool %s: annotations %+v", tl.Name, a)
			}
		case ops.Write:
			if a.ReadOnlyHint || a.DestructiveHint == nil || !*a.DestructiveHint {
				t.Errorf("write tool %s: annotations %+v", tl.Name, a)
			}
			if !strings.Contains(string(mustJSON(t, tl.InputSchema)), "confirmation_token") {
				t.Errorf("write tool %s takes no confirmation_token", tl.Name)
			}
		}
		if tl.Description == "" {
			t.Errorf("%s has no description", tl.Name)
		}
	}
}

// TestUnknownRevokedExpired404: an unknown token, a revoked server and an
// expired one answer 404 and nothing else; the sweep deletes the expired
// one.
func TestUnknownRevokedExpired404(t *testing.T) {
	b := setup(t)
	live := b.server(t, ops.ServerInput{Name: "live"})
	revoked := b.server(t, ops.ServerInput{Name: "revoked"})
	if err := b.admin.RevokeServer(t.Context(), revoked.Server.ID); err != nil {
		t.Fatal(err)
	}
	// A server created an hour ago that expired a minute ago.
	past := &ops.Admin{Store: b.store, PublicURL: b.srv.URL, Now: func() time.Time { return time.Now().Add(-time.Hour) }}
	expired, err := past.CreateServer(t.Context(), ops.ServerInput{Account: "main", Name: "expired", ExpiresAt: new(time.Now().Add(-time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`
	post := func(url string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, notFound := post(b.srv.URL + "/ops/mcp/ops_unknown")
	for name, url := range map[string]string{"unknown": b.srv.URL + "/ops/mcp/ops_unknown", "revoked": revoked.URL, "expired": expired.URL} {
		code, text := post(url)
		if code != http.StatusNotFound || text != notFound {
			t.Errorf("%s: %d %q, want the same bare 404 as an unknown token", name, code, text)
		}
	}
	if code, _ := post(live.URL); code != http.StatusOK {
		t.Fatalf("active server: %d", code)
	}
	if n, err := b.admin.Sweep(t.Context()); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want the expired server deleted", n, err)
	}
	ss, err := b.admin.Servers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.ID == expired.Server.ID {
			t.Fatal("the expired server is still stored after the sweep")
		}
	}
}

// TestRequireToken: a server created with --require-token answers 401
// without its bearer secret, or with another.
func TestRequireToken(t *testing.T) {
	b := setup(t)
	n := b.server(t, ops.ServerInput{RequireToken: true})
	for name, bearer := range map[string]string{"None": "", "Wrong": "opsb_wrong", "URLToken": n.Token} {
		t.Run(name, func(t *testing.T) {
			_, err := b.connect(t, n.URL, bearer)
			if err == nil || !strings.Contains(err.Error(), "401") && !strings.Contains(strings.ToLower(err.Error()), "unauthorized") {
				t.Fatalf("connect with bearer %q: %v, want 401", bearer, err)
			}
		})
	}
	c := b.client(t, n)
	if got := c.toolNames(t); len(got) == 0 {
		t.Fatal("no tools with the bearer secret")
	}
}

// TestServerRateLimit: a server's budget used up answers 429 with
// Retry-After and the RateLimit headers.
func TestServerRateLimit(t *testing.T) {
	b := setup(t, func(c *opsmcpConfig) { c.Limiter = ratelimitNew(0.001, 3) })
	n := b.server(t, ops.ServerInput{})
	var last int
	var hdr http.Header
	for range 6 {
		req, _ := http.NewRequest(http.MethodPost, n.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last, hdr = resp.StatusCode, resp.Header
	}
	if last != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || hdr.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("after the burst: %d %v", last, hdr)
	}
}
