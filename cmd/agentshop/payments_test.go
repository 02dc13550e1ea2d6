package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/app"
	"agentshop/internal/commerce"
	"agentshop/internal/webhook/webhooktest"
)

// TestTestOrdersWebhooksStayApart runs `agentshop serve` with a test
// sandbox handler and a live Stripe one, webhook.url and webhook.test_url:
// a purchase with the sandbox makes a test order, whose order_create
// reaches the test endpoint, signed with the test secret, and never the
// live one.
func TestTestOrdersWebhooksStayApart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	live := webhooktest.New(t, "whsec_live_endpoint", nil)
	test := webhooktest.New(t, "whsec_test_endpoint", nil)
	cfg := DefaultConfig()
	cfg.Addr, cfg.Data, cfg.LogLevel, cfg.AgentAPIKey = "127.0.0.1:0", t.TempDir(), "error", procAPIKey
	cfg.Payments = []app.PaymentHandler{
		{ID: "sandbox_test", Provider: "sandbox", Mode: "test"},
		{ID: "stripe_live", Provider: "stripe", Mode: "live", SecretKeyEnv: "STRIPE_LIVE_KEY", SecretKey: "sk_live_never_called", BaseURL: "http://127.0.0.1:9"},
	}
	cfg.Webhook.URL, cfg.Webhook.Secret = live.URL, "whsec_live_endpoint"
	cfg.Webhook.TestURL, cfg.Webhook.TestSecret = test.URL, "whsec_test_endpoint"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := runMain(t, cfg)
	got := buy(ctx, t, newClient(m.URL(), acpclient.Version20260417))
	o, err := m.Store.GetOrder(ctx, got.Order.ID)
	if err != nil || o.Mode != commerce.ModeTest {
		t.Fatalf("order %+v (%v): want a test order", o, err)
	}
	accepted := test.WaitAccepted(t, 1, 10*time.Second)
	events, err := m.Store.ListEvents(ctx, commerce.EventFilter{OrderID: o.ID})
	if err != nil || len(events) != 1 || accepted[events[0].ID] != 1 {
		t.Fatalf("test endpoint accepted %v; the order's events %v (%v)", accepted, events, err)
	}
	if n := len(live.Deliveries()); n != 0 {
		t.Errorf("the live endpoint got %d requests for a test order", n)
	}

	// orders list --mode lists the order with the test orders only.
	for _, tt := range []struct {
		mode string
		want int
	}{{"test", 1}, {"live", 0}} {
		r := runCLI(t, nil, "orders", "list", "--mode", tt.mode, "-o", "json", "--data", cfg.Data)
		var listed []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &listed); r.code != 0 || err != nil || len(listed) != tt.want {
			t.Fatalf("orders list --mode %s: exit %d (%v)\n%s%s", tt.mode, r.code, err, r.stdout, r.stderr)
		}
		if tt.want == 1 && (listed[0]["id"] != o.ID || listed[0]["mode"] != "test") {
			t.Errorf("orders list --mode test: %v", listed[0])
		}
	}
	if r := runCLI(t, nil, "orders", "list", "--mode", "sandbox", "--data", cfg.Data); r.code != 2 || !strings.Contains(r.stderr, "want test or live") {
		t.Errorf("orders list --mode sandbox: exit %d\n%s", r.code, r.stderr)
	}
}
