package opsmcp_test

import (
	"strings"
	"testing"

	"agentshop/internal/ops"
	"agentshop/internal/opsstripe/opsstripetest"
)

// TestStorySubscriberRefund is the first workflow, step by step as
// a model would take it, over a go-sdk client against /ops/mcp/<token>
// and the fake Stripe: "find the customer sarah.jones@example.com, check
// that her Pro subscription is active, find her latest successful charge
// and refund $15 of it". The audit log is checked after each step.
func TestStorySubscriberRefund(t *testing.T) {
	b := setup(t)
	f := b.stripe
	other := f.Add("customers", "cus", opsstripetest.Object{"email": "someone@example.com", "name": "Someone"})
	sarah := f.Add("customers", "cus", opsstripetest.Object{"email": "sarah.jones@example.com", "name": "Sarah Jones"})
	f.Add("subscriptions", "sub", opsstripetest.Object{"customer": sarah, "status": "active",
		"items": opsstripetest.Object{"object": "list", "data": []any{opsstripetest.Object{"price": opsstripetest.Object{"id": "price_pro", "nickname": "Pro", "product": "prod_pro"}}}}})
	f.Add("charges", "ch", opsstripetest.Object{"customer": other, "amount": 9900, "amount_refunded": 0, "currency": "usd", "status": "succeeded"})
	older := f.Add("charges", "ch", opsstripetest.Object{"customer": sarah, "amount": 2900, "amount_refunded": 0, "currency": "usd", "status": "succeeded"})
	latest := f.Add("charges", "ch", opsstripetest.Object{"customer": sarah, "amount": 2900, "amount_refunded": 0, "currency": "usd", "status": "succeeded"})
	f.Add("charges", "ch", opsstripetest.Object{"customer": sarah, "amount": 2900, "amount_refunded": 0, "currency": "usd", "status": "failed"})

	n := b.server(t, ops.ServerInput{Name: "support", Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, Tags: []string{"customers", "subscriptions", "charges", "refunds"}}})
	c := b.client(t, n)
	id := n.Server.ID

	// 1. Find the customer.
	found := c.ok(t, "stripe_search_customers", map[string]any{"query": "email:'sarah.jones@example.com'"})
	data := found["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != sarah {
		t.Fatalf("search: %v", found)
	}
	b.requireAudit(t, id, "stripe_search_customers ok")

	// 2. Her Pro subscription is active.
	subs := c.ok(t, "stripe_list_subscriptions", map[string]any{"customer": sarah})
	sub := subs["data"].([]any)[0].(map[string]any)
	price := sub["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)
	if sub["status"] != "active" || price["nickname"] != "Pro" {
		t.Fatalf("subscription: %v", sub)
	}
	b.requireAudit(t, id, "stripe_search_customers ok", "stripe_list_subscriptions ok")

	// 3. Her latest successful charge.
	charges := c.ok(t, "stripe_search_charges", map[string]any{"query": "customer:'" + sarah + "' AND status:'succeeded'", "limit": 1})
	got := charges["data"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["id"] != latest || charges["has_more"] != true {
		t.Fatalf("latest successful charge: %v (want %s, not %s)", charges, latest, older)
	}
	b.requireAudit(t, id, "stripe_search_customers ok", "stripe_list_subscriptions ok", "stripe_search_charges ok")

	// 4. Refund $15 of it: a summary first, nothing refunded.
	args := map[string]any{"charge": latest, "amount": 1500, "reason": "requested_by_customer"}
	first := c.ok(t, "stripe_create_refund", args)
	if s := first["summary"].(string); !strings.Contains(s, "Refund $15.00 of "+latest) || !strings.Contains(s, "sarah.jones@example.com") {
		t.Fatalf("summary: %q", s)
	}
	if f.Get("charges", latest)["amount_refunded"] != float64(0) {
		t.Fatal("refunded before confirmation")
	}
	b.requireAudit(t, id, "stripe_search_customers ok", "stripe_list_subscriptions ok", "stripe_search_charges ok", "stripe_create_refund confirmation_required")

	// 5. The person agrees; the model confirms.
	args["confirmation_token"] = first["confirmation_token"]
	re := c.ok(t, "stripe_create_refund", args)
	if re["amount"] != float64(1500) || re["charge"] != latest {
		t.Fatalf("refund: %v", re)
	}
	if f.Get("charges", latest)["amount_refunded"] != float64(1500) || f.Get("charges", older)["amount_refunded"] != float64(0) {
		t.Fatal("the wrong amount or charge was refunded")
	}
	es := b.requireAudit(t, id, "stripe_search_customers ok", "stripe_list_subscriptions ok", "stripe_search_charges ok",
		"stripe_create_refund confirmation_required", "stripe_create_refund ok")
	for _, e := range es {
		if e.StripeRequestID == "" || e.Duration <= 0 {
			t.Errorf("audit entry %s: request id %q, duration %s", e.Tool, e.StripeRequestID, e.Duration)
		}
	}
	if !strings.Contains(es[4].Args, `"amount":1500`) || !strings.Contains(es[4].Args, latest) {
		t.Errorf("audited arguments: %s", es[4].Args)
	}
}

// TestStoryDisputes is the issue's second workflow: "list the disputes
// that need a response, take the largest, and tell me the customer's
// email and the reason", on a read-only disputes server.
func TestStoryDisputes(t *testing.T) {
	b := setup(t)
	f := b.stripe
	for i, who := range []string{"a@example.com", "big@example.com", "c@example.com"} {
		cus := f.Add("customers", "cus", opsstripetest.Object{"email": who})
		ch := f.Add("charges", "ch", opsstripetest.Object{"customer": cus, "amount": 10000, "currency": "usd", "status": "succeeded"})
		status := "needs_response"
		if i == 2 {
			status = "won"
		}
		amount := []int{2500, 8000, 99000}[i]
		f.Add("disputes", "dp", opsstripetest.Object{"charge": ch, "amount": amount, "currency": "usd", "reason": []string{"duplicate", "product_not_received", "fraudulent"}[i], "status": status})
	}
	for range 12 { // older disputes, so that the open ones span pages
		f.Add("disputes", "dp", opsstripetest.Object{"charge": "ch_old", "amount": 100, "currency": "usd", "reason": "general", "status": "lost"})
	}
	n := b.server(t, ops.ServerInput{Name: "disputes", Filter: ops.Filter{Tags: []string{"disputes", "charges", "customers"}}})
	c := b.client(t, n)
	id := n.Server.ID
	if names := c.toolNames(t); strings.Contains(strings.Join(names, ","), "close") || strings.Contains(strings.Join(names, ","), "refund") {
		t.Fatalf("a read-only server lists writes: %v", names)
	}

	// 1. Every dispute, page by page; keep those that need a response.
	var open []map[string]any
	args := map[string]any{"limit": 5}
	pages := 0
	for {
		page := c.ok(t, "stripe_list_disputes", args)
		pages++
		for _, d := range page["data"].([]any) {
			if d := d.(map[string]any); d["status"] == "needs_response" || d["status"] == "warning_needs_response" {
				open = append(open, d)
			}
		}
		if page["has_more"] != true {
			break
		}
		args["starting_after"] = page["next_cursor"]
	}
	if pages != 3 || len(open) != 2 {
		t.Fatalf("%d pages, %d open disputes; want 3 and 2", pages, len(open))
	}
	want := []string{"stripe_list_disputes ok", "stripe_list_disputes ok", "stripe_list_disputes ok"}
	b.requireAudit(t, id, want...)

	// 2. The largest; its charge expanded with the customer.
	largest := open[0]
	for _, d := range open {
		if d["amount"].(float64) > largest["amount"].(float64) {
			largest = d
		}
	}
	d := c.ok(t, "stripe_get_dispute", map[string]any{"id": largest["id"], "expand": []string{"charge"}})
	ch := d["charge"].(map[string]any)
	want = append(want, "stripe_get_dispute ok")
	b.requireAudit(t, id, want...)
	cus := c.ok(t, "stripe_get_customer", map[string]any{"id": ch["customer"]})
	if cus["email"] != "big@example.com" || d["reason"] != "product_not_received" || d["amount"] != float64(8000) {
		t.Fatalf("largest open dispute: %v, customer %v", d, cus)
	}
	b.requireAudit(t, id, append(want, "stripe_get_customer ok")...)

	// A write on this server is not even a tool.
	if _, err := c.try(t, "stripe_close_dispute", map[string]any{"dispute": largest["id"]}); err == nil {
		t.Fatal("a read-only server ran stripe_close_dispute")
	}
	if f.Get("disputes", largest["id"].(string))["status"] != "needs_response" {
		t.Fatal("the dispute changed")
	}
}
