// Package commerce is agentshop's domain core: catalog items, money, pricing,
// the checkout session state machine, payments and orders.
//
// It knows nothing about HTTP, JSON wire versions, SQL or payment SDKs. Wire
// adapters (internal/acp, …) translate requests into calls on [Service];
// stores (internal/store/sqlite, internal/store/postgres) implement [Store];
// payment providers (internal/payment/…) implement [PaymentProvider].
//
// Invariants the package upholds (see DESIGN.md):
//   - a session is charged at most once: [Service.Complete] claims a payment
//     attempt under a session lock before calling the provider, and the
//     provider idempotency key is derived from the session and attempt;
//   - totals are computed by the server from the catalog, in int64 minor units;
//   - nothing accepted is lost: the order, the stock decrement and the
//     session change commit in one transaction.
package commerce
