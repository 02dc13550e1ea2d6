// Package acpclient is a client for the Agentic Commerce Protocol (ACP) REST
// API of any merchant: checkout sessions, delegated payment and discovery,
// for API versions 2025-09-29 and 2026-04-17.
//
// It is the agent's side of the protocol. `agentshop agent buy` drives a
// purchase with it, and the conformance checker and load benchmark use it
// to talk to merchants they know nothing about. So it stays honest: every
// call returns the raw [Response] (status, headers, body) next to a decoded
// view, a non-2xx answer becomes an [*APIError] parsed from ACP's flat error
// object, and nothing the server said is corrected or hidden. The decoded
// views ([Session], [DelegatedPayment], [Discovery]) are lenient and
// version-neutral; validating a response against the schemas is the
// caller's job (see package acpschema).
//
// Request bodies are passed as any value that marshals to JSON; []byte and
// [json.RawMessage] are sent as they are. The wire types in this package
// (for example [CreateRequest20250929], [CreateRequest20260417]) have
// exactly the shape of their version, and the builders [NewCreateRequest],
// [NewUpdateRequest] and [NewCompleteRequest] pick the right one from a
// version-neutral description of the call.
//
// Every POST carries a fresh UUIDv4 Idempotency-Key and every request a
// fresh Request-Id; [WithIdempotencyKey] and [WithHeader] override them
// per call (tests, retries, conformance probes).
//
// This package must not import the merchant side (commerce, acp, stores):
// it only knows the wire.
package acpclient
