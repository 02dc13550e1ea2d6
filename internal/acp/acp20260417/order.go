package acp20260417

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// webhookEvent is WebhookEvent, the body of an order webhook.
type webhookEvent struct {
	Type string    `json:"type"`
	Data orderData `json:"data"`
}

// orderData is EventDataOrder: the checkout Order with type "order" and
// a status.
type orderData struct {
	Type              string          `json:"type"`
	ID                string          `json:"id"`
	CheckoutSessionID string          `json:"checkout_session_id"`
	PermalinkURL      string          `json:"permalink_url"`
	Status            string          `json:"status"`
	LineItems         []orderLineItem `json:"line_items"`
	Fulfillments      []fulfillment   `json:"fulfillments,omitempty"`
	Adjustments       []adjustment    `json:"adjustments"`
	Totals            []total         `json:"totals"`
}

// orderLineItem is OrderLineItem.
type orderLineItem struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	ProductID   string        `json:"product_id,omitempty"`
	Description string        `json:"description,omitempty"`
	ImageURL    string        `json:"image_url,omitempty"`
	URL         string        `json:"url,omitempty"`
	Quantity    orderQuantity `json:"quantity"`
	UnitPrice   int64         `json:"unit_price"`
	Subtotal    int64         `json:"subtotal"`
	Totals      []total       `json:"totals"`
	Status      string        `json:"status"`
}

// adjustment is Adjustment: here, a refund or a dispute.
type adjustment struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	OccurredAt  time.Time `json:"occurred_at"`
	Status      string    `json:"status"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Description string    `json:"description,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// adjustments renders the order's refunds (pending, completed or failed,
// as they happened: settled ones at their settlement time; those made at
// the payment provider too) and then its disputes.
func adjustments(o *commerce.Order) []adjustment {
	out := []adjustment{}
	for _, r := range o.Refunds {
		a := adjustment{ID: r.ID, Type: "refund", OccurredAt: r.CreatedAt.UTC(), Status: "pending", Amount: r.Amount,
			Currency: strings.ToLower(string(o.Currency)), Description: r.Reason}
		if r.SettledAt != nil {
			a.OccurredAt = r.SettledAt.UTC()
		}
		switch r.Status {
		case commerce.RefundSucceeded:
			a.Status = "completed"
		case commerce.RefundFailed:
			a.Status = "failed"
		}
		out = append(out, a)
	}
	for _, d := range o.Disputes {
		out = append(out, disputeAdjustment(d))
	}
	return out
}

// disputeAdjustment renders a dispute as an Adjustment of type dispute
// (ACP: "'dispute' covers chargebacks"). Its amount is what the buyer
// claims back, and its status says whether they got it: pending while the
// dispute is open (at its opening time), completed once lost (the money
// went back to the buyer), failed once won or closed without a chargeback
// (at the time it was decided). The reason is the provider's code
// (fraudulent, product_not_received, …).
func disputeAdjustment(d commerce.Dispute) adjustment {
	a := adjustment{ID: d.ID, Type: "dispute", OccurredAt: d.OpenedAt.UTC(), Status: "pending", Amount: d.Amount,
		Currency: strings.ToLower(string(d.Currency)), Reason: d.Reason}
	kind := "Dispute (chargeback)"
	if d.Inquiry {
		kind = "Inquiry"
	}
	switch d.Status {
	case commerce.DisputeLost:
		a.Status, a.OccurredAt, a.Description = "completed", d.UpdatedAt.UTC(), kind+" decided for the buyer"
	case commerce.DisputeWon:
		a.Status, a.OccurredAt, a.Description = "failed", d.UpdatedAt.UTC(), kind+" decided for the merchant"
	case commerce.DisputeClosed:
		a.Status, a.OccurredAt, a.Description = "failed", d.UpdatedAt.UTC(), kind+" closed without a chargeback"
	case commerce.DisputeUnderReview:
		a.Description = kind + ": under review"
	default:
		a.Description = kind + ": awaiting the merchant's response"
	}
	return a
}

// orderQuantity is OrderLineItemQuantity.
type orderQuantity struct {
	Ordered   int64 `json:"ordered"`
	Current   int64 `json:"current"`
	Fulfilled int64 `json:"fulfilled"`
}

// fulfillment is Fulfillment, as far as agentshop knows it: the delivery
// method chosen at checkout, where it goes and when it should arrive.
type fulfillment struct {
	ID                string             `json:"id"`
	Type              string             `json:"type"`
	Status            string             `json:"status,omitempty"`
	LineItems         []lineItemRef      `json:"line_items"`
	Carrier           string             `json:"carrier,omitempty"`
	TrackingNumber    string             `json:"tracking_number,omitempty"`
	TrackingURL       string             `json:"tracking_url,omitempty"`
	Events            []fulfillmentEvent `json:"events,omitempty"`
	Destination       *address           `json:"destination,omitempty"`
	EstimatedDelivery *estimatedDelivery `json:"estimated_delivery,omitempty"`
}

// fulfillmentEvent is FulfillmentEvent.
type fulfillmentEvent struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
}

// lineItemRef is LineItemReference.
type lineItemRef struct {
	ID       string `json:"id"`
	Quantity int64  `json:"quantity"`
}

// estimatedDelivery is EstimatedDelivery.
type estimatedDelivery struct {
	Earliest time.Time `json:"earliest"`
	Latest   time.Time `json:"latest"`
}

// EncodeOrderEvent renders o as the body of a 2026-04-17 order webhook, a
// WebhookEvent of type typ whose data is the full order: id, session,
// permalink, status, line items, totals (with "amount_refunded" once money
// has been returned) and adjustments (its refunds), with a fulfillment per shipment, or, before any, the
// delivery method chosen at checkout. The order is rendered from what the order holds, never from
// today's catalog: amounts are those charged, and a line whose item was
// not kept is titled with its item id.
//
// Statuses are sent as the domain has them (the spec asks receivers to
// accept unknown ones); an order without one is "confirmed", as every
// order is when it is created. Every line is current; none is fulfilled
// ("processing" by the spec's rule) until the order ships, and then all
// are ("fulfilled"), since agentshop ships an order's lines together.
//
// It returns an error for a nil order or an event type other than
// order_create and order_update.
func (c *Codec) EncodeOrderEvent(typ commerce.EventType, o *commerce.Order) ([]byte, error) {
	if o == nil {
		return nil, errors.New("acp20260417: encode order event: nil order")
	}
	if typ != commerce.EventOrderCreate && typ != commerce.EventOrderUpdate {
		return nil, fmt.Errorf("acp20260417: encode order event: unknown event type %q", typ)
	}
	status := wireOrderStatus(o.Status)
	if status == "" {
		status = "confirmed"
	}
	d := orderData{
		Type:              "order",
		ID:                o.ID,
		CheckoutSessionID: o.SessionID,
		PermalinkURL:      c.Merchant.OrderURL(o.ID),
		Status:            status,
		LineItems:         []orderLineItem{},
		Adjustments:       adjustments(o),
		// The same lines as the session's totals; an order's quote has
		// its totals and the option charged for. "total" stays what was
		// charged; refunds add "amount_refunded".
		Totals: totals(&commerce.Quote{Totals: o.Totals, Selected: o.Fulfillment}),
	}
	if n := o.Refunded(); n > 0 {
		d.Totals = append(d.Totals, total{Type: "amount_refunded", DisplayText: "Refunded", Amount: n})
	}
	for _, l := range o.Lines {
		d.LineItems = append(d.LineItems, orderLine(l, len(o.Shipments) > 0))
	}
	if len(o.Shipments) > 0 {
		for _, sh := range o.Shipments {
			d.Fulfillments = append(d.Fulfillments, wireShipment(o, sh))
		}
	} else if f := wireFulfillment(o); f != nil {
		d.Fulfillments = []fulfillment{*f}
	}
	b, err := json.Marshal(webhookEvent{Type: string(typ), Data: d})
	if err != nil {
		return nil, fmt.Errorf("acp20260417: encode order event: %w", err)
	}
	return b, nil
}

// orderLine renders a charged line as an OrderLineItem, with the same
// totals as the session's line item. A shipped order's lines are
// fulfilled: agentshop ships every line together.
func orderLine(l commerce.PricedLine, shipped bool) orderLineItem {
	w := orderLineItem{
		ID:    l.ID,
		Title: l.ItemID,
		// Nothing is removed; fulfilled or "processing" by the rule of
		// OrderLineItem.status.
		Quantity: orderQuantity{Ordered: l.Quantity, Current: l.Quantity},
		Subtotal: l.Subtotal,
		Totals:   lineTotals(l),
		Status:   "processing",
	}
	if shipped {
		w.Quantity.Fulfilled = l.Quantity
		w.Status = "fulfilled"
	}
	if l.Quantity > 0 {
		// What was charged, not today's price.
		w.UnitPrice = l.Base / l.Quantity
	}
	if it := l.Item; it != nil {
		w.Title = it.Title
		w.ProductID = it.ProductID
		w.Description = it.Description
		if absoluteURL(it.ImageURL) {
			w.ImageURL = it.ImageURL
		}
		if absoluteURL(it.URL) {
			w.URL = it.URL
		}
	}
	return w
}

// wireFulfillment renders the order's delivery method as its one
// fulfillment, covering every line, or returns nil when there is none. Its
// id is the option's ("shipping_standard"), unique within the order. It
// has no status: nothing has shipped yet.
func wireFulfillment(o *commerce.Order) *fulfillment {
	opt := o.Fulfillment
	if opt == nil || (opt.Kind != commerce.FulfillmentShipping && opt.Kind != commerce.FulfillmentDigital) {
		return nil
	}
	f := &fulfillment{ID: opt.ID, Type: wireKind(opt.Kind), LineItems: []lineItemRef{}}
	for _, l := range o.Lines {
		if l.Quantity > 0 {
			f.LineItems = append(f.LineItems, lineItemRef{ID: l.ID, Quantity: l.Quantity})
		}
	}
	if opt.Kind == commerce.FulfillmentShipping {
		f.Carrier = opt.Carrier
		f.Destination = wireAddress(o.Address)
		if !opt.Earliest.IsZero() && !opt.Latest.IsZero() {
			f.EstimatedDelivery = &estimatedDelivery{
				Earliest: opt.Earliest.UTC(),
				Latest:   opt.Latest.UTC(),
			}
		}
	}
	return f
}

// wireShipment renders a parcel as a shipping fulfillment of every line,
// "shipped" or "delivered", with its tracking and its event log.
func wireShipment(o *commerce.Order, sh commerce.Shipment) fulfillment {
	f := fulfillment{ID: sh.ID, Type: "shipping", Status: "shipped", LineItems: []lineItemRef{},
		Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, Destination: wireAddress(o.Address),
		Events: []fulfillmentEvent{{ID: sh.ID + "_shipped", Type: "shipped", OccurredAt: sh.ShippedAt.UTC()}}}
	if absoluteURL(sh.TrackingURL) {
		f.TrackingURL = sh.TrackingURL
	}
	for _, l := range o.Lines {
		if l.Quantity > 0 {
			f.LineItems = append(f.LineItems, lineItemRef{ID: l.ID, Quantity: l.Quantity})
		}
	}
	if opt := o.Fulfillment; opt != nil && !opt.Earliest.IsZero() && !opt.Latest.IsZero() && sh.DeliveredAt == nil {
		f.EstimatedDelivery = &estimatedDelivery{Earliest: opt.Earliest.UTC(), Latest: opt.Latest.UTC()}
	}
	if sh.DeliveredAt != nil {
		f.Status = "delivered"
		f.Events = append(f.Events, fulfillmentEvent{ID: sh.ID + "_delivered", Type: "delivered", OccurredAt: sh.DeliveredAt.UTC()})
	}
	return f
}
