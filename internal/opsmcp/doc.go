// Package opsmcp serves the operations gateway's servers over MCP at
// /ops/mcp/{token} (streamable HTTP, stateless, go-sdk): a server's URL
// token finds it (an unknown, revoked or expired one is a bare 404), its
// optional bearer secret is checked (401), its requests are rate-limited,
// and only the tools its filter allows are listed or run.
//
// Read tools carry readOnlyHint. Write tools carry destructiveHint and
// act in two steps: the first call returns a summary and a short-lived
// confirmation token and changes nothing; only a second call with the
// same arguments and that token acts, under an idempotency key (given,
// or derived from the arguments) that reaches Stripe or commerce's
// refund, so that a retried call never moves money twice. A live-mode
// account's writes are refused unless the server allows them. Every
// call, refused ones included, is audited (ops.AuditEntry): an order
// refund's entry in the transaction that records the refund.
//
// Stripe is reached through internal/opsstripe only; the shop through
// commerce.Service and ops.Store. The package holds no SQL.
package opsmcp
