package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testRefunds runs refunds and cancellations on the store: amounts never
// exceed the charge, whatever the concurrency; a refund whose answer was
// lost stays pending and is re-driven with the same provider key; a
// refused one changes nothing but its record; cancel restocks once.
func testRefunds(t *testing.T, open func(t *testing.T) store.Store) {
	code := func(err error) string {
		if e, ok := errors.AsType[*commerce.Error](err); ok {
			return e.Code
		}
		return ""
	}
	orderEvents := func(t *testing.T, b *serviceBundle, o *commerce.Order) int {
		t.Helper()
		es, err := b.store.ListEvents(t.Context(), commerce.EventFilter{OrderID: o.ID})
		requireNoError(t, err, "list events")
		return len(es)
	}
	paid := func(t *testing.T) (*serviceBundle, *commerce.Order) {
		t.Helper()
		ctx, b := setupService(t, open)
		b.svc.OrderEvents = true
		v := b.createPayable(t, ctx)
		v, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete")
		return b, v.Order
	}

	t.Run("PartialThenRest", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		got, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 1000, Reason: " damaged box "}, nil)
		requireNoError(t, err, "refund")
		if len(got.Refunds) != 1 || got.Refunds[0].Status != commerce.RefundSucceeded || got.Refunds[0].Amount != 1000 ||
			got.Refunds[0].Reason != "damaged box" || got.Refunds[0].ProviderRef == "" || got.Refunds[0].SettledAt == nil {
			t.Fatalf("after a refund: %+v", got.Refunds)
		}
		if got.Refunded() != 1000 || got.Refundable() != o.Totals.Total-1000 || got.Status != commerce.OrderConfirmed {
			t.Errorf("refunded %d, refundable %d, status %s", got.Refunded(), got.Refundable(), got.Status)
		}
		stored, err := b.store.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, got, stored, "refunded order as stored")
		if n := orderEvents(t, b, o); n != 2 {
			t.Errorf("%d events, want order_create and one order_update", n)
		}

		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: o.Totals.Total}, nil); code(err) != commerce.EINVALID {
			t.Errorf("refund more than is left: %v, want %s", err, commerce.EINVALID)
		}
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{}, nil); code(err) != commerce.EINVALID {
			t.Errorf("refund 0: %v, want %s", err, commerce.EINVALID)
		}
		got, err = b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: o.Totals.Total - 1000}, nil)
		requireNoError(t, err, "refund the rest")
		if got.Refundable() != 0 || got.Refunded() != o.Totals.Total {
			t.Errorf("after refunding the rest: refundable %d, refunded %d", got.Refundable(), got.Refunded())
		}
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 1}, nil); code(err) != commerce.EINVALID {
			t.Errorf("refund a fully refunded order: %v, want %s", err, commerce.EINVALID)
		}
		total, _ := b.provider.refunded()
		if total != o.Totals.Total {
			t.Errorf("provider refunded %d, want %d", total, o.Totals.Total)
		}
	})

	// Eight refunds of 30 % each at once: at most three fit in the total.
	t.Run("ConcurrentNeverExceedTheCharge", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		part := o.Totals.Total * 3 / 10
		var (
			wg sync.WaitGroup
			mu sync.Mutex
			ok int
		)
		for range 8 {
			wg.Go(func() {
				_, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: part}, nil)
				mu.Lock()
				defer mu.Unlock()
				switch c := code(err); {
				case err == nil:
					ok++
				case c == commerce.EINVALID || c == commerce.EINPROGRESS:
				default:
					t.Errorf("concurrent refund: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := b.store.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		total, _ := b.provider.refunded()
		if ok > 3 || got.Refunded() != int64(ok)*part || total != got.Refunded() || got.Refunded() > o.Totals.Total {
			t.Fatalf("%d refunds succeeded; order refunded %d, provider %d, charge %d", ok, got.Refunded(), total, o.Totals.Total)
		}
		t.Logf("%d of 8 refunds of %d succeeded on a charge of %d", ok, part, o.Totals.Total)
	})

	t.Run("LostAnswerIsFinishedWithTheSameKey", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		b.provider.loseRefunds = 1
		in := commerce.RefundInput{Amount: 700, Key: "rk_1"}
		if _, err := b.svc.RefundOrder(ctx, o.ID, in, nil); code(err) != commerce.EUNAVAILABLE {
			t.Fatalf("refund with a lost answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}
		got, err := b.store.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		if len(got.Refunds) != 1 || got.Refunds[0].Status != commerce.RefundPending || got.Refundable() != o.Totals.Total-700 {
			t.Fatalf("after a lost answer: %+v", got.Refunds)
		}
		// Another refund waits while the pending one may still be running.
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 300}, nil); code(err) != commerce.EINPROGRESS {
			t.Errorf("another refund while one is pending: %v, want %s", err, commerce.EINPROGRESS)
		}
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 701, Key: "rk_1"}, nil); code(err) != commerce.EINVALID {
			t.Errorf("the key with another amount: %v, want %s", err, commerce.EINVALID)
		}
		// The same request again finishes it, with the same provider key.
		got, err = b.svc.RefundOrder(ctx, o.ID, in, nil)
		requireNoError(t, err, "retry")
		if len(got.Refunds) != 1 || got.Refunds[0].Status != commerce.RefundSucceeded || got.Refunded() != 700 {
			t.Fatalf("after the retry: %+v", got.Refunds)
		}
		// And once more: answered again, not refunded again.
		again, err := b.svc.RefundOrder(ctx, o.ID, in, nil)
		requireNoError(t, err, "replay")
		requireDiff(t, got, again, "replayed refund")
		total, calls := b.provider.refunded()
		if total != 700 || calls["agentshop-"+got.Refunds[0].ID] != 2 {
			t.Errorf("provider refunded %d with calls %v; want 700, the lost key called twice", total, calls)
		}
	})

	t.Run("StalePendingIsFinishedByTheNextRefund", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		b.provider.loseRefunds = 1
		if _, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 700}, nil); code(err) != commerce.EUNAVAILABLE {
			t.Fatalf("refund with a lost answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}
		b.clock.Advance(lease + time.Second)
		got, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 300}, nil)
		requireNoError(t, err, "next refund")
		if len(got.Refunds) != 2 || got.Refunds[0].Status != commerce.RefundSucceeded || got.Refunds[1].Status != commerce.RefundSucceeded || got.Refunded() != 1000 {
			t.Fatalf("after the re-drive: %+v", got.Refunds)
		}
		if total, _ := b.provider.refunded(); total != 1000 {
			t.Errorf("provider refunded %d, want 1000", total)
		}
	})

	t.Run("RefusedChangesNothingButItsRecord", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		b.provider.refuse = true
		got, err := b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 500}, nil)
		if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.ECONFLICT || e.Reason != "refund_refused" {
			t.Fatalf("refused refund: %v, want %s refund_refused", err, commerce.ECONFLICT)
		}
		if got == nil || len(got.Refunds) != 1 || got.Refunds[0].Status != commerce.RefundFailed || got.Refunds[0].Message == "" ||
			got.Refunded() != 0 || got.Refundable() != o.Totals.Total {
			t.Fatalf("after a refusal: %+v", got)
		}
		if n := orderEvents(t, b, o); n != 1 {
			t.Errorf("%d events after a refusal, want only order_create", n)
		}
	})

	t.Run("Cancel", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		b.requireStock(t, ctx, initialStock-lineQuantity)
		got, err := b.svc.CancelOrder(ctx, o.ID, "", nil)
		requireNoError(t, err, "cancel")
		if got.Status != commerce.OrderCanceled || got.Refunded() != o.Totals.Total || got.Refunds[0].Reason != "Order canceled" {
			t.Fatalf("after cancel: %s, refunded %d of %d", got.Status, got.Refunded(), o.Totals.Total)
		}
		b.requireStock(t, ctx, initialStock)
		if _, err := b.svc.CancelOrder(ctx, o.ID, "", nil); code(err) != commerce.ECONFLICT {
			t.Errorf("cancel twice: %v, want %s", err, commerce.ECONFLICT)
		}
		if _, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil); code(err) != commerce.ECONFLICT {
			t.Errorf("ship a canceled order: %v, want %s", err, commerce.ECONFLICT)
		}
		b.requireStock(t, ctx, initialStock)
	})

	t.Run("CancelShipped", func(t *testing.T) {
		b2, shipped := paid(t)
		ctx := t.Context()
		_, err := b2.svc.ShipOrder(ctx, shipped.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil)
		requireNoError(t, err, "ship")
		if _, err := b2.svc.CancelOrder(ctx, shipped.ID, "", nil); code(err) != commerce.ECONFLICT {
			t.Errorf("cancel a shipped order: %v, want %s", err, commerce.ECONFLICT)
		}
		if total, _ := b2.provider.refunded(); total != 0 {
			t.Errorf("a refused cancel refunded %d", total)
		}
	})

	// A cancel whose refund answer is lost: retried, it settles the
	// refund with the same key and then cancels, restocking once.
	t.Run("CancelCutShort", func(t *testing.T) {
		b, o := paid(t)
		ctx := t.Context()
		b.provider.loseRefunds = 1
		if _, err := b.svc.CancelOrder(ctx, o.ID, "", nil); code(err) != commerce.EUNAVAILABLE {
			t.Fatalf("cancel with a lost refund answer: %v, want %s", err, commerce.EUNAVAILABLE)
		}
		b.requireStock(t, ctx, initialStock-lineQuantity)
		if _, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil); code(err) != commerce.ECONFLICT {
			t.Errorf("ship while a cancel is pending: %v, want %s", err, commerce.ECONFLICT)
		}
		got, err := b.svc.CancelOrder(ctx, o.ID, "", nil)
		requireNoError(t, err, "cancel again")
		if got.Status != commerce.OrderCanceled || len(got.Refunds) != 1 || got.Refunded() != o.Totals.Total {
			t.Fatalf("after the retry: %s, refunds %+v", got.Status, got.Refunds)
		}
		b.requireStock(t, ctx, initialStock)
		if total, _ := b.provider.refunded(); total != o.Totals.Total {
			t.Errorf("provider refunded %d, want %d once", total, o.Totals.Total)
		}
	})

	t.Run("ProviderWithoutRefunds", func(t *testing.T) {
		b, o := paid(t)
		b.svc.Payments = commerce.MustPayments(chargeOnly{b.provider})
		if _, err := b.svc.RefundOrder(t.Context(), o.ID, commerce.RefundInput{Amount: 100}, nil); code(err) != commerce.ENOTALLOWED {
			t.Errorf("refund through a provider that cannot: %v, want %s", err, commerce.ENOTALLOWED)
		}
		if _, err := b.svc.RefundOrder(t.Context(), "ord_missing", commerce.RefundInput{Amount: 100}, nil); code(err) != commerce.ENOTALLOWED {
			t.Errorf("refund an unknown order through it: %v, want %s", err, commerce.ENOTALLOWED)
		}
	})

	t.Run("UnknownOrder", func(t *testing.T) {
		b, _ := paid(t)
		if _, err := b.svc.RefundOrder(t.Context(), "ord_missing", commerce.RefundInput{Amount: 100}, nil); code(err) != commerce.ENOTFOUND {
			t.Errorf("refund an unknown order: %v, want %s", err, commerce.ENOTFOUND)
		}
		if _, err := b.svc.CancelOrder(t.Context(), "ord_missing", "", nil); code(err) != commerce.ENOTFOUND {
			t.Errorf("cancel an unknown order: %v, want %s", err, commerce.ENOTFOUND)
		}
	})
}

// chargeOnly hides a provider's Refund method.
type chargeOnly struct{ commerce.PaymentProvider }
