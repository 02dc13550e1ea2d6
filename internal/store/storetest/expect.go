package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testExpectation: Complete charges only what the payer was shown
// ([commerce.CompleteInput.Expect]), checked in the claim's transaction.
// A session that changed after the payer looked is not charged: no
// provider call, no attempt, no stock reserved, and a [*commerce.ChangedError]
// saying whether the total changed. Paying again with what the session
// shows now charges exactly that.
func testExpectation(t *testing.T, open func(t *testing.T) store.Store) {
	// change edits the stored session as an update would (a new version),
	// through x.
	type change func(ctx context.Context, x commerce.Executor, id string) error
	edit := func(f func(*commerce.Session)) change {
		return func(ctx context.Context, x commerce.Executor, id string) error {
			s, err := x.LockSession(ctx, id)
			if err != nil {
				return err
			}
			f(s)
			s.Version++
			return x.UpdateSession(ctx, s)
		}
	}
	raise := edit(func(s *commerce.Session) { s.Lines[0].Quantity = 3 })
	moveAddress := edit(func(s *commerce.Session) {
		a := *s.Address
		a.Name, a.LineOne = "Mallory", "2 Other St"
		s.Address = &a
	})

	for _, tt := range []struct {
		name string
		// between runs after the payer looked; inClaim runs in the
		// claim's own transaction, first (its Begin hook): the latest
		// moment a concurrent update can commit before the claim locks
		// the session, where a check made before the transaction (the
		// handler's) cannot see it.
		between, inClaim change
		// expect is what is sent, from the view the payer saw.
		expect       func(v *commerce.View) *commerce.Expectation
		totalChanged bool
	}{
		{name: "CartRaisedBeforeClaim", inClaim: raise, expect: shownAll, totalChanged: true},
		{name: "AddressChangedBeforeClaim", inClaim: moveAddress, expect: shownAll},
		{name: "CartRaisedAfterLook", between: raise, expect: shownAll, totalChanged: true},
		{name: "AddressChangedAfterLook", between: moveAddress, expect: shownAll},
		{name: "TotalOnly", inClaim: raise, expect: func(v *commerce.View) *commerce.Expectation {
			return &commerce.Expectation{Total: new(v.Quote.Totals.Total)}
		}, totalChanged: true},
		{name: "VersionOnly", inClaim: moveAddress, expect: func(v *commerce.View) *commerce.Expectation {
			return &commerce.Expectation{Version: v.Session.Version}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, b := setupService(t, open)
			shown := b.createPayable(t, ctx)
			id := shown.Session.ID
			if tt.between != nil {
				requireNoError(t, b.store.InTx(ctx, func(tx commerce.Executor) error { return tt.between(ctx, tx, id) }), "change")
			}
			var hooks *commerce.TxHooks[*commerce.View]
			if tt.inClaim != nil {
				hooks = &commerce.TxHooks[*commerce.View]{Begin: func(ctx context.Context, tx commerce.Executor) error {
					return tt.inClaim(ctx, tx, id)
				}}
			}
			_, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok", Expect: tt.expect(shown)}, hooks)
			ce, ok := errors.AsType[*commerce.ChangedError](err)
			if !ok {
				t.Fatalf("complete after the change: error = %v, want a *ChangedError", err)
			}
			if e, _ := errors.AsType[*commerce.Error](err); e == nil || e.Code != commerce.ECONFLICT || e.Reason != commerce.ReasonSessionChanged {
				t.Errorf("complete after the change: error = %#v, want %s %s", e, commerce.ECONFLICT, commerce.ReasonSessionChanged)
			}
			if ce.TotalChanged() != tt.totalChanged {
				t.Errorf("TotalChanged() = %v, want %v (%v)", ce.TotalChanged(), tt.totalChanged, ce)
			}
			if _, calls := b.provider.charges(); len(calls) != 0 {
				t.Errorf("provider called %v after the change, want never", calls)
			}
			ps, err := b.store.ListPayments(ctx, id)
			requireNoError(t, err, "list payments")
			if len(ps) != 0 {
				t.Errorf("payments after the refused complete = %+v, want none", ps)
			}
			b.requireStock(t, ctx, initialStock)
			b.requireOrders(t, ctx, 0)

			// Paid from what the session shows now, it charges that.
			now, err := b.svc.Get(ctx, id)
			requireNoError(t, err, "get")
			v, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok", Expect: shownAll(now)}, nil)
			requireNoError(t, err, "complete with what is shown now")
			if v.Order == nil || v.Order.Totals.Total != now.Quote.Totals.Total {
				t.Fatalf("order %+v, want one for %d", v.Order, now.Quote.Totals.Total)
			}
			ps, err = b.store.ListPayments(ctx, id)
			requireNoError(t, err, "list payments")
			if len(ps) != 1 || ps[0].Amount != now.Quote.Totals.Total || ps[0].Status != commerce.PaymentSucceeded {
				t.Errorf("payments = %+v, want one succeeded for %d", ps, now.Quote.Totals.Total)
			}
		})
	}

	// Updates race a complete that carries what was shown: whichever
	// wins, the charge, if any, is the total shown, never a raised one.
	t.Run("RacingUpdates", func(t *testing.T) {
		ctx, b := setupService(t, open)
		shown := b.createPayable(t, ctx)
		id := shown.Session.ID
		start := make(chan struct{})
		var wg sync.WaitGroup
		for q := range int64(4) {
			wg.Go(func() {
				<-start
				_, err := b.svc.Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: "item_mug", Quantity: 3 + q%2}}}, nil)
				if err != nil && commerce.ErrorCode(err) != commerce.EINPROGRESS && commerce.ErrorCode(err) != commerce.ECONFLICT {
					t.Errorf("update: %v", err)
				}
			})
		}
		var (
			v   *commerce.View
			err error
		)
		wg.Go(func() {
			<-start
			v, err = b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok", Expect: shownAll(shown)}, nil)
		})
		close(start)
		wg.Wait()
		ps, lerr := b.store.ListPayments(ctx, id)
		requireNoError(t, lerr, "list payments")
		switch _, changed := errors.AsType[*commerce.ChangedError](err); {
		case changed:
			if len(ps) != 0 {
				t.Errorf("refused complete left payments %+v", ps)
			}
		case err == nil && v.Order != nil:
			if v.Order.Totals.Total != shown.Quote.Totals.Total || len(ps) != 1 || ps[0].Amount != shown.Quote.Totals.Total {
				t.Errorf("charged %+v for order total %d, want %d as shown", ps, v.Order.Totals.Total, shown.Quote.Totals.Total)
			}
		default:
			t.Fatalf("complete = (%+v, %v), want an order for the shown total or a *ChangedError", v, err)
		}
	})
}

// shownAll is the expectation of a payer shown v: its version and total.
func shownAll(v *commerce.View) *commerce.Expectation {
	return &commerce.Expectation{Version: v.Session.Version, Total: new(v.Quote.Totals.Total)}
}
