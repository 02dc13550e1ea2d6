// Package apikey is agents' API keys: minting ([New]), hashing ([Hash]),
// and authenticating a bearer secret through one [Cache] that every
// surface taking the keys shares (ACP REST in internal/acp and the ACP
// MCP binding in internal/acpmcp), so that a revoked key stops working on
// all of them at the same moment.
//
// Only the SHA-256 of a secret is stored, behind [Store], which both
// stores implement over the database that holds commerce's rows. A key's
// request-signing secret must be read back to verify signatures, so the
// stores keep it sealed under the master key ([SealSigningSecret],
// internal/secretbox), never in clear.
//
// This package must not import net/http, database/sql, a store or a
// transport.
package apikey
