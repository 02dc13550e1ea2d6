package commerce

import (
	"context"
	"time"
)

// PaymentEvent is one event a payment provider sent about a payment it
// made for agentshop: an asynchronous payment result, a refund made at the
// provider (its dashboard, its API from another tool) or a dispute. The
// provider's adapter (internal/payment/stripe, internal/payment/braintree)
// builds it from a verified webhook; [Service.ApplyPaymentEvent] is the
// only way it reaches the orders.
//
// Exactly one of Charge, Refund and Dispute is set.
type PaymentEvent struct {
	// Provider is the [PaymentProvider.Name] of the provider that sent it.
	Provider string
	// ID is the provider's event id ("evt_…"): with Provider it
	// deduplicates, so a redelivered event changes nothing.
	ID string
	// Type is the provider's event type as sent (e.g.
	// "payment_intent.succeeded"), for records and metrics.
	Type string
	// OccurredAt is when the provider says the event happened. Disputes
	// apply their events in this order: an older one arriving late is
	// kept but changes nothing.
	OccurredAt time.Time
	// PaymentRef is the provider's id of the charge ([Payment.ProviderRef],
	// e.g. "pi_…"). SessionID and AttemptKey name the attempt when the
	// provider carries them back (Stripe metadata): a pending attempt has
	// no ProviderRef yet.
	PaymentRef string
	SessionID  string
	AttemptKey string

	Charge  *ChargeEvent
	Refund  *RefundEvent
	Dispute *DisputeEvent
}

// ChargeEvent is an asynchronous payment result. Result is the outcome as
// [PaymentProvider.Charge] would have answered it; an empty Outcome means
// the payment is still processing (nothing to settle yet).
type ChargeEvent struct {
	Result ChargeResult
}

// RefundEvent is a refund as the provider reports it.
type RefundEvent struct {
	// Ref is the provider's refund id ("re_…"): a refund agentshop made is
	// matched by it ([Refund.ProviderRef]), or by RefundID.
	Ref string
	// RefundID is agentshop's [Refund.ID] when the provider carries it
	// back (Stripe metadata): it matches a refund of ours still pending.
	RefundID string
	Amount   int64
	Currency Currency
	// Status is RefundSucceeded (the provider has committed to return the
	// money, pending at the bank included) or RefundFailed; never
	// RefundPending, which is agentshop's own "being sent" state.
	Status RefundStatus
	Reason string
}

// DisputeEvent is a dispute (chargeback, or an inquiry before one) as the
// provider reports it.
type DisputeEvent struct {
	Ref           string // the provider's dispute id ("dp_…")
	Amount        int64
	Currency      Currency
	Reason        string // the provider's reason code, e.g. "fraudulent"
	Status        DisputeStatus
	EvidenceDueBy *time.Time
	// Inquiry is set for a pre-dispute inquiry (Stripe's warning_*).
	Inquiry bool
	// FundsWithdrawn and FundsReinstated are set by the events that say
	// the disputed amount left the merchant's balance or came back.
	FundsWithdrawn, FundsReinstated bool
}

// EventResult is what [Service.ApplyPaymentEvent] did with an event.
type EventResult string

// Event results.
const (
	// EventApplied: the event changed a payment, an order or a dispute.
	EventApplied EventResult = "applied"
	// EventIgnored: the event was recorded and is about a known payment,
	// but changes nothing (already settled, still processing, a refund
	// agentshop recorded already, an older dispute update).
	EventIgnored EventResult = "ignored"
	// EventUnmatched: no payment of agentshop's is the event's; it is
	// kept for the merchant to look at.
	EventUnmatched EventResult = "unmatched"
	// EventDuplicate: the event was applied before; nothing changed.
	EventDuplicate EventResult = "duplicate"
)

// EventOutcome is [Service.ApplyPaymentEvent]'s answer.
type EventOutcome struct {
	Result EventResult
	// OrderID is the order the event concerns, when there is one.
	OrderID string
	// Refund is set when the event recorded a refund made at the provider,
	// or changed the status of one; Dispute when it opened or moved a
	// dispute.
	Refund  *Refund
	Dispute *Dispute
}

// InboundEvent is the record of one [PaymentEvent], kept (bounded by a
// retention sweep) to deduplicate redeliveries and to list events for
// payments agentshop does not know. It holds a summary, not the payload.
type InboundEvent struct {
	Provider   string
	ID         string
	Type       string
	Result     EventResult
	PaymentRef string
	// ObjectRef is the refund or dispute id the event is about, if any.
	ObjectRef  string
	OrderID    string
	Amount     int64
	Currency   Currency
	OccurredAt time.Time
	ReceivedAt time.Time
}

// InboundFilter selects [InboundEvent]s. Zero fields match everything;
// Limit 0 means 100.
type InboundFilter struct {
	Result EventResult
	Limit  int
}

// DisputeFilter selects [Dispute]s. Zero fields match everything; Limit 0
// means 100.
type DisputeFilter struct {
	// Open keeps only disputes that still need the merchant (needs
	// response or under review).
	Open  bool
	Limit int
}

// PaymentEventExecutor is what [Service.ApplyPaymentEvent] and the admin
// listings need of a store beyond [Executor]: the inbound event records,
// the disputes and payments found by the provider's reference. The
// transactions of both stores implement it; ApplyPaymentEvent reaches it
// through the Executor [Store.InTx] passes.
type PaymentEventExecutor interface {
	// GetInboundEvent returns the record of provider's event id, or
	// ErrNotFound.
	GetInboundEvent(ctx context.Context, provider, id string) (*InboundEvent, error)
	// CreateInboundEvent records e. ErrConflict, at once (not late), if
	// (Provider, ID) is recorded already.
	CreateInboundEvent(ctx context.Context, e *InboundEvent) error
	// ListInboundEvents returns the records matching f, newest first.
	ListInboundEvents(ctx context.Context, f InboundFilter) ([]*InboundEvent, error)
	// DeleteInboundEvents removes the records received before before, and
	// beyond the newest keep ones, and returns how many it removed.
	DeleteInboundEvents(ctx context.Context, before time.Time, keep int) (int64, error)

	// FindPaymentByRef returns the attempt of provider whose ProviderRef
	// is ref, or ErrNotFound.
	FindPaymentByRef(ctx context.Context, provider, ref string) (*Payment, error)

	// GetDisputeByRef returns provider's dispute ref, or ErrNotFound.
	GetDisputeByRef(ctx context.Context, provider, ref string) (*Dispute, error)
	// PutDispute inserts d, or replaces the stored dispute with d.ID.
	// ErrConflict if another dispute has d's (Provider, ProviderRef).
	// Inside a transaction the error may come late (see [Store]).
	PutDispute(ctx context.Context, d *Dispute) error
	// ListDisputes returns the disputes matching f, soonest evidence due
	// date first (none last), then oldest first.
	ListDisputes(ctx context.Context, f DisputeFilter) ([]*Dispute, error)
}
