package acpmcp_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"agentshop/internal/acpmcp"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
)

// txCounter is a store that numbers its transactions: each InTx, and each
// idempotency write made outside one (its own implicit transaction).
type txCounter struct {
	*sqlite.DB
	mu       sync.Mutex
	armed    bool
	txs      int      // transactions since armed
	claims   []string // "tx N" or "direct", per ClaimIdempotencyKey
	payments []int    // the transaction of each CreatePayment
	direct   int      // idempotency writes outside InTx
}

func (c *txCounter) arm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed, c.txs, c.claims, c.payments, c.direct = true, 0, nil, nil, 0
}

func (c *txCounter) InTx(ctx context.Context, fn func(tx commerce.Executor) error) error {
	c.mu.Lock()
	c.txs++
	n := c.txs
	c.mu.Unlock()
	return c.DB.InTx(ctx, func(tx commerce.Executor) error {
		return fn(countedTx{Tx: tx.(store.Tx), c: c, n: n})
	})
}

func (c *txCounter) ClaimIdempotencyKey(ctx context.Context, rec *idempotency.Record, now time.Time) (*idempotency.Record, bool, error) {
	c.note(func() { c.direct++; c.claims = append(c.claims, "direct") })
	return c.DB.ClaimIdempotencyKey(ctx, rec, now)
}

func (c *txCounter) FinishIdempotencyKey(ctx context.Context, scope, key string, status int, body []byte) error {
	c.note(func() { c.direct++ })
	return c.DB.FinishIdempotencyKey(ctx, scope, key, status, body)
}

func (c *txCounter) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	c.note(func() { c.direct++ })
	return c.DB.ReleaseIdempotencyKey(ctx, scope, key)
}

func (c *txCounter) note(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed {
		f()
	}
}

// countedTx is transaction n of c.
type countedTx struct {
	store.Tx
	c *txCounter
	n int
}

func (t countedTx) ClaimIdempotencyKey(ctx context.Context, rec *idempotency.Record, now time.Time) (*idempotency.Record, bool, error) {
	t.c.note(func() { t.c.claims = append(t.c.claims, "tx") })
	return t.Tx.ClaimIdempotencyKey(ctx, rec, now)
}

func (t countedTx) CreatePayment(ctx context.Context, p *commerce.Payment) error {
	t.c.note(func() { t.c.payments = append(t.c.payments, t.n) })
	return t.Tx.CreatePayment(ctx, p)
}

// TestCompleteClaimTransactions: complete over the MCP binding claims its
// idempotency key in the transaction that claims the payment attempt, as
// REST does: two transactions around the provider call, none of the key's
// own.
func TestCompleteClaimTransactions(t *testing.T) {
	t.Parallel()
	for _, version := range versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			var c *txCounter
			b := setupWith(t, func(db *sqlite.DB) store.Store { c = &txCounter{DB: db}; return c })
			cs := b.client(t)
			s := b.call(t, cs, acpmcp.ToolCreate, version, mut(version, "", createPayload(version, false))).want(t)
			id := s.str("id")
			s = b.call(t, cs, acpmcp.ToolUpdate, version, mut(version, id, addressPayload(version))).want(t)
			tok := b.token(t, "4242424242424242", id, s.total())

			c.arm()
			done := b.call(t, cs, acpmcp.ToolComplete, version, mut(version, id, completePayload(version, tok))).want(t)
			if got := done.str("status"); got != "completed" {
				t.Fatalf("complete: status %q: %s", got, done.Raw)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.txs != 2 || c.direct != 0 {
				t.Errorf("complete ran %d transactions and %d idempotency writes of their own, want 2 and 0", c.txs, c.direct)
			}
			if len(c.claims) != 1 || c.claims[0] != "tx" || len(c.payments) != 1 || c.payments[0] != 1 {
				t.Errorf("key claims %v, payment claims in transactions %v: want one claim of each, both in transaction 1", c.claims, c.payments)
			}
		})
	}
}
