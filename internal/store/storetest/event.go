package storetest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testEvent(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateList", func(t *testing.T) {
		ctx, s := setup(t, open)
		o := createOrder(t, ctx, s, baseTime)
		// Stored as given, whatever the status; times in any zone come
		// back as the same instant in UTC.
		zone := time.FixedZone("UTC-3", -3*3600)
		at := baseTime.In(zone)
		delivered := at.Add(2 * time.Minute)
		want := []*commerce.Event{
			{ID: "evt_1", Type: commerce.EventOrderCreate, OrderID: o.ID, Status: commerce.EventDelivered, Attempts: 2,
				NextAttemptAt: at.Add(time.Minute), CreatedAt: at, DeliveredAt: &delivered},
			{ID: "evt_2", Type: commerce.EventOrderUpdate, OrderID: o.ID, Status: commerce.EventDead, Attempts: 5,
				NextAttemptAt: at.Add(time.Hour), LastError: "endpoint answered 500: oops", CreatedAt: at.Add(time.Second)},
			newEvent(o.ID, at.Add(2*time.Second), at.Add(3*time.Second)),
		}
		for _, e := range want {
			requireNoError(t, s.CreateEvent(ctx, e), "create event")
		}
		got := listEvents(t, ctx, s, commerce.EventFilter{})
		requireDiff(t, want, got, "events")
		g := got[0]
		checkTimes(t, []time.Time{at.Add(time.Minute), at, delivered}, []time.Time{g.NextAttemptAt, g.CreatedAt, *g.DeliveredAt})
	})

	t.Run("DuplicateID", func(t *testing.T) {
		ctx, s := setup(t, open)
		o := createOrder(t, ctx, s, baseTime)
		e := createEvent(t, ctx, s, newEvent(o.ID, baseTime, baseTime))
		dup := newEvent(o.ID, baseTime.Add(time.Second), baseTime)
		dup.ID = e.ID
		requireIs(t, s.CreateEvent(ctx, dup), commerce.ErrConflict, "create duplicate event")
		requireDiff(t, []*commerce.Event{e}, listEvents(t, ctx, s, commerce.EventFilter{}), "events")
	})

	// An event written with its order commits and rolls back with it.
	t.Run("InTx", func(t *testing.T) {
		tests := []struct {
			name string
			err  error // fn's
		}{
			{name: "Commit"},
			{name: "Rollback", err: errors.New("boom")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				var (
					o *commerce.Order
					e *commerce.Event
				)
				err := s.InTx(ctx, func(tx commerce.Executor) error {
					o = createOrder(t, ctx, tx, baseTime)
					e = createEvent(t, ctx, tx, commerce.NewEvent(commerce.EventOrderCreate, o.ID, baseTime))
					return tt.err
				})
				if tt.err != nil {
					requireIs(t, err, tt.err, "in tx")
					_, err := s.GetOrder(ctx, o.ID)
					requireIs(t, err, commerce.ErrNotFound, "order after rollback")
					requireDiff(t, nil, listEvents(t, ctx, s, commerce.EventFilter{}), "events after rollback")
					return
				}
				requireNoError(t, err, "in tx")
				_, err = s.GetOrder(ctx, o.ID)
				requireNoError(t, err, "order after commit")
				requireDiff(t, []*commerce.Event{e}, listEvents(t, ctx, s, commerce.EventFilter{}), "events after commit")
			})
		}
	})

	// Only pending events whose NextAttemptAt has come are claimed; a claim
	// leases them until now+lease, in the store and in the copy returned.
	t.Run("ClaimDue", func(t *testing.T) {
		ctx, s := setup(t, open)
		const lease = time.Minute
		now := baseTime
		n := 0
		mk := func(due time.Time, st commerce.EventStatus) *commerce.Event {
			n++
			e := newEvent(createOrder(t, ctx, s, baseTime).ID, baseTime.Add(time.Duration(n)*time.Second-time.Hour), due)
			e.Status = st
			return createEvent(t, ctx, s, e)
		}
		past := mk(now.Add(-time.Second), commerce.EventPending)
		atNow := mk(now, commerce.EventPending)
		later := mk(now.Add(time.Second), commerce.EventPending)
		mk(now.Add(-time.Hour), commerce.EventDelivered)
		mk(now.Add(-time.Hour), commerce.EventDead)

		got := claim(t, ctx, s, now, lease, 10)
		want := []*commerce.Event{leased(past, now.Add(lease)), leased(atNow, now.Add(lease))}
		requireDiff(t, want, got, "claimed")
		requireDiff(t, want, listEvents(t, ctx, s, commerce.EventFilter{Status: commerce.EventPending, Limit: 2}), "stored after claim")

		steps := []struct {
			name string
			at   time.Time
			want []*commerce.Event // what a claim at at takes, in CreatedAt order
		}{
			{name: "LeasedNotClaimedAgain", at: now, want: nil},
			{name: "NewlyDue", at: now.Add(time.Second), want: []*commerce.Event{leased(later, now.Add(time.Second+lease))}},
			{name: "LeaseNotOver", at: now.Add(lease - time.Millisecond), want: nil},
			{name: "LeaseOver", at: now.Add(lease), want: []*commerce.Event{
				leased(leased(past, now.Add(lease)), now.Add(2*lease)),
				leased(leased(atNow, now.Add(lease)), now.Add(2*lease)),
			}},
		}
		for _, st := range steps {
			requireDiff(t, st.want, claim(t, ctx, s, st.at, lease, 10), st.name)
		}
		// Delivered and dead events are never claimed.
		for _, e := range claim(t, ctx, s, now.Add(1000*time.Hour), lease, 10) {
			if e.ID != past.ID && e.ID != atNow.ID && e.ID != later.ID {
				t.Errorf("claimed %s (%s)", e.ID, e.Status)
			}
		}
	})

	// A claim takes at most limit events, those due first.
	t.Run("Limit", func(t *testing.T) {
		ctx, s := setup(t, open)
		const lease = time.Hour
		// Created in one order, due in the reverse one.
		var events []*commerce.Event
		for i := range 5 {
			o := createOrder(t, ctx, s, baseTime)
			due := baseTime.Add(-time.Duration(i) * time.Minute)
			events = append(events, createEvent(t, ctx, s, newEvent(o.ID, baseTime.Add(time.Duration(i)*time.Second), due)))
		}
		until := baseTime.Add(lease)
		tests := []struct {
			limit int
			want  []*commerce.Event
		}{
			{limit: 0, want: nil},
			{limit: 2, want: []*commerce.Event{leased(events[3], until), leased(events[4], until)}},
			{limit: 1, want: []*commerce.Event{leased(events[2], until)}},
			{limit: 5, want: []*commerce.Event{leased(events[0], until), leased(events[1], until)}},
			{limit: 5, want: nil},
		}
		for _, tt := range tests {
			requireDiff(t, tt.want, claim(t, ctx, s, baseTime, lease, tt.limit), "claimed")
		}
	})

	// An order's event waits while an earlier event of the order is
	// pending, leased or not, and is claimable once that one is delivered
	// or dead.
	t.Run("PerOrder", func(t *testing.T) {
		const lease = time.Minute
		now := baseTime
		retryAt := now.Add(10 * time.Minute)
		tests := []struct {
			name string
			// finish records the outcome of first's attempt.
			finish func(first *commerce.Event)
			// sameCreatedAt gives both events of the order one CreatedAt:
			// the lower ID goes first.
			sameCreatedAt bool
			released      bool // second is claimable once first is finished
		}{
			{name: "Delivered", released: true, finish: func(e *commerce.Event) {
				e.Status, e.DeliveredAt = commerce.EventDelivered, new(now)
			}},
			{name: "Dead", released: true, finish: func(e *commerce.Event) {
				e.Status, e.LastError = commerce.EventDead, "gone"
			}},
			{name: "Retry", finish: func(e *commerce.Event) {
				e.NextAttemptAt, e.LastError = retryAt, "endpoint answered 503"
			}},
			{name: "SameCreatedAt", sameCreatedAt: true, released: true, finish: func(e *commerce.Event) {
				e.Status, e.DeliveredAt = commerce.EventDelivered, new(now)
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				o := createOrder(t, ctx, s, baseTime)
				first := newEvent(o.ID, now.Add(-2*time.Second), now.Add(-time.Second))
				// Created later but due earlier: still second.
				second := newEvent(o.ID, now.Add(-time.Second), now.Add(-time.Hour))
				if tt.sameCreatedAt {
					first.ID, second.ID = "evt_a", "evt_b"
					second.CreatedAt = first.CreatedAt
					// Created in the reverse order.
					createEvent(t, ctx, s, second)
					createEvent(t, ctx, s, first)
				} else {
					createEvent(t, ctx, s, first)
					createEvent(t, ctx, s, second)
				}
				other := createEvent(t, ctx, s, newEvent(createOrder(t, ctx, s, baseTime).ID, now, now))

				got := claim(t, ctx, s, now, lease, 10)
				requireDiff(t, []*commerce.Event{leased(first, now.Add(lease)), leased(other, now.Add(lease))}, got, "first claim")
				// Another order's events do not hold the order's back.
				got[1].Status, got[1].DeliveredAt = commerce.EventDelivered, new(now)
				requireNoError(t, s.FinishEventAttempt(ctx, got[1]), "finish other")
				requireDiff(t, nil, claim(t, ctx, s, now, lease, 10), "claim while the first is leased")
				requireDiff(t, nil, claim(t, ctx, s, now.Add(lease-time.Millisecond), lease, 10), "claim before the lease ends")
				// The lease ran out: first is taken again, second still waits.
				first = leased(got[0], now.Add(2*lease))
				requireDiff(t, []*commerce.Event{first}, claim(t, ctx, s, now.Add(lease), lease, 10), "claim after the lease")

				tt.finish(first)
				requireNoError(t, s.FinishEventAttempt(ctx, first), "finish first")
				if !tt.released {
					requireDiff(t, nil, claim(t, ctx, s, now.Add(lease), lease, 10), "claim after first failed")
					first = leased(first, retryAt.Add(lease))
					requireDiff(t, []*commerce.Event{first}, claim(t, ctx, s, retryAt, lease, 10), "claim of the retry")
					return
				}
				requireDiff(t, []*commerce.Event{leased(second, now.Add(2*lease))}, claim(t, ctx, s, now.Add(lease), lease, 10), "claim after first finished")
			})
		}
	})

	t.Run("Finish", func(t *testing.T) {
		const lease = time.Minute
		now := baseTime
		tests := []struct {
			name string
			// outcome records an attempt's result on e.
			outcome func(e *commerce.Event)
			// next is when the event is claimable again; zero for never.
			next time.Time
		}{
			{name: "Delivered", outcome: func(e *commerce.Event) {
				e.Status, e.DeliveredAt = commerce.EventDelivered, new(now.Add(time.Second))
			}},
			{name: "Dead", outcome: func(e *commerce.Event) {
				e.Status, e.LastError = commerce.EventDead, "endpoint answered 410"
			}},
			{name: "Retry", next: now.Add(5 * time.Minute), outcome: func(e *commerce.Event) {
				e.NextAttemptAt, e.LastError = now.Add(5*time.Minute), "post: timeout"
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				o := createOrder(t, ctx, s, baseTime)
				createEvent(t, ctx, s, newEvent(o.ID, now, now))
				e := claim(t, ctx, s, now, lease, 1)[0]
				tt.outcome(e)
				requireNoError(t, s.FinishEventAttempt(ctx, e), "finish")
				requireDiff(t, []*commerce.Event{e}, listEvents(t, ctx, s, commerce.EventFilter{}), "stored")
				if tt.next.IsZero() {
					// No longer pending: no attempt records an outcome.
					requireIs(t, s.FinishEventAttempt(ctx, e), commerce.ErrConflict, "finish again")
					requireDiff(t, []*commerce.Event{e}, listEvents(t, ctx, s, commerce.EventFilter{}), "stored after finishing again")
					requireDiff(t, nil, claim(t, ctx, s, now.Add(1000*time.Hour), lease, 10), "claim after finish")
					return
				}
				requireDiff(t, nil, claim(t, ctx, s, tt.next.Add(-time.Millisecond), lease, 10), "claim before due")
				requireDiff(t, []*commerce.Event{leased(e, tt.next.Add(lease))}, claim(t, ctx, s, tt.next, lease, 10), "claim when due")
			})
		}
	})

	// An attempt that outlived its lease cannot record its outcome over
	// the later attempt's.
	t.Run("FinishStale", func(t *testing.T) {
		const lease = time.Minute
		now := baseTime
		tests := []struct {
			name  string
			stale func(e *commerce.Event) // the stale attempt's outcome
		}{
			{name: "Delivered", stale: func(e *commerce.Event) { e.Status, e.DeliveredAt = commerce.EventDelivered, new(now) }},
			{name: "Dead", stale: func(e *commerce.Event) { e.Status, e.LastError = commerce.EventDead, "late" }},
			{name: "Retry", stale: func(e *commerce.Event) { e.NextAttemptAt, e.LastError = now, "late" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				o := createOrder(t, ctx, s, baseTime)
				createEvent(t, ctx, s, newEvent(o.ID, now, now))
				old := claim(t, ctx, s, now, lease, 1)[0]
				cur := claim(t, ctx, s, now.Add(lease), lease, 1)[0]
				tt.stale(old)
				requireIs(t, s.FinishEventAttempt(ctx, old), commerce.ErrConflict, "finish stale attempt")
				requireDiff(t, []*commerce.Event{cur}, listEvents(t, ctx, s, commerce.EventFilter{}), "stored after stale finish")
				// The current attempt still records its outcome.
				cur.Status, cur.DeliveredAt = commerce.EventDelivered, new(now.Add(lease+time.Second))
				requireNoError(t, s.FinishEventAttempt(ctx, cur), "finish current attempt")
				requireDiff(t, []*commerce.Event{cur}, listEvents(t, ctx, s, commerce.EventFilter{}), "stored after finish")
			})
		}
	})

	t.Run("Requeue", func(t *testing.T) {
		const lease = time.Minute
		now := baseTime
		ctx, s := setup(t, open)
		o := createOrder(t, ctx, s, baseTime)
		createEvent(t, ctx, s, newEvent(o.ID, now, now))
		e := claim(t, ctx, s, now, lease, 1)[0]
		requireIs(t, s.RequeueEvent(ctx, e.ID, now), commerce.ErrConflict, "requeue a pending event")
		e.Status, e.LastError = commerce.EventDead, "endpoint answered 410"
		requireNoError(t, s.FinishEventAttempt(ctx, e), "finish dead")

		later := now.Add(time.Hour)
		requireNoError(t, s.RequeueEvent(ctx, e.ID, later), "requeue")
		want := *e
		want.Status, want.Attempts, want.NextAttemptAt, want.LastError = commerce.EventPending, 0, later, ""
		requireDiff(t, []*commerce.Event{&want}, listEvents(t, ctx, s, commerce.EventFilter{}), "requeued")
		requireDiff(t, nil, claim(t, ctx, s, later.Add(-time.Millisecond), lease, 10), "claim before due")
		got := claim(t, ctx, s, later, lease, 10)
		requireDiff(t, []*commerce.Event{leased(&want, later.Add(lease))}, got, "claim when due")

		got[0].Status, got[0].DeliveredAt = commerce.EventDelivered, new(later)
		requireNoError(t, s.FinishEventAttempt(ctx, got[0]), "finish delivered")
		requireIs(t, s.RequeueEvent(ctx, e.ID, later), commerce.ErrConflict, "requeue a delivered event")
		requireIs(t, s.RequeueEvent(ctx, "evt_missing", later), commerce.ErrNotFound, "requeue an unknown event")
	})

	t.Run("FinishNotFound", func(t *testing.T) {
		ctx, s := setup(t, open)
		e := newEvent("ord_missing", baseTime, baseTime)
		e.Attempts = 1
		requireIs(t, s.FinishEventAttempt(ctx, e), commerce.ErrNotFound, "finish unknown event")
	})

	t.Run("ListFilter", func(t *testing.T) {
		ctx, s := setup(t, open)
		a := createOrder(t, ctx, s, baseTime)
		b := createOrder(t, ctx, s, baseTime)
		mk := func(orderID string, i int, st commerce.EventStatus) *commerce.Event {
			e := newEvent(orderID, baseTime.Add(time.Duration(i)*time.Second), baseTime)
			e.Status = st
			return createEvent(t, ctx, s, e)
		}
		// Created out of CreatedAt order, listed in it.
		b1 := mk(b.ID, 1, commerce.EventDead)
		a0 := mk(a.ID, 0, commerce.EventDelivered)
		a2 := mk(a.ID, 2, commerce.EventDead)
		b3 := mk(b.ID, 3, commerce.EventPending)
		a4 := mk(a.ID, 4, commerce.EventPending)
		tests := []struct {
			name string
			f    commerce.EventFilter
			want []*commerce.Event
		}{
			{name: "All", want: []*commerce.Event{a0, b1, a2, b3, a4}},
			{name: "Order", f: commerce.EventFilter{OrderID: a.ID}, want: []*commerce.Event{a0, a2, a4}},
			{name: "Status", f: commerce.EventFilter{Status: commerce.EventDead}, want: []*commerce.Event{b1, a2}},
			{name: "OrderStatus", f: commerce.EventFilter{OrderID: b.ID, Status: commerce.EventPending}, want: []*commerce.Event{b3}},
			{name: "Limit", f: commerce.EventFilter{Limit: 2}, want: []*commerce.Event{a0, b1}},
			{name: "OrderLimit", f: commerce.EventFilter{OrderID: a.ID, Limit: 2}, want: []*commerce.Event{a0, a2}},
			{name: "StatusLimit", f: commerce.EventFilter{Status: commerce.EventPending, Limit: 1}, want: []*commerce.Event{b3}},
			{name: "NoMatch", f: commerce.EventFilter{OrderID: "ord_missing"}, want: nil},
			{name: "NoStatusMatch", f: commerce.EventFilter{OrderID: b.ID, Status: commerce.EventDelivered}, want: nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				requireDiff(t, tt.want, listEvents(t, ctx, s, tt.f), "events")
			})
		}
	})

	t.Run("ListDefaultLimit", func(t *testing.T) {
		ctx, s := setup(t, open)
		var want []*commerce.Event
		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			o := createOrder(t, ctx, tx, baseTime)
			for i := range 101 {
				want = append(want, createEvent(t, ctx, tx, newEvent(o.ID, baseTime.Add(time.Duration(i)*time.Millisecond), baseTime)))
			}
			return nil
		}), "create events")
		requireDiff(t, want[:100], listEvents(t, ctx, s, commerce.EventFilter{}), "events")
	})

	// DeleteDeliveredEvents removes the events delivered strictly before
	// the cut-off, whatever their order, and keeps pending and dead ones
	// even when they carry a DeliveredAt.
	t.Run("DeleteDelivered", func(t *testing.T) {
		ctx, s := setup(t, open)
		cut := baseTime
		a := createOrder(t, ctx, s, baseTime)
		b := createOrder(t, ctx, s, baseTime)
		tests := []struct {
			name      string
			orderID   string
			status    commerce.EventStatus
			delivered *time.Time
			deleted   bool
		}{
			{name: "DeliveredLongBefore", orderID: a.ID, status: commerce.EventDelivered, delivered: new(cut.Add(-24 * time.Hour)), deleted: true},
			{name: "DeliveredJustBefore", orderID: b.ID, status: commerce.EventDelivered, delivered: new(cut.Add(-TimePrecision)), deleted: true},
			{name: "DeliveredAtCutOff", orderID: a.ID, status: commerce.EventDelivered, delivered: new(cut)},
			{name: "DeliveredJustAfter", orderID: b.ID, status: commerce.EventDelivered, delivered: new(cut.Add(TimePrecision))},
			{name: "DeliveredAfter", orderID: a.ID, status: commerce.EventDelivered, delivered: new(cut.Add(time.Hour))},
			{name: "Pending", orderID: a.ID, status: commerce.EventPending},
			{name: "PendingWithDeliveredAt", orderID: b.ID, status: commerce.EventPending, delivered: new(cut.Add(-time.Hour))},
			{name: "Dead", orderID: b.ID, status: commerce.EventDead},
			{name: "DeadWithDeliveredAt", orderID: a.ID, status: commerce.EventDead, delivered: new(cut.Add(-time.Hour))},
		}
		var kept []*commerce.Event
		deleted := map[string]string{} // event id → test name
		for i, tt := range tests {
			// Created long before the cut-off: only DeliveredAt counts.
			e := newEvent(tt.orderID, cut.Add(time.Duration(i)*time.Second-48*time.Hour), cut)
			e.Status, e.DeliveredAt, e.Attempts = tt.status, tt.delivered, 1
			createEvent(t, ctx, s, e)
			if tt.deleted {
				deleted[e.ID] = tt.name
			} else {
				kept = append(kept, e)
			}
		}

		n, err := s.DeleteDeliveredEvents(ctx, cut)
		requireNoError(t, err, "delete delivered events")
		left := listEvents(t, ctx, s, commerce.EventFilter{Limit: 1000})
		for _, e := range left {
			if name, ok := deleted[e.ID]; ok {
				t.Errorf("%s: event %s kept, want it deleted", name, e.ID)
			}
		}
		if n != int64(len(deleted)) {
			t.Errorf("deleted %d events, want %d", n, len(deleted))
		}
		requireDiff(t, kept, left, "events kept")

		n, err = s.DeleteDeliveredEvents(ctx, cut)
		requireNoError(t, err, "delete again")
		if n != 0 {
			t.Errorf("deleting again removed %d events, want 0", n)
		}
		// A later cut-off takes the rest of the delivered events.
		n, err = s.DeleteDeliveredEvents(ctx, cut.Add(2*time.Hour))
		requireNoError(t, err, "delete at a later cut-off")
		if n != 3 {
			t.Errorf("later cut-off deleted %d events, want 3", n)
		}
		for _, e := range listEvents(t, ctx, s, commerce.EventFilter{Limit: 1000}) {
			if e.Status == commerce.EventDelivered {
				t.Errorf("event %s delivered at %v kept after the later cut-off", e.ID, e.DeliveredAt)
			}
		}
	})

	t.Run("DeleteDeliveredNone", func(t *testing.T) {
		ctx, s := setup(t, open)
		n, err := s.DeleteDeliveredEvents(ctx, baseTime)
		requireNoError(t, err, "delete delivered events")
		if n != 0 {
			t.Errorf("deleted %d events from an empty outbox", n)
		}
	})

	// Inside a transaction, the deletion commits and rolls back with it.
	t.Run("DeleteDeliveredInTx", func(t *testing.T) {
		tests := []struct {
			name string
			err  error // fn's
		}{
			{name: "Commit"},
			{name: "Rollback", err: errors.New("boom")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				o := createOrder(t, ctx, s, baseTime)
				e := newEvent(o.ID, baseTime, baseTime)
				e.Status, e.DeliveredAt, e.Attempts = commerce.EventDelivered, new(baseTime), 1
				createEvent(t, ctx, s, e)
				err := s.InTx(ctx, func(tx commerce.Executor) error {
					n, err := tx.DeleteDeliveredEvents(ctx, baseTime.Add(time.Second))
					if err != nil {
						return err
					}
					if n != 1 {
						t.Errorf("deleted %d events in tx, want 1", n)
					}
					requireDiff(t, nil, listEvents(t, ctx, tx, commerce.EventFilter{}), "events in tx")
					return tt.err
				})
				if tt.err != nil {
					requireIs(t, err, tt.err, "in tx")
					requireDiff(t, []*commerce.Event{e}, listEvents(t, ctx, s, commerce.EventFilter{}), "events after rollback")
					return
				}
				requireNoError(t, err, "in tx")
				requireDiff(t, nil, listEvents(t, ctx, s, commerce.EventFilter{}), "events after commit")
			})
		}
	})

	// Claims running at once, as on several replicas, each take an event
	// at most once, and never two of one order.
	t.Run("ConcurrentClaims", func(t *testing.T) {
		tests := []struct {
			name             string
			orders, perOrder int
		}{
			{name: "OnePerOrder", orders: 40, perOrder: 1},
			{name: "FourPerOrder", orders: 10, perOrder: 4},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				firsts := map[string]bool{} // the events that may be claimed
				requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
					for range tt.orders {
						o := createOrder(t, ctx, tx, baseTime)
						for j := range tt.perOrder {
							e := createEvent(t, ctx, tx, newEvent(o.ID, baseTime.Add(time.Duration(j)*time.Second), baseTime))
							if j == 0 {
								firsts[e.ID] = true
							}
						}
					}
					return nil
				}), "create events")

				const claimers = 8
				var (
					mu     sync.Mutex
					counts = map[string]int{}
					wg     sync.WaitGroup
				)
				for range claimers {
					wg.Go(func() {
						for {
							got, err := s.ClaimEvents(ctx, baseTime, time.Hour, 3)
							if err != nil {
								t.Errorf("claim: %v", err)
								return
							}
							if len(got) == 0 {
								return
							}
							mu.Lock()
							for _, e := range got {
								counts[e.ID]++
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if len(counts) != len(firsts) {
					t.Errorf("claimed %d events, want %d", len(counts), len(firsts))
				}
				for id, n := range counts {
					if n != 1 || !firsts[id] {
						t.Errorf("event %s claimed %d times (first of its order: %t)", id, n, firsts[id])
					}
				}
				for _, e := range listEvents(t, ctx, s, commerce.EventFilter{Limit: 1000}) {
					if want := counts[e.ID]; e.Attempts != want {
						t.Errorf("event %s: Attempts = %d, want %d", e.ID, e.Attempts, want)
					}
				}
			})
		}
	})
}

// newEvent returns a pending order_update event of orderID, created at
// created and due at due.
func newEvent(orderID string, created, due time.Time) *commerce.Event {
	e := commerce.NewEvent(commerce.EventOrderUpdate, orderID, created)
	e.NextAttemptAt = due
	return e
}

func createEvent(tb testing.TB, ctx context.Context, x commerce.Executor, e *commerce.Event) *commerce.Event {
	tb.Helper()
	requireNoError(tb, x.CreateEvent(ctx, e), "create event")
	return e
}

// leased returns a copy of e as a claim leasing it until until makes it.
func leased(e *commerce.Event, until time.Time) *commerce.Event {
	c := *e
	c.Attempts++
	c.NextAttemptAt = until
	return &c
}

// claim claims events and returns them oldest first (CreatedAt, then ID):
// the contract leaves their order open.
func claim(tb testing.TB, ctx context.Context, s commerce.Store, now time.Time, lease time.Duration, limit int) []*commerce.Event {
	tb.Helper()
	got, err := s.ClaimEvents(ctx, now, lease, limit)
	requireNoError(tb, err, "claim events")
	slices.SortFunc(got, func(a, b *commerce.Event) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return got
}

func listEvents(tb testing.TB, ctx context.Context, s commerce.Executor, f commerce.EventFilter) []*commerce.Event {
	tb.Helper()
	got, err := s.ListEvents(ctx, f)
	requireNoError(tb, err, "list events")
	return got
}
