package opsmcp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"agentshop/internal/ops"
	"agentshop/internal/opsstripe/opsstripetest"
)

// writer is a server allowing reads and writes.
var writer = ops.ServerInput{Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}}}

func refundPosts(f *opsstripetest.Fake) []opsstripetest.Request {
	var out []opsstripetest.Request
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/refunds" {
			out = append(out, r)
		}
	}
	return out
}

// TestWriteNeedsConfirmation: a write without a confirmation token
// changes nothing and returns a summary and a token; other arguments with
// the token are refused; the confirmed call refunds once, and its retry
// replays Stripe's answer under the same idempotency key.
func TestWriteNeedsConfirmation(t *testing.T) {
	b := setup(t)
	cus := b.stripe.Add("customers", "cus", opsstripetest.Object{"email": "sarah.jones@example.com"})
	ch := b.stripe.Add("charges", "ch", opsstripetest.Object{"amount": 4900, "amount_refunded": 0, "currency": "usd", "status": "succeeded", "customer": cus})
	n := b.server(t, writer)
	c := b.client(t, n)
	args := map[string]any{"charge": ch, "amount": 1500}

	first := c.ok(t, "stripe_create_refund", args)
	token, _ := first["confirmation_token"].(string)
	if first["confirmation_required"] != true || !strings.HasPrefix(token, ops.ConfirmationPrefix) {
		t.Fatalf("first call = %v, want a confirmation", first)
	}
	if s := first["summary"].(string); !strings.Contains(s, "$15.00") || !strings.Contains(s, ch) || !strings.Contains(s, "sarah.jones@example.com") {
		t.Fatalf("summary = %q", s)
	}
	if len(refundPosts(b.stripe)) != 0 || b.stripe.Get("charges", ch)["amount_refunded"] != float64(0) {
		t.Fatal("the first call refunded")
	}

	other := map[string]any{"charge": ch, "amount": 4900, "confirmation_token": token}
	if e := c.errorOf(t, "stripe_create_refund", other); e["code"] != "confirmation_mismatch" {
		t.Fatalf("other arguments with the token: %v", e)
	}
	if e := c.errorOf(t, "stripe_create_refund", map[string]any{"charge": ch, "amount": 1500, "confirmation_token": "opc_forged"}); e["code"] != "confirmation_invalid" {
		t.Fatalf("a forged token: %v", e)
	}
	if len(refundPosts(b.stripe)) != 0 {
		t.Fatal("a refused confirmation reached Stripe")
	}

	confirmed := map[string]any{"charge": ch, "amount": 1500, "confirmation_token": token}
	re := c.ok(t, "stripe_create_refund", confirmed)
	again := c.ok(t, "stripe_create_refund", confirmed) // the agent retries
	if re["object"] != "refund" || re["amount"] != float64(1500) || again["id"] != re["id"] {
		t.Fatalf("refund = %v, retry = %v", re, again)
	}
	posts := refundPosts(b.stripe)
	if len(posts) != 2 || posts[0].IdempotencyKey == "" || posts[1].IdempotencyKey != posts[0].IdempotencyKey ||
		!strings.HasPrefix(posts[0].IdempotencyKey, "ops:") || posts[0].IdempotencyKey != "ops:"+first["idempotency_key"].(string) {
		t.Fatalf("refund requests %+v, want two with the derived key %v", posts, first["idempotency_key"])
	}
	if got := b.stripe.Get("charges", ch)["amount_refunded"]; got != float64(1500) {
		t.Fatalf("amount refunded = %v, want 1500 once", got)
	}
	es := b.requireAudit(t, n.Server.ID,
		"stripe_create_refund confirmation_required",
		"stripe_create_refund refused", "stripe_create_refund refused",
		"stripe_create_refund ok", "stripe_create_refund ok")
	if es[3].StripeRequestID == "" || strings.Contains(es[3].Args, token) || !strings.Contains(es[3].Args, `"confirmation_token":"***"`) {
		t.Fatalf("audit entry %+v: want Stripe's request id and the token masked", es[3])
	}

	// A given idempotency key reaches Stripe as is (scoped by ops:).
	second := map[string]any{"charge": ch, "amount": 500, "idempotency_key": "ticket-42"}
	tok := c.ok(t, "stripe_create_refund", second)["confirmation_token"]
	second["confirmation_token"] = tok
	c.ok(t, "stripe_create_refund", second)
	if posts := refundPosts(b.stripe); posts[len(posts)-1].IdempotencyKey != "ops:ticket-42" {
		t.Fatalf("key sent = %q", posts[len(posts)-1].IdempotencyKey)
	}
}

// TestLiveWrites: a live-mode account's writes are refused unless the
// server allows them; reads work.
func TestLiveWrites(t *testing.T) {
	b := setup(t)
	live := opsstripetest.New(t, "rk_live_opsfake_1234567890")
	if _, err := b.admin.AddAccount(t.Context(), ops.AccountInput{Name: "live", StripeKey: "rk_live_opsfake_1234567890", BaseURL: live.URL}); err != nil {
		t.Fatal(err)
	}
	ch := live.Add("charges", "ch", opsstripetest.Object{"amount": 1000, "amount_refunded": 0, "currency": "usd", "status": "succeeded"})
	in := writer
	in.Account = "live"
	c := b.client(t, b.server(t, in))
	if e := c.errorOf(t, "stripe_create_refund", map[string]any{"charge": ch}); e["code"] != "live_writes_not_allowed" {
		t.Fatalf("live write: %v", e)
	}
	if len(live.Requests()) != 0 {
		t.Fatal("a refused live write reached Stripe")
	}
	c.ok(t, "stripe_get_charge", map[string]any{"id": ch})

	in.AllowLiveWrites = true
	c = b.client(t, b.server(t, in))
	first := c.ok(t, "stripe_create_refund", map[string]any{"charge": ch})
	if !strings.Contains(first["summary"].(string), "LIVE MODE") {
		t.Fatalf("summary of a live refund: %v", first["summary"])
	}
	c.ok(t, "stripe_create_refund", map[string]any{"charge": ch, "confirmation_token": first["confirmation_token"]})
	if got := live.Get("charges", ch)["amount_refunded"]; got != float64(1000) {
		t.Fatalf("refunded %v", got)
	}
}

// TestStripeErrors: Stripe's errors come back structured, and a 429 is
// not retried: the result carries the rate limit and a retry hint, and
// the HTTP answer the RateLimit headers.
func TestStripeErrors(t *testing.T) {
	b := setup(t)
	n := b.server(t, writer)
	c := b.client(t, n)
	e := c.errorOf(t, "stripe_get_customer", map[string]any{"id": "cus_nope"})
	if e["source"] != "stripe" || e["type"] != "invalid_request_error" || e["code"] != "resource_missing" || e["param"] != "id" ||
		!strings.HasPrefix(fmt.Sprint(e["request_id"]), "req_") || e["status"] != float64(404) {
		t.Fatalf("missing customer: %v", e)
	}
	ch := b.stripe.Add("charges", "ch", opsstripetest.Object{"amount": 1000, "amount_refunded": 0, "currency": "usd", "status": "succeeded"})
	args := map[string]any{"charge": ch, "amount": 5000}
	args["confirmation_token"] = c.ok(t, "stripe_create_refund", args)["confirmation_token"]
	if e := c.errorOf(t, "stripe_create_refund", args); e["code"] != "amount_too_large" || e["param"] != "amount" {
		t.Fatalf("refund over the charge: %v", e)
	}

	before := len(b.stripe.Requests())
	b.stripe.Throttle(1)
	r := c.call(t, "stripe_list_charges", map[string]any{"limit": 3})
	if !r.IsError || r.JSON["retry_after_seconds"] != float64(1) || r.JSON["hint"] == nil {
		t.Fatalf("429: %v", r.JSON)
	}
	rl, _ := r.JSON["ratelimit"].(map[string]any)
	if rl["limit"] != "25;w=1" || rl["remaining"] != float64(0) || rl["reason"] != "global-rate" {
		t.Fatalf("429 ratelimit = %v", rl)
	}
	if got := len(b.stripe.Requests()) - before; got != 1 {
		t.Fatalf("Stripe got %d requests for one throttled call: retried", got)
	}
	h := c.tr.header()
	if h.Get("RateLimit-Limit") != "25;w=1" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") != "1" || h.Get("Retry-After") != "1" {
		t.Fatalf("HTTP headers of the throttled call: %v", h)
	}
	b.requireAudit(t, n.Server.ID, "stripe_get_customer error", "stripe_create_refund confirmation_required",
		"stripe_create_refund error", "stripe_list_charges error")
}

// TestPagination: lists page with next_cursor until has_more is false,
// newest first, and back with prev_cursor; search pages with next_page.
func TestPagination(t *testing.T) {
	b := setup(t)
	var ids []string
	for i := range 25 {
		ids = append(ids, b.stripe.Add("customers", "cus", opsstripetest.Object{"email": fmt.Sprintf("c%d@example.com", i), "name": "Same Name"}))
	}
	c := b.client(t, b.server(t, ops.ServerInput{}))
	var seen []string
	args := map[string]any{"limit": 10}
	var pages []map[string]any
	for range 5 {
		page := c.ok(t, "stripe_list_customers", args)
		pages = append(pages, page)
		for _, o := range page["data"].([]any) {
			seen = append(seen, o.(map[string]any)["id"].(string))
		}
		if page["has_more"] != true {
			if page["next_cursor"] != nil {
				t.Fatalf("last page has next_cursor %v", page["next_cursor"])
			}
			break
		}
		args["starting_after"] = page["next_cursor"]
	}
	if len(pages) != 3 || len(seen) != 25 {
		t.Fatalf("%d pages, %d customers; want 3 and 25", len(pages), len(seen))
	}
	for i, id := range seen {
		if id != ids[len(ids)-1-i] {
			t.Fatalf("customer %d = %s, want %s (newest first)", i, id, ids[len(ids)-1-i])
		}
	}
	back := c.ok(t, "stripe_list_customers", map[string]any{"limit": 10, "ending_before": pages[1]["prev_cursor"]})
	if d := back["data"].([]any); len(d) != 10 || d[0].(map[string]any)["id"] != seen[0] {
		t.Fatalf("page before the second: %v", back)
	}
	if e := c.errorOf(t, "stripe_list_customers", map[string]any{"limit": 500}); e["code"] != "invalid_arguments" {
		t.Fatalf("limit 500: %v", e)
	}
	s := c.ok(t, "stripe_search_customers", map[string]any{"query": "name:'Same Name'", "limit": 20})
	if s["has_more"] != true || s["next_page"] == nil || s["next_cursor"] != s["next_page"] {
		t.Fatalf("search page 1: %v", s)
	}
	s = c.ok(t, "stripe_search_customers", map[string]any{"query": "name:'Same Name'", "limit": 20, "page": s["next_page"]})
	if len(s["data"].([]any)) != 5 || s["has_more"] != false {
		t.Fatalf("search page 2: %v", s)
	}
	if e := c.errorOf(t, "stripe_search_customers", map[string]any{"query": "name = Same"}); e["type"] != "invalid_request_error" || e["param"] != "query" {
		t.Fatalf("bad query: %v", e)
	}
}

// TestDisputeWrites: evidence updates and closing change the dispute, each
// after its confirmation; a closed dispute's evidence is refused by
// Stripe, and the error comes back.
func TestDisputeWrites(t *testing.T) {
	b := setup(t)
	dp := b.stripe.Add("disputes", "dp", opsstripetest.Object{"amount": 7500, "currency": "usd", "reason": "fraudulent", "status": "needs_response", "charge": "ch_x"})
	c := b.client(t, b.server(t, ops.ServerInput{Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, Tags: []string{"disputes"}}}))
	confirm := func(tool string, args map[string]any) map[string]any {
		t.Helper()
		first := c.ok(t, tool, args)
		if first["confirmation_required"] != true {
			t.Fatalf("%s: %v", tool, first)
		}
		args["confirmation_token"] = first["confirmation_token"]
		return c.ok(t, tool, args)
	}
	d := confirm("stripe_update_dispute_evidence", map[string]any{"dispute": dp, "evidence": map[string]any{"customer_email_address": "sarah.jones@example.com", "uncategorized_text": "Delivered with signature."}})
	if ev := d["evidence"].(map[string]any); ev["uncategorized_text"] != "Delivered with signature." || d["status"] != "needs_response" {
		t.Fatalf("after evidence: %v", d)
	}
	d = confirm("stripe_close_dispute", map[string]any{"dispute": dp})
	if d["status"] != "lost" {
		t.Fatalf("after close: %v", d)
	}
	args := map[string]any{"dispute": dp, "submit": true, "evidence": map[string]any{"product_description": "Racket"}}
	args["confirmation_token"] = c.ok(t, "stripe_update_dispute_evidence", args)["confirmation_token"]
	if e := c.errorOf(t, "stripe_update_dispute_evidence", args); e["source"] != "stripe" || e["status"] != float64(400) {
		t.Fatalf("evidence on a closed dispute: %v", e)
	}
}

// TestAPIRead: the generic read tool GETs allowlisted paths only.
func TestAPIRead(t *testing.T) {
	b := setup(t)
	b.stripe.Add("customers", "cus", opsstripetest.Object{"email": "a@example.com"})
	c := b.client(t, b.server(t, ops.ServerInput{Filter: ops.Filter{APIRead: true, Tags: []string{"api"}}}))
	l := c.ok(t, "stripe_api_read", map[string]any{"path": "/v1/customers", "params": map[string]any{"limit": "1"}})
	if l["object"] != "list" || len(l["data"].([]any)) != 1 {
		t.Fatalf("api read list: %v", l)
	}
	for _, path := range []string{"/v1/accounts", "/v1/customers/../accounts", "/v1/files", "/v2/core/events", "/v1/customers?x=1", "https://evil.example/v1/customers"} {
		before := len(b.stripe.Requests())
		if e := c.errorOf(t, "stripe_api_read", map[string]any{"path": path}); e["code"] != "path_not_allowed" {
			t.Errorf("%s: %v", path, e)
		}
		if len(b.stripe.Requests()) != before {
			t.Errorf("%s reached Stripe", path)
		}
	}
}
