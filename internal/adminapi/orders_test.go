package adminapi_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
)

// TestListOrders: filters by status and creation time, pages with
// next_cursor until has_more is false, newest first.
func TestListOrders(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		var ids []string // oldest first
		for range 5 {
			ids = append(ids, b.placeOrder(t, 1).ID)
		}
		shipped := ids[1]
		b.do(t, req{method: "POST", path: "/admin/v1/orders/" + shipped + "/ship", body: map[string]any{"carrier": "UPS", "tracking_number": "1Z999"}}).want(t, http.StatusOK)

		var paged []string
		path := "/admin/v1/orders?limit=2"
		for pages := 0; ; pages++ {
			r := b.do(t, req{method: "GET", path: path}).want(t, http.StatusOK)
			for _, o := range r.data() {
				paged = append(paged, o["id"].(string))
			}
			if r.json["has_more"] != true {
				if r.str("next_cursor") != "" || pages != 2 {
					t.Fatalf("last page %d: %s", pages, r.raw)
				}
				break
			}
			path = "/admin/v1/orders?limit=2&starting_after=" + r.str("next_cursor")
		}
		if want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}; !equal(paged, want) {
			t.Fatalf("paged %v, want newest first %v", paged, want)
		}

		from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		tests := []struct {
			query string
			want  []string
		}{
			{"status=shipped", []string{shipped}},
			{"status=canceled", nil},
			{"status=confirmed&limit=1", []string{ids[4]}},
			{"created_after=" + to, nil},
			{"created_before=" + from, nil},
			{"created_after=" + from + "&created_before=" + to + "&starting_after=" + ids[1], []string{ids[0]}},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				r := b.do(t, req{method: "GET", path: "/admin/v1/orders?" + tt.query}).want(t, http.StatusOK)
				var got []string
				for _, o := range r.data() {
					got = append(got, o["id"].(string))
				}
				if !equal(got, tt.want) {
					t.Errorf("orders %v, want %v", got, tt.want)
				}
			})
		}
		o := b.do(t, req{method: "GET", path: "/admin/v1/orders/" + shipped}).want(t, http.StatusOK)
		if o.str("status") != "shipped" || len(o.json["shipments"].([]any)) != 1 || o.json["total"].(float64) <= 0 {
			t.Errorf("show %s", o.raw)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestOrderChanges: ship, deliver, refund and cancel through the admin
// API, each replayed with its Idempotency-Key (same answer, no second
// effect, an order_update only for the first), and the state rules of
// the commerce core as flat errors.
func TestOrderChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		events := func(id string) int {
			t.Helper()
			es, err := b.store.ListEvents(ctx, commerce.EventFilter{OrderID: id})
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		o := b.placeOrder(t, 2)
		base := "/admin/v1/orders/" + o.ID

		// Refund part, then replay it: one refund at the provider.
		refund := req{method: "POST", path: base + "/refund", idem: "refund-1", body: map[string]any{"amount": 1500, "reason": "scuffed"}}
		first := b.do(t, refund).want(t, http.StatusOK)
		if first.json["refunded"].(float64) != 1500 || len(first.json["refunds"].([]any)) != 1 {
			t.Fatalf("refund %s", first.raw)
		}
		again := b.do(t, refund).want(t, http.StatusOK)
		if again.header.Get("Idempotent-Replayed") != "true" || string(again.raw) != string(first.raw) {
			t.Fatalf("replay %v %s, want %s", again.header, again.raw, first.raw)
		}
		b.do(t, req{method: "POST", path: refund.path, idem: "refund-1", body: map[string]any{"amount": 1600}}).
			wantError(t, http.StatusUnprocessableEntity, "idempotency_conflict", "")
		if n := b.provider.refunds.Load(); n != 1 {
			t.Fatalf("provider asked for %d refunds, want 1", n)
		}
		if got, _ := b.admin.GetOrder(ctx, o.ID); got.Refunded() != 1500 || len(got.Refunds) != 1 {
			t.Fatalf("order refunded %d in %d refunds", got.Refunded(), len(got.Refunds))
		}
		if n := events(o.ID); n != 2 {
			t.Fatalf("%d events, want order_create and one order_update", n)
		}
		b.do(t, req{method: "POST", path: base + "/refund", body: map[string]any{"amount": o.Totals.Total}}).wantError(t, http.StatusBadRequest, "invalid", "$.amount")
		b.do(t, req{method: "POST", path: base + "/refund", body: map[string]any{}}).wantError(t, http.StatusBadRequest, "invalid", "$.amount")
		b.do(t, req{method: "POST", path: base + "/deliver"}).wantError(t, http.StatusConflict, "conflict", "")

		ship := req{method: "POST", path: base + "/ship", idem: "ship-1", body: map[string]any{"carrier": "USPS", "tracking_number": "9400", "tracking_url": "https://tools.usps.com/t?n=9400"}}
		s := b.do(t, ship).want(t, http.StatusOK)
		b.do(t, ship).want(t, http.StatusOK)
		if s.str("status") != "shipped" || len(s.json["shipments"].([]any)) != 1 {
			t.Fatalf("ship %s", s.raw)
		}
		if got, _ := b.admin.GetOrder(ctx, o.ID); len(got.Shipments) != 1 {
			t.Fatalf("%d shipments after a replayed ship, want 1", len(got.Shipments))
		}
		b.do(t, req{method: "POST", path: base + "/cancel"}).wantError(t, http.StatusConflict, "conflict", "")
		d := b.do(t, req{method: "POST", path: base + "/deliver", idem: "deliver-1"}).want(t, http.StatusOK)
		if d.str("status") != "completed" {
			t.Fatalf("deliver %s", d.raw)
		}
		b.do(t, req{method: "POST", path: base + "/deliver", idem: "deliver-1"}).want(t, http.StatusOK)
		if n := events(o.ID); n != 4 {
			t.Fatalf("%d events, want order_create and three order_updates", n)
		}

		// Cancel another order: refunds what is left, restocks, once.
		c := b.placeOrder(t, 1)
		stock := func() int64 {
			m, err := b.store.StockLevels(ctx, []string{racket})
			if err != nil {
				t.Fatal(err)
			}
			return m[racket]
		}
		before := stock()
		cancel := req{method: "POST", path: "/admin/v1/orders/" + c.ID + "/cancel", idem: "cancel-1", body: map[string]any{"reason": "out of stock"}}
		cr := b.do(t, cancel).want(t, http.StatusOK)
		if cr.str("status") != "canceled" || cr.json["refunded"].(float64) != float64(c.Totals.Total) {
			t.Fatalf("cancel %s", cr.raw)
		}
		b.do(t, cancel).want(t, http.StatusOK)
		b.do(t, req{method: "POST", path: cancel.path, body: map[string]any{"reason": "again"}}).wantError(t, http.StatusConflict, "conflict", "")
		if after := stock(); after != before+1 {
			t.Errorf("stock %d after cancel, want %d", after, before+1)
		}
		if n := b.provider.refunds.Load(); n != 2 {
			t.Errorf("provider asked for %d refunds, want 2", n)
		}
	})
}

// TestConcurrentRefundReplays: the same refund sent by eight clients at
// once (one Idempotency-Key) refunds once; each gets the answer or
// idempotency_in_flight.
func TestConcurrentRefundReplays(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		o := b.placeOrder(t, 1)
		r := req{method: "POST", path: "/admin/v1/orders/" + o.ID + "/refund", idem: "same", body: map[string]any{"amount": 100}}
		var wg sync.WaitGroup
		statuses := make(chan resp, 8)
		for range 8 {
			wg.Go(func() { statuses <- b.do(t, r) })
		}
		wg.Wait()
		close(statuses)
		for res := range statuses {
			if res.status != http.StatusOK && res.str("code") != "idempotency_in_flight" && res.str("code") != "in_progress" {
				t.Errorf("concurrent replay: %d %s", res.status, res.raw)
			}
		}
		got, err := b.admin.GetOrder(t.Context(), o.ID)
		if err != nil || got.Refunded() != 100 || len(got.Refunds) != 1 || b.provider.refunds.Load() != 1 {
			t.Fatalf("after 8 concurrent replays: %v, refunded %d in %d refunds, %d provider calls", err, got.Refunded(), len(got.Refunds), b.provider.refunds.Load())
		}
	})
}
