package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
	"agentshop/internal/webhook"
)

// testEventBacklog checks webhook.Backlog, which the outbox gauges read:
// pending events (due or not, leased or not) and dead ones are counted,
// delivered ones are not.
func testEventBacklog(t *testing.T, open func(t *testing.T) store.Store) {
	backlog := func(t *testing.T, s store.Store) (int64, int64) {
		t.Helper()
		b, ok := s.(webhook.Backlog)
		if !ok {
			t.Fatalf("%T does not implement webhook.Backlog", s)
		}
		pending, dead, err := b.EventBacklog(t.Context())
		requireNoError(t, err, "event backlog")
		return pending, dead
	}

	t.Run("Empty", func(t *testing.T) {
		_, s := setup(t, open)
		if p, d := backlog(t, s); p != 0 || d != 0 {
			t.Errorf("empty outbox: pending %d, dead %d", p, d)
		}
	})

	t.Run("ByStatus", func(t *testing.T) {
		ctx, s := setup(t, open)
		mk := func(st commerce.EventStatus, due time.Time) {
			e := newEvent(createOrder(t, ctx, s, baseTime).ID, baseTime, due)
			e.Status = st
			createEvent(t, ctx, s, e)
		}
		mk(commerce.EventPending, baseTime)                // due
		mk(commerce.EventPending, baseTime.Add(time.Hour)) // not yet due
		mk(commerce.EventPending, baseTime)                // claimed below: in flight
		mk(commerce.EventDead, baseTime)
		mk(commerce.EventDelivered, baseTime)
		mk(commerce.EventDelivered, baseTime)
		if got := claim(t, ctx, s, baseTime, time.Minute, 1); len(got) != 1 {
			t.Fatalf("claimed %d events, want 1", len(got))
		}
		if p, d := backlog(t, s); p != 3 || d != 1 {
			t.Errorf("pending %d, dead %d; want 3 and 1", p, d)
		}
	})
}
