package commerce

import (
	"context"
	"net/url"
	"strings"
)

// ShipInput describes a parcel handed to a carrier.
type ShipInput struct {
	Carrier        string // required, e.g. "USPS"
	TrackingNumber string // required
	TrackingURL    string // optional; an absolute http(s) URL
}

// ShipOrder records that the order's lines have left with a carrier: it
// adds a shipment, sets the status to shipped and, with OrderEvents, queues
// an order_update in the same transaction. A confirmed or already shipped
// order may ship (a second parcel, e.g. a replacement); a completed one
// may not (ECONFLICT). Bad input is EINVALID and changes nothing. hooks
// run in its transaction (Commit with the shipped order).
func (s *Service) ShipOrder(ctx context.Context, orderID string, in ShipInput, hooks *TxHooks[*Order]) (*Order, error) {
	in.Carrier = strings.TrimSpace(in.Carrier)
	in.TrackingNumber = strings.TrimSpace(in.TrackingNumber)
	switch {
	case in.Carrier == "":
		return nil, Invalid("carrier", "A carrier is required.")
	case in.TrackingNumber == "":
		return nil, Invalid("tracking_number", "A tracking number is required.")
	case len(in.Carrier) > 100 || len(in.TrackingNumber) > 100 || len(in.TrackingURL) > 2048:
		return nil, Invalid("", "Carrier and tracking number must be at most 100 characters, the tracking URL 2048.")
	}
	if in.TrackingURL != "" {
		u, err := url.Parse(in.TrackingURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, Invalid("tracking_url", "The tracking URL must be an absolute http(s) URL.")
		}
	}
	return s.changeOrder(ctx, orderID, hooks, func(o *Order) error {
		if o.Status != OrderConfirmed && o.Status != OrderShipped {
			return Errorf(ECONFLICT, "Order %s is %s and cannot ship.", o.ID, o.Status)
		}
		if i := refundByKey(o, cancelKey); i >= 0 && o.Refunds[i].Status != RefundFailed {
			return Errorf(ECONFLICT, "Order %s is being canceled and cannot ship.", o.ID)
		}
		o.Shipments = append(o.Shipments, Shipment{
			ID:             NewID("shp"),
			Carrier:        in.Carrier,
			TrackingNumber: in.TrackingNumber,
			TrackingURL:    in.TrackingURL,
			ShippedAt:      o.UpdatedAt,
		})
		o.Status = OrderShipped
		return nil
	})
}

// DeliverOrder records that the order's parcels have arrived: each
// shipment not yet delivered is marked delivered, the status becomes
// completed and, with OrderEvents, an order_update is queued. Only a
// shipped order can be delivered (ECONFLICT otherwise). hooks run in its
// transaction (Commit with the delivered order).
func (s *Service) DeliverOrder(ctx context.Context, orderID string, hooks *TxHooks[*Order]) (*Order, error) {
	return s.changeOrder(ctx, orderID, hooks, func(o *Order) error {
		if o.Status != OrderShipped {
			return Errorf(ECONFLICT, "Order %s is %s; only a shipped order can be delivered.", o.ID, o.Status)
		}
		for i := range o.Shipments {
			if o.Shipments[i].DeliveredAt == nil {
				at := o.UpdatedAt
				o.Shipments[i].DeliveredAt = &at
			}
		}
		o.Status = OrderCompleted
		return nil
	})
}

// changeOrder locks the order, applies change (with UpdatedAt already set
// to now), stores it and queues its order_update, in one transaction with
// hooks.
func (s *Service) changeOrder(ctx context.Context, orderID string, hooks *TxHooks[*Order], change func(o *Order) error) (*Order, error) {
	var out *Order
	err := s.Store.InTx(ctx, func(tx Executor) error {
		if err := hooks.begin(ctx, tx); err != nil {
			return err
		}
		o, err := s.lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		if err := change(o); err != nil {
			return err
		}
		out = o
		if err := s.saveOrder(ctx, tx, o); err != nil {
			return err
		}
		return hooks.commit(ctx, tx, o)
	})
	if err != nil {
		return nil, err
	}
	hooks.begun()
	s.eventsQueued()
	return out, nil
}
