// Package storetest is the contract suite for [store.Store]: commerce.Store
// and, one group per owner, idempotency.Store (Idempotency), apikey.Store
// (APIKey), admintoken.Store (AdminToken) and payment/sandbox's Vault
// (VaultToken), each group seeing the
// store only through its owner's interface. Every store
// (internal/store/sqlite, internal/store/postgres) calls [Run] from its
// tests, so that both behave exactly as the owners' doc comments say, and
// as [commerce.Service] relies on:
// not found and conflict errors, the stock guard, one active payment per
// session, idempotency claims and takeovers, outbox claims (leases, one
// event per order at a time, one claimer per event), the outbox backlog
// the metrics read (webhook.Backlog), transaction rollback, text a store
// cannot keep (EINVALID, never an internal error),
// time precision, and a session completed by many goroutines at once being
// charged once.
//
// It is imported only by tests. It must not import a store package.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"agentshop/internal/store"
)

// TimePrecision is the coarsest time precision a store may keep.
// PostgreSQL's timestamptz stores microseconds, so times may come back
// truncated to it; the suite compares times within this margin.
const TimePrecision = time.Microsecond

// Run runs the suite. open must return a fresh, migrated, empty store for
// each call, opened with the master keys of [Box] and implementing
// [RawDB], and close it (and drop what it created) in t.Cleanup. Subtests
// run in parallel.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Session", func(t *testing.T) { testSession(t, open) })
	t.Run("Stock", func(t *testing.T) { testStock(t, open) })
	t.Run("Payment", func(t *testing.T) { testPayment(t, open) })
	t.Run("Order", func(t *testing.T) { testOrder(t, open) })
	t.Run("FindOrders", func(t *testing.T) { testFindOrders(t, open) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open) })
	t.Run("APIKey", func(t *testing.T) { testAPIKey(t, open) })
	t.Run("AdminToken", func(t *testing.T) { testAdminToken(t, open) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, open) })
	t.Run("VaultToken", func(t *testing.T) { testVaultToken(t, open) })
	t.Run("Event", func(t *testing.T) { testEvent(t, open) })
	t.Run("EventBacklog", func(t *testing.T) { testEventBacklog(t, open) })
	t.Run("Time", func(t *testing.T) { testTime(t, open) })
	t.Run("Tx", func(t *testing.T) { testTx(t, open) })
	t.Run("Service", func(t *testing.T) { testService(t, open) })
	t.Run("Owner", func(t *testing.T) { testOwner(t, open) })
	t.Run("OrderLifecycle", func(t *testing.T) { testOrderLifecycle(t, open) })
	t.Run("Refunds", func(t *testing.T) { testRefunds(t, open) })
	t.Run("StoreCharger", func(t *testing.T) { testStoreCharger(t, open) })
	t.Run("ChargedQuote", func(t *testing.T) { testChargedQuote(t, open) })
	t.Run("ProviderSwitch", func(t *testing.T) { testProviderSwitch(t, open) })
	t.Run("TxHooks", func(t *testing.T) { testTxHooks(t, open) })
	t.Run("Expectation", func(t *testing.T) { testExpectation(t, open) })
	t.Run("Text", func(t *testing.T) { testText(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
	t.Run("Ops", func(t *testing.T) { testOps(t, open) })
	t.Run("InboundEvents", func(t *testing.T) { testInboundEvents(t, open) })
	t.Run("PaymentEvents", func(t *testing.T) { testPaymentEvents(t, open) })
}

// cmpOpts compare stored values: times within [TimePrecision], and empty
// slices and maps equal to nil ones.
var cmpOpts = cmp.Options{
	cmpopts.EquateApproxTime(TimePrecision),
	cmpopts.EquateEmpty(),
}

// setupAs is setup seen through one owner's interface S, so that the
// owner's group uses only what the owner declares.
func setupAs[S any](t *testing.T, open func(t *testing.T) store.Store) (context.Context, S) {
	t.Helper()
	ctx, s := setup(t, open)
	return ctx, any(s).(S)
}

// setup returns a fresh store and a context that ends with the test.
func setup(t *testing.T, open func(t *testing.T) store.Store) (context.Context, store.Store) {
	t.Helper()
	t.Parallel()
	return t.Context(), open(t)
}

// baseTime is the suite's "now": nanoseconds included, so that stores are
// seen to truncate rather than to round-trip by luck.
var baseTime = time.Date(2026, 4, 17, 9, 30, 15, 123456789, time.UTC)

func requireNoError(tb testing.TB, err error, what string) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

func requireIs(tb testing.TB, err, target error, what string) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("%s: error = %v, want errors.Is %v", what, err, target)
	}
}

func requireDiff[T any](tb testing.TB, want, got T, what string) {
	tb.Helper()
	if d := cmp.Diff(want, got, cmpOpts); d != "" {
		tb.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}
