package commerce

import "time"

// Event is an order event in the outbox: a change of an order that an
// agent's webhook endpoint must be told about (ACP order webhooks). It is
// written in the transaction that changes the order, so it exists exactly
// when the change does, and a delivery worker (internal/webhook) sends it,
// at least once, until the endpoint accepts it or it is dead-lettered.
//
// The event names the order; the worker renders the order as it is when it
// sends, so every delivery carries the full, current order, as ACP asks.
type Event struct {
	ID      string    // "evt_…"; sent as Request-Id, stable across retries
	Type    EventType // order_create or order_update
	OrderID string
	Status  EventStatus
	// Attempts counts the deliveries started, including one in flight.
	Attempts int
	// NextAttemptAt is when the event may next be claimed: its due time
	// while pending, or the end of the lease of the delivery in flight.
	NextAttemptAt time.Time
	// LastError is why the last attempt failed ("" before any failure).
	LastError   string
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// EventType is what happened to the order.
type EventType string

// Event types, as ACP names them.
const (
	EventOrderCreate EventType = "order_create"
	EventOrderUpdate EventType = "order_update"
)

// EventStatus is where an event is in its delivery.
type EventStatus string

// Event statuses.
const (
	// EventPending is waiting for its first or next attempt, or has one in
	// flight (then NextAttemptAt is the end of that attempt's lease).
	EventPending EventStatus = "pending"
	// EventDelivered was accepted by the endpoint (a 2xx answer).
	EventDelivered EventStatus = "delivered"
	// EventDead failed every attempt; it stays in the outbox, visible to
	// the merchant, and is not tried again.
	EventDead EventStatus = "dead"
)

// NewEvent returns a pending event of typ for order id, due at now.
func NewEvent(typ EventType, orderID string, now time.Time) *Event {
	return &Event{
		ID:            NewID("evt"),
		Type:          typ,
		OrderID:       orderID,
		Status:        EventPending,
		NextAttemptAt: now,
		CreatedAt:     now,
	}
}
