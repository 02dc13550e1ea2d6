package sqlite_test

// Benchmarks that estimate, at the store level, what the BENCHMARKS.md
// proposals would gain before anyone changes the store: checkpoints moved
// off the commit path, and idempotency claims inside the effect's
// transaction (as acp does at HEAD for create and update).

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	msqlite "modernc.org/sqlite"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
)

// noAutoCheckpointDriver is modernc.org/sqlite's driver with
// wal_autocheckpoint=0 on the write connection (the DSN with
// _txlock=immediate): commits never run a checkpoint.
type noAutoCheckpointDriver struct{}

func (noAutoCheckpointDriver) Open(name string) (driver.Conn, error) {
	c, err := (&msqlite.Driver{}).Open(name)
	if err != nil {
		return nil, err
	}
	if strings.Contains(name, "_txlock=immediate") {
		if _, err := c.(driver.ExecerContext).ExecContext(context.Background(), "PRAGMA wal_autocheckpoint=0", nil); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}

var registerNoAutoCheckpoint sync.Once

// openBackgroundCheckpoint opens the store with autocheckpoint off and runs
// PRAGMA wal_checkpoint(PASSIVE) from a connection of its own every 50 ms
// until the benchmark ends: the checkpoint (page copies and both fsyncs)
// no longer runs under the write lock.
func openBackgroundCheckpoint(b *testing.B) *sqlite.DB {
	registerNoAutoCheckpoint.Do(func() { sql.Register("sqlite-noautockpt", noAutoCheckpointDriver{}) })
	path := filepath.Join(b.TempDir(), "agentshop.db")
	restore := sqlite.UseDriver("sqlite-noautockpt")
	db := mustOpen(b, path)
	restore()
	ck, err := sql.Open("sqlite", path+"?_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	ck.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := ck.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil && ctx.Err() == nil {
					b.Error(err)
				}
			}
		}
	}()
	b.Cleanup(func() { cancel(); <-done; _ = ck.Close() })
	return db
}

// BenchmarkFlowBackgroundCheckpoint is BenchmarkFlow with checkpoints run
// by a background connection instead of by the committing request.
func BenchmarkFlowBackgroundCheckpoint(b *testing.B) {
	runParallelFlows(b, newBenchFlowOn(b, openBackgroundCheckpoint(b)).run)
}

// atomicRequest claims the key inside op's transaction, as
// internal/idempotency does for create and update (Key.Save claims and
// answers in one write).
func (f *benchFlow) atomicRequest(ctx context.Context, scope string, op func(*commerce.TxHooks[*commerce.View]) (*commerce.View, error)) (*commerce.View, error) {
	now := time.Now()
	rec := &idempotency.Record{
		Scope: scope, Key: fmt.Sprintf("idem_%d", f.seq.Add(1)), Fingerprint: "fp",
		LockedUntil: now.Add(time.Minute), CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	return op(&commerce.TxHooks[*commerce.View]{Commit: func(ctx context.Context, tx commerce.Executor, _ *commerce.View) error {
		if _, ok, err := tx.(store.Tx).ClaimIdempotencyKey(ctx, rec, now); err != nil || !ok {
			return fmt.Errorf("claim: %v %v", ok, err)
		}
		return tx.(store.Tx).FinishIdempotencyKey(ctx, rec.Scope, rec.Key, 200, f.body)
	}})
}

// runAtomic is run with create and update claiming inside their
// transaction (complete keeps its own claim): 5 commits instead of 7.
func (f *benchFlow) runAtomic(ctx context.Context) error {
	v, err := f.atomicRequest(ctx, "key POST /checkout_sessions", func(r *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
		return f.svc.Create(ctx, commerce.CreateInput{
			Lines: []commerce.LineInput{{ItemID: "racket", Quantity: 1}, {ItemID: "gift", Quantity: 2}},
			Buyer: &commerce.Buyer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
		}, r)
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	id := v.Session.ID
	if _, err = f.atomicRequest(ctx, "key POST /checkout_sessions/"+id, func(r *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
		return f.svc.Update(ctx, id, commerce.UpdateInput{Fulfillment: &commerce.FulfillmentInput{
			Name: "Ada Lovelace", Email: "ada@example.com",
			Address: &commerce.Address{Name: "Ada Lovelace", LineOne: "1 Main St", City: "San Francisco", State: "CA", Country: "US", PostalCode: "94103"},
		}}, r)
	}); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	v, err = f.request(ctx, "key POST /checkout_sessions/"+id+"/complete", func(r *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
		return f.svc.Complete(ctx, id, commerce.CompleteInput{Token: "vt_bench"}, r)
	})
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	if v.Status != commerce.StatusCompleted || v.Order == nil {
		return fmt.Errorf("complete: status %s", v.Status)
	}
	return nil
}

// BenchmarkFlowAtomic is BenchmarkFlow with HEAD's commit pattern for
// create and update (5 commits per flow instead of 7).
func BenchmarkFlowAtomic(b *testing.B) {
	runParallelFlows(b, newBenchFlow(b).runAtomic)
}

// BenchmarkFlowAtomicBackgroundCheckpoint combines both.
func BenchmarkFlowAtomicBackgroundCheckpoint(b *testing.B) {
	runParallelFlows(b, newBenchFlowOn(b, openBackgroundCheckpoint(b)).runAtomic)
}

// runParallelFlows runs flow as BenchmarkFlow does: 8 goroutines per CPU.
func runParallelFlows(b *testing.B, flow func(context.Context) error) {
	ctx := b.Context()
	if err := flow(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := flow(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
