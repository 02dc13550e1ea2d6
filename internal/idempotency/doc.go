// Package idempotency makes mutating requests safe to retry, for any
// transport (ACP REST in internal/acp, the ACP MCP binding in
// internal/acpmcp): a request carries a key, the first request with it
// runs and its answer is stored in the transaction that commits its
// effect, and a retry with the same key and the same body gets that answer
// again instead of a second effect (ACP §6).
//
// [Idempotency.Do] claims the key inside the operation's own transactions
// through [Hooks] (commerce.TxHooks): a one-transaction operation claims
// and answers in one write; Complete, which calls the payment provider
// between two transactions, claims in the first and answers in the second.
// Do's outcomes are transport-neutral sentinels ([ErrKeyRequired],
// [ErrKeyInvalid], [ErrConflict], [ErrInFlight]) and [Result.Replayed];
// each transport maps them to its own status codes.
//
// Request bodies are compared by [Fingerprint], the SHA-256 of their
// canonical JSON form ([Canonical], RFC 8785 in spirit), so that key order,
// whitespace and number spelling do not matter.
//
// Records live behind [Store], implemented by both stores over the
// database that holds commerce's rows. This package must not import
// net/http, database/sql, a store or a transport: it is the plumbing they
// share.
package idempotency
