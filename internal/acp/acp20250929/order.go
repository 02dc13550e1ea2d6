package acp20250929

import (
	"encoding/json"
	"errors"
	"fmt"

	"agentshop/internal/commerce"
)

// webhookEvent is WebhookEvent, the body of an order webhook.
type webhookEvent struct {
	Type string    `json:"type"`
	Data orderData `json:"data"`
}

// orderData is EventDataOrder. This version's order has no id, lines or
// totals: the agent knows it by its checkout session.
type orderData struct {
	Type              string   `json:"type"`
	CheckoutSessionID string   `json:"checkout_session_id"`
	PermalinkURL      string   `json:"permalink_url"`
	Status            string   `json:"status"`
	Refunds           []refund `json:"refunds"`
}

// refund is Refund: money returned to the original payment method.
type refund struct {
	Type   string `json:"type"` // store_credit or original_payment
	Amount int64  `json:"amount"`
}

// EncodeOrderEvent renders o as the body of a 2025-09-29 order webhook, a
// WebhookEvent of type typ whose data is the order as this version
// defines it: session id, permalink, status and the refunds that have
// succeeded, each to the original payment.
//
// The status must be one of this version's enum (created, manual_review,
// confirmed, canceled, shipped, fulfilled). Those are sent as they are;
// others go to the closest value: processing to confirmed, completed to
// fulfilled, and unknown statuses to confirmed.
//
// It returns an error for a nil order or an event type other than
// order_create and order_update.
func (c *Codec) EncodeOrderEvent(typ commerce.EventType, o *commerce.Order) ([]byte, error) {
	if o == nil {
		return nil, errors.New("acp20250929: encode order event: nil order")
	}
	if typ != commerce.EventOrderCreate && typ != commerce.EventOrderUpdate {
		return nil, fmt.Errorf("acp20250929: encode order event: unknown event type %q", typ)
	}
	b, err := json.Marshal(webhookEvent{Type: string(typ), Data: orderData{
		Type:              "order",
		CheckoutSessionID: o.SessionID,
		PermalinkURL:      c.Merchant.OrderURL(o.ID),
		Status:            wireOrderStatus(o.Status),
		Refunds:           refunds(o),
	}})
	if err != nil {
		return nil, fmt.Errorf("acp20250929: encode order event: %w", err)
	}
	return b, nil
}

// wireOrderStatus maps a domain order status onto the 2025-09-29 enum.
// Enum values pass through. The other statuses 2026-04-17 defines map to
// the closest: processing (accepted, being prepared) to confirmed, and
// completed (everything delivered) to fulfilled; "cancelled" and
// "delivered" are read as canceled and fulfilled. Anything else, and no
// status, is confirmed: an order exists only once it is paid, and
// confirmed is what every order starts as.
func wireOrderStatus(status commerce.OrderStatus) string {
	switch s := string(status); s {
	case "created", "manual_review", "confirmed", "canceled", "shipped", "fulfilled":
		return s
	case "cancelled":
		return "canceled"
	case "completed", "delivered":
		return "fulfilled"
	}
	return "confirmed" // processing, "" and unknown statuses
}

// refunds lists the order's succeeded refunds (those made at the payment
// provider too); pending and failed ones have returned nothing (yet).
// This version has no disputes: a lost one, whose amount went back to the
// buyer's original payment method by their bank, is listed as a refund to
// the original payment, which is as far as its schema can say it; open,
// won and closed disputes returned nothing and are not listed.
func refunds(o *commerce.Order) []refund {
	out := []refund{}
	for _, r := range o.Refunds {
		if r.Status == commerce.RefundSucceeded {
			out = append(out, refund{Type: "original_payment", Amount: r.Amount})
		}
	}
	for _, d := range o.Disputes {
		if d.Status == commerce.DisputeLost {
			out = append(out, refund{Type: "original_payment", Amount: d.Amount})
		}
	}
	return out
}
