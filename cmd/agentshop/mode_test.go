package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/acpclient"
)

// TestDeclaredMode: the payment mode agentshop declares to agents is the
// one its provider's credentials have: a live Stripe key declares live, a
// test key and the sandbox test. Checked where agents read it: the ACP
// 2026-04-17 payment handler's config.environment and the ChatGPT App's
// payment_mode.
func TestDeclaredMode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, provider, key, want string
	}{
		{name: "Sandbox", provider: "sandbox", want: "test"},
		{name: "StripeTestKey", provider: "stripe", key: "sk_test_mode", want: "test"},
		{name: "StripeLiveKey", provider: "stripe", key: "sk_live_mode", want: "live"},
		{name: "StripeRestrictedLiveKey", provider: "stripe", key: "rk_live_mode", want: "live"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			cfg.Addr = "127.0.0.1:0"
			cfg.Data = t.TempDir()
			cfg.LogLevel = "error"
			cfg.AgentAPIKey = procAPIKey
			cfg.Shop.PaymentProvider = tt.provider
			cfg.Stripe.SecretKey = tt.key
			cfg.Stripe.BaseURL = "http://127.0.0.1:9" // never called: nothing is charged
			m := runMain(t, cfg)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()

			c := newClient(m.URL(), acpclient.Version20260417)
			body, err := acpclient.NewCreateRequest(c.Version, acpclient.CreateParams{
				Items: []acpclient.ItemQuantity{{ID: procItem, Quantity: 1}}, Currency: "usd"})
			if err != nil {
				t.Fatal(err)
			}
			s, _, err := c.CreateSession(ctx, body)
			if err != nil {
				t.Fatalf("create session: %v", err)
			}
			if len(s.PaymentHandlers) != 1 {
				t.Fatalf("payment handlers %+v, want one", s.PaymentHandlers)
			}
			var hc struct {
				Environment string `json:"environment"`
			}
			if err := json.Unmarshal(s.PaymentHandlers[0].Config, &hc); err != nil || hc.Environment != tt.want {
				t.Errorf("2026-04-17 handler config %s (%v): environment want %q", s.PaymentHandlers[0].Config, err, tt.want)
			}
			if s.PaymentHandlers[0].PSP != tt.provider {
				t.Errorf("2026-04-17 handler psp %q, want %q", s.PaymentHandlers[0].PSP, tt.provider)
			}

			client := mcp.NewClient(&mcp.Implementation{Name: "mode-test", Version: "1"}, nil)
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: m.URL() + "/mcp", DisableStandaloneSSE: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "show_checkout",
				Arguments: map[string]any{"items": []any{map[string]any{"id": procItem}}}})
			if err != nil || res.IsError {
				t.Fatalf("show_checkout: %v %+v", err, res)
			}
			raw, err := json.Marshal(res.StructuredContent)
			if err != nil {
				t.Fatal(err)
			}
			var app struct {
				PaymentMode string `json:"payment_mode"`
			}
			if err := json.Unmarshal(raw, &app); err != nil || app.PaymentMode != tt.want {
				t.Errorf("ChatGPT App payment_mode %q (%v), want %q", app.PaymentMode, err, tt.want)
			}
		})
	}
}
