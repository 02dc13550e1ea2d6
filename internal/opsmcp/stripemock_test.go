package opsmcp_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"agentshop/internal/ops"
)

// TestStripeMock sends every Stripe tool's requests to stripe-mock
// (github.com/stripe/stripe-mock, which checks paths, parameters and
// their types against Stripe's OpenAPI spec and answers fixtures; CI
// starts one with scripts/stripe-mock.sh). Only that Stripe accepted each
// request is asserted: the fixtures' values mean nothing. Write tools go
// through both steps.
func TestStripeMock(t *testing.T) {
	base := os.Getenv("AGENTSHOP_STRIPE_MOCK_URL")
	if base == "" {
		t.Skip("AGENTSHOP_STRIPE_MOCK_URL not set: skipping the stripe-mock shape test (scripts/stripe-mock.sh starts one)")
	}
	b := setup(t)
	if _, err := b.admin.AddAccount(t.Context(), ops.AccountInput{Name: "mock", StripeKey: "sk_test_123", BaseURL: base}); err != nil {
		t.Fatal(err)
	}
	page := map[string]any{"limit": 3, "created_gte": 1700000000, "created_lte": 1900000000, "starting_after": "obj_123"}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range page {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := map[string]map[string]any{
		"stripe_get_balance":               {},
		"stripe_list_balance_transactions": with(map[string]any{"type": "charge", "payout": "po_123"}),
		"stripe_list_customers":            with(map[string]any{"email": "sarah.jones@example.com", "expand": []string{"data.default_source"}}),
		"stripe_get_customer":              {"id": "cus_123", "expand": []string{"default_source"}},
		"stripe_search_customers":          {"query": "email:'sarah.jones@example.com'", "limit": 5, "expand": []string{"data.default_source"}},
		"stripe_list_subscriptions":        with(map[string]any{"customer": "cus_123", "status": "all", "price": "price_123"}),
		"stripe_get_subscription":          {"id": "sub_123", "expand": []string{"latest_invoice"}},
		"stripe_list_invoices":             with(map[string]any{"customer": "cus_123", "subscription": "sub_123", "status": "paid"}),
		"stripe_get_invoice":               {"id": "in_123"},
		"stripe_list_charges":              with(map[string]any{"customer": "cus_123", "payment_intent": "pi_123", "expand": []string{"data.customer"}}),
		"stripe_get_charge":                {"id": "ch_123", "expand": []string{"customer"}},
		"stripe_search_charges":            {"query": "customer:'cus_123' AND status:'succeeded'", "page": "page_abc"},
		"stripe_list_payment_intents":      with(map[string]any{"customer": "cus_123"}),
		"stripe_get_payment_intent":        {"id": "pi_123", "expand": []string{"latest_charge"}},
		"stripe_search_payment_intents":    {"query": "status:'succeeded'"},
		"stripe_list_refunds":              with(map[string]any{"charge": "ch_123"}),
		"stripe_create_refund":             {"charge": "ch_123", "amount": 100, "reason": "requested_by_customer", "idempotency_key": "mock-refund"},
		"stripe_list_disputes":             with(map[string]any{"charge": "ch_123", "expand": []string{"data.charge"}}),
		"stripe_get_dispute":               {"id": "dp_123", "expand": []string{"charge"}},
		"stripe_update_dispute_evidence":   {"dispute": "dp_123", "evidence": map[string]any{"uncategorized_text": "Delivered.", "customer_email_address": "a@example.com"}, "submit": true},
		"stripe_close_dispute":             {"dispute": "dp_123"},
		"stripe_list_payouts":              with(map[string]any{"status": "paid"}),
		"stripe_get_payout":                {"id": "po_123"},
		"stripe_list_products":             with(map[string]any{"active": true}),
		"stripe_list_prices":               with(map[string]any{"product": "prod_123", "active": true, "expand": []string{"data.product"}}),
		"stripe_list_events":               with(map[string]any{"type": "charge.dispute.created"}),
		ops.APIReadTool:                    {"path": "/v1/coupons", "params": map[string]any{"limit": "2"}},
	}
	n := b.server(t, ops.ServerInput{Account: "mock", Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, APIRead: true, Tags: []string{"stripe"}}})
	c := b.client(t, n)
	listed := c.toolNames(t)
	for _, spec := range ops.Catalogue {
		if !slices.Contains(spec.Tags, "stripe") {
			continue
		}
		args, ok := cases[spec.Name]
		if !ok {
			t.Errorf("%s has no stripe-mock case", spec.Name)
			continue
		}
		if !slices.Contains(listed, spec.Name) {
			t.Errorf("%s is not listed", spec.Name)
			continue
		}
		t.Run(spec.Name, func(t *testing.T) {
			r := c.call(t, spec.Name, args)
			if spec.Method == ops.Write {
				if r.IsError || r.JSON["confirmation_required"] != true {
					t.Fatalf("first step: %v", r.JSON)
				}
				args["confirmation_token"] = r.JSON["confirmation_token"]
				r = c.call(t, spec.Name, args)
			}
			if r.IsError {
				t.Fatalf("stripe-mock refused %s(%v): %v", spec.Name, args, r.JSON)
			}
			if strings.Contains(spec.Name, "_list_") || strings.Contains(spec.Name, "_search_") {
				if _, ok := r.JSON["has_more"]; !ok || r.JSON["data"] == nil {
					t.Fatalf("%s: no list shape: %v", spec.Name, r.JSON)
				}
			}
		})
	}
}

// TestCatalogueImplemented: every catalogue tool is served by a server
// that allows everything (and the reverse: checked by the count).
func TestCatalogueImplemented(t *testing.T) {
	b := setup(t)
	c := b.client(t, b.server(t, ops.ServerInput{Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, APIRead: true}}))
	got := c.toolNames(t)
	var want []string
	for _, s := range ops.Catalogue {
		want = append(want, s.Name)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("served %v\nwant   %v", got, want)
	}
}
