package acp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDelegateFreeTextLimits: delegate_payment's free-form parts, which
// the ACP schemas leave unbounded (the request's and the card's metadata
// maps, risk_signals, checks_performed), are capped at the codec: over a
// cap is 400 invalid_request (code invalid_card, the schema's only
// validation code) with the JSONPath of what is too big, on both API
// versions. At the caps, the request succeeds.
// Before, a 1 MiB body of metadata was stored in the vault token and
// echoed back.
func TestDelegateFreeTextLimits(t *testing.T) {
	t.Parallel()
	many := func(n int, key func(int) string, value string) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[key(i)] = value
		}
		return m
	}
	k := func(i int) string { return fmt.Sprintf("k%02d", i) }
	signals := func(n int) []map[string]any {
		s := make([]map[string]any, n)
		for i := range s {
			s[i] = map[string]any{"type": "card_testing", "score": 1, "action": "authorized"}
		}
		return s
	}
	checks := func(n int) []string {
		c := make([]string, n)
		for i := range c {
			c[i] = "cvv"
		}
		return c
	}
	for _, tt := range []struct {
		name  string
		set   func(body map[string]any)
		param string // "" for a request within the caps
	}{
		{"AtTheCaps", func(b map[string]any) {
			b["metadata"] = many(50, func(i int) string { return fmt.Sprintf("%040d", i) }, strings.Repeat("é", 500))
			b["payment_method"].(map[string]any)["metadata"] = many(50, k, strings.Repeat("v", 500))
			b["risk_signals"] = signals(20)
			b["payment_method"].(map[string]any)["checks_performed"] = checks(10)
		}, ""},
		{"TooManyKeys", func(b map[string]any) { b["metadata"] = many(51, k, "v") }, "$.metadata"},
		{"KeyTooLong", func(b map[string]any) { b["metadata"] = map[string]any{strings.Repeat("k", 41): "v"} }, "$.metadata"},
		{"ValueTooLong", func(b map[string]any) { b["metadata"] = map[string]any{"cart": strings.Repeat("v", 501)} }, "$.metadata.cart"},
		{"ValueTooLongOddKey", func(b map[string]any) { b["metadata"] = map[string]any{"cart id": strings.Repeat("v", 501)} }, "$.metadata['cart id']"},
		{"CardMetadataTooManyKeys", func(b map[string]any) { b["payment_method"].(map[string]any)["metadata"] = many(51, k, "v") }, "$.payment_method.metadata"},
		{"CardMetadataValueTooLong", func(b map[string]any) {
			b["payment_method"].(map[string]any)["metadata"] = map[string]any{"x": strings.Repeat("v", 501)}
		}, "$.payment_method.metadata.x"},
		{"TooManyRiskSignals", func(b map[string]any) { b["risk_signals"] = signals(21) }, "$.risk_signals"},
		{"TooManyChecks", func(b map[string]any) { b["payment_method"].(map[string]any)["checks_performed"] = checks(11) }, "$.payment_method.checks_performed"},
	} {
		for _, version := range versions() {
			t.Run(tt.name+"/"+version, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				s := b.newReadySession(t, version)
				body := map[string]any{
					"payment_method": map[string]any{
						"type": "card", "card_number_type": "fpan", "number": "4242424242424242",
						"exp_month": "12", "exp_year": "2035", "cvc": "123",
						"display_card_funding_type": "credit", "display_last4": "4242", "metadata": map[string]any{},
					},
					"allowance": map[string]any{
						"reason": "one_time", "max_amount": s.total(), "currency": "usd",
						"checkout_session_id": s.str("id"), "merchant_id": merchantID,
						"expires_at": b.clock.Now().Add(15 * time.Minute).Format(time.RFC3339),
					},
					"risk_signals": signals(1),
					"metadata":     map[string]any{},
				}
				tt.set(body)
				r := b.do(t, req{method: "POST", path: "/agentic_commerce/delegate_payment", version: version, body: body})
				if tt.param == "" {
					r.want(t, http.StatusCreated)
					return
				}
				r.want(t, http.StatusBadRequest)
				if r.str("type") != "invalid_request" || r.str("code") != "invalid_card" || r.str("param") != tt.param {
					t.Errorf("error %s, want invalid_request invalid_card at %s", r.Raw, tt.param)
				}
				if strings.Contains(string(r.Raw), strings.Repeat("k", 41)) {
					t.Errorf("the error echoes the long key: %s", r.Raw)
				}
			})
		}
	}
}
