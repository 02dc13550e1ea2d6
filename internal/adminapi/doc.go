// Package adminapi is the admin HTTP API, /admin/v1: the merchant's own
// tools manage agent API keys (create, list, revoke), orders (list with
// filters and a cursor, show, ship, deliver, refund, cancel), the order
// events' outbox (list, requeue) and the operations gateway's Stripe
// accounts, servers and audit log (internal/ops) over JSON.
//
// Every request but GET /admin/v1/openapi.json carries an admin token
// (internal/admintoken) as "Authorization: Bearer <token>"; a missing, bad,
// revoked or expired one is a 401, and an address that fails too often is
// throttled (429) by the failed-authentication limiter (internal/ratelimit)
// before its token is looked at. Every POST needs an Idempotency-Key
// (internal/idempotency): the same key and body replay the first answer,
// another body is a 422, and the answer commits in the transaction of the
// effect, so that no retry has a second effect. Request bodies are capped.
// Errors everywhere have ACP's flat shape {type, code, message, param}.
// The OpenAPI 3.1 document of all this is served at
// /admin/v1/openapi.json.
//
// The handlers decode, call internal/admin (the application layer the
// command line calls too) and encode; they hold no SQL and no business
// rule. internal/app mounts the handler. This package must not import a
// store, a payment provider or another surface.
package adminapi
