package acp20250929_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/commerce"
)

// completedOrder returns the order of a paid session: two physical lines
// shipped to California (taxed), with a 10 % coupon.
func completedOrder(t *testing.T) *commerce.Order {
	t.Helper()
	s := session(line("tee_blue_m", 2), line("mug", 1))
	s.Address = home
	s.Buyer = &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}
	s.CouponCodes = []string{"SAVE10"}
	return completed(view(pricer(t), s, nil)).Order
}

func TestEncodeOrderEvent(t *testing.T) {
	c := acp20250929.New(merchant)
	tests := []struct {
		name, status string // status "" keeps the order's ("confirmed")
		typ          commerce.EventType
		wantStatus   string
	}{
		{"create", "", commerce.EventOrderCreate, "confirmed"},
		{"update", "", commerce.EventOrderUpdate, "confirmed"},
		{"created", "created", commerce.EventOrderUpdate, "created"},
		{"manual_review", "manual_review", commerce.EventOrderUpdate, "manual_review"},
		{"shipped", "shipped", commerce.EventOrderUpdate, "shipped"},
		{"fulfilled", "fulfilled", commerce.EventOrderUpdate, "fulfilled"},
		{"canceled", "canceled", commerce.EventOrderUpdate, "canceled"},
		{"cancelled spelling", "cancelled", commerce.EventOrderUpdate, "canceled"},
		{"2026 processing", "processing", commerce.EventOrderUpdate, "confirmed"},
		{"2026 completed", "completed", commerce.EventOrderUpdate, "fulfilled"},
		{"delivered", "delivered", commerce.EventOrderUpdate, "fulfilled"},
		{"unknown", "on_hold", commerce.EventOrderUpdate, "confirmed"},
		{"none", "-", commerce.EventOrderUpdate, "confirmed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := completedOrder(t)
			switch tt.status {
			case "":
			case "-":
				o.Status = ""
			default:
				o.Status = commerce.OrderStatus(tt.status)
			}
			b, err := c.EncodeOrderEvent(tt.typ, o)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"type": string(tt.typ),
				"data": map[string]any{
					"type":                "order",
					"checkout_session_id": "cs_test",
					"permalink_url":       "https://shop.example.com/orders/ord_test",
					"status":              tt.wantStatus,
					"refunds":             []any{},
				},
			}
			if diff := cmp.Diff(want, decodeJSON(t, b)); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeOrderEventSchema(t *testing.T) {
	schema := schematest.FromEnv(t)
	c := acp20250929.New(merchant)
	for _, typ := range []commerce.EventType{commerce.EventOrderCreate, commerce.EventOrderUpdate} {
		for _, status := range []string{"confirmed", "shipped", "processing", "completed", "on_hold", ""} {
			t.Run(string(typ)+"/"+status, func(t *testing.T) {
				t.Parallel()
				o := completedOrder(t)
				o.Status = commerce.OrderStatus(status)
				b, err := c.EncodeOrderEvent(typ, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := schema.Validate(acp20250929.APIVersion, "webhook:WebhookEvent", b); err != nil {
					t.Errorf("schema: %v\n%s", err, b)
				}
			})
		}
	}
}

func TestEncodeOrderEventErrors(t *testing.T) {
	c := acp20250929.New(merchant)
	o := completedOrder(t)
	tests := []struct {
		name  string
		typ   commerce.EventType
		order *commerce.Order
	}{
		{"nil order", commerce.EventOrderCreate, nil},
		{"unknown type", "order_delete", o},
		{"empty type", "", o},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if b, err := c.EncodeOrderEvent(tt.typ, tt.order); err == nil {
				t.Errorf("encoded %s", b)
			}
		})
	}
}

// TestEncodeOrderEventRefunds: succeeded refunds are listed, each to the
// original payment; pending and failed ones returned nothing and are not.
func TestEncodeOrderEventRefunds(t *testing.T) {
	o := completedOrder(t)
	o.Status = commerce.OrderCanceled
	o.Refunds = []commerce.Refund{
		{ID: "re_1", Amount: 500, Status: commerce.RefundSucceeded},
		{ID: "re_2", Amount: 300, Status: commerce.RefundFailed},
		{ID: "re_3", Amount: 200, Status: commerce.RefundPending},
		{ID: "re_4", Amount: 100, Status: commerce.RefundSucceeded},
	}
	b, err := acp20250929.New(merchant).EncodeOrderEvent(commerce.EventOrderUpdate, o)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"order_update","data":{"type":"order","checkout_session_id":"` + o.SessionID + `","permalink_url":"` +
		merchant.OrderURL(o.ID) + `","status":"canceled","refunds":[{"type":"original_payment","amount":500},{"type":"original_payment","amount":100}]}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	schema := schematest.FromEnv(t)
	if err := schema.Validate(acp20250929.APIVersion, "webhook:WebhookEvent", b); err != nil {
		t.Errorf("schema: %v", err)
	}
}

// TestEncodeOrderEventDisputes: 2025-09-29 has no disputes; a lost one
// (the bank returned the money to the buyer's card) is a refund to the
// original payment, others are not listed.
func TestEncodeOrderEventDisputes(t *testing.T) {
	o := completedOrder(t)
	o.Refunds = []commerce.Refund{{ID: "re_1", Amount: 300, Status: commerce.RefundSucceeded, External: true}}
	o.Disputes = []commerce.Dispute{
		{ID: "dsp_1", Amount: 1000, Currency: "usd", Status: commerce.DisputeNeedsResponse},
		{ID: "dsp_2", Amount: 700, Currency: "usd", Status: commerce.DisputeLost},
		{ID: "dsp_3", Amount: 100, Currency: "usd", Status: commerce.DisputeWon},
	}
	b, err := acp20250929.New(merchant).EncodeOrderEvent(commerce.EventOrderUpdate, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"refunds":[{"type":"original_payment","amount":300},{"type":"original_payment","amount":700}]`) {
		t.Errorf("refunds in %s", b)
	}
	schema := schematest.FromEnv(t)
	if err := schema.Validate(acp20250929.APIVersion, "webhook:WebhookEvent", b); err != nil {
		t.Errorf("schema: %v", err)
	}
}
