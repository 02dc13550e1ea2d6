package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store/sqlite"
)

// blockWriter runs a transaction that holds the writer until the returned
// function is called, so that transactions started meanwhile queue and are
// committed together in the next batch.
func blockWriter(t *testing.T, db *sqlite.DB) (release func()) {
	t.Helper()
	gate := make(chan struct{})
	running := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.InTx(context.Background(), func(tx commerce.Executor) error {
			close(running)
			<-gate
			return tx.SeedStock(context.Background(), map[string]int64{"blocker": 1})
		})
	}()
	<-running
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(gate)
			if err := <-errc; err != nil {
				t.Errorf("blocking transaction: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
}

// waitQueued waits until n jobs are queued behind the blocked writer.
func waitQueued(t *testing.T, db *sqlite.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for db.Queued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs queued, want %d", db.Queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func stockOf(t *testing.T, db *sqlite.DB, ids ...string) map[string]int64 {
	t.Helper()
	levels, err := db.StockLevels(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return levels
}

// In one batch, a transaction whose fn fails or panics is rolled back
// alone: the others commit, and the writer keeps working.
func TestBatchIsolatesFailures(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	release := blockWriter(t, db)

	errBoom := errors.New("boom")
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = db.InTx(t.Context(), func(tx commerce.Executor) error {
				if err := tx.SeedStock(t.Context(), map[string]int64{fmt.Sprint("item", i): int64(i + 1)}); err != nil {
					return err
				}
				// Reads inside the savepoint see its own write.
				levels, err := tx.StockLevels(t.Context(), []string{fmt.Sprint("item", i)})
				if err != nil || levels[fmt.Sprint("item", i)] != int64(i+1) {
					return fmt.Errorf("own write not visible: %v %v", levels, err)
				}
				switch i % 3 {
				case 1:
					return errBoom
				case 2:
					panic(fmt.Sprint("panic ", i))
				}
				return nil
			})
		})
	}
	waitQueued(t, db, n)
	release()
	wg.Wait()

	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprint("item", i)
	}
	levels := stockOf(t, db, ids...)
	for i, err := range errs {
		_, present := levels[ids[i]]
		switch i % 3 {
		case 0:
			if err != nil || !present {
				t.Errorf("job %d: err %v, committed %v; want nil, true", i, err, present)
			}
		case 1:
			if !errors.Is(err, errBoom) || present {
				t.Errorf("job %d: err %v, committed %v; want boom, false", i, err, present)
			}
		case 2:
			if err == nil || !strings.Contains(err.Error(), fmt.Sprint("panic ", i)) || present {
				t.Errorf("job %d: err %v, committed %v; want the panic, false", i, err, present)
			}
		}
	}
	// The writer survived the panics.
	if err := db.SeedStock(t.Context(), map[string]int64{"after": 1}); err != nil {
		t.Fatal(err)
	}
	if _, ok := stockOf(t, db, "after")["after"]; !ok {
		t.Fatal("write after the batch not committed")
	}
}

// Transactions queued while a batch runs join it before its COMMIT rather
// than waiting for that COMMIT and then for a batch of their own.
func TestBatchTakesJobsQueuedWhileRunning(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	before := db.WriterStats()
	release := blockWriter(t, db)
	const n = 5
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := db.SeedStock(t.Context(), map[string]int64{fmt.Sprint("item", i): 1}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, db, n)
	release()
	wg.Wait()
	after := db.WriterStats()
	if got := after.Batches - before.Batches; got != 1 {
		t.Errorf("%d commits for the blocking transaction and the %d queued behind it, want 1", got, n)
	}
	if got := after.Jobs - before.Jobs; got != n+1 {
		t.Errorf("%d jobs committed, want %d", got, n+1)
	}
	if after.Busy <= before.Busy || after.Commit <= before.Commit || after.Commit > after.Busy {
		t.Errorf("writer times: before %+v, after %+v; want both to grow, commit within busy", before, after)
	}
	if got := len(stockOf(t, db, "item0", "item1", "item2", "item3", "item4")); got != n {
		t.Errorf("%d of %d queued writes committed", got, n)
	}
}

// A transaction whose context ends while it waits in the queue returns at
// once, and its fn never runs.
func TestBatchCancelWhileQueued(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	release := blockWriter(t, db)

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	ran := make(chan struct{}, 1)
	go func() {
		errc <- db.InTx(ctx, func(tx commerce.Executor) error {
			ran <- struct{}{}
			return tx.SeedStock(t.Context(), map[string]int64{"canceled": 1})
		})
	}()
	// A write outside a transaction whose context is already done.
	done, cancelDone := context.WithCancel(t.Context())
	cancelDone()
	if err := db.SeedStock(done, map[string]int64{"dead": 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("SeedStock with a canceled context: %v", err)
	}
	// One more that stays queued and must still commit.
	okc := make(chan error, 1)
	go func() { okc <- db.SeedStock(t.Context(), map[string]int64{"kept": 1}) }()
	waitQueued(t, db, 2)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("canceled InTx: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("canceled InTx still waiting for the writer")
	}
	release()
	if err := <-okc; err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
		t.Error("fn of a canceled transaction ran")
	default:
	}
	levels := stockOf(t, db, "canceled", "dead", "kept")
	if _, ok := levels["canceled"]; ok {
		t.Error("canceled transaction committed")
	}
	if _, ok := levels["dead"]; ok {
		t.Error("write with a canceled context committed")
	}
	if _, ok := levels["kept"]; !ok {
		t.Error("queued write lost")
	}
}

// A transaction canceled while its fn runs rolls back alone; a failure
// inside fn's statements does not end the shared transaction.
func TestBatchCancelWhileRunning(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	if err := db.SeedStock(t.Context(), map[string]int64{"a": 1}); err != nil {
		t.Fatal(err)
	}
	release := blockWriter(t, db)

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 3)
	go func() {
		errc <- db.InTx(t.Context(), func(tx commerce.Executor) error {
			return tx.SeedStock(t.Context(), map[string]int64{"first": 1})
		})
	}()
	waitQueued(t, db, 1)
	go func() {
		errc <- db.InTx(ctx, func(tx commerce.Executor) error {
			if err := tx.SeedStock(ctx, map[string]int64{"mid": 1}); err != nil {
				return err
			}
			cancel()
			// Statements after the cancellation fail without touching the
			// shared transaction.
			if err := tx.AdjustStock(ctx, "a", 1); !errors.Is(err, context.Canceled) {
				return fmt.Errorf("adjust after cancel: %v", err)
			}
			return nil
		})
	}()
	waitQueued(t, db, 2)
	go func() {
		errc <- db.InTx(t.Context(), func(tx commerce.Executor) error {
			// A constraint error inside fn, handled by fn.
			if err := tx.AdjustStock(t.Context(), "a", -5); !errors.Is(err, commerce.ErrInsufficientStock) {
				return fmt.Errorf("adjust below zero: %v", err)
			}
			return tx.SeedStock(t.Context(), map[string]int64{"last": 1})
		})
	}()
	waitQueued(t, db, 3)
	release()
	var canceled int
	for range 3 {
		if err := <-errc; errors.Is(err, context.Canceled) {
			canceled++
		} else if err != nil {
			t.Error(err)
		}
	}
	if canceled != 1 {
		t.Errorf("%d canceled transactions, want 1", canceled)
	}
	levels := stockOf(t, db, "first", "mid", "last", "a")
	if _, ok := levels["mid"]; ok {
		t.Error("canceled transaction committed")
	}
	if levels["first"] != 1 || levels["last"] != 1 || levels["a"] != 1 {
		t.Errorf("stock %v, want first, last and a at 1", levels)
	}
}

// Close commits what is queued, then refuses new transactions.
func TestCloseDrainsQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentshop.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	release := blockWriter(t, db)
	const n = 8
	errc := make(chan error, n)
	for i := range n {
		go func() { errc <- db.SeedStock(context.Background(), map[string]int64{fmt.Sprint("q", i): 1}) }()
	}
	waitQueued(t, db, n)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	// Close waits for the queue.
	select {
	case err := <-closed:
		t.Fatalf("Close returned before the queue drained: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	for range n {
		if err := <-errc; err != nil {
			t.Errorf("queued write: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(t.Context(), func(commerce.Executor) error { return nil }); err == nil {
		t.Error("InTx after Close succeeded")
	}

	db = mustOpen(t, path)
	ids := []string{"blocker"}
	for i := range n {
		ids = append(ids, fmt.Sprint("q", i))
	}
	if levels := stockOf(t, db, ids...); len(levels) != n+1 {
		t.Errorf("after reopening: %v, want all %d items", levels, n+1)
	}
}

// Many concurrent read-modify-write transactions through LockSession lose
// no update when batched.
func TestBatchConcurrentIncrements(t *testing.T) {
	db := mustOpen(t, filepath.Join(t.TempDir(), "agentshop.db"))
	if err := db.SeedStock(t.Context(), map[string]int64{"n": 0}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := db.InTx(t.Context(), func(tx commerce.Executor) error {
					if err := tx.AdjustStock(t.Context(), "n", 1); err != nil {
						return err
					}
					if (w+i)%5 == 0 {
						return errors.New("undo")
					}
					return nil
				})
				if err != nil && err.Error() != "undo" {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	want := int64(0)
	for w := range workers {
		for i := range each {
			if (w+i)%5 != 0 {
				want++
			}
		}
	}
	if got := stockOf(t, db, "n")["n"]; got != want {
		t.Errorf("n = %d, want %d", got, want)
	}
}

// Commits leave checkpoints to the checkpointer, and the WAL stays near
// its bound under continuous writes.
func TestWALBounded(t *testing.T) {
	const maxFrames = 64
	restore := sqlite.SetCheckpointing(5*time.Millisecond, maxFrames)
	path := filepath.Join(t.TempDir(), "agentshop.db")
	db := mustOpen(t, path)
	restore()
	if err := db.SeedStock(t.Context(), map[string]int64{"n": 0}); err != nil {
		t.Fatal(err)
	}
	var biggest int64
	deadline := time.Now().Add(time.Second)
	writes := 0
	for time.Now().Before(deadline) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				err := db.InTx(t.Context(), func(tx commerce.Executor) error {
					return tx.SeedStock(t.Context(), map[string]int64{fmt.Sprint("item", writes, "-", i): 1})
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		writes++
		if fi, err := os.Stat(sqlite.WALFile(path)); err == nil {
			biggest = max(biggest, fi.Size())
		}
	}
	// Without the bound the WAL reaches tens of MB in this second; with
	// it, the bound plus what one interval writes. The file is reused,
	// not truncated, so its size is its high-water mark.
	if limit := int64(16 << 20); biggest > limit {
		t.Errorf("WAL grew to %d bytes after %d rounds, want under %d", biggest, writes, limit)
	}
	t.Logf("%d rounds of 8 transactions; WAL at most %d bytes", writes, biggest)
}

// The write connection runs with the settings durability and group commit
// rely on.
func TestWriterPragmas(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, tt := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL: every commit fsyncs the WAL
		{"foreign_keys", "1"},
		{"wal_autocheckpoint", "0"}, // the checkpointer does it, off the commit path
		{"temp_store", "2"},         // MEMORY: savepoint sub-journals never spill to a file
	} {
		got, err := db.WriterPragma(context.Background(), tt.pragma)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}
