package storetest

import (
	"context"
	"errors"
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// errHook is what a failing hook returns.
var errHook = errors.New("hook refused")

// callLog records which hooks ran, in order.
type callLog []string

// viewHooks returns hooks that log into l; failCommit makes Commit fail
// after checking that it sees the operation's effect from inside tx. The
// session Commit saw is kept in *seen.
func viewHooks(t *testing.T, l *callLog, failCommit bool, seen *string) *commerce.TxHooks[*commerce.View] {
	return &commerce.TxHooks[*commerce.View]{
		Begin: func(context.Context, commerce.Executor) error { *l = append(*l, "begin"); return nil },
		Begun: func() { *l = append(*l, "begun") },
		Commit: func(ctx context.Context, tx commerce.Executor, v *commerce.View) error {
			*l = append(*l, "commit")
			*seen = v.Session.ID
			got, err := tx.GetSession(ctx, v.Session.ID)
			if err != nil || got.Version != v.Session.Version {
				t.Errorf("Commit does not see the effect in its transaction: %+v, %v; want version %d", got, err, v.Session.Version)
			}
			if failCommit {
				return errHook
			}
			return nil
		},
	}
}

// orderHooks returns hooks that log into l; Commit puts an order_update in
// the outbox (standing in for an audit row) and fails with failCommit.
func orderHooks(l *callLog, failCommit bool) *commerce.TxHooks[*commerce.Order] {
	return &commerce.TxHooks[*commerce.Order]{
		Begin: func(context.Context, commerce.Executor) error { *l = append(*l, "begin"); return nil },
		Begun: func() { *l = append(*l, "begun") },
		Commit: func(ctx context.Context, tx commerce.Executor, o *commerce.Order) error {
			*l = append(*l, "commit")
			if err := tx.CreateEvent(ctx, commerce.NewEvent(commerce.EventOrderUpdate, o.ID, o.UpdatedAt)); err != nil {
				return err
			}
			if failCommit {
				return errHook
			}
			return nil
		},
	}
}

// testTxHooks runs the service's transaction hooks on the store: Begin
// first, Commit in the transaction of the effect (its rows commit and roll
// back with it), Begun after the first commit; a failing hook undoes the
// operation and is returned as it is.
func testTxHooks(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Session", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			// run makes the operation on a payable session id.
			run func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.View]) (*commerce.View, error)
		}{
			{"Create", func(ctx context.Context, b *serviceBundle, _ string, h *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return b.svc.Create(ctx, commerce.CreateInput{Lines: []commerce.LineInput{{ItemID: "item_poster", Quantity: 1}}}, h)
			}},
			{"Update", func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return b.svc.Update(ctx, id, commerce.UpdateInput{Lines: []commerce.LineInput{{ItemID: "item_mug", Quantity: 1}}}, h)
			}},
			{"Cancel", func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return b.svc.Cancel(ctx, id, h)
			}},
			{"Complete", func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, h)
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ctx, b := setupService(t, open)
				id := b.createPayable(t, ctx).Session.ID
				var (
					l    callLog
					seen string
				)
				v, err := tt.run(ctx, b, id, viewHooks(t, &l, false, &seen))
				requireNoError(t, err, tt.name)
				if tt.name == "Complete" {
					// Begun comes between the claim and the answer.
					requireDiff(t, callLog{"begin", "begun", "commit"}, l, "hooks run")
				} else {
					requireDiff(t, callLog{"begin", "commit", "begun"}, l, "hooks run")
				}
				if v.Session == nil {
					t.Fatalf("no session in %+v", v)
				}
			})
			t.Run(tt.name+"CommitFails", func(t *testing.T) {
				ctx, b := setupService(t, open)
				before := b.createPayable(t, ctx).Session
				var (
					l    callLog
					seen string
				)
				_, err := tt.run(ctx, b, before.ID, viewHooks(t, &l, true, &seen))
				requireIs(t, err, errHook, tt.name)
				if tt.name == "Create" {
					_, err := b.store.GetSession(ctx, seen)
					requireIs(t, err, commerce.ErrNotFound, "session created by a failed Create")
				}
				got, err := b.store.GetSession(ctx, before.ID)
				requireNoError(t, err, "get session")
				if tt.name == "Complete" {
					// The charge happened; its settlement rolled back and
					// the attempt stays pending for a re-drive.
					return
				}
				requireDiff(t, before.Version, got.Version, "session version after a failed Commit")
				b.requireStock(t, ctx, initialStock)
				b.requireOrders(t, ctx, 0)
			})
		}
		t.Run("CompleteBeginFails", func(t *testing.T) {
			ctx, b := setupService(t, open)
			id := b.createPayable(t, ctx).Session.ID
			begun := false
			_, err := b.svc.Complete(ctx, id, commerce.CompleteInput{Token: "tok_ok"}, &commerce.TxHooks[*commerce.View]{
				Begin: func(context.Context, commerce.Executor) error { return errHook },
				Begun: func() { begun = true },
			})
			requireIs(t, err, errHook, "complete")
			if begun {
				t.Error("Begun called after Begin failed")
			}
			if n, _ := b.provider.charges(); n != 0 {
				t.Errorf("provider charged %d times after Begin failed", n)
			}
			b.requireStock(t, ctx, initialStock)
		})
	})

	t.Run("Order", func(t *testing.T) {
		paid := func(t *testing.T) (context.Context, *serviceBundle, *commerce.Order) {
			t.Helper()
			ctx, b := setupService(t, open)
			v := b.createPayable(t, ctx)
			v, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
			requireNoError(t, err, "complete")
			return ctx, b, v.Order
		}
		ship := func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
			return b.svc.ShipOrder(ctx, id, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, h)
		}
		for _, tt := range []struct {
			name string
			// shipped: run on a shipped order.
			shipped bool
			run     func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error)
			// want is the status the order has after the change.
			want string
		}{
			{"Ship", false, ship, string(commerce.OrderShipped)},
			{"Deliver", true, func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
				return b.svc.DeliverOrder(ctx, id, h)
			}, string(commerce.OrderCompleted)},
			{"Refund", false, func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
				return b.svc.RefundOrder(ctx, id, commerce.RefundInput{Amount: 100, Key: "rk"}, h)
			}, string(commerce.OrderConfirmed)},
			{"Cancel", false, func(ctx context.Context, b *serviceBundle, id string, h *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
				return b.svc.CancelOrder(ctx, id, "", h)
			}, string(commerce.OrderCanceled)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ctx, b, o := paid(t)
				if tt.shipped {
					_, err := ship(ctx, b, o.ID, nil)
					requireNoError(t, err, "ship")
				}
				var l callLog
				got, err := tt.run(ctx, b, o.ID, orderHooks(&l, false))
				requireNoError(t, err, tt.name)
				want := callLog{"begin", "commit", "begun"}
				if tt.name == "Refund" || tt.name == "Cancel" {
					// Begun before the provider call, Commit with the outcome.
					want = callLog{"begin", "begun", "commit"}
				}
				requireDiff(t, want, l, "hooks run")
				requireDiff(t, tt.want, string(got.Status), "status")
				es, err := b.store.ListEvents(ctx, commerce.EventFilter{OrderID: o.ID})
				requireNoError(t, err, "list events")
				if len(es) != 1 {
					t.Errorf("the hook's row: %d events, want 1", len(es))
				}
			})
			t.Run(tt.name+"CommitFails", func(t *testing.T) {
				ctx, b, o := paid(t)
				if tt.shipped {
					_, err := ship(ctx, b, o.ID, nil)
					requireNoError(t, err, "ship")
				}
				before, err := b.store.GetOrder(ctx, o.ID)
				requireNoError(t, err, "get order")
				var l callLog
				_, err = tt.run(ctx, b, o.ID, orderHooks(&l, true))
				requireIs(t, err, errHook, tt.name)
				after, err := b.store.GetOrder(ctx, o.ID)
				requireNoError(t, err, "get order")
				requireDiff(t, before.Status, after.Status, "status after a failed Commit")
				requireDiff(t, len(before.Shipments), len(after.Shipments), "shipments after a failed Commit")
				es, err := b.store.ListEvents(ctx, commerce.EventFilter{OrderID: o.ID})
				requireNoError(t, err, "list events")
				if len(es) != 0 {
					t.Errorf("the failed hook's row committed: %d events", len(es))
				}
			})
		}
	})
}
