package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"agentshop/internal/acp/acpschema"
)

// bothModes is a payments list with a test sandbox, a live Stripe handler
// and a disabled test Stripe one.
const bothModes = `{"payments": [
  {"id": "sandbox_test", "provider": "sandbox", "mode": "test"},
  {"id": "stripe_live", "provider": "stripe", "mode": "live", "merchant_id": "profile_live",
   "methods": ["card", "apple_pay", "google_pay"], "card_brands": ["visa", "mastercard"],
   "secret_key_env": "LIVE_KEY", "base_url": "http://127.0.0.1:9"},
  {"id": "stripe_test", "provider": "stripe", "mode": "test", "enabled": false,
   "secret_key_env": "TEST_KEY", "base_url": "http://127.0.0.1:9"}
]%s}`

// TestPaymentsConfig: the payments list is checked at start: unknown
// providers, duplicate ids and missing credentials refuse to start with an
// error naming the entry, and so does a key of the other mode (test and
// live stay apart).
func TestPaymentsConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"LIVE_KEY": "sk_live_abc", "TEST_KEY": "sk_test_abc", "RK": "rk_live_abc", "HOOK": "whsec_x"}
	one := func(entry string) string { return `{"payments": [` + entry + `]}` }
	for _, tt := range []struct {
		name, file, wantErr string
	}{
		{name: "BothModes", file: strings.Replace(bothModes, "%s", "", 1)},
		{name: "LiveByDefault", file: strings.Replace(bothModes, "%s", `, "shop": {"payment_mode": "live"}`, 1)},
		{name: "RestrictedLiveKey", file: one(`{"id": "s", "provider": "stripe", "mode": "live", "secret_key_env": "RK", "webhook_secret_env": "HOOK"}`)},
		{name: "UnknownProvider", file: one(`{"id": "p", "provider": "paypal", "mode": "test"}`), wantErr: `payments[0] (id "p"): unknown payment provider "paypal"`},
		{name: "DuplicateID", file: `{"payments": [{"id": "a", "provider": "sandbox", "mode": "test"}, {"id": "a", "provider": "stripe", "mode": "test", "secret_key_env": "TEST_KEY"}]}`, wantErr: "duplicate id"},
		{name: "NoID", file: one(`{"provider": "sandbox", "mode": "test"}`), wantErr: "id is required"},
		{name: "NoMode", file: one(`{"id": "a", "provider": "sandbox"}`), wantErr: `mode "": want test or live`},
		{name: "LiveSandbox", file: one(`{"id": "a", "provider": "sandbox", "mode": "live"}`), wantErr: "always test"},
		{name: "SandboxWallet", file: one(`{"id": "a", "provider": "sandbox", "mode": "test", "methods": ["apple_pay"]}`), wantErr: `payment method "apple_pay"`},
		{name: "StripeNoKeyEnv", file: one(`{"id": "a", "provider": "stripe", "mode": "test"}`), wantErr: "needs secret_key_env"},
		{name: "MissingEnvVar", file: one(`{"id": "a", "provider": "stripe", "mode": "test", "secret_key_env": "UNSET"}`), wantErr: "environment variable UNSET, which is not set"},
		{name: "MissingWebhookSecret", file: one(`{"id": "a", "provider": "stripe", "mode": "test", "secret_key_env": "TEST_KEY", "webhook_secret_env": "UNSET"}`), wantErr: "UNSET, which is not set"},
		{name: "LiveKeyInTestHandler", file: one(`{"id": "a", "provider": "stripe", "mode": "test", "secret_key_env": "LIVE_KEY"}`), wantErr: "a test handler has a live key in LIVE_KEY: test and live stay apart"},
		{name: "TestKeyInLiveHandler", file: one(`{"id": "a", "provider": "stripe", "mode": "live", "secret_key_env": "TEST_KEY"}`), wantErr: "a live handler has a test key in TEST_KEY"},
		{name: "NotAStripeKey", file: one(`{"id": "a", "provider": "stripe", "mode": "test", "secret_key_env": "HOOK"}`), wantErr: "not a Stripe secret or restricted key"},
		{name: "DefaultModeWithoutHandler", file: `{"shop": {"payment_mode": "live"}, "payments": [{"id": "a", "provider": "sandbox", "mode": "test"}]}`, wantErr: "no enabled live payment handler"},
		{name: "NoneEnabled", file: one(`{"id": "a", "provider": "sandbox", "mode": "test", "enabled": false}`), wantErr: "no enabled payment handler"},
		{name: "TwoSandboxes", file: `{"payments": [{"id": "a", "provider": "sandbox", "mode": "test"}, {"id": "b", "provider": "sandbox", "mode": "test"}]}`, wantErr: "at most one sandbox"},
		{name: "TestURLIsLiveURL", file: `{"webhook": {"url": "https://a.example/h", "test_url": "https://a.example/h"}}`, wantErr: "test_url must not be the live url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "agentshop.json")
			if err := os.WriteFile(file, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(file, func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			cfg.Addr, cfg.Data, cfg.LogLevel = "127.0.0.1:0", t.TempDir(), "error"
			err = cfg.Validate()
			if err == nil {
				var a *App
				if a, err = New(t.Context(), cfg, Options{Logs: io.Discard}); err == nil {
					a.Close()
				}
			}
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("start = %v, want an error with %q", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "_abc") || strings.Contains(err.Error(), "whsec")) {
				t.Errorf("the error shows a key: %v", err)
			}
		})
	}
}

// TestSessionModes: in a shop with test and live handlers, a session gets
// the default mode when created and offers every enabled handler of that
// mode, and only those: the test sandbox for test sessions, the live
// Stripe handler (its methods as Stripe documents them) for live ones.
// Checked on the ACP 2026-04-17 session and the ChatGPT App's
// requestCheckout session; 2026-04-17 sessions are validated against the
// official schema when AGENTSHOP_ACP_SPEC_DIR is set.
func TestSessionModes(t *testing.T) {
	t.Parallel()
	var schema *acpschema.Validator
	if dir := os.Getenv(acpschema.EnvSpecDir); dir != "" {
		var err error
		if schema, err = acpschema.Load(dir); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"LIVE_KEY": "sk_live_abc", "TEST_KEY": "sk_test_abc"}
	for _, tt := range []struct {
		mode, extra, psp, id string
	}{
		{mode: "test", psp: "sandbox", id: "sandbox_test"},
		{mode: "live", extra: `, "shop": {"payment_mode": "live"}`, psp: "stripe", id: "stripe_live"},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "agentshop.json")
			if err := os.WriteFile(file, []byte(strings.Replace(bothModes, "%s", tt.extra, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(file, func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			cfg.Addr, cfg.Data, cfg.LogLevel, cfg.AgentAPIKey = "127.0.0.1:0", t.TempDir(), "error", "ask_test_modes_key_0123456789"
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			a := newApp(t, cfg, Options{})
			if err := a.EnsureAPIKey(t.Context(), io.Discard); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			body := `{"line_items":[{"id":"starvie-metheora-warrior","quantity":1}],"currency":"usd"}`
			req, _ := http.NewRequest("POST", srv.URL+"/checkout_sessions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+cfg.AgentAPIKey)
			req.Header.Set("API-Version", "2026-04-17")
			req.Header.Set("Idempotency-Key", "k1")
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d %s", res.StatusCode, raw)
			}
			if schema != nil {
				if err := schema.Validate("2026-04-17", "CheckoutSession", raw); err != nil {
					t.Errorf("session violates the schema: %v\n%s", err, raw)
				}
			}
			var s struct {
				Capabilities struct {
					Payment struct {
						Handlers []struct {
							ID     string `json:"id"`
							PSP    string `json:"psp"`
							Config struct {
								Environment string            `json:"environment"`
								MerchantID  string            `json:"merchant_id"`
								Methods     []json.RawMessage `json:"supported_payment_methods"`
							} `json:"config"`
						} `json:"handlers"`
					} `json:"payment"`
				} `json:"capabilities"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			hs := s.Capabilities.Payment.Handlers
			if len(hs) != 1 || hs[0].ID != tt.id || hs[0].PSP != tt.psp || hs[0].Config.Environment != tt.mode {
				t.Fatalf("handlers %+v, want only %s (%s, %s)", hs, tt.id, tt.psp, tt.mode)
			}
			if tt.mode == "live" {
				want := []string{`{"allowed_card_brands":["visa","mastercard"],"type":"card"}`, `{"type":"apple_pay"}`, `{"type":"google_pay"}`}
				for i, m := range hs[0].Config.Methods {
					if i >= len(want) || string(m) != want[i] {
						t.Errorf("method %d %s, want %s", i, m, want[i%len(want)])
					}
				}
				if hs[0].Config.MerchantID != "profile_live" {
					t.Errorf("merchant_id %q", hs[0].Config.MerchantID)
				}
			}

			// The ChatGPT App's session: payment_provider and payment_mode.
			call := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"show_checkout","arguments":{"items":[{"id":"starvie-metheora-warrior"}]}}}`
			req, _ = http.NewRequest("POST", srv.URL+"/mcp", bytes.NewReader([]byte(call)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
			res, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ = io.ReadAll(res.Body)
			res.Body.Close()
			var rpc struct {
				Result struct {
					StructuredContent struct {
						PaymentMode     string `json:"payment_mode"`
						PaymentProvider struct {
							Provider   string `json:"provider"`
							MerchantID string `json:"merchant_id"`
						} `json:"payment_provider"`
					} `json:"structuredContent"`
				} `json:"result"`
			}
			if err := json.Unmarshal(raw, &rpc); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			if sc := rpc.Result.StructuredContent; sc.PaymentMode != tt.mode || sc.PaymentProvider.Provider != tt.psp {
				t.Errorf("ChatGPT App session %s: want %s mode, provider %s", raw, tt.mode, tt.psp)
			}
		})
	}
}
