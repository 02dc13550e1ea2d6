package acp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpschema"
	"agentshop/internal/apikey"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
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

// clock is a settable test clock shared by the service, the handler and
// the sandbox provider.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// faultProvider wraps the sandbox so tests can make the provider fail or
// block, as a PSP that times out or is slow would.
type faultProvider struct {
	commerce.PaymentProvider
	fail  atomic.Bool
	block chan struct{} // when non-nil, Charge waits for it to close
	// blocked, when non-nil, receives a value each time Charge starts to
	// wait on block: the test knows the charge is under way.
	blocked chan struct{}
	calls   atomic.Int64
}

func (p *faultProvider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	p.calls.Add(1)
	if p.block != nil {
		if p.blocked != nil {
			p.blocked <- struct{}{}
		}
		<-p.block
	}
	if p.fail.Load() {
		return commerce.ChargeResult{}, fmt.Errorf("psp timeout (injected)")
	}
	return p.PaymentProvider.Charge(ctx, req)
}

// logBuffer collects log output from concurrent handlers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type bundle struct {
	logs     *logBuffer
	srv      *httptest.Server
	store    store.Store
	clock    *clock
	provider *faultProvider
	schema   *acpschema.Validator
	key      string // a valid API key secret
	dbPath   string // the SQLite file of store
}

type option func(*acp.Config)

func setup(t *testing.T, opts ...option) *bundle {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "agentshop.db")
	st, err := sqlite.Open(ctx, dbPath, sqlite.WithSecrets(storetest.Box()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now().UTC()}
	secret, k := apikey.New("test", clk.Now())
	if err := st.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	m := commerce.Merchant{
		Name: "Test shop", ID: merchantID, BaseURL: "https://shop.example",
		TermsURL: "https://shop.example/terms", PrivacyURL: "https://shop.example/privacy", ReturnsURL: "https://shop.example/returns",
		Provider: "sandbox", Interventions: []string{"3ds"},
	}
	prov := &faultProvider{PaymentProvider: sandbox.New(st, merchantID, clk.Now)}
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := &commerce.Service{
		Store: st,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999, FreeStandardOver: 100000},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
			Coupons:     []commerce.Coupon{{Code: "WELCOME10", Name: "10% off", PercentOff: 10}},
		}},
		Payments:   commerce.MustPayments(prov),
		Logger:     logger,
		Now:        clk.Now,
		SessionTTL: time.Hour,
	}
	cfg := acp.Config{
		Service:  svc,
		Store:    st,
		Codecs:   []acp.Codec{acp20250929.New(m), acp20260417.New(m)},
		Merchant: m,
		Delegate: sandbox.New(st, merchantID, clk.Now).HandleDelegate,
		Metrics:  acp.NewMetrics(prometheus.NewRegistry()),
		Logger:   logger,
		Now:      clk.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	mux := http.NewServeMux()
	acp.NewHandler(cfg).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var v *acpschema.Validator
	if dir := acpschemaDir(); dir != "" {
		if v, err = acpschema.Load(dir); err != nil {
			t.Fatal(err)
		}
	}
	return &bundle{logs: logs, srv: srv, store: st, clock: clk, provider: prov, schema: v, key: secret, dbPath: dbPath}
}

// resp is a decoded response.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// req is one request; zero fields get defaults (the bundle's key, a fresh
// idempotency key for POSTs).
type req struct {
	method, path, version string
	body                  any // marshalled unless []byte or string
	key                   string
	idem                  string
	noIdem                bool
	noAuth                bool
	header                map[string]string
}

var idemSeq atomic.Int64

func (b *bundle) do(t *testing.T, r req) resp {
	t.Helper()
	var body io.Reader
	switch x := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(x)
	case string:
		body = strings.NewReader(x)
	default:
		j, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(r.method, b.srv.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if !r.noAuth {
		key := r.key
		if key == "" {
			key = b.key
		}
		hr.Header.Set("Authorization", "Bearer "+key)
	}
	if r.version != "" {
		hr.Header.Set("API-Version", r.version)
	}
	hr.Header.Set("Content-Type", "application/json")
	if r.method == http.MethodPost && !r.noIdem {
		idem := r.idem
		if idem == "" {
			idem = fmt.Sprintf("idem-%d-%d", time.Now().UnixNano(), idemSeq.Add(1))
		}
		hr.Header.Set("Idempotency-Key", idem)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	hres, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer hres.Body.Close()
	raw, _ := io.ReadAll(hres.Body)
	out := resp{Status: hres.StatusCode, Header: hres.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.JSON)
	if hres.StatusCode >= 200 && hres.StatusCode < 300 && b.schema != nil && strings.HasPrefix(r.path, "/checkout_sessions") {
		def := "CheckoutSession"
		if _, ok := out.JSON["order"]; ok {
			def = "CheckoutSessionWithOrder"
		}
		if err := b.schema.Validate(r.version, def, raw); err != nil {
			t.Errorf("%s %s (%s): response violates the %s schema: %v\n%s", r.method, r.path, r.version, def, err, raw)
		}
	}
	if hres.StatusCode >= 400 {
		checkFlatError(t, out)
	}
	return out
}

// checkFlatError asserts the ACP flat error shape.
func checkFlatError(t *testing.T, r resp) {
	t.Helper()
	for _, f := range []string{"type", "code", "message"} {
		if s, _ := r.JSON[f].(string); s == "" {
			t.Errorf("error response lacks %q: %s", f, r.Raw)
		}
	}
}

func (r resp) str(path ...string) string {
	var cur any = r.JSON
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

func (r resp) messages() []map[string]any {
	var out []map[string]any
	ms, _ := r.JSON["messages"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any))
	}
	return out
}

func (r resp) hasMessage(code string) bool {
	for _, m := range r.messages() {
		if m["code"] == code {
			return true
		}
	}
	return false
}

func (r resp) total() int64 {
	ts, _ := r.JSON["totals"].([]any)
	for _, x := range ts {
		m := x.(map[string]any)
		if m["type"] == "total" {
			return int64(m["amount"].(float64))
		}
	}
	return -1
}

func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}
