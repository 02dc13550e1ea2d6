package mcpapp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
	"agentshop/internal/mcpapp"
)

// TestCheckoutFlow is the Instant Checkout path: show_checkout →
// update_checkout (address, then express shipping) → complete_checkout with
// a sandbox token and the extra fields a host may send → get_order; then a
// second complete returns the same order without charging again.
func TestCheckoutFlow(t *testing.T) {
	t.Parallel()
	b := setup(t)

	res := b.call(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket, "quantity": 2}}})
	if res.IsError {
		t.Fatal(text(res))
	}
	var s session
	decode(t, res.StructuredContent, &s)
	if s.ID == "" || s.Status != "not_ready_for_payment" || s.Currency != "usd" || s.PaymentMode != "test" {
		t.Fatalf("new session: %+v", s)
	}
	if s.ContinueURL != baseURL+"/checkout/"+s.ID {
		t.Errorf("continue_url %q", s.ContinueURL)
	}
	if pp := s.PaymentProvider; pp.Provider != "sandbox" || pp.MerchantID != merchantID || len(pp.SupportedPaymentMethods) != 1 || pp.SupportedPaymentMethods[0] != "card" {
		t.Errorf("payment_provider %+v", pp)
	}
	if len(s.LineItems) != 1 || s.LineItems[0].Item.ID != racket || s.LineItems[0].Item.Quantity != 2 || s.LineItems[0].Name == "" {
		t.Errorf("line_items %+v", s.LineItems)
	}
	if !s.message("missing") || len(s.Links) == 0 || s.total() <= 0 {
		t.Errorf("messages %+v links %+v total %d", s.Messages, s.Links, s.total())
	}
	if txt := text(res); !strings.Contains(txt, s.ID) || !strings.Contains(txt, s.ContinueURL) || strings.HasPrefix(txt, "{") {
		t.Errorf("text content should summarise the session for the model: %q", txt)
	}

	s = b.ok(t, "update_checkout", map[string]any{"checkout_session_id": s.ID, "fulfillment_address": shipTo()})
	if s.Status != "ready_for_payment" || len(s.FulfillmentOptions) < 2 || s.FulfillmentOptionID == "" {
		t.Fatalf("after the address: %+v", s)
	}
	standard := s.total()
	var express string
	for _, o := range s.FulfillmentOptions {
		if o.ID != s.FulfillmentOptionID {
			express = o.ID
		}
	}
	s = b.ok(t, "update_checkout", map[string]any{"checkout_session_id": s.ID, "fulfillment_option_id": express})
	if s.FulfillmentOptionID != express || s.total() <= standard {
		t.Errorf("express shipping: option %q total %d (standard %d)", s.FulfillmentOptionID, s.total(), standard)
	}
	s = b.ok(t, "update_checkout", map[string]any{"checkout_session_id": s.ID, "items": []any{map[string]any{"id": racket, "quantity": 1}}})
	if s.LineItems[0].Item.Quantity != 1 || s.FulfillmentOptionID != express {
		t.Errorf("quantity change: %+v", s)
	}

	tok := b.token(t, "4242424242424242", s)
	args := map[string]any{
		"checkout_session_id": s.ID,
		"buyer":               map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone_number": nil, "loyalty_id": "x"},
		"payment_data": map[string]any{
			"token": tok, "provider": "stripe",
			"billing_address": map[string]any{"name": "Ada Lovelace", "line_one": "1 Market St", "line_two": nil, "city": "San Francisco", "state": "CA", "country": "US", "postal_code": "94103", "extra": true},
			"wallet":          "apple_pay",
		},
		"amount_hint": 1, // a client's amount is never read
		"metadata":    map[string]any{"cart_id": "c1"},
	}
	done := b.ok(t, "complete_checkout", args)
	if done.Status != "completed" || done.Order == nil || done.Order.ID == "" || done.Order.CheckoutSessionID != s.ID ||
		done.Order.PermalinkURL != baseURL+"/orders/"+done.Order.ID {
		t.Fatalf("completed session: %+v", done)
	}
	if done.total() != s.total() {
		t.Errorf("charged total %d, session total %d", done.total(), s.total())
	}
	if n := b.provider.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1", n)
	}

	again := b.ok(t, "complete_checkout", args)
	if again.Order == nil || again.Order.ID != done.Order.ID || again.Status != "completed" {
		t.Errorf("second complete: %+v, want order %s", again, done.Order.ID)
	}
	if n := b.provider.calls.Load(); n != 1 {
		t.Errorf("provider called %d times after a second complete, want 1", n)
	}

	if res := b.call(t, "update_checkout", map[string]any{"checkout_session_id": s.ID, "fulfillment_option_id": express}); !res.IsError {
		t.Error("a completed session accepted an update")
	}

	var o struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		PermalinkURL string `json:"permalink_url"`
		Items        []struct {
			ID       string `json:"id"`
			Quantity int64  `json:"quantity"`
		} `json:"items"`
		Total struct {
			Amount int64 `json:"amount"`
		} `json:"total"`
		Tracking struct {
			Available bool   `json:"available"`
			Note      string `json:"note"`
			Shipments []struct {
				Carrier        string `json:"carrier"`
				TrackingNumber string `json:"tracking_number"`
				TrackingURL    string `json:"tracking_url"`
				DeliveredAt    string `json:"delivered_at"`
			} `json:"shipments"`
		} `json:"tracking"`
	}
	res = b.call(t, "get_order", map[string]any{"order_id": done.Order.ID})
	if res.IsError {
		t.Fatal(text(res))
	}
	decode(t, res.StructuredContent, &o)
	if o.ID != done.Order.ID || o.Status != "confirmed" || o.PermalinkURL != done.Order.PermalinkURL ||
		len(o.Items) != 1 || o.Items[0].ID != racket || o.Total.Amount != done.total() ||
		o.Tracking.Available || len(o.Tracking.Shipments) != 0 || !strings.Contains(o.Tracking.Note, "Not shipped yet") {
		t.Errorf("get_order: %+v", o)
	}

	// Once the shop ships, get_order tracks the parcel.
	if _, err := b.svc.ShipOrder(t.Context(), done.Order.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "9400111899223456789012",
		TrackingURL: "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223456789012"}, nil); err != nil {
		t.Fatal(err)
	}
	res = b.call(t, "get_order", map[string]any{"order_id": done.Order.ID})
	decode(t, res.StructuredContent, &o)
	if o.Status != "shipped" || !o.Tracking.Available || len(o.Tracking.Shipments) != 1 || o.Tracking.Shipments[0].Carrier != "USPS" ||
		o.Tracking.Shipments[0].TrackingNumber != "9400111899223456789012" || o.Tracking.Shipments[0].DeliveredAt != "" ||
		!strings.Contains(text(res), "tracking number 9400111899223456789012") {
		t.Errorf("get_order after shipping: %+v\n%s", o, text(res))
	}
}

// TestPaymentMessages: a decline and a 3-D Secure challenge are sessions
// with error messages, not tool errors, and charge nothing.
func TestPaymentMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, card, code string }{
		{"declined", "4000000000009995", "payment_declined"},
		{"3ds", "4000002500003155", "requires_3ds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			s := b.readyCheckout(t)
			args := map[string]any{"checkout_session_id": s.ID, "payment_data": map[string]any{"token": b.token(t, tc.card, s), "provider": "sandbox"}}
			for i := range 2 { // a retry answers the same way
				res := b.call(t, "complete_checkout", args)
				if res.IsError {
					t.Fatalf("attempt %d: tool error %q; want a session with a %s message", i+1, text(res), tc.code)
				}
				var got session
				decode(t, res.StructuredContent, &got)
				if got.Status == "completed" || got.Order != nil || !got.message(tc.code) {
					t.Errorf("attempt %d: %+v, want not completed with an error message %s", i+1, got, tc.code)
				}
				if !strings.Contains(text(res), tc.code) {
					t.Errorf("attempt %d: text %q does not tell the model about %s", i+1, text(res), tc.code)
				}
			}
		})
	}

	t.Run("declined then paid", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.readyCheckout(t)
		b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID, "payment_data": map[string]any{"token": b.token(t, "4000000000000002", s), "provider": "sandbox"}})
		done := b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID, "payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "sandbox"}})
		if done.Order == nil {
			t.Errorf("a good card after a decline: %+v", done)
		}
	})
}

// TestCompleteInputs covers the shapes complete_checkout accepts and
// refuses.
func TestCompleteInputs(t *testing.T) {
	t.Parallel()

	t.Run("2026-04-17 payment data", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.readyCheckout(t)
		done := b.ok(t, "complete_checkout", map[string]any{
			"checkout_session_id": s.ID,
			"buyer":               map[string]any{"name": "Ada Lovelace", "email": "ada@example.com"},
			"payment_data": map[string]any{
				"handler_id": "card_tokenized",
				"instrument": map[string]any{"type": "card", "credential": map[string]any{"type": "spt", "token": b.token(t, "4242424242424242", s)}},
			},
		})
		if done.Order == nil {
			t.Errorf("%+v", done)
		}
	})

	t.Run("null buyer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.readyCheckout(t)
		done := b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID, "buyer": nil,
			"payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "stripe", "billing_address": nil}})
		if done.Order == nil {
			t.Errorf("%+v", done)
		}
	})

	t.Run("other provider", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.readyCheckout(t)
		got := b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID,
			"payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "braintree"}})
		if got.Order != nil || !got.message("invalid") || b.provider.calls.Load() != 0 {
			t.Errorf("a braintree token for a sandbox shop: %+v, provider calls %d", got, b.provider.calls.Load())
		}
	})

	t.Run("tool errors", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		s := b.readyCheckout(t)
		for name, args := range map[string]map[string]any{
			"no token":        {"checkout_session_id": s.ID, "payment_data": map[string]any{"provider": "stripe"}},
			"no session id":   {"payment_data": map[string]any{"token": "vt_x"}},
			"unknown session": {"checkout_session_id": "cs_nope", "payment_data": map[string]any{"token": "vt_x"}},
			"token not text":  {"checkout_session_id": s.ID, "payment_data": map[string]any{"token": 42}},
		} {
			if res := b.call(t, "complete_checkout", args); !res.IsError {
				t.Errorf("%s: accepted: %v", name, res.StructuredContent)
			}
		}
		if n := b.provider.calls.Load(); n != 0 {
			t.Errorf("provider called %d times", n)
		}
	})
}

// TestCheckoutProblems: business problems are messages, malformed input is
// a tool error naming the argument.
func TestCheckoutProblems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := b.ok(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": "no-such-item"}}})
	if !s.message("invalid") || s.Status == "ready_for_payment" {
		t.Errorf("unknown item: %+v", s)
	}
	res := b.call(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket, "quantity": -1}}})
	if !res.IsError || !strings.Contains(text(res), "$.items[0].quantity") {
		t.Errorf("negative quantity: isError %v %q", res.IsError, text(res))
	}
	res = b.call(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket}},
		"fulfillment_address": map[string]any{"name": "A", "line_one": "1 St", "city": "X", "country": "USA", "postal_code": "1"}})
	if !res.IsError || !strings.Contains(text(res), "$.fulfillment_address.country") {
		t.Errorf("bad country: isError %v %q", res.IsError, text(res))
	}
	if res := b.call(t, "update_checkout", map[string]any{"checkout_session_id": "cs_nope"}); !res.IsError {
		t.Error("update of an unknown session succeeded")
	}
}

// TestLiveModeAndProvider: payment_mode and payment_provider come from
// the configuration.
func TestLiveModeAndProvider(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *mcpapp.Config) {
		c.Service.Payments = commerce.MustPayments(liveProvider{c.Service.Payments.Default()})
		c.Payment = mcpapp.Payment{Provider: "stripe", MerchantID: "profile_123",
			SupportedPaymentMethods: []any{"card", "apple_pay"}}
	})
	s := b.ok(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket}}})
	if s.PaymentMode != "live" || s.PaymentProvider.Provider != "stripe" || s.PaymentProvider.MerchantID != "profile_123" ||
		len(s.PaymentProvider.SupportedPaymentMethods) != 2 {
		t.Errorf("%+v", s)
	}
}

// liveProvider is a provider whose credentials are live.
type liveProvider struct{ commerce.PaymentProvider }

func (liveProvider) LiveMode() bool { return true }

// TestProviderMode: without a configured Payment.Mode, payment_mode is the
// default provider's: live for live credentials, test for the sandbox.
func TestProviderMode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		live bool
		want string
	}{
		{name: "Sandbox", want: "test"},
		{name: "LiveKey", live: true, want: "live"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *mcpapp.Config) {
				if tt.live {
					c.Service.Payments = commerce.MustPayments(liveProvider{c.Service.Payments.Default()})
				}
			})
			s := b.ok(t, "show_checkout", map[string]any{"items": []any{map[string]any{"id": racket}}})
			if s.PaymentMode != tt.want || s.PaymentProvider.Provider != "sandbox" {
				t.Errorf("payment_mode %q, provider %q; want %q, sandbox", s.PaymentMode, s.PaymentProvider.Provider, tt.want)
			}
		})
	}
}

// TestRequestMeta: ChatGPT's request _meta (openai/locale) is accepted.
func TestRequestMeta(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := b.session.CallTool(ctx, &mcp.CallToolParams{
		Meta: mcp.Meta{"openai/locale": "en-US", "openai/subject": "v1/abc"},
		Name: "show_checkout", Arguments: map[string]any{"items": []any{map[string]any{"id": racket}}},
	})
	if err != nil || res.IsError {
		t.Fatalf("%v %v", err, res)
	}
}
