package opsmcp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/ops"
	"agentshop/internal/opsmcp"
	"agentshop/internal/opsstripe/opsstripetest"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/ratelimit"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

const (
	merchantID = "acct_test"
	racket     = "starvie-metheora-warrior"
	testKey    = "sk_test_opsfake_4242424242"
)

// bundle is the gateway on the real stack (SQLite, commerce.Service with
// the sandbox provider) in front of a fake Stripe account.
type bundle struct {
	srv      *httptest.Server
	store    store.Store
	svc      *commerce.Service
	provider *sandbox.Provider
	admin    *ops.Admin
	stripe   *opsstripetest.Fake
	now      func() time.Time
}

type option func(*opsmcp.Config)

func setup(t *testing.T, opts ...option) *bundle {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"), sqlite.WithSecrets(storetest.Box()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat := catalog.Demo()
	if err := db.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now().UTC() }
	prov := sandbox.New(db, merchantID, now)
	logger := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := &commerce.Service{
		Store:       db,
		Pricer:      &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{HomeCountry: "US", Shipping: commerce.ShippingRates{DomesticStandard: 599}}},
		Payments:    commerce.MustPayments(prov),
		Logger:      logger,
		Now:         now,
		SessionTTL:  time.Hour,
		OrderEvents: true,
	}
	cfg := opsmcp.Config{
		Store: db, Service: svc, Logger: logger, Now: now,
		Limiter:  ratelimit.New(1000, 1000, 0),
		NotFound: ratelimit.New(1000, 1000, 0),
	}
	for _, o := range opts {
		o(&cfg)
	}
	mux := http.NewServeMux()
	opsmcp.New(cfg).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b := &bundle{srv: srv, store: db, svc: svc, provider: prov, now: now,
		admin: &ops.Admin{Store: db, PublicURL: srv.URL}, stripe: opsstripetest.New(t, testKey)}
	if _, err := b.admin.AddAccount(ctx, ops.AccountInput{Name: "main", StripeKey: testKey, BaseURL: b.stripe.URL}); err != nil {
		t.Fatal(err)
	}
	return b
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// server creates an ops server on the "main" account (unless in names
// another) and returns it.
func (b *bundle) server(t *testing.T, in ops.ServerInput) *ops.NewServer {
	t.Helper()
	if in.Account == "" {
		in.Account = "main"
	}
	if in.Name == "" {
		in.Name = "test"
	}
	n, err := b.admin.CreateServer(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// headerTransport adds a bearer token and keeps the last answer's
// headers.
type headerTransport struct {
	bearer string
	mu     sync.Mutex
	last   http.Header
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.bearer != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+h.bearer)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		h.mu.Lock()
		h.last = resp.Header.Clone()
		h.mu.Unlock()
	}
	return resp, err
}

func (h *headerTransport) header() http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// client is a go-sdk client session on a server's URL.
type client struct {
	cs *mcp.ClientSession
	tr *headerTransport
}

func (b *bundle) connect(t *testing.T, url, bearer string) (*client, error) {
	t.Helper()
	tr := &headerTransport{bearer: bearer}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "opsmcp-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		MaxRetries: -1, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { cs.Close() })
	return &client{cs: cs, tr: tr}, nil
}

func (b *bundle) client(t *testing.T, n *ops.NewServer) *client {
	t.Helper()
	c, err := b.connect(t, n.URL, n.Bearer)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// toolNames lists the server's tools.
func (c *client) toolNames(t *testing.T) []string {
	t.Helper()
	res, err := c.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tl := range res.Tools {
		out = append(out, tl.Name)
	}
	return out
}

// result is a tool call's structured content and whether it is an error.
type result struct {
	JSON    map[string]any
	IsError bool
}

// call calls a tool; a protocol error fails the test.
func (c *client) call(t *testing.T, name string, args any) result {
	t.Helper()
	r, err := c.try(t, name, args)
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return r
}

func (c *client) try(t *testing.T, name string, args any) (result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return result{}, err
	}
	var m map[string]any
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: structured content %s: %v", name, b, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content items, want the JSON text", name, len(res.Content))
	}
	var text map[string]any
	if tc, ok := res.Content[0].(*mcp.TextContent); !ok || json.Unmarshal([]byte(tc.Text), &text) != nil || !reflect.DeepEqual(text, m) {
		t.Fatalf("%s: text content differs from structured content", name)
	}
	return result{JSON: m, IsError: res.IsError}, nil
}

// ok calls a tool and fails the test unless it succeeded.
func (c *client) ok(t *testing.T, name string, args any) map[string]any {
	t.Helper()
	r := c.call(t, name, args)
	if r.IsError {
		t.Fatalf("%s(%v) failed: %v", name, args, r.JSON)
	}
	return r.JSON
}

// errorOf returns the error object of a failed call, failing the test if
// it succeeded.
func (c *client) errorOf(t *testing.T, name string, args any) map[string]any {
	t.Helper()
	r := c.call(t, name, args)
	if !r.IsError {
		t.Fatalf("%s(%v) succeeded, want an error: %v", name, args, r.JSON)
	}
	e, _ := r.JSON["error"].(map[string]any)
	return e
}

// audit returns the server's audit entries, oldest first.
func (b *bundle) audit(t *testing.T, serverID string) []*ops.AuditEntry {
	t.Helper()
	es, err := b.admin.Audit(t.Context(), ops.AuditFilter{ServerID: serverID})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// requireAudit checks the server's audit log: tool and outcome of each
// entry, oldest first.
func (b *bundle) requireAudit(t *testing.T, serverID string, want ...string) []*ops.AuditEntry {
	t.Helper()
	es := b.audit(t, serverID)
	var got []string
	for _, e := range es {
		got = append(got, e.Tool+" "+string(e.Outcome))
	}
	if len(got) != len(want) {
		t.Fatalf("audit = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("audit = %q, want %q", got, want)
		}
	}
	return es
}

// paidOrder buys two rackets with the sandbox provider and returns the
// order.
func (b *bundle) paidOrder(t *testing.T) *commerce.Order {
	t.Helper()
	ctx := t.Context()
	v, err := b.svc.Create(ctx, commerce.CreateInput{
		Lines: []commerce.LineInput{{ItemID: racket, Quantity: 2}},
		Buyer: &commerce.Buyer{Email: "sarah.jones@example.com", FirstName: "Sarah", LastName: "Jones"},
		Fulfillment: &commerce.FulfillmentInput{Name: "Sarah Jones", Email: "sarah.jones@example.com", Address: &commerce.Address{
			Name: "Sarah Jones", LineOne: "1 Market St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vt, err := b.provider.Delegate(ctx, sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{Type: "card", CardNumberType: "fpan", Number: "4242424242424242", ExpMonth: "12", ExpYear: "2035",
			CVC: "123", DisplayCardFundingType: "credit", DisplayLast4: "4242", Metadata: map[string]string{}},
		Allowance: sandbox.Allowance{Reason: "one_time", MaxAmount: v.Quote.Totals.Total, Currency: "usd", CheckoutSessionID: v.Session.ID,
			MerchantID: merchantID, ExpiresAt: b.now().Add(15 * time.Minute).Format(time.RFC3339)},
		RiskSignals: []sandbox.RiskSignal{}, Metadata: map[string]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err = b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: vt.ID}, nil)
	if err != nil || v.Order == nil {
		t.Fatalf("complete: %v (%+v)", err, v)
	}
	return v.Order
}
