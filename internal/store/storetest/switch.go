package storetest

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/payment/stripe/stripetest"
	"agentshop/internal/store"
)

// countingTransport counts the requests a provider sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// lostOnce is the sandbox whose first charge is lost on the way back: it
// fails with an unknown outcome before recording anything, as a crash
// between the provider call and the settle would.
type lostOnce struct {
	*sandbox.Provider
	lost atomic.Bool
}

func (l *lostOnce) ChargeInStore(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, func(context.Context, commerce.Executor) error, error) {
	if l.lost.CompareAndSwap(false, true) {
		return commerce.ChargeResult{}, nil, errLost
	}
	return l.Provider.ChargeInStore(ctx, req)
}

// testProviderSwitch checks that a payment attempt's later calls go to the
// provider that made it: a merchant moves from the sandbox to Stripe, and
// the sandbox's refunds and re-drives still go to the sandbox, never to
// Stripe; with the sandbox no longer registered they fail and send nothing.
func testProviderSwitch(t *testing.T, open func(t *testing.T) store.Store) {
	const merchant = "merchant_1"
	type bundle struct {
		*serviceBundle
		sandbox *sandbox.Provider
		stripe  *stripe.Provider
		// toStripe counts requests sent to (the fake) Stripe.
		toStripe *countingTransport
		fake     *stripetest.Server
	}
	setupSwitch := func(t *testing.T) (context.Context, *bundle) {
		ctx, sb := setupService(t, open)
		b := &bundle{serviceBundle: sb, toStripe: &countingTransport{}, fake: stripetest.New(t, stripe.DefaultAPIVersion)}
		b.sandbox = sandbox.New(b.store, merchant, b.clock.Now)
		var err error
		b.stripe, err = stripe.New(stripe.Config{SecretKey: stripetest.Key, BaseURL: b.fake.URL(), HTTPClient: &http.Client{Transport: b.toStripe}})
		requireNoError(t, err, "stripe provider")
		b.svc.Payments = commerce.MustPayments(b.sandbox)
		return ctx, b
	}
	// payable returns a payable session and a sandbox vault token for it.
	payable := func(t *testing.T, ctx context.Context, b *bundle) (string, string) {
		t.Helper()
		sess := b.createPayable(t, ctx)
		tok := newVaultToken(baseTime)
		tok.CheckoutSessionID, tok.MerchantID = sess.Session.ID, merchant
		requireNoError(t, b.store.CreateVaultToken(ctx, tok), "create vault token")
		return sess.Session.ID, tok.ID
	}
	// switchToStripe makes Stripe the default; the sandbox stays
	// registered when keep is set.
	switchToStripe := func(b *bundle, keep bool) {
		if keep {
			b.svc.Payments = commerce.MustPayments(b.stripe, b.sandbox)
		} else {
			b.svc.Payments = commerce.MustPayments(b.stripe)
		}
	}
	// sandboxOrder completes a session with the sandbox.
	sandboxOrder := func(t *testing.T, ctx context.Context, b *bundle) *commerce.Order {
		t.Helper()
		id, tok := payable(t, ctx, b)
		v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: tok}, nil)
		requireNoError(t, err, "complete with the sandbox")
		if v.Order == nil {
			t.Fatalf("no order: %+v", v.Messages)
		}
		return v.Order
	}
	// pendingSandboxAttempt leaves a session with a pending sandbox
	// attempt whose answer was lost.
	pendingSandboxAttempt := func(t *testing.T, ctx context.Context, b *bundle) (string, string) {
		t.Helper()
		id, tok := payable(t, ctx, b)
		b.svc.Payments = commerce.MustPayments(&lostOnce{Provider: b.sandbox})
		if _, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: tok}, nil); commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Fatalf("complete with a lost answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}
		ps, err := b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentPending || ps[0].Provider != "sandbox" {
			t.Fatalf("payments %+v, want one pending sandbox attempt", ps)
		}
		return id, tok
	}
	requireNothingToStripe := func(t *testing.T, b *bundle) {
		t.Helper()
		if n := b.toStripe.n.Load(); n != 0 {
			t.Errorf("%d requests sent to Stripe, want none", n)
		}
	}

	t.Run("RefundGoesToChargingProvider", func(t *testing.T) {
		ctx, b := setupSwitch(t)
		o := sandboxOrder(t, ctx, b)
		switchToStripe(b, true)

		got, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 1000}, nil)
		requireNoError(t, err, "refund a sandbox order after the switch")
		if len(got.Refunds) != 1 || got.Refunds[0].Status != commerce.RefundSucceeded || got.Refunds[0].ProviderRef[:11] != "re_sandbox_" {
			t.Fatalf("refunds %+v, want one made by the sandbox", got.Refunds)
		}
		got, err = b.svc.CancelOrder(ctx, o.ID, "", nil)
		requireNoError(t, err, "cancel a sandbox order after the switch")
		if got.Status != commerce.OrderCanceled || got.Refunded() != o.Totals.Total || got.Refunds[1].ProviderRef[:11] != "re_sandbox_" {
			t.Fatalf("after cancel: %s, refunds %+v", got.Status, got.Refunds)
		}
		requireNothingToStripe(t, b)

		// New payments go to Stripe, and so do their refunds.
		sess := b.createPayable(t, ctx)
		v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "spt_ok"}, nil)
		requireNoError(t, err, "complete with Stripe")
		if v.Order == nil {
			t.Fatalf("no order from Stripe: %+v", v.Messages)
		}
		if _, err := b.svc.RefundOrder(ctx, v.Order.ID, commerce.RefundInput{Amount: 500}, nil); err != nil {
			t.Fatalf("refund a Stripe order: %v", err)
		}
		if intents, refunds := b.fake.Counts(); intents != 1 || refunds != 1 {
			t.Errorf("Stripe made %d PaymentIntents and %d refunds, want 1 and 1", intents, refunds)
		}
	})

	t.Run("RedriveGoesToChargingProvider", func(t *testing.T) {
		ctx, b := setupSwitch(t)
		id, tok := pendingSandboxAttempt(t, ctx, b)
		switchToStripe(b, true)

		v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "spt_ok"}, nil)
		requireNoError(t, err, "re-drive after the switch")
		if v.Order == nil {
			t.Fatalf("re-drive made no order: %+v", v.Messages)
		}
		ps, err := b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentSucceeded || ps[0].Provider != "sandbox" {
			t.Fatalf("payments %+v, want the sandbox attempt succeeded", ps)
		}
		vt, err := b.store.GetVaultToken(ctx, tok)
		requireNoError(t, err, "get vault token")
		if vt.RedeemedBy != ps[0].IdempotencyKey {
			t.Errorf("vault token redeemed by %q, want the attempt's key %q", vt.RedeemedBy, ps[0].IdempotencyKey)
		}
		requireNothingToStripe(t, b)
	})

	// A 3-D Secure result answers the provider that asked for it.
	t.Run("AuthenticationGoesToChallenger", func(t *testing.T) {
		ctx, b := setupSwitch(t)
		sess := b.createPayable(t, ctx)
		tok := newVaultToken(baseTime)
		tok.CheckoutSessionID, tok.MerchantID, tok.CardBehavior = sess.Session.ID, merchant, sandbox.BehaviorRequire3DS
		requireNoError(t, b.store.CreateVaultToken(ctx, tok), "create vault token")
		v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: tok.ID}, nil)
		requireNoError(t, err, "complete")
		if v.Status != commerce.StatusAuthRequired {
			t.Fatalf("status %s, want %s", v.Status, commerce.StatusAuthRequired)
		}
		switchToStripe(b, true)

		v, err = b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{
			Authentication: &commerce.AuthenticationResult{Outcome: "authenticated"}}, nil)
		requireNoError(t, err, "complete with the 3-D Secure result")
		if v.Order == nil {
			t.Fatalf("no order: %s %+v", v.Status, v.Messages)
		}
		ps, err := b.store.ListPayments(ctx, sess.Session.ID)
		requireNoError(t, err, "list payments")
		if len(ps) != 2 || ps[1].Provider != "sandbox" || ps[1].Status != commerce.PaymentSucceeded {
			t.Fatalf("payments %+v, want the second, authenticated attempt made by the sandbox", ps)
		}
		requireNothingToStripe(t, b)
	})

	// With the sandbox gone, its attempts cannot be finished or refunded,
	// and Stripe is not asked in its place.
	t.Run("ProviderNotRegistered", func(t *testing.T) {
		ctx, b := setupSwitch(t)
		o := sandboxOrder(t, ctx, b)
		id, _ := pendingSandboxAttempt(t, ctx, b)
		switchToStripe(b, false)

		_, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "spt_ok"}, nil)
		if !errors.Is(err, commerce.ErrProviderUnknown) || commerce.ErrorCode(err) != commerce.EUNAVAILABLE {
			t.Errorf("re-drive without the sandbox: %v, want %s wrapping ErrProviderUnknown", err, commerce.EUNAVAILABLE)
		}
		ps, err := b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentPending {
			t.Errorf("payments %+v, want the one attempt still pending", ps)
		}

		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 1000}, nil); !errors.Is(err, commerce.ErrProviderUnknown) {
			t.Errorf("refund without the sandbox: %v, want ErrProviderUnknown", err)
		}
		if _, err := b.svc.CancelOrder(ctx, o.ID, "", nil); !errors.Is(err, commerce.ErrProviderUnknown) {
			t.Errorf("cancel without the sandbox: %v, want ErrProviderUnknown", err)
		}
		got, err := b.store.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		if len(got.Refunds) != 0 || got.Status != commerce.OrderConfirmed {
			t.Errorf("order %s with refunds %+v; want it unchanged", got.Status, got.Refunds)
		}
		requireNothingToStripe(t, b)

		// Registered again, the sandbox finishes both.
		b.svc.Payments = commerce.MustPayments(b.stripe, b.sandbox)
		if v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{}, nil); err != nil || v.Order == nil {
			t.Errorf("re-drive with the sandbox back: %v", err)
		}
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 1000}, nil); err != nil {
			t.Errorf("refund with the sandbox back: %v", err)
		}
		requireNothingToStripe(t, b)
	})
}
