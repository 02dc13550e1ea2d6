package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acp/acpschema/schematest"
	"agentshop/internal/acpclient"
	"agentshop/internal/commerce"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/payment/stripe/stripetest"
	"agentshop/internal/webhook/webhooktest"
)

const stripeWebhookSecret = "whsec_e2e_secret"

// TestStripeProviderEvents runs `agentshop serve` with Stripe (the
// stripetest fake, modelled on Stripe's documented API and webhooks) and
// an agent's order-webhook endpoint, and sends it Stripe's events signed
// as Stripe signs them: an asynchronous success settles the pending
// attempt into an order (order_create), a Dashboard refund and a dispute
// opened and then lost each reach the agent as a signed order_update whose
// adjustments say so (valid against ACP's webhook schema); redeliveries,
// bad signatures, unknown types and events of unknown payments change
// nothing, the last kept for `agentshop events inbound --unmatched`.
func TestStripeProviderEvents(t *testing.T) {
	bin := buildFaultBinary(t)
	schema := schematest.FromEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	fake := stripetest.New(t, stripe.DefaultAPIVersion)
	recv := webhooktest.New(t, procWebhookSecret, nil)
	b := newBackend(t, "sqlite")
	dir := t.TempDir()
	cfg := writeConfig(t, dir, map[string]any{
		"log_level": "debug",
		"shop":      map[string]any{"payment_provider": "stripe"},
		"stripe":    map[string]any{"base_url": fake.URL()},
		"webhook":   map[string]any{"url": recv.URL, "api_version": "2026-04-17", "lease": "4s", "timeout": "2s"},
	})
	env := append([]string{"AGENTSHOP_STRIPE_SECRET_KEY=" + stripetest.Key, "AGENTSHOP_STRIPE_WEBHOOK_SECRET=" + stripeWebhookSecret}, webhookEnv...)
	srv := launch(t, bin, dir, "serve.log", b, env, "--config", cfg)
	c := newClient(srv.url, acpclient.Version20260417)
	hook := srv.url + "/webhooks/stripe"
	deliver := func(t *testing.T, payload []byte) {
		t.Helper()
		if status := stripetest.Deliver(t, hook, stripeWebhookSecret, payload); status != http.StatusOK {
			t.Fatalf("POST /webhooks/stripe = %d, want 200", status)
		}
	}
	// next waits for the agent's nth order event and returns its body,
	// checked against the official schema.
	next := func(t *testing.T, n int, typ string) map[string]any {
		t.Helper()
		recv.WaitAccepted(t, n, 30*time.Second)
		body := lastBody(recv)
		if err := schema.Validate(acpclient.Version20260417, "webhook:WebhookEvent", body); err != nil {
			t.Errorf("order event %d against the schema: %v\n%s", n, err, body)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if m["type"] != typ {
			t.Fatalf("order event %d is %v, want %s: %s", n, m["type"], typ, body)
		}
		return m["data"].(map[string]any)
	}
	adjustment := func(t *testing.T, data map[string]any, typ string) map[string]any {
		t.Helper()
		for _, a := range data["adjustments"].([]any) {
			if a := a.(map[string]any); a["type"] == typ {
				return a
			}
		}
		t.Fatalf("no %s adjustment in %v", typ, data["adjustments"])
		return nil
	}

	// An asynchronous payment: Stripe is still processing when complete
	// asks, so the agent is told to retry; Stripe's success event then
	// makes the order.
	s := readySession(ctx, t, c)
	if _, _, err := c.CompleteSession(ctx, s.ID, completeBody(t, c, s, "spt_async")); apiCode(err, http.StatusServiceUnavailable) == "" {
		t.Fatalf("complete while Stripe processes: %v, want 503", err)
	}
	pi := fake.IntentIDs()[0]
	fake.SetIntentStatus(pi, "succeeded", "")
	success := fake.IntentEvent("payment_intent.succeeded", pi)
	if status := stripetest.Deliver(t, hook, "whsec_wrong", success); status != http.StatusBadRequest {
		t.Errorf("a delivery signed with another secret = %d, want 400", status)
	}
	deliver(t, success)
	created := next(t, 1, "order_create")
	orderID, _ := created["id"].(string)
	if created["checkout_session_id"] != s.ID || orderID == "" {
		t.Fatalf("order_create = %v", created)
	}
	deliver(t, success) // a redelivery
	got, _, err := c.GetSession(ctx, s.ID)
	if err != nil || got.Status != "completed" || got.Order == nil || got.Order.ID != orderID {
		t.Fatalf("session after the event: %v %s", err, describe(got))
	}
	// The agent's retry of complete answers the order without charging.
	got, _, err = c.CompleteSession(ctx, s.ID, completeBody(t, c, s, "spt_async"))
	if err != nil || got.Order == nil || got.Order.ID != orderID {
		t.Fatalf("complete after the event: %v %s", err, describe(got))
	}
	if intents, _ := fake.Counts(); intents != 1 {
		t.Errorf("%d PaymentIntents, want 1", intents)
	}

	// A refund made in the Stripe Dashboard.
	_, refund := fake.DashboardRefund(pi, 500)
	deliver(t, refund)
	updated := next(t, 2, "order_update")
	if a := adjustment(t, updated, "refund"); a["amount"] != float64(500) || a["status"] != "completed" {
		t.Errorf("refund adjustment = %v", a)
	}
	deliver(t, refund) // a redelivery: no second refund

	// A dispute opened, then lost.
	dp, opened := fake.OpenDispute(pi, "fraudulent", time.Now().Add(7*24*time.Hour))
	deliver(t, opened)
	updated = next(t, 3, "order_update")
	if a := adjustment(t, updated, "dispute"); a["status"] != "pending" || a["reason"] != "fraudulent" {
		t.Errorf("dispute adjustment = %v", a)
	}
	if out := mustCLI(t, bin, b, "orders", "disputes"); !strings.Contains(out, orderID) || !strings.Contains(out, dp) || !strings.Contains(out, "needs_response") {
		t.Errorf("agentshop orders disputes:\n%s", out)
	}
	deliver(t, fake.DisputeEvent("charge.dispute.closed", dp, "lost"))
	updated = next(t, 4, "order_update")
	if a := adjustment(t, updated, "dispute"); a["status"] != "completed" {
		t.Errorf("lost dispute adjustment = %v", a)
	}
	if out := mustCLI(t, bin, b, "orders", "disputes", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("open disputes after losing: %s", out)
	}
	if out := mustCLI(t, bin, b, "orders", "show", orderID); !strings.Contains(out, "dispute") || !strings.Contains(out, "lost") ||
		!strings.Contains(out, "made at the payment provider") {
		t.Errorf("agentshop orders show:\n%s", out)
	}

	// A dispute of a payment agentshop never made, and an event type it
	// does not handle: both answered 200; the first is kept.
	foreign := []byte(fmt.Sprintf(`{"id":"evt_foreign","object":"event","api_version":%q,"created":%d,"livemode":false,"type":"charge.dispute.created",
		"data":{"object":{"id":"dp_foreign","object":"dispute","amount":1200,"currency":"usd","payment_intent":"pi_elsewhere","reason":"general","status":"needs_response"}}}`,
		stripe.DefaultAPIVersion, time.Now().Unix()))
	deliver(t, foreign)
	deliver(t, []byte(fmt.Sprintf(`{"id":"evt_other","object":"event","api_version":"2020-08-27","created":%d,"type":"customer.created","data":{"object":{"id":"cus_1"}}}`, time.Now().Unix())))
	var unmatched []map[string]any
	if err := json.Unmarshal([]byte(mustCLI(t, bin, b, "events", "inbound", "--unmatched", "-o", "json")), &unmatched); err != nil {
		t.Fatal(err)
	}
	if len(unmatched) != 1 || unmatched[0]["id"] != "evt_foreign" || unmatched[0]["object_ref"] != "dp_foreign" || unmatched[0]["payment_ref"] != "pi_elsewhere" {
		t.Errorf("events inbound --unmatched = %v", unmatched)
	}

	// Every change reached the agent once: redeliveries queued nothing.
	st := b.open(t)
	defer st.Close()
	events, err := st.ListEvents(ctx, commerce.EventFilter{OrderID: orderID})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 {
		t.Errorf("%d order events, want order_create and three order_updates: %s", len(events), describeEvents(events))
	}
	o, err := st.GetOrder(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Refunded() != 500 || len(o.Disputes) != 1 || o.Disputes[0].Status != commerce.DisputeLost {
		t.Errorf("order refunded %d, disputes %+v", o.Refunded(), o.Disputes)
	}

	res, err := http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`agentshop_provider_events_total{provider="stripe",result="applied",type="payment_intent.succeeded"} 1`,
		`agentshop_provider_events_total{provider="stripe",result="duplicate",type="payment_intent.succeeded"} 1`,
		`agentshop_provider_events_total{provider="stripe",result="bad_signature",type="unknown"} 1`,
		`agentshop_provider_events_total{provider="stripe",result="unmatched",type="charge.dispute.created"} 1`,
		`agentshop_provider_events_total{provider="stripe",result="ignored_type",type="other"} 1`,
		`agentshop_provider_refunds_total{outcome="succeeded"} 1`,
		`agentshop_disputes_total{status="lost"} 1`,
		`agentshop_disputes_total{status="needs_response"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
