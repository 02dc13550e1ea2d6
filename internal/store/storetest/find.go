package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testFindOrders checks [commerce.Executor.FindOrders]: filters by status,
// payment mode and creation time, the cursor, limits, and orders created in the same
// microsecond ordered by id.
func testFindOrders(t *testing.T, open func(t *testing.T) store.Store) {
	ctx, s := setup(t, open)
	// o[0] oldest … o[4] newest; o[3] and o[4] share a creation time, so
	// their id orders them. o[1] and o[3] are shipped.
	var o []*commerce.Order
	for i, at := range []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		sess := createSession(t, ctx, s, baseTime)
		ord := newOrder(sess.ID, baseTime.Add(at))
		if i == 1 || i == 3 {
			ord.Status = commerce.OrderShipped
		}
		// o[0] and o[2] are test orders, o[1] live; o[3] and o[4] have no
		// mode (placed before orders had one).
		ord.Mode = map[int]commerce.Mode{0: commerce.ModeTest, 1: commerce.ModeLive, 2: commerce.ModeTest}[i]
		requireNoError(t, s.CreateOrder(ctx, ord), "create order")
		o = append(o, ord)
	}
	if o[4].ID < o[3].ID { // same time: the greater id is listed first
		o[3], o[4] = o[4], o[3]
	}
	newest := []*commerce.Order{o[4], o[3], o[2], o[1], o[0]}
	tests := []struct {
		name string
		f    commerce.OrderFilter
		want []*commerce.Order
	}{
		{"All", commerce.OrderFilter{}, newest},
		{"Limit", commerce.OrderFilter{Limit: 2}, newest[:2]},
		{"StartingAfter", commerce.OrderFilter{StartingAfter: newest[1].ID, Limit: 2}, newest[2:4]},
		{"StartingAfterTie", commerce.OrderFilter{StartingAfter: newest[0].ID, Limit: 1}, newest[1:2]},
		{"StartingAfterLast", commerce.OrderFilter{StartingAfter: newest[4].ID}, nil},
		{"StartingAfterUnknown", commerce.OrderFilter{StartingAfter: "ord_missing"}, nil},
		{"Status", commerce.OrderFilter{Status: commerce.OrderShipped}, filterOrders(newest, func(x *commerce.Order) bool { return x.Status == commerce.OrderShipped })},
		{"StatusNone", commerce.OrderFilter{Status: commerce.OrderCanceled}, nil},
		{"ModeTest", commerce.OrderFilter{Mode: commerce.ModeTest}, []*commerce.Order{o[2], o[0]}},
		{"ModeLive", commerce.OrderFilter{Mode: commerce.ModeLive}, []*commerce.Order{o[1]}},
		{"ModeAndStatus", commerce.OrderFilter{Mode: commerce.ModeLive, Status: commerce.OrderConfirmed}, nil},
		{"CreatedFrom", commerce.OrderFilter{CreatedFrom: baseTime.Add(2 * time.Second)}, newest[:3]},
		{"CreatedTo", commerce.OrderFilter{CreatedTo: baseTime.Add(2 * time.Second)}, newest[3:]},
		{"CreatedRange", commerce.OrderFilter{CreatedFrom: baseTime.Add(time.Second), CreatedTo: baseTime.Add(3 * time.Second)}, newest[2:4]},
		{"Everything", commerce.OrderFilter{Status: commerce.OrderConfirmed, CreatedFrom: baseTime, CreatedTo: baseTime.Add(time.Hour), StartingAfter: newest[2].ID, Limit: 1},
			[]*commerce.Order{o[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindOrders(ctx, tt.f)
			requireNoError(t, err, "find orders")
			requireDiff(t, tt.want, got, "orders")
		})
	}
	t.Run("InTx", func(t *testing.T) {
		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			got, err := tx.FindOrders(ctx, commerce.OrderFilter{Limit: 1})
			requireDiff(t, newest[:1], got, "orders in tx")
			return err
		}), "in tx")
	})
}

func filterOrders(xs []*commerce.Order, keep func(*commerce.Order) bool) []*commerce.Order {
	var out []*commerce.Order
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
