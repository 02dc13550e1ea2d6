// Package ops is the operations gateway's domain and application layer:
// Stripe accounts (their keys kept sealed under the master key), ops
// servers (a secret URL token and an optional bearer secret, stored as
// hashes; a tool filter; expiry; whether live-mode writes are allowed),
// the catalogue of tools a server may expose, the two-step confirmation
// of write tools, and the audit log of every tool call.
//
// [Admin] is the application layer: the CLI (cmd/agentshop ops …) and the
// admin HTTP API call its methods and never reach into the store on their
// own. internal/opsmcp serves a server's tools over MCP and uses [Guard]
// for authentication, filtering, confirmation and audit.
//
// Its store port is [Store] (implemented by internal/store/sqlite and
// internal/store/postgres over the same database as commerce.Store, so
// that an audit row commits in the transaction of an order refund). It
// imports only internal/commerce, internal/secretbox and the standard
// library: no HTTP, no MCP, no Stripe SDK.
package ops
