package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// storeCharger is a [commerce.StoreCharger] on top of [provider]: its
// charges become final only in the transaction that records them, where
// commit consumes a vault token (the sandbox's ledger). conflicts, when
// positive, is how many commits fail with ErrConflict first, as when a
// charge with another key used the credential meanwhile.
type storeCharger struct {
	*provider
	token     string
	conflicts int
	commits   int
}

func (p *storeCharger) ChargeInStore(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, func(context.Context, commerce.Executor) error, error) {
	res, err := p.Charge(ctx, req)
	if err != nil || res.Outcome != commerce.ChargeSucceeded {
		return res, nil, err
	}
	return res, func(ctx context.Context, tx commerce.Executor) error {
		p.commits++
		if p.conflicts > 0 {
			p.conflicts--
			return commerce.ErrConflict
		}
		v, ok := tx.(store.Tx)
		if !ok {
			return fmt.Errorf("the store's transaction %T is not a store.Tx", tx)
		}
		return v.RedeemVaultToken(ctx, p.token, req.IdempotencyKey, baseTime)
	}, nil
}

// testStoreCharger checks how [commerce.Service] records a StoreCharger's
// charges: with the order, in one transaction, and not at all when the
// provider's commit fails.
func testStoreCharger(t *testing.T, open func(t *testing.T) store.Store) {
	setupCharger := func(t *testing.T) (context.Context, *serviceBundle, *storeCharger) {
		ctx, b := setupService(t, open)
		tok := newVaultToken(baseTime)
		requireNoError(t, b.store.CreateVaultToken(ctx, tok), "create vault token")
		sc := &storeCharger{provider: b.provider, token: tok.ID}
		b.svc.Payments = commerce.MustPayments(sc)
		return ctx, b, sc
	}
	redeemedBy := func(t *testing.T, ctx context.Context, b *serviceBundle, id string) string {
		t.Helper()
		tok, err := b.store.GetVaultToken(ctx, id)
		requireNoError(t, err, "get vault token")
		return tok.RedeemedBy
	}

	// The commit runs in the transaction that creates the order.
	t.Run("CommitsWithOrder", func(t *testing.T) {
		ctx, b, sc := setupCharger(t)
		sess := b.createPayable(t, ctx)
		v, err := b.svc.Complete(ctx, sess.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete")
		if v.Status != commerce.StatusCompleted || v.Order == nil {
			t.Fatalf("status = %s, order %v; want completed with an order", v.Status, v.Order)
		}
		ps, err := b.store.ListPayments(ctx, sess.Session.ID)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 {
			t.Fatalf("payments = %+v, want one", ps)
		}
		if got := redeemedBy(t, ctx, b, sc.token); got != ps[0].IdempotencyKey {
			t.Errorf("token redeemed by %q, want the attempt's key %q", got, ps[0].IdempotencyKey)
		}
		if sc.commits != 1 {
			t.Errorf("commits = %d, want 1", sc.commits)
		}
	})

	// A commit that fails rolls the settle back: no order, the attempt stays
	// pending with its lease released, and the retry re-drives it at once
	// with the same key and charges once.
	t.Run("CommitFails", func(t *testing.T) {
		ctx, b, sc := setupCharger(t)
		sc.conflicts = 1
		sess := b.createPayable(t, ctx)
		id := sess.Session.ID

		_, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
		if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.EUNAVAILABLE {
			t.Fatalf("complete with a failing commit: error = %v, want %s", err, commerce.EUNAVAILABLE)
		}
		b.requireOrders(t, ctx, 0)
		if got := redeemedBy(t, ctx, b, sc.token); got != "" {
			t.Errorf("token redeemed by %q after a failed commit", got)
		}
		ps, err := b.store.ListPayments(ctx, id)
		requireNoError(t, err, "list payments")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentPending || ps[0].LeaseUntil.After(b.clock.Now()) {
			t.Fatalf("payments = %+v, want one pending attempt whose lease has ended", ps)
		}
		got, err := b.svc.Get(ctx, id)
		requireNoError(t, err, "get session")
		if got.Status == commerce.StatusCompleted {
			t.Fatalf("session completed after a failed commit")
		}

		v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "retry")
		if v.Status != commerce.StatusCompleted || v.Order == nil {
			t.Fatalf("status after retry = %s, order %v; want completed with an order", v.Status, v.Order)
		}
		b.requireOrders(t, ctx, 1)
		b.requireStock(t, ctx, initialStock-lineQuantity)
		charged, calls := b.provider.charges()
		if charged != 1 || len(calls) != 1 || calls[ps[0].IdempotencyKey] != 2 {
			t.Errorf("provider charged %d, calls %v; want one charge, two calls with key %s", charged, calls, ps[0].IdempotencyKey)
		}
		if got := redeemedBy(t, ctx, b, sc.token); got != ps[0].IdempotencyKey {
			t.Errorf("token redeemed by %q, want %q", got, ps[0].IdempotencyKey)
		}
	})
}
