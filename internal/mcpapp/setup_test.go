package mcpapp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/mcpapp"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store/sqlite"
)

const (
	merchantID = "acct_test"
	baseURL    = "https://shop.example"
	racket     = "starvie-metheora-warrior"
)

// countingProvider counts charges that reach the payment provider.
type countingProvider struct {
	commerce.PaymentProvider
	calls atomic.Int64
}

func (p *countingProvider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	p.calls.Add(1)
	return p.PaymentProvider.Charge(ctx, req)
}

// bundle is a running app and what tests need around it.
type bundle struct {
	srv      *httptest.Server
	store    commerce.Store
	provider *countingProvider
	sandbox  *sandbox.Provider
	svc      *commerce.Service
	session  *mcp.ClientSession
}

// setup starts the app on a real stack (SQLite in a temp dir, the demo
// catalog, the sandbox provider) behind httptest on 127.0.0.1, and
// connects the go-sdk client over streamable HTTP.
func setup(t *testing.T, opts ...func(*mcpapp.Config)) *bundle {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.Demo()
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(st, merchantID, nil)
	prov := &countingProvider{PaymentProvider: sb}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := commerce.Merchant{
		Name: "Test shop", ID: merchantID, BaseURL: baseURL,
		TermsURL: baseURL + "/terms", PrivacyURL: baseURL + "/privacy", ReturnsURL: baseURL + "/returns",
		Provider: "sandbox",
	}
	svc := &commerce.Service{
		Store: st,
		Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
			HomeCountry: "US",
			Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999},
			Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
			LowStockAt:  3,
		}},
		Payments: commerce.MustPayments(prov),
		Logger:   logger,
	}
	cfg := mcpapp.Config{Service: svc, Catalog: cat, Merchant: m, Logger: logger, Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(mcpapp.New(cfg).Handler())
	t.Cleanup(srv.Close)
	b := &bundle{srv: srv, store: st, provider: prov, sandbox: sb, svc: svc}
	b.session = connect(t, srv.URL)
	return b
}

// connect opens a go-sdk client session against url.
func connect(t *testing.T, url string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "mcpapp-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// call calls a tool and returns its result; protocol errors fail the test.
func (b *bundle) call(t *testing.T, name string, args any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := b.session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// ok calls a tool, fails on a tool error and decodes structuredContent.
func (b *bundle) ok(t *testing.T, name string, args any) session {
	t.Helper()
	res := b.call(t, name, args)
	if res.IsError {
		t.Fatalf("%s: tool error: %s", name, text(res))
	}
	var s session
	decode(t, res.StructuredContent, &s)
	s.raw = res.StructuredContent
	return s
}

// text joins a result's text content.
func text(res *mcp.CallToolResult) string {
	var out string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			out += tc.Text
		}
	}
	return out
}

// decode re-marshals v (a decoded JSON value) into out.
func decode(t *testing.T, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// session is the structuredContent of the checkout tools.
type session struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	Currency        string `json:"currency"`
	PaymentMode     string `json:"payment_mode"`
	ContinueURL     string `json:"continue_url"`
	PaymentProvider struct {
		Provider                string `json:"provider"`
		MerchantID              string `json:"merchant_id"`
		SupportedPaymentMethods []any  `json:"supported_payment_methods"`
	} `json:"payment_provider"`
	LineItems []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Item struct {
			ID       string `json:"id"`
			Quantity int64  `json:"quantity"`
		} `json:"item"`
		Total int64 `json:"total"`
	} `json:"line_items"`
	FulfillmentOptions []struct {
		ID    string `json:"id"`
		Type  string `json:"type"`
		Title string `json:"title"`
		Total int64  `json:"total"`
	} `json:"fulfillment_options"`
	FulfillmentOptionID string `json:"fulfillment_option_id"`
	Totals              []struct {
		Type   string `json:"type"`
		Amount int64  `json:"amount"`
	} `json:"totals"`
	Messages []struct {
		Type        string `json:"type"`
		Code        string `json:"code"`
		ContentType string `json:"content_type"`
		Content     string `json:"content"`
	} `json:"messages"`
	Links []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"links"`
	Order *struct {
		ID                string `json:"id"`
		CheckoutSessionID string `json:"checkout_session_id"`
		PermalinkURL      string `json:"permalink_url"`
	} `json:"order"`
	raw any
}

func (s session) total() int64 {
	for _, t := range s.Totals {
		if t.Type == "total" {
			return t.Amount
		}
	}
	return -1
}

func (s session) message(code string) bool {
	for _, m := range s.Messages {
		if m.Type == "error" && m.Code == code {
			return true
		}
	}
	return false
}

// token mints a sandbox vault token for card, allowed for s's total.
func (b *bundle) token(t *testing.T, card string, s session) string {
	t.Helper()
	vt, err := b.sandbox.Delegate(context.Background(), sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{
			Type: "card", CardNumberType: "fpan", Number: card,
			ExpMonth: "12", ExpYear: "2035", CVC: "123", DisplayCardFundingType: "credit",
		},
		Allowance: sandbox.Allowance{
			Reason: "one_time", MaxAmount: s.total(), Currency: s.Currency,
			CheckoutSessionID: s.ID, MerchantID: merchantID,
			ExpiresAt: time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return vt.ID
}

// shipTo is a Californian shipping address.
func shipTo() map[string]any {
	return map[string]any{
		"name": "Ada Lovelace", "line_one": "1 Market St", "city": "San Francisco",
		"state": "CA", "country": "US", "postal_code": "94103",
	}
}

// readyCheckout shows a checkout for two rackets and sets the address.
func (b *bundle) readyCheckout(t *testing.T) session {
	t.Helper()
	s := b.ok(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket, "quantity": 2}}})
	s = b.ok(t, "update_checkout", map[string]any{"checkout_session_id": s.ID, "fulfillment_address": shipTo()})
	if s.Status != "ready_for_payment" {
		t.Fatalf("status %q after the address, want ready_for_payment: %v", s.Status, s.raw)
	}
	return s
}
