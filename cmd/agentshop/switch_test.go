package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"agentshop/internal/acpclient"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/payment/stripe/stripetest"
)

// TestSwitchSandboxToStripe: a shop that took a sandbox payment and then
// moved to payment_provider stripe still refunds that order through the
// sandbox (serve and the admin commands register the sandbox beside
// Stripe), and Stripe is never asked about it.
func TestSwitchSandboxToStripe(t *testing.T) {
	bin := buildFaultBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	fake := stripetest.New(t, stripe.DefaultAPIVersion)
	b := newBackend(t, "sqlite")
	dir := t.TempDir()

	cfg := writeConfig(t, dir, map[string]any{"shop": map[string]any{"payment_provider": "sandbox"}})
	srv := launch(t, bin, dir, "serve-sandbox.log", b, nil, "--config", cfg)
	c := newClient(srv.url, acpclient.Version20260417)
	s := readySession(ctx, t, c)
	got, _, err := c.CompleteSession(ctx, s.ID, completeBody(t, c, s, delegateCard(ctx, t, c, s, cardOK)))
	if err != nil || got.Status != "completed" || got.Order == nil {
		t.Fatalf("complete with the sandbox: %v %s", err, describe(got))
	}
	srv.stop(t)

	cfg = writeConfig(t, dir, map[string]any{
		"shop":   map[string]any{"payment_provider": "stripe"},
		"stripe": map[string]any{"base_url": fake.URL()},
	})
	cmd := exec.Command(bin, "orders", "refund", got.Order.ID, "--amount", "1000", "--data", b.data, "--config", cfg)
	cmd.Env = append(os.Environ(), "AGENTSHOP_STRIPE_SECRET_KEY="+stripetest.Key)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "refunded $10.00") {
		t.Fatalf("agentshop orders refund after the switch: %v\n%s", err, out.String())
	}
	if intents, refunds := fake.Counts(); intents != 0 || refunds != 0 {
		t.Errorf("Stripe was asked for %d PaymentIntents and %d refunds, want none", intents, refunds)
	}

	st := b.open(t)
	defer st.Close()
	o, err := st.GetOrder(ctx, got.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Refunds) != 1 || !strings.HasPrefix(o.Refunds[0].ProviderRef, "re_sandbox_") {
		t.Errorf("refunds %+v, want one made by the sandbox", o.Refunds)
	}
}
