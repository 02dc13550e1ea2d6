package admin

import (
	"strings"
	"time"

	"agentshop/internal/admintoken"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
)

// The views below are the stable JSON shapes of the admin commands'
// --output json (README.md "CLI") and of the admin API's answers
// (internal/adminapi, whose OpenAPI document describes them). Amounts
// are integers in minor units; times are RFC 3339 in UTC; optional fields
// are left out when empty; lists are never null.

// TokenView is an admin token, without its secret.
type TokenView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Prefix    string `json:"prefix"`
	CreatedAt string `json:"created_at"`
	ExpiresAt string `json:"expires_at,omitempty"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

// KeyView is an agent API key, without its secrets.
type KeyView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Prefix    string `json:"prefix"`
	Signed    bool   `json:"signed"`
	CreatedAt string `json:"created_at"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

// OrderView is an order with its lines, shipments and refunds.
type OrderView struct {
	ID        string `json:"id"`
	SessionID string `json:"session_id"`
	Status    string `json:"status"`
	// Mode is the payment mode, "test" or "live"; absent for orders
	// placed before orders had one and not charged by the sandbox.
	Mode      string         `json:"mode,omitempty"`
	Currency  string         `json:"currency"`
	Lines     []LineView     `json:"lines"`
	Subtotal  int64          `json:"subtotal"`
	Discount  int64          `json:"discount"`
	Shipping  int64          `json:"shipping"`
	Tax       int64          `json:"tax"`
	Total     int64          `json:"total"`
	Refunded  int64          `json:"refunded"`
	Shipments []ShipmentView `json:"shipments"`
	Refunds   []RefundView   `json:"refunds"`
	Disputes  []DisputeView  `json:"disputes"`
	CreatedAt string         `json:"created_at"`
	UpdatedAt string         `json:"updated_at"`
}

// LineView is one line of an [OrderView].
type LineView struct {
	ItemID   string `json:"item_id"`
	Quantity int64  `json:"quantity"`
	Total    int64  `json:"total"`
}

// ShipmentView is one parcel of an [OrderView].
type ShipmentView struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	TrackingURL    string `json:"tracking_url,omitempty"`
	ShippedAt      string `json:"shipped_at"`
	DeliveredAt    string `json:"delivered_at,omitempty"`
}

// RefundView is one refund of an [OrderView], failed ones included;
// external ones were made at the payment provider.
type RefundView struct {
	Amount    int64  `json:"amount"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	External  bool   `json:"external,omitempty"`
	CreatedAt string `json:"created_at"`
}

// EventView is one order-webhook event of the outbox.
type EventView struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	OrderID       string `json:"order_id"`
	Status        string `json:"status"`
	Attempts      int    `json:"attempts"`
	CreatedAt     string `json:"created_at"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
	DeliveredAt   string `json:"delivered_at,omitempty"`
	LastError     string `json:"last_error,omitempty"`
}

// rfc3339 formats t in UTC; nil or zero is "".
func rfc3339(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Views maps each of xs to its view.
func Views[T, V any](xs []T, view func(T) V) []V {
	out := make([]V, 0, len(xs))
	for _, x := range xs {
		out = append(out, view(x))
	}
	return out
}

// NewTokenView returns t's view.
func NewTokenView(t *admintoken.Token) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: rfc3339(&t.CreatedAt),
		ExpiresAt: rfc3339(t.ExpiresAt), RevokedAt: rfc3339(t.RevokedAt)}
}

// NewKeyView returns k's view.
func NewKeyView(k *apikey.Key) KeyView {
	return KeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Signed: k.SigningSecret != "",
		CreatedAt: rfc3339(&k.CreatedAt), RevokedAt: rfc3339(k.RevokedAt)}
}

// NewOrderView returns o's view.
func NewOrderView(o *commerce.Order) OrderView {
	return OrderView{ID: o.ID, SessionID: o.SessionID, Status: string(o.Status), Mode: string(o.Mode), Currency: strings.ToLower(string(o.Currency)),
		Subtotal: o.Totals.Subtotal, Discount: o.Totals.Discount, Shipping: o.Totals.Fulfillment, Tax: o.Totals.Tax,
		Total: o.Totals.Total, Refunded: o.Refunded(), CreatedAt: rfc3339(&o.CreatedAt), UpdatedAt: rfc3339(&o.UpdatedAt),
		Lines: Views(o.Lines, func(l commerce.PricedLine) LineView {
			return LineView{ItemID: l.ItemID, Quantity: l.Quantity, Total: l.Total}
		}),
		Shipments: Views(o.Shipments, func(s commerce.Shipment) ShipmentView {
			return ShipmentView{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, TrackingURL: s.TrackingURL,
				ShippedAt: rfc3339(&s.ShippedAt), DeliveredAt: rfc3339(s.DeliveredAt)}
		}),
		Refunds: Views(o.Refunds, func(r commerce.Refund) RefundView {
			return RefundView{Amount: r.Amount, Status: string(r.Status), Reason: r.Reason, External: r.External, CreatedAt: rfc3339(&r.CreatedAt)}
		}),
		Disputes: Views(o.Disputes, func(d commerce.Dispute) DisputeView { return NewDisputeView(&d) }),
	}
}

// NewEventView returns e's view.
func NewEventView(e *commerce.Event) EventView {
	return EventView{ID: e.ID, Type: string(e.Type), OrderID: e.OrderID, Status: string(e.Status), Attempts: e.Attempts,
		CreatedAt: rfc3339(&e.CreatedAt), NextAttemptAt: rfc3339(&e.NextAttemptAt), DeliveredAt: rfc3339(e.DeliveredAt), LastError: e.LastError}
}

// RequeuedView is a dead event put back in the queue.
type RequeuedView struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	RequeuedAt string `json:"requeued_at"`
}

// NewRequeuedView returns r's view.
func NewRequeuedView(r *Requeued) RequeuedView {
	return RequeuedView{ID: r.EventID, Status: string(commerce.EventPending), RequeuedAt: rfc3339(&r.At)}
}
