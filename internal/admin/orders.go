package admin

import (
	"context"
	"errors"

	"agentshop/internal/commerce"
)

// OrderPage is one page of a listing of orders, newest first.
type OrderPage struct {
	Orders []*commerce.Order
	// HasMore tells that more orders match after the last of Orders: the
	// next page starts after it (OrderFilter.StartingAfter).
	HasMore bool
}

// ListOrders returns the page of orders f selects. f.Limit is 1 to
// [MaxListLimit] (0: 50). EINVALID for another limit, an unknown status,
// a created range that is empty, or a StartingAfter that names no order.
func (s *Service) ListOrders(ctx context.Context, f commerce.OrderFilter) (OrderPage, error) {
	switch {
	case f.Limit == 0:
		f.Limit = 50
	case f.Limit < 0 || f.Limit > MaxListLimit:
		return OrderPage{}, commerce.Invalid("limit", "The limit must be between 1 and %d, not %d.", MaxListLimit, f.Limit)
	}
	switch f.Status {
	case "", commerce.OrderConfirmed, commerce.OrderShipped, commerce.OrderCompleted, commerce.OrderCanceled:
	default:
		return OrderPage{}, commerce.Invalid("status", "Unknown order status %q (confirmed, shipped, completed, canceled).", f.Status)
	}
	switch f.Mode {
	case "", commerce.ModeTest, commerce.ModeLive:
	default:
		return OrderPage{}, commerce.Invalid("mode", "Unknown payment mode %q (test, live).", f.Mode)
	}
	if !f.CreatedFrom.IsZero() && !f.CreatedTo.IsZero() && !f.CreatedFrom.Before(f.CreatedTo) {
		return OrderPage{}, commerce.Invalid("created_before", "The created range is empty: created_before must be later than created_after.")
	}
	if f.StartingAfter != "" {
		if _, err := s.Store.GetOrder(ctx, f.StartingAfter); errors.Is(err, commerce.ErrNotFound) {
			return OrderPage{}, commerce.Invalid("starting_after", "No order %q to list after.", f.StartingAfter)
		} else if err != nil {
			return OrderPage{}, err
		}
	}
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	orders, err := s.Store.FindOrders(ctx, f)
	if err != nil {
		return OrderPage{}, err
	}
	if len(orders) > want {
		return OrderPage{Orders: orders[:want], HasMore: true}, nil
	}
	return OrderPage{Orders: orders}, nil
}

// GetOrder returns the order with id; ENOTFOUND for an unknown id.
func (s *Service) GetOrder(ctx context.Context, id string) (*commerce.Order, error) {
	o, err := s.Store.GetOrder(ctx, id)
	return o, notFound(err, "order", id)
}

// ShipOrder records a parcel handed to a carrier: [commerce.Service.ShipOrder].
func (s *Service) ShipOrder(ctx context.Context, id string, in commerce.ShipInput, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
	return s.Commerce.ShipOrder(ctx, id, in, hooks)
}

// DeliverOrder records a shipped order delivered: [commerce.Service.DeliverOrder].
func (s *Service) DeliverOrder(ctx context.Context, id string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
	return s.Commerce.DeliverOrder(ctx, id, hooks)
}

// RefundOrder refunds part of an order through the provider that charged
// it: [commerce.Service.RefundOrder]. Give in.Key so that a retry after an
// error finishes this refund rather than makes another.
func (s *Service) RefundOrder(ctx context.Context, id string, in commerce.RefundInput, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
	return s.Commerce.RefundOrder(ctx, id, in, hooks)
}

// CancelOrder cancels an order that has not shipped, refunding what is
// left of it: [commerce.Service.CancelOrder].
func (s *Service) CancelOrder(ctx context.Context, id, reason string, hooks *commerce.TxHooks[*commerce.Order]) (*commerce.Order, error) {
	return s.Commerce.CancelOrder(ctx, id, reason, hooks)
}
