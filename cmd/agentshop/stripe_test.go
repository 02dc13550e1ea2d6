package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/payment/stripe/stripetest"
)

// TestStripeProvider runs `agentshop serve` with payment_provider stripe
// against the fake Stripe API (stripetest, modelled on Stripe's documented
// behaviour): an agent completes with a Shared Payment Token and gets an
// order, a declined token leaves the session payable, delegate_payment is
// not served (agents get tokens from Stripe), and `agentshop orders
// refund` refunds through Stripe.
func TestStripeProvider(t *testing.T) {
	bin := buildFaultBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	fake := stripetest.New(t, stripe.DefaultAPIVersion)
	b := newBackend(t, "sqlite")
	dir := t.TempDir()
	cfg := writeConfig(t, dir, map[string]any{
		"shop":   map[string]any{"payment_provider": "stripe"},
		"stripe": map[string]any{"base_url": fake.URL()},
	})
	env := []string{"AGENTSHOP_STRIPE_SECRET_KEY=" + stripetest.Key}
	srv := launch(t, bin, dir, "serve.log", b, env, "--config", cfg)
	c := newClient(srv.url, acpclient.Version20260417)

	// No delegate_payment: Stripe issues the agent's tokens.
	res, err := http.Post(srv.url+"/agentic_commerce/delegate_payment", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("delegate_payment with stripe: %d, want 404", res.StatusCode)
	}

	s := readySession(ctx, t, c)
	got, _, err := c.CompleteSession(ctx, s.ID, completeBody(t, c, s, "spt_decline_funds"))
	if err != nil || got.Status != "ready_for_payment" || got.Order != nil || !got.HasMessage("payment_declined") {
		t.Fatalf("complete with a declined token: %v %s", err, describe(got))
	}
	got, _, err = c.CompleteSession(ctx, s.ID, completeBody(t, c, s, "spt_ok"))
	if err != nil || got.Status != "completed" || got.Order == nil {
		t.Fatalf("complete with a good token: %v %s", err, describe(got))
	}
	if intents, _ := fake.Counts(); intents != 2 {
		t.Errorf("%d PaymentIntents at Stripe, want 2 (the declined one and the charge)", intents)
	}
	if f := fake.Form(); f.Get("payment_method_data[shared_payment_granted_token]") != "spt_ok" || f.Get("metadata[checkout_session_id]") != s.ID {
		t.Errorf("last PaymentIntent request %v", f)
	}

	cmd := exec.Command(bin, "orders", "refund", got.Order.ID, "--amount", "1000", "--data", b.data, "--config", cfg)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "refunded $10.00") {
		t.Fatalf("agentshop orders refund: %v\n%s", err, out.String())
	}
	if _, refunds := fake.Counts(); refunds != 1 {
		t.Errorf("%d refunds at Stripe, want 1", refunds)
	}
}
