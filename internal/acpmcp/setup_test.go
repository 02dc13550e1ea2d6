package acpmcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpmcp"
	"agentshop/internal/apikey"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/mcpmetrics"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

const (
	v2025      = "2025-09-29"
	v2026      = "2026-04-17"
	merchantID = "acct_test"
	racket     = "starvie-metheora-warrior"
)

// bundle is a running /acp/mcp endpoint on the real stack and what tests
// need around it.
type bundle struct {
	srv      *httptest.Server
	store    store.Store
	provider *sandbox.Provider
	schema   *acpschema.Validator // nil when AGENTSHOP_ACP_SPEC_DIR is unset
	key      string               // a valid API key secret
	now      func() time.Time
	reg      *prometheus.Registry // the server's metrics
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, func(db *sqlite.DB) store.Store { return db })
}

// setupWith is setup with the service and the binding on wrap(db), and
// the binding's config changed by opts.
func setupWith(t *testing.T, wrap func(db *sqlite.DB) store.Store, opts ...func(*acpmcp.Config)) *bundle {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"), sqlite.WithSecrets(storetest.Box()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := wrap(db)
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now().UTC() }
	secret, k := apikey.New("test", now())
	if err := st.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	m := commerce.Merchant{
		Name: "Test shop", ID: merchantID, BaseURL: "https://shop.example",
		TermsURL: "https://shop.example/terms", PrivacyURL: "https://shop.example/privacy", ReturnsURL: "https://shop.example/returns",
		Provider: "sandbox", Interventions: []string{"3ds"},
	}
	prov := sandbox.New(db, merchantID, now)
	logger := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := &commerce.Service{
		Store: st,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999, FreeStandardOver: 100000},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
		}},
		Payments:   commerce.MustPayments(prov),
		Logger:     logger,
		Now:        now,
		SessionTTL: time.Hour,
	}
	reg := prometheus.NewPedanticRegistry()
	cfg := acpmcp.Config{
		Service:   svc,
		Store:     st,
		Codecs:    []acp.Codec{acp20250929.New(m), acp20260417.New(m)},
		Logger:    logger,
		Now:       now,
		ToolCalls: mcpmetrics.New(reg),
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := acpmcp.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/acp/mcp", s.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	v, err := validator()
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{srv: srv, store: st, provider: prov, schema: v, key: secret, now: now, reg: reg}
}

// validator loads the official schemas once for all tests (compiling them
// is slow under -race); nil when AGENTSHOP_ACP_SPEC_DIR is unset.
var validator = sync.OnceValues(func() (*acpschema.Validator, error) {
	dir := os.Getenv(acpschema.EnvSpecDir)
	if dir == "" {
		return nil, nil
	}
	return acpschema.Load(dir)
})

// tWriter sends log lines to the test log.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// bearer adds an Authorization header to every request.
type bearer struct{ key string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// connect returns a go-sdk client session on the endpoint, authenticated
// with key ("" for none).
func (b *bundle) connect(t *testing.T, key string) (*mcp.ClientSession, error) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	if key != "" {
		hc.Transport = bearer{key}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "acpmcp-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: b.srv.URL + "/acp/mcp", HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { cs.Close() })
	return cs, nil
}

func (b *bundle) client(t *testing.T) *mcp.ClientSession {
	t.Helper()
	cs, err := b.connect(t, b.key)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// result is a tool call's outcome: the session or the JSON-RPC error.
type result struct {
	Raw  []byte         // structuredContent
	JSON map[string]any // Raw decoded
	Err  *jsonrpc.Error
	Data map[string]any // Err.Data decoded
}

var idemSeq atomic.Int64

// newKey returns a fresh idempotency key.
func newKey() string { return fmt.Sprintf("idem-%d-%d", time.Now().UnixNano(), idemSeq.Add(1)) }

// call calls a tool and checks the result's shape: a session in
// structuredContent equal to the text content, valid against the official
// schema of version (when given); or a JSON-RPC error.
func (b *bundle) call(t *testing.T, cs *mcp.ClientSession, name, version string, args any) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		var werr *jsonrpc.Error
		if !errors.As(err, &werr) {
			t.Fatalf("%s: %v", name, err)
		}
		r := result{Err: werr}
		if len(werr.Data) > 0 {
			if err := json.Unmarshal(werr.Data, &r.Data); err != nil {
				t.Fatalf("%s: error data is not an object: %s", name, werr.Data)
			}
		}
		return r
	}
	if res.IsError {
		t.Fatalf("%s: got an isError tool result, want a session or a JSON-RPC error: %+v", name, res.Content)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content blocks, want 1", name, len(res.Content))
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok || !jsonEqual(t, []byte(text.Text), raw) {
		t.Errorf("%s: text content differs from structuredContent:\n%v\n%s", name, res.Content[0], raw)
	}
	r := result{Raw: raw}
	if err := json.Unmarshal(raw, &r.JSON); err != nil {
		t.Fatal(err)
	}
	if b.schema != nil && version != "" {
		def := "CheckoutSession"
		if _, ok := r.JSON["order"]; ok {
			def = "CheckoutSessionWithOrder"
		}
		if err := b.schema.Validate(version, def, raw); err != nil {
			t.Errorf("%s (%s): result violates the %s schema: %v\n%s", name, version, def, err, raw)
		}
	}
	return r
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	ca, err1 := idempotency.Canonical(a)
	cb, err2 := idempotency.Canonical(b)
	return err1 == nil && err2 == nil && string(ca) == string(cb)
}

// want fails unless the call succeeded.
func (r result) want(t *testing.T) result {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("JSON-RPC error %d %q, data %s", r.Err.Code, r.Err.Message, r.Err.Data)
	}
	return r
}

// wantError fails unless the call failed with JSON-RPC code and ACP error
// data.code acpCode, in the binding's shape.
func (b *bundle) wantError(t *testing.T, r result, version string, code int64, acpCode string) result {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("got a session, want error %d/%s: %s", code, acpCode, r.Raw)
	}
	if r.Err.Code != code || r.Data["code"] != acpCode {
		t.Fatalf("got error %d data %s, want %d with code %q", r.Err.Code, r.Err.Data, code, acpCode)
	}
	for _, f := range []string{"type", "code", "message"} {
		if s, _ := r.Data[f].(string); s == "" {
			t.Errorf("error data lacks %q: %s", f, r.Err.Data)
		}
	}
	if r.Err.Message != r.Data["message"] {
		t.Errorf("error message %q differs from data.message %q", r.Err.Message, r.Data["message"])
	}
	if b.schema != nil {
		if version == "" {
			version = v2026
		}
		if err := b.schema.Validate(version, "Error", r.Err.Data); err != nil {
			t.Errorf("error data violates the %s Error schema: %v\n%s", version, err, r.Err.Data)
		}
	}
	return r
}

func (r result) str(path ...string) string {
	var cur any = r.JSON
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

func (r result) total() int64 {
	ts, _ := r.JSON["totals"].([]any)
	for _, x := range ts {
		if m := x.(map[string]any); m["type"] == "total" {
			return int64(m["amount"].(float64))
		}
	}
	return -1
}
