package adminapi_test

import (
	"net/http"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// TestEvents: the outbox by status and order, and a dead event
// requeued once (a replay answers the same; only a dead event can be).
func TestEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		o1, o2 := b.placeOrder(t, 1), b.placeOrder(t, 1)
		all := b.do(t, req{method: "GET", path: "/admin/v1/events"}).want(t, http.StatusOK)
		if d := all.data(); len(d) != 2 || d[0]["order_id"] != o1.ID || d[0]["type"] != "order_create" || d[0]["status"] != "pending" {
			t.Fatalf("events %s", all.raw)
		}
		if r := b.do(t, req{method: "GET", path: "/admin/v1/events?limit=1"}).want(t, http.StatusOK); len(r.data()) != 1 || r.json["has_more"] != true {
			t.Fatalf("limit 1: %s", r.raw)
		}
		if r := b.do(t, req{method: "GET", path: "/admin/v1/events?order_id=" + o2.ID}).want(t, http.StatusOK); len(r.data()) != 1 || r.data()[0]["order_id"] != o2.ID {
			t.Fatalf("by order: %s", r.raw)
		}

		// Kill o1's event as the worker does after its last attempt.
		now := time.Now()
		claimed, err := b.store.ClaimEvents(ctx, now.Add(time.Minute), time.Minute, 10)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %v, %d events", err, len(claimed))
		}
		var dead *commerce.Event
		for _, e := range claimed {
			if e.OrderID == o1.ID {
				dead = e
			}
		}
		dead.Status, dead.LastError = commerce.EventDead, "HTTP 500"
		if err := b.store.FinishEventAttempt(ctx, dead); err != nil {
			t.Fatal(err)
		}
		r := b.do(t, req{method: "GET", path: "/admin/v1/events?status=dead"}).want(t, http.StatusOK)
		if d := r.data(); len(d) != 1 || d[0]["id"] != dead.ID || d[0]["last_error"] != "HTTP 500" {
			t.Fatalf("dead events %s", r.raw)
		}

		requeue := req{method: "POST", path: "/admin/v1/events/" + dead.ID + "/requeue", idem: "rq-1"}
		first := b.do(t, requeue).want(t, http.StatusOK)
		if first.str("id") != dead.ID || first.str("status") != "pending" {
			t.Fatalf("requeue %s", first.raw)
		}
		again := b.do(t, requeue).want(t, http.StatusOK)
		if again.header.Get("Idempotent-Replayed") != "true" || string(again.raw) != string(first.raw) {
			t.Fatalf("replay %s", again.raw)
		}
		es, err := b.store.ListEvents(ctx, commerce.EventFilter{OrderID: o1.ID})
		if err != nil || len(es) != 1 || es[0].Status != commerce.EventPending || es[0].Attempts != 0 {
			t.Fatalf("requeued event: %v %+v", err, es)
		}
		b.do(t, req{method: "POST", path: requeue.path}).wantError(t, http.StatusConflict, "event_not_dead", "")
		b.do(t, req{method: "POST", path: "/admin/v1/events/evt_missing/requeue"}).wantError(t, http.StatusNotFound, "not_found", "")
	})
}
