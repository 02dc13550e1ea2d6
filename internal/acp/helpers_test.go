package acp_test

import (
	"net/http"
	"os"
	"testing"
	"time"

	"agentshop/internal/acp/acpschema"
)

func acpschemaDir() string { return os.Getenv(acpschema.EnvSpecDir) }

var caAddress = map[string]any{
	"name": "Ada Lovelace", "line_one": "1 Market St", "city": "San Francisco",
	"state": "CA", "country": "US", "postal_code": "94103",
}

// createBody is a create request with items in the version's shape.
func createBody(version string, items map[string]int, withAddress bool) map[string]any {
	var lines []map[string]any
	for id, q := range items {
		lines = append(lines, map[string]any{"id": id, "quantity": q})
	}
	if version == v2025 {
		b := map[string]any{"items": lines}
		if withAddress {
			b["fulfillment_address"] = caAddress
		}
		return b
	}
	b := map[string]any{"line_items": lines, "currency": "usd",
		"capabilities": map[string]any{"interventions": map[string]any{"supported": []string{"3ds"}}}}
	if withAddress {
		b["fulfillment_details"] = map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "address": caAddress}
	}
	return b
}

func addressBody(version string) map[string]any {
	if version == v2025 {
		return map[string]any{"fulfillment_address": caAddress}
	}
	return map[string]any{"fulfillment_details": map[string]any{"name": "Ada Lovelace", "address": caAddress}}
}

func completeBody(version, token string) map[string]any {
	if version == v2025 {
		return map[string]any{"payment_data": map[string]any{"token": token, "provider": "stripe"}}
	}
	return map[string]any{"payment_data": map[string]any{"handler_id": "card_tokenized",
		"instrument": map[string]any{"type": "card", "credential": map[string]any{"type": "spt", "token": token}}}}
}

// newReadySession creates a session for one racket shipped to California.
func (b *bundle) newReadySession(t *testing.T, version string) resp {
	t.Helper()
	r := b.do(t, req{method: "POST", path: "/checkout_sessions", version: version, body: createBody(version, map[string]int{racket: 1}, true)}).want(t, http.StatusCreated)
	if got := r.str("status"); got != "ready_for_payment" {
		t.Fatalf("new session status %q, want ready_for_payment: %s", got, r.Raw)
	}
	return r
}

// delegate gets a sandbox vault token for card with an allowance for
// amount on session id.
func (b *bundle) delegate(t *testing.T, version, card, sessionID string, amount int64, mutate ...func(map[string]any)) string {
	t.Helper()
	body := map[string]any{
		"payment_method": map[string]any{
			"type": "card", "card_number_type": "fpan", "number": card,
			"exp_month": "12", "exp_year": "2035", "cvc": "123",
			"display_card_funding_type": "credit", "display_last4": card[len(card)-4:], "metadata": map[string]any{},
		},
		"allowance": map[string]any{
			"reason": "one_time", "max_amount": amount, "currency": "usd",
			"checkout_session_id": sessionID, "merchant_id": merchantID,
			"expires_at": b.clock.Now().Add(15 * time.Minute).Format(time.RFC3339),
		},
		"risk_signals": []map[string]any{{"type": "card_testing", "score": 1, "action": "authorized"}},
		"metadata":     map[string]any{},
	}
	for _, m := range mutate {
		m(body)
	}
	r := b.do(t, req{method: "POST", path: "/agentic_commerce/delegate_payment", version: version, body: body}).want(t, http.StatusCreated)
	if b.schema != nil {
		if err := b.schema.Validate(version, "delegate_payment:DelegatePaymentResponse", r.Raw); err != nil {
			t.Errorf("delegate response violates schema: %v\n%s", err, r.Raw)
		}
	}
	return r.str("id")
}

func (b *bundle) complete(t *testing.T, version, id, token string) resp {
	t.Helper()
	return b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: version, body: completeBody(version, token)})
}

func versions() []string { return []string{v2025, v2026} }
