package acp_test

import (
	"context"
	"net/http"
	"testing"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// liveCard is a provider with live credentials that must never be asked
// to charge a test session.
type liveCard struct{ *faultProvider }

func (liveCard) Name() string   { return "stripe" }
func (liveCard) LiveMode() bool { return true }

// handlersBundle is a shop with four payment handlers: the default test
// one (the bundle's provider), a second test one, a disabled test one and
// a live one. New sessions are test sessions.
type handlersBundle struct {
	*bundle
	second, retired, live *faultProvider
}

func setupHandlers(t *testing.T) *handlersBundle {
	t.Helper()
	hb := &handlersBundle{}
	b := setup(t, func(c *acp.Config) {
		def := c.Service.Payments.Default()
		hb.second = &faultProvider{PaymentProvider: sandbox.New(c.Service.Store.(sandbox.Vault), merchantID, nil)}
		hb.retired = &faultProvider{PaymentProvider: sandbox.New(c.Service.Store.(sandbox.Vault), merchantID, nil)}
		hb.live = &faultProvider{PaymentProvider: sandbox.New(c.Service.Store.(sandbox.Vault), merchantID, nil)}
		card := []commerce.PaymentMethod{{Type: commerce.MethodCard}}
		hs := []commerce.Handler{
			{PaymentHandler: commerce.PaymentHandler{ID: "card_tokenized", Mode: commerce.ModeTest, Methods: card, Enabled: true}, Provider: def},
			{PaymentHandler: commerce.PaymentHandler{ID: "second", Mode: commerce.ModeTest, MerchantID: "acct_second", Methods: card, Enabled: true}, Provider: hb.second},
			{PaymentHandler: commerce.PaymentHandler{ID: "retired", Mode: commerce.ModeTest, Methods: card}, Provider: hb.retired},
			{PaymentHandler: commerce.PaymentHandler{ID: "stripe_live", Mode: commerce.ModeLive, MerchantID: "profile_live",
				Methods: []commerce.PaymentMethod{{Type: commerce.MethodCard, CardBrands: []string{"visa"}}, {Type: commerce.MethodApplePay}}, Enabled: true},
				Provider: liveCard{hb.live}},
		}
		p, err := commerce.NewHandlers(commerce.ModeTest, hs...)
		if err != nil {
			t.Fatal(err)
		}
		c.Service.Payments = p
		m := c.Merchant
		m.DefaultMode = p.DefaultMode()
		for _, h := range p.All() {
			m.Handlers = append(m.Handlers, h.PaymentHandler)
		}
		c.Merchant = m
		c.Codecs = []acp.Codec{acp20250929.New(m), acp20260417.New(m)}
	})
	hb.bundle = b
	return hb
}

func (hb *handlersBundle) calls() int64 {
	return hb.provider.calls.Load() + hb.second.calls.Load() + hb.retired.calls.Load() + hb.live.calls.Load()
}

// TestSessionOffersItsModesHandlers: a test session offers the enabled
// test handlers, each with its id, PSP, merchant id, environment and
// methods, and neither the disabled nor the live one (2026-04-17; the
// response is validated against the official schema by b.do).
func TestSessionOffersItsModesHandlers(t *testing.T) {
	t.Parallel()
	b := setupHandlers(t)
	s := b.newReadySession(t, v2026)
	hs, _ := s.JSON["capabilities"].(map[string]any)["payment"].(map[string]any)["handlers"].([]any)
	var ids []string
	for _, x := range hs {
		h := x.(map[string]any)
		ids = append(ids, h["id"].(string))
		cfg := h["config"].(map[string]any)
		if cfg["environment"] != "test" || h["psp"] != "sandbox" {
			t.Errorf("handler %v: want a test sandbox handler", h)
		}
		if want := map[string]string{"card_tokenized": merchantID, "second": "acct_second"}[h["id"].(string)]; cfg["merchant_id"] != want {
			t.Errorf("handler %v: merchant_id want %q", h["id"], want)
		}
		if ms, _ := cfg["supported_payment_methods"].([]any); len(ms) != 1 || ms[0] != "card" {
			t.Errorf("handler %v: methods %v, want [card]", h["id"], cfg["supported_payment_methods"])
		}
	}
	if len(ids) != 2 || ids[0] != "card_tokenized" || ids[1] != "second" {
		t.Errorf("handlers %v, want [card_tokenized second]", ids)
	}
	old := b.newReadySession(t, v2025)
	if pp := old.JSON["payment_provider"].(map[string]any); pp["provider"] != "stripe" {
		t.Errorf("2025-09-29 payment_provider %v: the sandbox declares stripe, the only value the schema allows", pp)
	}
}

// TestCompleteSelectsHandler: complete pays through the handler it names
// (2026-04-17 handler_id, 2025-09-29 provider), and the attempt records
// it; an unknown, disabled or other-mode handler answers 400 invalid with
// its param and charges nothing.
func TestCompleteSelectsHandler(t *testing.T) {
	t.Parallel()
	b := setupHandlers(t)
	body := func(version, handler, token string) map[string]any {
		if version == v2025 {
			return map[string]any{"payment_data": map[string]any{"token": token, "provider": handler}}
		}
		return map[string]any{"payment_data": map[string]any{"handler_id": handler,
			"instrument": map[string]any{"type": "card", "credential": map[string]any{"type": "spt", "token": token}}}}
	}
	for _, tt := range []struct {
		version, handler, param string
	}{
		{v2026, "nope", "$.payment_data.handler_id"},
		{v2026, "retired", "$.payment_data.handler_id"},
		{v2026, "stripe_live", "$.payment_data.handler_id"},
		{v2025, "braintree", "$.payment_data.provider"},
		{v2025, "retired", "$.payment_data.provider"},
		{v2025, "stripe_live", "$.payment_data.provider"},
	} {
		t.Run(tt.version+"/"+tt.handler, func(t *testing.T) {
			s := b.newReadySession(t, tt.version)
			id := s.str("id")
			tok := b.delegate(t, tt.version, "4242424242424242", id, s.total())
			before := b.calls()
			e := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: tt.version,
				body: body(tt.version, tt.handler, tok)}).want(t, http.StatusBadRequest)
			if e.str("code") != "invalid" || e.str("param") != tt.param {
				t.Errorf("error %s, want code invalid, param %s", e.Raw, tt.param)
			}
			if n := b.calls() - before; n != 0 {
				t.Errorf("%d provider calls, want none", n)
			}
			if ps, err := b.store.ListPayments(context.Background(), id); err != nil || len(ps) != 0 {
				t.Errorf("payments %v (%v), want none", ps, err)
			}
			if got := b.do(t, req{method: "GET", path: "/checkout_sessions/" + id, version: tt.version}).want(t, http.StatusOK); got.str("status") != "ready_for_payment" {
				t.Errorf("session after a refused complete: %s", got.Raw)
			}
		})
	}
	for _, tt := range []struct{ version, handler string }{{v2026, "second"}, {v2025, "second"}, {v2025, "sandbox"}} {
		t.Run(tt.version+"/pays-with-"+tt.handler, func(t *testing.T) {
			s := b.newReadySession(t, tt.version)
			id := s.str("id")
			tok := b.delegate(t, tt.version, "4242424242424242", id, s.total())
			def, second := b.provider.calls.Load(), b.second.calls.Load()
			r := b.do(t, req{method: "POST", path: "/checkout_sessions/" + id + "/complete", version: tt.version,
				body: body(tt.version, tt.handler, tok)}).want(t, http.StatusOK)
			if r.str("status") != "completed" {
				t.Fatalf("complete: %s", r.Raw)
			}
			wantID, wantSecond := "second", int64(1)
			if tt.handler == "sandbox" { // a PSP names its first handler: the default
				wantID, wantSecond = "card_tokenized", 0
			}
			if got := b.second.calls.Load() - second; got != wantSecond || b.provider.calls.Load()-def != 1-wantSecond {
				t.Errorf("second handler charged %d times, default %d", got, b.provider.calls.Load()-def)
			}
			ps, err := b.store.ListPayments(context.Background(), id)
			if err != nil || len(ps) != 1 || ps[0].Handler != wantID || ps[0].Provider != "sandbox" {
				t.Fatalf("payments %+v (%v), want one through %s", ps, err, wantID)
			}
			o, err := b.store.GetOrder(context.Background(), r.str("order", "id"))
			if err != nil || o.Mode != commerce.ModeTest {
				t.Errorf("order %+v (%v): want mode test", o, err)
			}
		})
	}
}
