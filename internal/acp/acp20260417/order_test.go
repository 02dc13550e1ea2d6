package acp20260417_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/commerce"
)

// completedOrder returns the order of a paid session: two physical lines
// (one with an image and options), shipping to California (taxed, tax on
// shipping too), a 10 % coupon, and its completed view.
func completedOrder(t *testing.T, lines ...commerce.Line) (*commerce.Order, *commerce.View) {
	t.Helper()
	if len(lines) == 0 {
		lines = []commerce.Line{line("tee_blue_m", 2), line("mug", 1)}
	}
	s := session(lines...)
	s.Address = home
	s.Buyer = &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}
	s.CouponCodes = []string{"SAVE10"}
	v := completed(view(pricer(t), s, nil))
	return v.Order, v
}

// orderEventCases are the orders both event tests render.
func orderEventCases() []struct {
	name  string
	typ   commerce.EventType
	order func(t *testing.T) *commerce.Order
	check func(t *testing.T, m map[string]any)
} {
	return []struct {
		name  string
		typ   commerce.EventType
		order func(t *testing.T) *commerce.Order
		check func(t *testing.T, m map[string]any)
	}{
		{"create: shipping, tax, discount", commerce.EventOrderCreate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			return o
		}, func(t *testing.T, m map[string]any) {
			if m["type"] != "order_create" {
				t.Errorf("type = %v", m["type"])
			}
			d := m["data"].(map[string]any)
			for k, want := range map[string]any{
				"type": "order", "id": "ord_test", "checkout_session_id": "cs_test",
				"permalink_url": "https://shop.example.com/orders/ord_test", "status": "confirmed",
			} {
				if d[k] != want {
					t.Errorf("data.%s = %v, want %v", k, d[k], want)
				}
			}
			lis := d["line_items"].([]any)
			if len(lis) != 2 {
				t.Fatalf("%d line items, want 2", len(lis))
			}
			tee := lis[0].(map[string]any)
			want := map[string]any{
				"id": "li_1", "title": "Organic Tee, Blue, M", "product_id": "tee",
				"image_url": "https://shop.example.com/img/tee.jpg",
				"quantity":  map[string]any{"ordered": 2.0, "current": 2.0, "fulfilled": 0.0},
				// subtotal is after the line's share of the coupon, as
				// in the session's line totals.
				"unit_price": 2500.0, "subtotal": float64(5000 - sumOf(t, tee["totals"], "discount")),
				"status": "processing",
			}
			for k, w := range want {
				if diff := cmp.Diff(w, tee[k]); diff != "" {
					t.Errorf("line_items[0].%s (-want +got):\n%s", k, diff)
				}
			}
			if sumOf(t, tee["totals"], "discount") <= 0 {
				t.Errorf("tee line has no discount: %v", tee["totals"])
			}
			fs := d["fulfillments"].([]any)
			if len(fs) != 1 {
				t.Fatalf("fulfillments = %v", fs)
			}
			f := fs[0].(map[string]any)
			if f["id"] != "shipping_standard" || f["type"] != "shipping" || f["carrier"] != "USPS" ||
				f["destination"].(map[string]any)["postal_code"] != "94105" || len(f["line_items"].([]any)) != 2 {
				t.Errorf("fulfillment = %v", f)
			}
			ed := f["estimated_delivery"].(map[string]any)
			if ed["earliest"] != "2026-05-04T00:00:00Z" || ed["latest"] != "2026-05-06T00:00:00Z" {
				t.Errorf("estimated_delivery = %v", ed)
			}
			if _, ok := f["status"]; ok {
				t.Error("fulfillment status without shipment tracking")
			}
			if adj := d["adjustments"].([]any); len(adj) != 0 {
				t.Errorf("adjustments = %v", adj)
			}
			var types []string
			for _, x := range d["totals"].([]any) {
				types = append(types, x.(map[string]any)["type"].(string))
			}
			if diff := cmp.Diff([]string{"items_base_amount", "subtotal", "discount", "fulfillment", "tax", "total"}, types); diff != "" {
				t.Errorf("total types (-want +got):\n%s", diff)
			}
			for _, typ := range []string{"discount", "fulfillment", "tax"} {
				if sumOf(t, d["totals"], typ) <= 0 {
					t.Errorf("no %s amount: %v", typ, d["totals"])
				}
			}
		}},
		{"update", commerce.EventOrderUpdate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			o.Status = "shipped"
			return o
		}, func(t *testing.T, m map[string]any) {
			if m["type"] != "order_update" {
				t.Errorf("type = %v", m["type"])
			}
			if s := m["data"].(map[string]any)["status"]; s != "shipped" {
				t.Errorf("status = %v", s)
			}
		}},
		{"digital only", commerce.EventOrderCreate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t, line("ebook", 1))
			return o
		}, func(t *testing.T, m map[string]any) {
			d := m["data"].(map[string]any)
			f := d["fulfillments"].([]any)[0].(map[string]any)
			if f["type"] != "digital" || f["id"] != "digital" {
				t.Errorf("fulfillment = %v", f)
			}
			for _, k := range []string{"carrier", "destination", "estimated_delivery"} {
				if _, ok := f[k]; ok {
					t.Errorf("digital fulfillment has %s", k)
				}
			}
			if li := d["line_items"].([]any)[0].(map[string]any); li["title"] != "Field Guide (PDF)" {
				t.Errorf("line item = %v", li)
			}
		}},
		{"no fulfillment, no status, stored without items", commerce.EventOrderUpdate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			o.Fulfillment = nil
			o.Status = ""
			for i := range o.Lines {
				o.Lines[i].Item = nil
			}
			o.Totals.Total -= o.Totals.Fulfillment
			o.Totals.Fulfillment = 0
			return o
		}, func(t *testing.T, m map[string]any) {
			d := m["data"].(map[string]any)
			if _, ok := d["fulfillments"]; ok {
				t.Error("fulfillments without a delivery method")
			}
			if d["status"] != "confirmed" {
				t.Errorf("status = %v, want confirmed", d["status"])
			}
			if sumOf(t, d["totals"], "fulfillment") != 0 {
				t.Errorf("fulfillment total without a method: %v", d["totals"])
			}
			li := d["line_items"].([]any)[0].(map[string]any)
			if li["title"] != "tee_blue_m" || li["unit_price"] != 2500.0 {
				t.Errorf("line without item = %v", li)
			}
			for _, k := range []string{"product_id", "image_url", "description"} {
				if _, ok := li[k]; ok {
					t.Errorf("line without item has %s", k)
				}
			}
		}},
		{"update: shipped with tracking", commerce.EventOrderUpdate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			o.Status = commerce.OrderShipped
			o.Shipments = []commerce.Shipment{{ID: "shp_1", Carrier: "USPS", TrackingNumber: "9400111899223456789012",
				TrackingURL: "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223456789012",
				ShippedAt:   time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)}}
			return o
		}, func(t *testing.T, m map[string]any) {
			d := m["data"].(map[string]any)
			if m["type"] != "order_update" || d["status"] != "shipped" {
				t.Errorf("type %v, status %v; want order_update, shipped", m["type"], d["status"])
			}
			fs := d["fulfillments"].([]any)
			if len(fs) != 1 {
				t.Fatalf("fulfillments = %v, want the one shipment", fs)
			}
			f := fs[0].(map[string]any)
			for k, want := range map[string]any{"id": "shp_1", "type": "shipping", "status": "shipped", "carrier": "USPS",
				"tracking_number": "9400111899223456789012",
				"tracking_url":    "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223456789012"} {
				if f[k] != want {
					t.Errorf("fulfillment.%s = %v, want %v", k, f[k], want)
				}
			}
			evs := f["events"].([]any)
			if len(evs) != 1 || evs[0].(map[string]any)["type"] != "shipped" || evs[0].(map[string]any)["occurred_at"] != "2026-05-02T10:00:00Z" {
				t.Errorf("events = %v, want one shipped at 2026-05-02T10:00:00Z", evs)
			}
			if len(f["line_items"].([]any)) != 2 {
				t.Errorf("shipment covers %v, want both lines", f["line_items"])
			}
			for _, x := range d["line_items"].([]any) {
				li := x.(map[string]any)
				q := li["quantity"].(map[string]any)
				if li["status"] != "fulfilled" || q["fulfilled"] != q["current"] {
					t.Errorf("line %v after shipping, want fulfilled", li)
				}
			}
		}},
		{"update: canceled and refunded", commerce.EventOrderUpdate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			o.Status = commerce.OrderCanceled
			at := time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)
			o.Refunds = []commerce.Refund{
				{ID: "re_1", Amount: 300, Status: commerce.RefundFailed, Reason: "first try", CreatedAt: at, SettledAt: &at},
				{ID: "re_2", Amount: o.Totals.Total, Status: commerce.RefundSucceeded, Reason: "Order canceled", CreatedAt: at, SettledAt: &at},
			}
			return o
		}, func(t *testing.T, m map[string]any) {
			d := m["data"].(map[string]any)
			if d["status"] != "canceled" {
				t.Errorf("status = %v, want canceled", d["status"])
			}
			adj := d["adjustments"].([]any)
			if len(adj) != 2 {
				t.Fatalf("adjustments = %v, want both refunds", adj)
			}
			a := adj[1].(map[string]any)
			for k, want := range map[string]any{"id": "re_2", "type": "refund", "status": "completed", "currency": "usd",
				"description": "Order canceled", "occurred_at": "2026-05-03T09:00:00Z"} {
				if a[k] != want {
					t.Errorf("adjustment.%s = %v, want %v", k, a[k], want)
				}
			}
			if adj[0].(map[string]any)["status"] != "failed" {
				t.Errorf("the refused refund is %v, want failed", adj[0])
			}
			if total, refunded := sumOf(t, d["totals"], "total"), sumOf(t, d["totals"], "amount_refunded"); refunded != total || a["amount"] != float64(total) {
				t.Errorf("total %d, amount_refunded %d, refund %v: want the whole total refunded", total, refunded, a["amount"])
			}
		}},
		{"update: refund at the provider, disputes", commerce.EventOrderUpdate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			opened := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
			due := opened.Add(7 * 24 * time.Hour)
			o.Refunds = []commerce.Refund{{ID: "re_dash", Amount: 300, Reason: "requested_by_customer", Status: commerce.RefundSucceeded,
				ProviderRef: "re_1", External: true, CreatedAt: opened, SettledAt: &opened}}
			o.Disputes = []commerce.Dispute{
				{ID: "dsp_open", Status: commerce.DisputeNeedsResponse, Amount: 1000, Currency: "usd", Reason: "fraudulent",
					EvidenceDueBy: &due, OpenedAt: opened, UpdatedAt: opened},
				{ID: "dsp_lost", Status: commerce.DisputeLost, Amount: 500, Currency: "usd", Reason: "product_not_received",
					OpenedAt: opened, UpdatedAt: opened.Add(time.Hour)},
				{ID: "dsp_won", Status: commerce.DisputeWon, Amount: 200, Currency: "usd", Reason: "duplicate", Inquiry: true,
					OpenedAt: opened, UpdatedAt: opened.Add(2 * time.Hour)},
			}
			return o
		}, func(t *testing.T, m map[string]any) {
			adj := m["data"].(map[string]any)["adjustments"].([]any)
			if len(adj) != 4 {
				t.Fatalf("adjustments = %v, want the refund and three disputes", adj)
			}
			want := []struct{ id, typ, status, reason, at string }{
				{"re_dash", "refund", "completed", "", "2026-05-06T09:00:00Z"},
				{"dsp_open", "dispute", "pending", "fraudulent", "2026-05-06T09:00:00Z"},
				{"dsp_lost", "dispute", "completed", "product_not_received", "2026-05-06T10:00:00Z"},
				{"dsp_won", "dispute", "failed", "duplicate", "2026-05-06T11:00:00Z"},
			}
			for i, w := range want {
				a := adj[i].(map[string]any)
				reason, _ := a["reason"].(string)
				if a["id"] != w.id || a["type"] != w.typ || a["status"] != w.status || reason != w.reason || a["occurred_at"] != w.at {
					t.Errorf("adjustment %d = %v, want %+v", i, a, w)
				}
			}
			if refunded := sumOf(t, m["data"].(map[string]any)["totals"], "amount_refunded"); refunded != 300 {
				t.Errorf("amount_refunded = %d, want the refunds' 300 (disputes are not refunds)", refunded)
			}
		}},
		{"update: delivered", commerce.EventOrderUpdate, func(t *testing.T) *commerce.Order {
			o, _ := completedOrder(t)
			o.Status = commerce.OrderCompleted
			at := time.Date(2026, 5, 4, 15, 30, 0, 0, time.UTC)
			o.Shipments = []commerce.Shipment{{ID: "shp_1", Carrier: "UPS", TrackingNumber: "1Z999",
				TrackingURL: "not a url", ShippedAt: at.Add(-48 * time.Hour), DeliveredAt: &at}}
			return o
		}, func(t *testing.T, m map[string]any) {
			d := m["data"].(map[string]any)
			if d["status"] != "completed" {
				t.Errorf("status = %v, want completed", d["status"])
			}
			f := d["fulfillments"].([]any)[0].(map[string]any)
			if f["status"] != "delivered" {
				t.Errorf("fulfillment status %v, want delivered", f["status"])
			}
			if _, ok := f["tracking_url"]; ok {
				t.Errorf("a tracking URL that is not absolute was sent: %v", f["tracking_url"])
			}
			if _, ok := f["estimated_delivery"]; ok {
				t.Error("estimated_delivery after delivery")
			}
			evs := f["events"].([]any)
			if len(evs) != 2 || evs[1].(map[string]any)["type"] != "delivered" || evs[1].(map[string]any)["occurred_at"] != "2026-05-04T15:30:00Z" {
				t.Errorf("events = %v, want shipped then delivered", evs)
			}
		}},
	}
}

func TestEncodeOrderEvent(t *testing.T) {
	c := acp20260417.New(merchant)
	for _, tt := range orderEventCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := c.EncodeOrderEvent(tt.typ, tt.order(t))
			if err != nil {
				t.Fatal(err)
			}
			m := decodeJSON(t, b)
			checkOrderArithmetic(t, m["data"].(map[string]any))
			tt.check(t, m)
		})
	}
}

func TestEncodeOrderEventSchema(t *testing.T) {
	schema := schematest.FromEnv(t)
	c := acp20260417.New(merchant)
	for _, tt := range orderEventCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := c.EncodeOrderEvent(tt.typ, tt.order(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(acp20260417.APIVersion, "webhook:WebhookEvent", b); err != nil {
				t.Errorf("schema: %v\n%s", err, b)
			}
		})
	}
}

// TestEncodeOrderEventMatchesSession checks that an order event carries
// the totals and line amounts of the completed session it came from.
func TestEncodeOrderEventMatchesSession(t *testing.T) {
	c := acp20260417.New(merchant)
	o, v := completedOrder(t)
	eb, err := c.EncodeOrderEvent(commerce.EventOrderCreate, o)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := c.EncodeSession(v)
	if err != nil {
		t.Fatal(err)
	}
	d := decodeJSON(t, eb)["data"].(map[string]any)
	s := decodeJSON(t, sb)
	if diff := cmp.Diff(s["totals"], d["totals"]); diff != "" {
		t.Errorf("totals differ from the session's (-session +order):\n%s", diff)
	}
	for i, x := range s["line_items"].([]any) {
		sl, ol := x.(map[string]any), d["line_items"].([]any)[i].(map[string]any)
		if diff := cmp.Diff(sl["totals"], ol["totals"]); diff != "" {
			t.Errorf("line %d totals differ (-session +order):\n%s", i, diff)
		}
		if sl["unit_amount"] != ol["unit_price"] || sl["name"] != ol["title"] {
			t.Errorf("line %d: session %v, order %v", i, sl, ol)
		}
	}
	if d["permalink_url"] != s["order"].(map[string]any)["permalink_url"] {
		t.Errorf("permalink %v, session's %v", d["permalink_url"], s["order"])
	}
}

// TestEncodeOrderEventStored checks that an order read back from its
// stored JSON (how the stores keep it) renders the same event.
func TestEncodeOrderEventStored(t *testing.T) {
	c := acp20260417.New(merchant)
	o, _ := completedOrder(t)
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var stored commerce.Order
	if err := json.Unmarshal(data, &stored); err != nil {
		t.Fatal(err)
	}
	want, err := c.EncodeOrderEvent(commerce.EventOrderUpdate, o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.EncodeOrderEvent(commerce.EventOrderUpdate, &stored)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("stored order renders differently (-live +stored):\n%s", diff)
	}
}

func TestEncodeOrderEventErrors(t *testing.T) {
	c := acp20260417.New(merchant)
	o, _ := completedOrder(t)
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

// checkOrderArithmetic asserts that the order's amounts add up: one
// total; total = items − discount + fulfillment + tax; each line sums;
// Σ line totals + fulfillment (with its tax) = total.
func checkOrderArithmetic(t *testing.T, d map[string]any) {
	t.Helper()
	checkOne(t, d["totals"], "order")
	a := func(k string) int64 { return sumOf(t, d["totals"], k) }
	if got := a("items_base_amount") - a("discount") + a("fulfillment") + a("tax"); got != a("total") {
		t.Errorf("items − discount + fulfillment + tax = %d, total = %d", got, a("total"))
	}
	var lines, lineTax int64
	for _, x := range d["line_items"].([]any) {
		l := x.(map[string]any)
		tt := l["totals"]
		checkOne(t, tt, "line "+l["id"].(string))
		la := func(k string) int64 { return sumOf(t, tt, k) }
		if la("items_base_amount")-la("discount") != la("subtotal") || la("subtotal")+la("tax") != la("total") {
			t.Errorf("line item does not add up: %v", tt)
		}
		q := l["quantity"].(map[string]any)
		if la("items_base_amount") != int64(l["unit_price"].(float64)*q["ordered"].(float64)) || la("subtotal") != int64(l["subtotal"].(float64)) {
			t.Errorf("line amounts disagree with its totals: %v", l)
		}
		lines += la("total")
		lineTax += la("tax")
	}
	// The fulfillment's tax is the order's tax beyond the lines'.
	if lines+a("fulfillment")+(a("tax")-lineTax) != a("total") {
		t.Errorf("Σ line totals %d + fulfillment %d + its tax %d != total %d", lines, a("fulfillment"), a("tax")-lineTax, a("total"))
	}
}
