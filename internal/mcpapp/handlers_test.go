package mcpapp_test

import (
	"context"
	"errors"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/mcpapp"
)

// refusingProvider fails the test if it is asked to charge.
type refusingProvider struct {
	t    *testing.T
	name string
	live bool
}

func (p refusingProvider) Name() string   { return p.name }
func (p refusingProvider) LiveMode() bool { return p.live }
func (p refusingProvider) Charge(context.Context, commerce.ChargeRequest) (commerce.ChargeResult, error) {
	p.t.Errorf("handler of %s charged", p.name)
	return commerce.ChargeResult{}, errors.New("must not charge")
}

// withHandlers configures a test sandbox default, a disabled braintree
// handler and a live stripe one.
func withHandlers(t *testing.T) func(*mcpapp.Config) {
	return func(c *mcpapp.Config) {
		p, err := commerce.NewHandlers("",
			commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: "card_tokenized", Mode: commerce.ModeTest, Enabled: true,
				Methods: []commerce.PaymentMethod{{Type: commerce.MethodCard}}}, Provider: c.Service.Payments.Default()},
			commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: "bt_old", Mode: commerce.ModeTest}, Provider: refusingProvider{t: t, name: "braintree"}},
			commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: "stripe_live", Mode: commerce.ModeLive, Enabled: true}, Provider: refusingProvider{t: t, name: "stripe", live: true}},
		)
		if err != nil {
			t.Fatal(err)
		}
		c.Service.Payments = p
	}
}

// TestCompleteCheckoutHandlerNotOffered: complete_checkout with a
// provider or handler_id the session does not offer answers with the
// session and an invalid message naming the field, and charges nothing.
func TestCompleteCheckoutHandlerNotOffered(t *testing.T) {
	t.Parallel()
	b := setup(t, withHandlers(t))
	for _, pd := range []map[string]any{
		{"provider": "braintree"}, // disabled
		{"provider": "stripe_live"},
		{"provider": "adyen"},
		{"handler_id": "stripe_live"},
		{"handler_id": "nope"},
	} {
		s := b.readyCheckout(t)
		pd["token"] = b.token(t, "4242424242424242", s)
		got := b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID, "payment_data": pd})
		if got.Order != nil || !got.message("invalid") || b.provider.calls.Load() != 0 {
			t.Errorf("%v: %+v, provider calls %d", pd, got, b.provider.calls.Load())
		}
		if ps, err := b.store.ListPayments(context.Background(), s.ID); err != nil || len(ps) != 0 {
			t.Errorf("%v: payments %v (%v), want none", pd, ps, err)
		}
	}
	// The stripe alias of the sandbox still pays (2025-09-29 declares it).
	s := b.readyCheckout(t)
	done := b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID,
		"payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "stripe"}})
	if done.Order == nil || b.provider.calls.Load() != 1 {
		t.Errorf("provider stripe on a sandbox test session: %+v", done)
	}
}

// TestRequestCheckoutSession: the requestCheckout session declares the
// default handler of its mode and carries the line items' name,
// description and images, a support_url link and
// metadata.merchant_order_reference; host-added fields in the
// complete_checkout call are accepted.
func TestRequestCheckoutSession(t *testing.T) {
	t.Parallel()
	b := setup(t, withHandlers(t), func(c *mcpapp.Config) { c.Merchant.SupportURL = baseURL + "/support" })
	s := b.readyCheckout(t)
	raw := s.raw.(map[string]any)
	if s.PaymentMode != "test" || s.PaymentProvider.Provider != "sandbox" || s.PaymentProvider.MerchantID != merchantID {
		t.Errorf("payment_mode %q, payment_provider %+v: want the test sandbox handler", s.PaymentMode, s.PaymentProvider)
	}
	li := raw["line_items"].([]any)[0].(map[string]any)
	if li["name"] == "" || li["description"] == nil || len(li["images"].([]any)) != 1 {
		t.Errorf("line item %v: want name, description and images", li)
	}
	if md, _ := raw["metadata"].(map[string]any); md["merchant_order_reference"] != s.ID {
		t.Errorf("metadata %v, want merchant_order_reference %s", raw["metadata"], s.ID)
	}
	var support bool
	for _, l := range s.Links {
		support = support || (l.Type == "support_url" && l.URL == baseURL+"/support")
	}
	if !support {
		t.Errorf("links %+v: no support_url", s.Links)
	}
	done := b.ok(t, "complete_checkout", map[string]any{
		"checkout_session_id": s.ID,
		"conversation_id":     "conv_1", "connector_id": "conn_1", "merchant": map[string]any{"name": "x"},
		"logo_url": "https://x.example/logo.png", "ecosystem_app_uri": "app://x",
		"payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "sandbox", "conversation_id": "conv_1"},
	})
	if done.Order == nil {
		t.Fatalf("complete with host-added fields: %+v", done)
	}
	if md, _ := done.raw.(map[string]any)["metadata"].(map[string]any); md["merchant_order_reference"] != done.Order.ID {
		t.Errorf("completed metadata %v, want merchant_order_reference %s", md, done.Order.ID)
	}
}
