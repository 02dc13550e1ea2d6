// Package ratelimit provides the in-memory token-bucket limiters of the
// HTTP surfaces: per API key on the ACP REST API and /acp/mcp (one
// limiter shared by both), per client address on the anonymous ChatGPT
// App (/mcp) and on the hosted pages (internal/web), and per client
// address for failed authentications. It also resolves a request's
// client address ([ClientAddr]) and writes the Retry-After and IETF
// RateLimit-Limit/-Remaining/-Reset headers of a [Decision].
//
// Buckets live in one process's memory: with several replicas each
// enforces its own share. Idle buckets, which a full bucket is, are
// swept so that memory follows the clients active in the last minute.
//
// It imports only the standard library; the surfaces (internal/acp,
// internal/acpmcp, internal/mcpapp, internal/web) call it and
// internal/app builds the shared limiters.
package ratelimit
