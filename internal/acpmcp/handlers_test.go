package acpmcp_test

import (
	"context"
	"errors"
	"testing"

	"agentshop/internal/acpmcp"
	"agentshop/internal/commerce"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
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

// TestCompleteUnknownHandler: over /acp/mcp, a complete naming a handler
// the session does not offer (unknown, disabled, live for a test session)
// is an ACP invalid error with the payload's param, and charges nothing.
func TestCompleteUnknownHandler(t *testing.T) {
	t.Parallel()
	b := setupWith(t, func(db *sqlite.DB) store.Store { return db }, func(c *acpmcp.Config) {
		def := c.Service.Payments.Default()
		p, err := commerce.NewHandlers("",
			commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: "card_tokenized", Mode: commerce.ModeTest, Enabled: true}, Provider: def},
			commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: "retired", Mode: commerce.ModeTest}, Provider: refusingProvider{t: t, name: "braintree"}},
			commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: "stripe_live", Mode: commerce.ModeLive, Enabled: true}, Provider: refusingProvider{t: t, name: "stripe", live: true}},
		)
		if err != nil {
			t.Fatal(err)
		}
		c.Service.Payments = p
	})
	cs := b.client(t)
	for _, tt := range []struct{ version, handler, param string }{
		{v2026, "nope", "$.payload.payment_data.handler_id"},
		{v2026, "retired", "$.payload.payment_data.handler_id"},
		{v2026, "stripe_live", "$.payload.payment_data.handler_id"},
		{v2025, "paypal", "$.payload.payment_data.provider"},
		{v2025, "braintree", "$.payload.payment_data.provider"},
		{v2025, "stripe_live", "$.payload.payment_data.provider"},
	} {
		s := b.call(t, cs, acpmcp.ToolCreate, tt.version, mut(tt.version, "", createPayload(tt.version, true))).want(t)
		id := s.str("id")
		pay := completePayload(tt.version, b.token(t, "4242424242424242", id, s.total()))
		pd := pay["payment_data"].(map[string]any)
		if tt.version == v2025 {
			pd["provider"] = tt.handler
		} else {
			pd["handler_id"] = tt.handler
		}
		r := b.wantError(t, b.call(t, cs, acpmcp.ToolComplete, tt.version, mut(tt.version, id, pay)), tt.version, acpmcp.CodeACPError, "invalid")
		if r.Data["param"] != tt.param {
			t.Errorf("%s %s: data %s, want param %s", tt.version, tt.handler, r.Err.Data, tt.param)
		}
		if ps, err := b.store.ListPayments(context.Background(), id); err != nil || len(ps) != 0 {
			t.Errorf("%s %s: payments %v (%v), want none", tt.version, tt.handler, ps, err)
		}
	}
}
