package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testOrderLifecycle runs the service's order changes on the store: the
// order_create queued with the order, shipping and delivery with their
// order_updates, each in the change's transaction, and the refusals that
// change nothing.
func testOrderLifecycle(t *testing.T, open func(t *testing.T) store.Store) {
	paid := func(t *testing.T, events bool) (context.Context, *serviceBundle, *commerce.Order, *int) {
		t.Helper()
		ctx, b := setupService(t, open)
		b.svc.OrderEvents = events
		woken := new(int)
		b.svc.EventsQueued = func() { *woken++ }
		v := b.createPayable(t, ctx)
		v, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_ok"}, nil)
		requireNoError(t, err, "complete")
		if v.Order == nil {
			t.Fatalf("complete gave no order: %+v", v)
		}
		return ctx, b, v.Order, woken
	}
	events := func(t *testing.T, ctx context.Context, s commerce.Store, orderID string) []commerce.EventType {
		t.Helper()
		es, err := s.ListEvents(ctx, commerce.EventFilter{OrderID: orderID})
		requireNoError(t, err, "list events")
		var out []commerce.EventType
		for _, e := range es {
			if e.Status != commerce.EventPending || e.Attempts != 0 {
				t.Errorf("new event %s is %s after %d attempts, want pending and untried", e.ID, e.Status, e.Attempts)
			}
			out = append(out, e.Type)
		}
		return out
	}
	code := func(err error) string {
		if e, ok := errors.AsType[*commerce.Error](err); ok {
			return e.Code
		}
		return ""
	}

	t.Run("ShipThenDeliver", func(t *testing.T) {
		ctx, b, o, woken := paid(t, true)
		requireDiff(t, []commerce.EventType{commerce.EventOrderCreate}, events(t, ctx, b.store, o.ID), "events after complete")
		if *woken != 1 {
			t.Errorf("worker woken %d times after complete, want 1", *woken)
		}

		b.clock.Advance(time.Hour)
		shipped, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: " USPS ", TrackingNumber: "9400", TrackingURL: "https://t.example/9400"}, nil)
		requireNoError(t, err, "ship")
		stored, err := b.store.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, shipped, stored, "shipped order as stored")
		if stored.Status != commerce.OrderShipped || len(stored.Shipments) != 1 {
			t.Fatalf("after ship: %s with %d shipments", stored.Status, len(stored.Shipments))
		}
		sh := stored.Shipments[0]
		if sh.Carrier != "USPS" || sh.TrackingNumber != "9400" || sh.TrackingURL != "https://t.example/9400" ||
			!near(sh.ShippedAt, b.clock.Now()) || sh.DeliveredAt != nil || !near(stored.UpdatedAt, b.clock.Now()) {
			t.Errorf("shipment %+v, updated %s", sh, stored.UpdatedAt)
		}

		b.clock.Advance(48 * time.Hour)
		delivered, err := b.svc.DeliverOrder(ctx, o.ID, nil)
		requireNoError(t, err, "deliver")
		if delivered.Status != commerce.OrderCompleted || delivered.Shipments[0].DeliveredAt == nil || !near(*delivered.Shipments[0].DeliveredAt, b.clock.Now()) {
			t.Errorf("after deliver: %+v", delivered)
		}
		requireDiff(t, []commerce.EventType{commerce.EventOrderCreate, commerce.EventOrderUpdate, commerce.EventOrderUpdate},
			events(t, ctx, b.store, o.ID), "events after ship and deliver")
		if *woken != 3 {
			t.Errorf("worker woken %d times, want 3", *woken)
		}
	})

	t.Run("Refusals", func(t *testing.T) {
		ctx, b, o, _ := paid(t, true)
		tests := []struct {
			name string
			do   func() error
			code string
		}{
			{"deliver before shipping", func() error { _, err := b.svc.DeliverOrder(ctx, o.ID, nil); return err }, commerce.ECONFLICT},
			{"no carrier", func() error {
				_, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "  ", TrackingNumber: "1"}, nil)
				return err
			}, commerce.EINVALID},
			{"no tracking number", func() error {
				_, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS"}, nil)
				return err
			}, commerce.EINVALID},
			{"relative tracking URL", func() error {
				_, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1", TrackingURL: "/track/1"}, nil)
				return err
			}, commerce.EINVALID},
			{"javascript tracking URL", func() error {
				_, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1", TrackingURL: "javascript:alert(1)"}, nil)
				return err
			}, commerce.EINVALID},
			{"unknown order", func() error {
				_, err := b.svc.ShipOrder(ctx, "ord_missing", commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil)
				return err
			}, commerce.ENOTFOUND},
		}
		for _, tt := range tests {
			if got := code(tt.do()); got != tt.code {
				t.Errorf("%s: error code %q, want %q", tt.name, got, tt.code)
			}
		}
		stored, err := b.store.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, o, stored, "order after refused changes")
		requireDiff(t, []commerce.EventType{commerce.EventOrderCreate}, events(t, ctx, b.store, o.ID), "events after refused changes")

		// Once delivered, it cannot ship again.
		_, err = b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil)
		requireNoError(t, err, "ship")
		_, err = b.svc.DeliverOrder(ctx, o.ID, nil)
		requireNoError(t, err, "deliver")
		if _, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "2"}, nil); code(err) != commerce.ECONFLICT {
			t.Errorf("ship a completed order: %v, want %s", err, commerce.ECONFLICT)
		}
		if _, err := b.svc.DeliverOrder(ctx, o.ID, nil); code(err) != commerce.ECONFLICT {
			t.Errorf("deliver a completed order: %v, want %s", err, commerce.ECONFLICT)
		}
	})

	t.Run("NoEventsWithoutEndpoint", func(t *testing.T) {
		ctx, b, o, woken := paid(t, false)
		_, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil)
		requireNoError(t, err, "ship")
		if es := events(t, ctx, b.store, o.ID); len(es) != 0 || *woken != 0 {
			t.Errorf("events %v, woken %d; want none without OrderEvents", es, *woken)
		}
	})

	// A process without OrderEvents (`agentshop orders` without the
	// server's webhook settings) still tells the agent about an order
	// whose order_create was queued.
	t.Run("UpdatesFollowAnOrderWithEvents", func(t *testing.T) {
		ctx, b, o, _ := paid(t, true)
		b.svc.OrderEvents = false
		_, err := b.svc.ShipOrder(ctx, o.ID, commerce.ShipInput{Carrier: "USPS", TrackingNumber: "1"}, nil)
		requireNoError(t, err, "ship")
		_, err = b.svc.RefundOrder(ctx, o.ID, commerce.RefundInput{Amount: 100}, nil)
		requireNoError(t, err, "refund")
		requireDiff(t, []commerce.EventType{commerce.EventOrderCreate, commerce.EventOrderUpdate, commerce.EventOrderUpdate},
			events(t, ctx, b.store, o.ID), "events")
	})

	t.Run("NoEventForADecline", func(t *testing.T) {
		ctx, b := setupService(t, open)
		b.svc.OrderEvents = true
		v := b.createPayable(t, ctx)
		v, err := b.svc.Complete(ctx, v.Session.ID, commerce.CompleteInput{Token: "tok_decline"}, nil)
		requireNoError(t, err, "complete")
		if v.Order != nil {
			t.Fatal("a declined complete made an order")
		}
		es, err := b.store.ListEvents(ctx, commerce.EventFilter{})
		requireNoError(t, err, "list events")
		if len(es) != 0 {
			t.Errorf("events after a decline: %d, want none", len(es))
		}
	})
}

// near reports whether a and b are equal within [TimePrecision].
func near(a, b time.Time) bool {
	d := a.Sub(b)
	return d <= TimePrecision && d >= -TimePrecision
}
