// Package acpmcp serves the ACP MCP binding (ACP 2026-04-17,
// openrpc.agentic_checkout.json): the five checkout operations of the ACP
// REST API as MCP tools over streamable HTTP, mounted at /acp/mcp.
//
// The tools are create_checkout_session, get_checkout_session,
// update_checkout_session, complete_checkout_session and
// cancel_checkout_session. Each takes the arguments {meta, id, payload}:
// meta carries what REST sends as headers (api_version selects the codec,
// idempotency_key, request_id, signature, timestamp, …), id is the session
// id of the REST path and payload is the REST request body, decoded by the
// same codecs (internal/acp/acp20250929, internal/acp/acp20260417) and run by
// the same [commerce.Service] as REST. Tools that change state go through
// internal/idempotency with ACP's answers ([acp.NewIdempotency],
// [acp.DoIdempotent]), claiming their key inside their own transactions as
// REST does (complete in the one that claims the payment attempt), so
// idempotency keys behave exactly as on REST (ACP §6), scoped by API key,
// tool name and session id.
//
// Decisions where the binding leaves room or the SDK constrains us:
//
//   - Authentication happens at the HTTP layer, before any JSON-RPC: every
//     request needs Authorization: Bearer <agent API key> (the REST keys,
//     checked through the REST surface's internal/apikey cache when
//     [Config.Keys] shares it, so revoked keys are refused on both at the
//     same moment). A failure is HTTP 401 with
//     WWW-Authenticate: Bearer, as MCP authorization requires, and its body
//     is a JSON-RPC error response in the binding's form: code -32000 and
//     data {type: invalid_request, code: unauthorized | invalid_api_key}.
//     Keys with a signing secret also need meta.signature and
//     meta.timestamp, checked per call (a -32000 invalid_signature error):
//     the signature is reqsign.Sign of reqsign.MCP: the tool name, the
//     session id, meta.api_version, meta.idempotency_key, meta.timestamp and
//     the payload, so one signature is good for one call only, and the same
//     signature twice inside the window is refused.
//   - meta.idempotency_key is required on the four mutating tools for
//     api_version 2026-04-17, as on REST and as ACP §6 requires, although the
//     OpenRPC document still marks it optional (spec issue #295, PR #296).
//     Without it those tools fail with idempotency_key_required. For
//     2025-09-29 it is optional, and a conflicting reuse is 409-like
//     rather than 422-like, again as on REST.
//   - Results: MCP's tools/call result cannot be the session itself, as the
//     binding's examples show it, so the session (CheckoutSession, or
//     CheckoutSessionWithOrder after complete) is the result's
//     structuredContent and, as JSON text, the text of its only content
//     block.
//   - Errors are JSON-RPC errors, not isError tool results: code -32000,
//     message = the ACP message, data = the ACP flat error object from
//     [acp.ErrorFor] (type, code, message, param, supported_versions).
//     Params that point into the payload are prefixed with $.payload
//     ($.payload.line_items[0].id), as in the binding's examples. Code -32602
//     is used only for envelope errors: arguments that are not an object, a
//     missing or non-object meta, a meta member of the wrong type, a missing
//     or non-string id, a missing payload where it is required, or a
//     payload that is not an object; its data is an ACP error too, with
//     code invalid_params and the offending member's path ($.meta, $.id, …).
//     Payload errors are decoded before the idempotency key is looked at,
//     as on REST, so a malformed payload is never stored for replay.
//     A missing or unsupported meta.api_version is -32000
//     missing_api_version / unsupported_api_version with supported_versions,
//     like REST's API-Version errors.
//   - Input schemas are written by hand and permissive (additional
//     properties allowed everywhere): the SDK's inferred schemas would
//     reject fields the spec allows. The payload is checked by the codecs,
//     strictly where it matters, as on REST; the official JSON Schemas are
//     not bundled into the binary.
//   - The MCP server is stateless (no Mcp-Session-Id) and answers with plain
//     JSON rather than an SSE stream.
//
// The per-key rate limit of the REST handler is not applied here.
//
// acpmcp imports acp (errors, idempotency answers, codec interface),
// idempotency, apikey, commerce and the go-sdk; it holds no SQL, no payment
// calls and no business rules.
package acpmcp
