package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
)

func testOrder(t *testing.T, open func(t *testing.T) commerce.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := setup(t, open)
		want := createOrder(t, ctx, s, baseTime)
		got, err := s.GetOrder(ctx, want.ID)
		requireNoError(t, err, "get order")
		requireDiff(t, want, got, "order")
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
}
