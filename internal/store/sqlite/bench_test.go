package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
)

// approveProvider charges every token at once.
type approveProvider struct{ n atomic.Int64 }

func (*approveProvider) Name() string { return "bench" }

func (*approveProvider) LiveMode() bool { return false }

func (p *approveProvider) Charge(_ context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	return commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: fmt.Sprintf("ch_%d", p.n.Add(1))}, nil
}

// benchFlow is what a server does for an agent's create → update (address)
// → complete, request by request: an idempotency claim in its own
// transaction, then the service's transaction(s), whose recorder stores the
// response (a fixed 1.5 KB body) with the effect.
type benchFlow struct {
	db   *sqlite.DB
	svc  *commerce.Service
	body []byte
	seq  atomic.Int64
}

func newBenchFlow(tb testing.TB) *benchFlow {
	tb.Helper()
	return newBenchFlowOn(tb, mustOpen(tb, filepath.Join(tb.TempDir(), "agentshop.db")))
}

func newBenchFlowOn(tb testing.TB, db *sqlite.DB) *benchFlow {
	tb.Helper()
	cat, err := commerce.NewCatalog([]commerce.Item{
		{ID: "racket", Title: "Racket", Price: 13900, Currency: "usd", Stock: 1 << 40},
		{ID: "gift", Title: "Gift card", Price: 5000, Currency: "usd", Stock: 1 << 40, Digital: true},
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.SeedStock(tb.Context(), cat.InitialStock()); err != nil {
		tb.Fatal(err)
	}
	return &benchFlow{
		db: db,
		svc: &commerce.Service{
			Store: db,
			Pricer: &commerce.Pricer{Catalog: cat, Config: commerce.PricingConfig{
				HomeCountry: "US",
				Shipping:    commerce.ShippingRates{DomesticStandard: 599, DomesticExpress: 1499, IntlStandard: 1999, IntlExpress: 3999},
				Taxes:       []commerce.TaxRate{{Country: "US", Region: "CA", BPS: 725}},
			}},
			Payments: commerce.MustPayments(&approveProvider{}),
		},
		body: bytes.Repeat([]byte(`{"k":"v"}`), 170),
	}
}

// request runs op the way idempotency.Do did before claims moved into the
// operation's transactions: claim the key, then run op with hooks that
// finish the key in op's transaction.
func (f *benchFlow) request(ctx context.Context, scope string, op func(*commerce.TxHooks[*commerce.View]) (*commerce.View, error)) (*commerce.View, error) {
	now := time.Now()
	rec := &idempotency.Record{
		Scope: scope, Key: fmt.Sprintf("idem_%d", f.seq.Add(1)), Fingerprint: "fp",
		LockedUntil: now.Add(time.Minute), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	if _, ok, err := f.db.ClaimIdempotencyKey(ctx, rec, now); err != nil || !ok {
		return nil, fmt.Errorf("claim: %v %v", ok, err)
	}
	return op(&commerce.TxHooks[*commerce.View]{Commit: func(ctx context.Context, tx commerce.Executor, _ *commerce.View) error {
		return tx.(store.Tx).FinishIdempotencyKey(ctx, rec.Scope, rec.Key, 200, f.body)
	}})
}

// run does one full flow and checks that it ended in an order.
func (f *benchFlow) run(ctx context.Context) error {
	_, err := f.runID(ctx)
	return err
}

// runID is run returning the session's id.
func (f *benchFlow) runID(ctx context.Context) (string, error) {
	v, err := f.request(ctx, "key POST /checkout_sessions", func(r *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
		return f.svc.Create(ctx, commerce.CreateInput{
			Lines: []commerce.LineInput{{ItemID: "racket", Quantity: 1}, {ItemID: "gift", Quantity: 2}},
			Buyer: &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
		}, r)
	})
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	id := v.Session.ID
	_, err = f.request(ctx, "key POST /checkout_sessions/"+id, func(r *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
		return f.svc.Update(ctx, id, commerce.UpdateInput{Fulfillment: &commerce.FulfillmentInput{
			Name: "Ada Lovelace", Email: "ada@example.com",
			Address: &commerce.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"},
		}}, r)
	})
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	v, err = f.request(ctx, "key POST /checkout_sessions/"+id+"/complete", func(r *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
		return f.svc.Complete(ctx, id, commerce.CompleteInput{Token: "vt_bench"}, r)
	})
	if err != nil {
		return "", fmt.Errorf("complete: %w", err)
	}
	if v.Status != commerce.StatusCompleted || v.Order == nil {
		return "", fmt.Errorf("complete: status %s, messages %+v", v.Status, v.Messages)
	}
	return id, nil
}

// BenchmarkFlow runs create → update → complete flows through
// commerce.Service on SQLite from 8 goroutines per CPU (16 on 2 cores, the
// concurrency of BENCHMARKS.md's C=16). One op is one flow: 6 idempotency
// or service transactions plus the settle transaction, 7 commits.
func BenchmarkFlow(b *testing.B) {
	f := newBenchFlow(b)
	ctx := b.Context()
	if err := f.run(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f.run(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkFlowSerial is BenchmarkFlow from one goroutine: the latency of a
// flow without queueing for the write connection.
func BenchmarkFlowSerial(b *testing.B) {
	f := newBenchFlow(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := f.run(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
