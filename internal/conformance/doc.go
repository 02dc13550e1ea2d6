// Package conformance checks an Agentic Commerce Protocol (ACP) merchant
// from the outside, as an agent sees it: checkout sessions (create, update,
// get, complete, cancel), status rules, totals arithmetic, message params,
// error shapes, authentication, API-Version handling, idempotency,
// discovery and, when the merchant hosts a sandbox delegate_payment
// endpoint, payment allowances and test cards. Every response body is
// validated against the official JSON Schemas of its version.
//
// It backs `agentshop conformance` and knows nothing about agentshop: it
// talks to one base URL through package acpclient, assumes no item ids (the
// caller names them) and reads every amount from the raw response, not from
// acpclient's lenient decoded view. It must not import the merchant side
// (commerce, acp, stores).
//
// [Run] returns a [Report] of named cases, each passed, failed, skipped or
// warned (a failed SHOULD of the spec). The rules each case applies are in
// its file: checks_session.go, checks_errors.go, checks_idempotency.go,
// checks_payment.go, checks_discovery.go; the totals rules in totals.go.
package conformance
