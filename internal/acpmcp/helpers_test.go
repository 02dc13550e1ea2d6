package acpmcp_test

import (
	"context"
	"testing"
	"time"

	"agentshop/internal/payment/sandbox"
)

var caAddress = map[string]any{
	"name": "Ada Lovelace", "line_one": "1 Market St", "city": "San Francisco",
	"state": "CA", "country": "US", "postal_code": "94103",
}

// createPayload is a create request body for one racket in the version's
// shape, optionally with a California address.
func createPayload(version string, withAddress bool) map[string]any {
	lines := []map[string]any{{"id": racket, "quantity": 1}}
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

func addressPayload(version string) map[string]any {
	if version == v2025 {
		return map[string]any{"fulfillment_address": caAddress}
	}
	return map[string]any{"fulfillment_details": map[string]any{"name": "Ada Lovelace", "address": caAddress}}
}

func completePayload(version, token string) map[string]any {
	if version == v2025 {
		return map[string]any{"payment_data": map[string]any{"token": token, "provider": "stripe"},
			"buyer": map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}}
	}
	return map[string]any{"payment_data": map[string]any{"handler_id": "card_tokenized",
		"instrument": map[string]any{"type": "card", "credential": map[string]any{"type": "spt", "token": token}}}}
}

// args builds tool arguments; mutating calls get a fresh idempotency key
// unless meta already has one or key is "-" (none).
func args(version, id string, payload any, extraMeta ...string) map[string]any {
	meta := map[string]any{"api_version": version}
	for i := 0; i+1 < len(extraMeta); i += 2 {
		meta[extraMeta[i]] = extraMeta[i+1]
	}
	a := map[string]any{"meta": meta}
	if id != "" {
		a["id"] = id
	}
	if payload != nil {
		a["payload"] = payload
	}
	return a
}

// mut is args for a mutating call with a fresh idempotency key.
func mut(version, id string, payload any) map[string]any {
	return args(version, id, payload, "idempotency_key", newKey())
}

// token mints a sandbox vault token for card, allowed up to amount on
// session id.
func (b *bundle) token(t *testing.T, card, sessionID string, amount int64) string {
	t.Helper()
	vt, err := b.provider.Delegate(context.Background(), sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{
			Type: "card", CardNumberType: "fpan", Number: card, ExpMonth: "12", ExpYear: "2035", CVC: "123",
			DisplayCardFundingType: "credit", DisplayLast4: card[len(card)-4:], Metadata: map[string]string{},
		},
		Allowance: sandbox.Allowance{
			Reason: "one_time", MaxAmount: amount, Currency: "usd", CheckoutSessionID: sessionID,
			MerchantID: merchantID, ExpiresAt: b.now().Add(15 * time.Minute).Format(time.RFC3339),
		},
		RiskSignals: []sandbox.RiskSignal{},
		Metadata:    map[string]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return vt.ID
}

func versions() []string { return []string{v2025, v2026} }
