package opsmcp_test

import (
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/ops"
)

// TestShopTools: orders and sessions read, an order's webhooks, the sales
// summary, and an order refund through commerce after confirmation, with
// its audit row.
func TestShopTools(t *testing.T) {
	b := setup(t)
	o1, o2, o3 := b.paidOrder(t), b.paidOrder(t), b.paidOrder(t)
	n := b.server(t, ops.ServerInput{Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, Tags: []string{"shop"}}})
	c := b.client(t, n)

	page := c.ok(t, "shop_list_orders", map[string]any{"limit": 2})
	data := page["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["id"] != o3.ID || page["has_more"] != true || page["next_cursor"] != o2.ID {
		t.Fatalf("orders page 1: %v", page)
	}
	page = c.ok(t, "shop_list_orders", map[string]any{"limit": 2, "starting_after": page["next_cursor"]})
	if data := page["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != o1.ID || page["has_more"] != false {
		t.Fatalf("orders page 2: %v", page)
	}
	if l := c.ok(t, "shop_list_orders", map[string]any{"status": "canceled"}); len(l["data"].([]any)) != 0 {
		t.Fatalf("canceled orders: %v", l)
	}
	if l := c.ok(t, "shop_list_orders", map[string]any{"created_after": time.Now().Add(time.Hour).Format(time.RFC3339)}); len(l["data"].([]any)) != 0 {
		t.Fatalf("future orders: %v", l)
	}
	got := c.ok(t, "shop_get_order", map[string]any{"order_id": o1.ID})
	if got["total"] != float64(o1.Totals.Total) || got["buyer_email"] != "sarah.jones@example.com" || got["refundable"] != float64(o1.Totals.Total) {
		t.Fatalf("order: %v", got)
	}
	if e := c.errorOf(t, "shop_get_order", map[string]any{"order_id": "ord_nope"}); e["code"] != commerce.ENOTFOUND {
		t.Fatalf("unknown order: %v", e)
	}
	sess := c.ok(t, "shop_get_checkout_session", map[string]any{"checkout_session_id": o1.SessionID})
	if sess["order_id"] != o1.ID || sess["status"] != string(commerce.StatusCompleted) {
		t.Fatalf("session: %v", sess)
	}
	hooks := c.ok(t, "shop_list_order_webhooks", map[string]any{"order_id": o1.ID})
	if d := hooks["data"].([]any); len(d) != 1 || d[0].(map[string]any)["type"] != string(commerce.EventOrderCreate) {
		t.Fatalf("webhooks: %v", hooks)
	}
	sales := c.ok(t, "shop_sales_summary", map[string]any{})
	days := sales["days"].([]any)
	if len(days) != 1 || days[0].(map[string]any)["orders"] != float64(3) || days[0].(map[string]any)["gross"] != float64(3*o1.Totals.Total) {
		t.Fatalf("sales: %v", sales)
	}

	// Refund $15 of the first order: a summary first, then the refund.
	args := map[string]any{"order_id": o1.ID, "amount": 1500, "reason": "scratched frame"}
	first := c.ok(t, "shop_refund_order", args)
	if s := first["summary"].(string); !strings.Contains(s, "Refund $15.00 of order "+o1.ID) || !strings.Contains(s, "sarah.jones@example.com") {
		t.Fatalf("summary: %q", s)
	}
	if stored, _ := b.store.GetOrder(t.Context(), o1.ID); len(stored.Refunds) != 0 {
		t.Fatal("refunded before confirmation")
	}
	args["confirmation_token"] = first["confirmation_token"]
	r := c.ok(t, "shop_refund_order", args)
	again := c.ok(t, "shop_refund_order", args) // a retry refunds once
	if r["refunded"] != float64(1500) || again["refunded"] != float64(1500) {
		t.Fatalf("refund: %v, retry: %v", r, again)
	}
	stored, err := b.store.GetOrder(t.Context(), o1.ID)
	if err != nil || len(stored.Refunds) != 1 || stored.Refunds[0].Key != "ops:"+first["idempotency_key"].(string) {
		t.Fatalf("stored refunds %+v, %v", stored.Refunds, err)
	}
	if e := c.errorOf(t, "shop_refund_order", map[string]any{"order_id": o1.ID, "amount": o1.Totals.Total}); e["code"] != commerce.EINVALID {
		t.Fatalf("refund over what is left: %v", e)
	}
	es := b.audit(t, n.Server.ID)
	var tail []string
	for _, e := range es[len(es)-4:] {
		tail = append(tail, e.Tool+" "+string(e.Outcome))
	}
	if strings.Join(tail, ",") != "shop_refund_order confirmation_required,shop_refund_order ok,shop_refund_order ok,shop_refund_order error" {
		t.Fatalf("audit tail %v", tail)
	}
}

// TestShopLiveRefundRefused: a live-mode order's refund is a live write:
// refused unless the server allows live writes.
func TestShopLiveRefundRefused(t *testing.T) {
	b := setup(t)
	o := b.paidOrder(t)
	o.Mode = commerce.ModeLive // as if paid through a live handler
	if err := b.store.UpdateOrder(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	c := b.client(t, b.server(t, writer))
	if e := c.errorOf(t, "shop_refund_order", map[string]any{"order_id": o.ID, "amount": 100}); e["code"] != "live_writes_not_allowed" {
		t.Fatalf("live shop refund: %v", e)
	}
	if stored, _ := b.store.GetOrder(t.Context(), o.ID); len(stored.Refunds) != 0 {
		t.Fatal("refunded")
	}
}
