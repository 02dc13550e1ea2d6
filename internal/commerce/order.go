package commerce

import "time"

// Order is what a completed session becomes. It keeps the priced lines and
// totals as they were charged.
type Order struct {
	ID          string
	SessionID   string
	Status      OrderStatus
	Currency    Currency
	Lines       []PricedLine
	Totals      Totals
	Applied     []AppliedCoupon // coupons in effect when charged
	Fulfillment *FulfillmentOption
	Address     *Address
	Buyer       *Buyer
	PaymentID   string
	// Mode is the payment mode of the session that became the order: a
	// test order's webhooks never go to the live endpoint. Empty on orders
	// placed before orders had a mode.
	Mode Mode
	// Shipments are the parcels handed to carriers, oldest first (see
	// [Service.ShipOrder]).
	Shipments []Shipment
	// Refunds are the money returned, oldest first, failed ones included
	// (see [Service.RefundOrder]).
	Refunds []Refund
	// Disputes are the buyer's disputes of the charge, oldest first. They
	// are stored apart from the order (the store reads them with it) and
	// changed only by provider events ([Service.ApplyPaymentEvent]).
	Disputes  []Dispute `json:"-"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OrderStatus is where an order is. Each wire codec maps it onto the
// statuses its version documents.
type OrderStatus string

// Order statuses. An order is confirmed when paid, shipped once a parcel
// has left and completed when it has been delivered, or canceled before it
// shipped (and refunded in full). The values are the stored form (orders
// are stored as JSON), so they never change.
const (
	OrderConfirmed OrderStatus = "confirmed"
	OrderShipped   OrderStatus = "shipped"
	OrderCompleted OrderStatus = "completed"
	OrderCanceled  OrderStatus = "canceled"
)

// Shipment is a parcel of an order handed to a carrier. agentshop ships
// an order's lines together: a shipment holds every line.
type Shipment struct {
	ID             string // "shp_…"
	Carrier        string // e.g. "USPS"
	TrackingNumber string
	TrackingURL    string
	ShippedAt      time.Time
	DeliveredAt    *time.Time
}

// Payment is one attempt to charge a session. At most one attempt per
// session is active (pending or succeeded) at a time; stores enforce this
// with a unique index and return ErrConflict.
type Payment struct {
	ID        string
	SessionID string
	Attempt   int // 1, 2, … per session
	Status    PaymentStatus
	Amount    int64
	Currency  Currency
	// Provider is the name of the provider the attempt charges through
	// ([PaymentProvider.Name]): its re-drives and its order's refunds go
	// to that provider, whichever is the default when they happen.
	Provider string
	// Handler is the id of the payment handler the attempt charges
	// through ([PaymentHandler.ID]); "" on attempts claimed before
	// handlers had ids, which are routed by Provider alone.
	Handler string
	// IdempotencyKey is sent to the provider; derived from the session and
	// attempt, never from the token, so a re-driven attempt cannot charge twice.
	IdempotencyKey string
	// Token is the one-time payment credential, kept only while the attempt
	// is pending (to re-drive it after a crash) and cleared afterwards.
	Token string
	// Quote is what the attempt charges for, priced when it was claimed:
	// the order is built from it. Kept while the attempt is pending (to
	// settle it after a crash) and cleared once it is settled, when the
	// order holds it. Nil also on attempts claimed by builds that did not
	// keep it (settling one prices the session again).
	Quote *QuoteSnapshot
	// ProviderRef is the provider's id for the charge (e.g. pi_…).
	ProviderRef string
	// DeclineCode is the provider's reason for a failure.
	DeclineCode string
	// Facilitator is who presented the credential for the buyer (e.g.
	// ChatGPT), when the provider said so on the charge; nil otherwise.
	Facilitator *Facilitator `json:",omitempty"`
	// LeaseUntil bounds how long a pending attempt is held by the request
	// that claimed it; after it, a retry may re-drive the attempt.
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// QuoteSnapshot is what a payment attempt charges for: the session's quote
// when the attempt was claimed, with its priced lines, totals (tax
// included), the coupons applied and the fulfillment option chosen. The
// order is built from it, so that it says what was charged even when the
// coupons, the catalog or the clock say otherwise by the time the charge
// is settled.
type QuoteSnapshot struct {
	Lines       []PricedLine
	Totals      Totals
	Applied     []AppliedCoupon
	Fulfillment *FulfillmentOption
}

// snapshotQuote is what q charges for.
func snapshotQuote(q *Quote) *QuoteSnapshot {
	s := &QuoteSnapshot{Lines: q.Lines, Totals: q.Totals, Applied: q.Applied}
	if q.Selected != nil {
		f := *q.Selected
		s.Fulfillment = &f
	}
	return s
}

// PaymentStatus is the state of a payment attempt.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending   PaymentStatus = "pending"   // claimed; the provider may or may not have charged
	PaymentSucceeded PaymentStatus = "succeeded" // charged; the order exists
	PaymentFailed    PaymentStatus = "failed"    // declined or needs 3DS; nothing charged
)

// Active reports whether the attempt blocks another one.
func (s PaymentStatus) Active() bool { return s == PaymentPending || s == PaymentSucceeded }
