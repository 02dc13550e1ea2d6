// Package bench load-tests an ACP merchant: it drives concurrent agents
// through checkout flows for a bounded time, records the latency of every
// request per endpoint, and afterwards checks what the merchant stored.
//
// `agentshop bench` (cmd/agentshop/bench.go) is its only caller. It talks
// to the merchant through [acpclient] only, so it works against any ACP
// merchant, not just agentshop, and it must not import the merchant side
// (commerce, acp, stores). Checks that need the merchant's books (charges
// per session, stock) go through the small [Ledger] interface, which the
// command implements on agentshop's own store when it runs on the same
// machine.
//
// # Scenarios
//
//   - full: create a session, set the address, delegate a test card,
//     complete. One successful flow is one order.
//   - create: create sessions only.
//   - get: each agent creates one session, then reads it in a loop.
//   - noop: GET on a trivial HTTP handler (see [NoopHandler]); it measures
//     what this client and the loopback network can do at all, as the
//     ceiling for the others.
//
// # Latency
//
// Every request's latency is kept in memory (per agent, merged at the end)
// and sorted for percentiles. A 20-second run at a few thousand requests
// per second is well under a million samples (8 bytes each), so exact
// percentiles are cheaper than a histogram's approximations here. Only 2xx
// answers are recorded; everything else is counted as an error by kind.
package bench
