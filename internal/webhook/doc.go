// Package webhook delivers ACP order webhooks: it sends the order events
// that internal/commerce puts in the store's outbox (in the same
// transaction as the order change) to the agent's endpoint, signed with
// Merchant-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<body>")>, and retries with backoff until the endpoint answers 2xx
// or the event is dead-lettered.
//
// Delivery is at least once. An event is claimed with a lease before it is
// sent and marked delivered after the 2xx; a crash between the two sends
// it again once the lease ends, with the same Request-Id (the event id),
// by which receivers deduplicate. An order's events are sent in order: the
// store does not hand out an order's event while an earlier one of the
// same order is pending.
//
// The body is the full order as it is when sent (ACP asks for the full
// Order, not deltas), rendered by one ACP version's codec.
//
// [Verify] is the receiver's side, for agents and tests. [BacklogCollector]
// exports the outbox backlog (pending, dead) as gauges, read from the store
// through [Backlog] when scraped.
package webhook
