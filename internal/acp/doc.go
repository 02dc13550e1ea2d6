// Package acp serves the Agentic Commerce Protocol REST API: the five
// checkout-session endpoints, the sandbox delegate-payment endpoint and the
// /.well-known/acp.json discovery document.
//
// It owns everything HTTP about ACP: authentication of bearer API keys
// (through an internal/apikey cache, shared with /acp/mcp) and optional
// request signatures, API-Version dispatch to one codec per version
// (acp20250929, acp20260417), ACP's answers to internal/idempotency's
// outcomes (ACP §6: 400, 422 or 409 by version, 409 with Retry-After in
// flight; the answer stored in the same transaction as the effect through
// [commerce.TxHooks]), the flat error object, per-key rate limits and
// request metrics. Business rules live in [commerce.Service]; handlers only
// decode, call and encode.
package acp
