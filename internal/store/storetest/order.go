package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testOrder(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := setup(t, open)
		want := createOrder(t, ctx, s, baseTime)
		got, err := s.GetOrder(ctx, want.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, want, got, "order")
	})

	t.Run("Mode", func(t *testing.T) {
		// An order's payment mode is stored and read back, and keeps
		// through an update.
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		o := newOrder(sess.ID, baseTime)
		o.Mode = commerce.ModeLive
		requireNoError(t, s.CreateOrder(ctx, o), "create order")
		got, err := s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		if got.Mode != commerce.ModeLive {
			t.Fatalf("mode %q, want live", got.Mode)
		}
		got.Status = commerce.OrderShipped
		requireNoError(t, s.UpdateOrder(ctx, got), "update order")
		found, err := s.FindOrders(ctx, commerce.OrderFilter{Mode: commerce.ModeLive})
		requireNoError(t, err, "find live orders")
		if len(found) != 1 || found[0].ID != o.ID || found[0].Mode != commerce.ModeLive {
			t.Fatalf("live orders after an update: %+v", found)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx, s := setup(t, open)
		_, err := s.GetOrder(ctx, "ord_missing")
		requireIs(t, err, commerce.ErrNotFound, "get")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name string
			dup  func(o *commerce.Order, otherSession string) *commerce.Order
		}{
			{name: "SameID", dup: func(o *commerce.Order, other string) *commerce.Order {
				d := newOrder(other, baseTime)
				d.ID = o.ID
				return d
			}},
			{name: "SameSession", dup: func(o *commerce.Order, _ string) *commerce.Order {
				return newOrder(o.SessionID, baseTime)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				o := createOrder(t, ctx, s, baseTime)
				other := createSession(t, ctx, s, baseTime)
				requireIs(t, s.CreateOrder(ctx, tt.dup(o, other.ID)), commerce.ErrConflict, "create duplicate order")
			})
		}
	})

	t.Run("ListNewestFirst", func(t *testing.T) {
		ctx, s := setup(t, open)
		var created []*commerce.Order
		for i := range 4 {
			created = append(created, createOrder(t, ctx, s, baseTime.Add(time.Duration(i)*time.Second)))
		}
		newest := []*commerce.Order{created[3], created[2], created[1], created[0]}
		tests := []struct {
			limit int
			want  []*commerce.Order
		}{
			{limit: 10, want: newest},
			{limit: 4, want: newest},
			{limit: 2, want: newest[:2]},
			{limit: 1, want: newest[:1]},
		}
		for _, tt := range tests {
			got, err := s.ListOrders(ctx, tt.limit)
			requireNoError(t, err, "list orders")
			requireDiff(t, tt.want, got, "orders")
		}
	})

	t.Run("ListEmpty", func(t *testing.T) {
		ctx, s := setup(t, open)
		got, err := s.ListOrders(ctx, 10)
		requireNoError(t, err, "list orders")
		if len(got) != 0 {
			t.Fatalf("orders = %v, want none", got)
		}
	})

	t.Run("Lock", func(t *testing.T) {
		ctx, s := setup(t, open)
		want := createOrder(t, ctx, s, baseTime)
		got, err := s.LockOrder(ctx, want.ID)
		requireNoError(t, err, "outside a transaction")
		requireDiff(t, want, got, "order")
		_, err = s.LockOrder(ctx, "ord_missing")
		requireIs(t, err, commerce.ErrNotFound, "unknown order")

		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			got, err := tx.LockOrder(ctx, want.ID)
			if err != nil {
				return err
			}
			requireDiff(t, want, got, "order in tx")
			return nil
		}), "in tx")
		err = s.InTx(ctx, func(tx commerce.Executor) error {
			_, err := tx.LockOrder(ctx, "ord_missing")
			return err
		})
		requireIs(t, err, commerce.ErrNotFound, "unknown order in tx")
	})

	// UpdateOrder replaces the order: its status, shipments (delivered or
	// not) and UpdatedAt come back as written, outside a transaction and
	// inside one, where later reads see it.
	t.Run("Update", func(t *testing.T) {
		ctx, s := setup(t, open)
		o := createOrder(t, ctx, s, baseTime)
		shipped := baseTime.Add(time.Hour)
		o.Status = commerce.OrderShipped
		o.Shipments = []commerce.Shipment{newShipment(shipped)}
		o.UpdatedAt = shipped
		requireNoError(t, s.UpdateOrder(ctx, o), "ship")
		got, err := s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get after ship")
		requireDiff(t, o, got, "shipped order")
		checkTimes(t, []time.Time{baseTime, shipped}, []time.Time{got.CreatedAt, got.UpdatedAt})

		delivered := shipped.Add(48 * time.Hour)
		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			cur, err := tx.LockOrder(ctx, o.ID)
			if err != nil {
				return err
			}
			cur.Status = commerce.OrderCompleted
			cur.Shipments[0].DeliveredAt = &delivered
			// A second parcel, still on its way.
			cur.Shipments = append(cur.Shipments, newShipment(delivered))
			cur.UpdatedAt = delivered
			if err := tx.UpdateOrder(ctx, cur); err != nil {
				return err
			}
			got, err := tx.GetOrder(ctx, o.ID)
			if err != nil {
				return err
			}
			requireDiff(t, cur, got, "order read in tx")
			o = cur
			return nil
		}), "deliver in tx")
		got, err = s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get after deliver")
		requireDiff(t, o, got, "delivered order")
		if got.Shipments[0].DeliveredAt == nil || got.Shipments[1].DeliveredAt != nil {
			t.Errorf("DeliveredAt = %v, %v; want set, nil", got.Shipments[0].DeliveredAt, got.Shipments[1].DeliveredAt)
		}
		checkTimes(t, []time.Time{delivered}, []time.Time{got.UpdatedAt})
		list, err := s.ListOrders(ctx, 10)
		requireNoError(t, err, "list orders")
		requireDiff(t, []*commerce.Order{o}, list, "listed orders")
	})

	// An unknown order is ErrNotFound; inside a transaction the error may
	// come late, from InTx, and the whole transaction is rolled back.
	t.Run("UpdateNotFound", func(t *testing.T) {
		ctx, s := setup(t, open)
		requireIs(t, s.UpdateOrder(ctx, newOrder("cs_missing", baseTime)), commerce.ErrNotFound, "outside a transaction")

		o := createOrder(t, ctx, s, baseTime)
		var sess *commerce.Session
		err := s.InTx(ctx, func(tx commerce.Executor) error {
			sess = createSession(t, ctx, tx, baseTime)
			changed := *o
			changed.Status = commerce.OrderShipped
			changed.UpdatedAt = baseTime.Add(time.Hour)
			requireNoError(t, tx.UpdateOrder(ctx, &changed), "update existing order")
			return tx.UpdateOrder(ctx, newOrder(sess.ID, baseTime))
		})
		requireIs(t, err, commerce.ErrNotFound, "in tx")
		_, err = s.GetSession(ctx, sess.ID)
		requireIs(t, err, commerce.ErrNotFound, "session after rollback")
		got, err := s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, o, got, "order after rollback")
	})

	t.Run("UpdateRollback", func(t *testing.T) {
		ctx, s := setup(t, open)
		o := createOrder(t, ctx, s, baseTime)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx commerce.Executor) error {
			changed := *o
			changed.Status = commerce.OrderShipped
			changed.Shipments = []commerce.Shipment{newShipment(baseTime)}
			changed.UpdatedAt = baseTime.Add(time.Hour)
			requireNoError(t, tx.UpdateOrder(ctx, &changed), "update order")
			return boom
		})
		requireIs(t, err, boom, "in tx")
		got, err := s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, o, got, "order after rollback")
	})

	// LockOrder holds the order until the transaction ends, so concurrent
	// read-modify-write cycles (ShipOrder's) lose no shipment.
	t.Run("LockSerializes", func(t *testing.T) {
		ctx, s := setup(t, open)
		o := createOrder(t, ctx, s, baseTime)
		const n = 8
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := s.InTx(ctx, func(tx commerce.Executor) error {
					cur, err := tx.LockOrder(ctx, o.ID)
					if err != nil {
						return err
					}
					time.Sleep(2 * time.Millisecond)
					cur.Shipments = append(cur.Shipments, newShipment(baseTime.Add(time.Duration(i)*time.Minute)))
					cur.Status = commerce.OrderShipped
					return tx.UpdateOrder(ctx, cur)
				})
				if err != nil {
					t.Errorf("ship: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get")
		ids := map[string]bool{}
		for _, sh := range got.Shipments {
			ids[sh.ID] = true
		}
		if len(got.Shipments) != n || len(ids) != n {
			t.Errorf("order has %d shipments (%d distinct), want %d", len(got.Shipments), len(ids), n)
		}
	})
}
