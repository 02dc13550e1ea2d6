package postgres_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/store"
	"agentshop/internal/store/postgres"
)

// wire watches the connections of one pool: how many it opened and how
// many round trips they made. A round trip is one or more writes followed
// by a read, counted when the read starts.
type wire struct {
	conns, trips atomic.Int64
	// cut makes the next write the last: the connection is closed under
	// pgx once it has been written.
	cut atomic.Bool
}

// configure gives the pool a single connection, dialed through w, so that
// a statement prepared once stays prepared. Acquire does not ping idle
// connections, which would add a round trip that is not the transaction's.
func (w *wire) configure(cfg *pgxpool.Config) {
	cfg.MaxConns = 1
	cfg.MinConns = 0
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.ConnConfig.DialFunc = w.dial
	cfg.AfterConnect = func(context.Context, *pgx.Conn) error {
		w.conns.Add(1)
		return nil
	}
}

func (w *wire) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := new(net.Dialer).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &wiredConn{Conn: c, w: w}, nil
}

type wiredConn struct {
	net.Conn
	w     *wire
	mu    sync.Mutex
	wrote bool
}

func (c *wiredConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.wrote = true
	c.mu.Unlock()
	n, err := c.Conn.Write(p)
	if c.w.cut.CompareAndSwap(true, false) {
		_ = c.Conn.Close()
	}
	return n, err
}

func (c *wiredConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.wrote {
		c.wrote = false
		c.w.trips.Add(1)
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

var now = time.Date(2026, 4, 17, 9, 30, 15, 0, time.UTC)

func newSession() *commerce.Session {
	return &commerce.Session{
		ID:        commerce.NewID("cs"),
		Currency:  "usd",
		Lines:     []commerce.Line{{ID: "li_1", ItemID: "item_mug", Quantity: 2}},
		CreatedAt: now,
		UpdatedAt: now,
		ExpiresAt: now.Add(24 * time.Hour),
		Version:   1,
	}
}

func newPayment(sessionID string, attempt int, st commerce.PaymentStatus) *commerce.Payment {
	return &commerce.Payment{
		ID:         commerce.NewID("pay"),
		SessionID:  sessionID,
		Attempt:    attempt,
		Status:     st,
		Amount:     4200,
		Currency:   "usd",
		Provider:   "test",
		LeaseUntil: now.Add(30 * time.Second),
		CreatedAt:  now,
		UpdatedAt:  now,
	}
}

func newIdem(key string) *idempotency.Record {
	return &idempotency.Record{
		Scope:       "key_1 POST /checkout_sessions",
		Key:         key,
		Fingerprint: "fp",
		LockedUntil: now.Add(time.Minute),
		CreatedAt:   now,
		ExpiresAt:   now.Add(24 * time.Hour),
	}
}

// fixture is a stored session and an in-flight idempotency record.
type fixture struct {
	sess *commerce.Session
	idem *idempotency.Record
}

func newFixture(t *testing.T, db *postgres.DB) fixture {
	t.Helper()
	ctx := t.Context()
	f := fixture{sess: newSession(), idem: newIdem("k1")}
	if err := db.CreateSession(ctx, f.sess); err != nil {
		t.Fatal(err)
	}
	if _, claimed, err := db.ClaimIdempotencyKey(ctx, f.idem, now); err != nil || !claimed {
		t.Fatalf("claim: %t, %v", claimed, err)
	}
	if err := db.SeedStock(ctx, map[string]int64{"a": 1000}); err != nil {
		t.Fatal(err)
	}
	return f
}

// bump locks the session and stores it with its version incremented.
func bump(ctx context.Context, tx commerce.Executor, id string) error {
	s, err := tx.LockSession(ctx, id)
	if err != nil {
		return err
	}
	s.Version++
	return tx.UpdateSession(ctx, s)
}

// Each transaction runs twice on one connection; the second run, with
// every statement prepared, is counted.
func TestTxRoundTrips(t *testing.T) {
	url := testURL(t)
	tests := []struct {
		name string
		fn   func(ctx context.Context, tx commerce.Executor, f fixture) error
		want int
		was  int // before BEGIN and queued writes shared batches
	}{
		{name: "Nothing", want: 0, was: 2, fn: func(context.Context, commerce.Executor, fixture) error {
			return nil
		}},
		{name: "UpdateSessionCommit", want: 1, was: 3, fn: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			return tx.UpdateSession(ctx, f.sess)
		}},
		{name: "LockUpdateSessionFinishKeyCommit", want: 2, was: 5, fn: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			if err := bump(ctx, tx, f.sess.ID); err != nil {
				return err
			}
			return tx.(store.Tx).FinishIdempotencyKey(ctx, f.idem.Scope, f.idem.Key, 200, []byte(`{}`))
		}},
		// The stock UPDATE goes with COMMIT, so the item's row is locked
		// for that batch only.
		{name: "LockUpdateSessionAdjustStockCommit", want: 2, was: 5, fn: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			if err := bump(ctx, tx, f.sess.ID); err != nil {
				return err
			}
			return tx.AdjustStock(ctx, "a", -1)
		}},
		// The read flushes the update: BEGIN+SELECT, UPDATE+SELECT, COMMIT.
		{name: "LockUpdateReadCommit", want: 3, was: 5, fn: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			if err := bump(ctx, tx, f.sess.ID); err != nil {
				return err
			}
			_, err := tx.GetSession(ctx, f.sess.ID)
			return err
		}},
		{name: "CreateSessionFinishKeyCommit", want: 1, was: 4, fn: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			if err := tx.CreateSession(ctx, newSession()); err != nil {
				return err
			}
			return tx.(store.Tx).FinishIdempotencyKey(ctx, f.idem.Scope, f.idem.Key, 201, []byte(`{}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			w := new(wire)
			db, _ := openSchemaWith(t, url, w.configure)
			f := newFixture(t, db)
			run := func() {
				t.Helper()
				if err := db.InTx(ctx, func(tx commerce.Executor) error { return tt.fn(ctx, tx, f) }); err != nil {
					t.Fatal(err)
				}
			}
			run()
			conns, trips := w.conns.Load(), w.trips.Load()
			run()
			if got := w.trips.Load() - trips; got != int64(tt.want) {
				t.Errorf("round trips = %d, want %d (was %d)", got, tt.want, tt.was)
			}
			if d := w.conns.Load() - conns; d != 0 {
				t.Errorf("%d connections opened, want the pooled one", d)
			}
		})
	}
}

// Statements see the writes queued before them, and so does the commit.
func TestTxReadsQueuedWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := mustOpenSchema(t, testURL(t))
	f := newFixture(t, db)
	err := db.InTx(ctx, func(tx commerce.Executor) error {
		s, err := tx.LockSession(ctx, f.sess.ID)
		if err != nil {
			return err
		}
		s.Version = 7
		s.Status = commerce.StatusCanceled
		if err := tx.UpdateSession(ctx, s); err != nil {
			return err
		}
		got, err := tx.GetSession(ctx, f.sess.ID)
		if err != nil {
			return err
		}
		if got.Version != 7 || got.Status != commerce.StatusCanceled {
			t.Errorf("session read in tx: version %d, status %q; want 7, %q", got.Version, got.Status, commerce.StatusCanceled)
		}
		if err := tx.(store.Tx).FinishIdempotencyKey(ctx, f.idem.Scope, f.idem.Key, 201, []byte(`{"id":"cs_1"}`)); err != nil {
			return err
		}
		prev, claimed, err := tx.(store.Tx).ClaimIdempotencyKey(ctx, newIdem(f.idem.Key), now)
		if err != nil {
			return err
		}
		if claimed || !prev.Done || prev.Status != 201 || string(prev.Body) != `{"id":"cs_1"}` {
			t.Errorf("claim after finish in tx: claimed %t, record %+v; want the finished record", claimed, prev)
		}
		s.Version = 8
		return tx.UpdateSession(ctx, s)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.GetSession(ctx, f.sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 8 {
		t.Errorf("version after commit = %d, want 8", got.Version)
	}
}

// A queued write of a missing row fails the transaction with ErrNotFound,
// from the call that sends it or from InTx, and nothing of it commits.
func TestTxQueuedWriteNotFound(t *testing.T) {
	url := testURL(t)
	missing := func(ctx context.Context, tx commerce.Executor, f fixture) error {
		return tx.UpdateSession(ctx, newSession())
	}
	tests := []struct {
		name  string
		write func(ctx context.Context, tx commerce.Executor, f fixture) error
		op    string // in the error
		is    error  // the error's sentinel; nil: ErrNotFound
		// then runs after the write; nil: fn returns and InTx commits.
		then func(ctx context.Context, tx commerce.Executor, f fixture) error
	}{
		{name: "SessionAtCommit", write: missing, op: "update session"},
		{name: "PaymentAtCommit", op: "update payment", write: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			return tx.UpdatePayment(ctx, newPayment(f.sess.ID, 1, commerce.PaymentFailed))
		}},
		{name: "IdempotencyKeyAtCommit", op: "finish idempotency key", write: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			return tx.(store.Tx).FinishIdempotencyKey(ctx, f.idem.Scope, "missing", 200, nil)
		}},
		{name: "SessionAtNextRead", write: missing, op: "update session", then: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			_, err := tx.GetSession(ctx, f.sess.ID)
			return err
		}},
		{name: "SessionAtNextWrite", write: missing, op: "update session", then: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			return tx.CreatePayment(ctx, newPayment(f.sess.ID, 9, commerce.PaymentFailed))
		}},
		// A queued insert that conflicts fails like a queued update.
		{name: "CreateOrderConflictAtCommit", op: "create order", is: commerce.ErrConflict, write: func(ctx context.Context, tx commerce.Executor, f fixture) error {
			o := &commerce.Order{ID: commerce.NewID("ord"), SessionID: f.sess.ID, Currency: "usd"}
			if err := tx.CreateOrder(ctx, o); err != nil {
				return err
			}
			dup := *o
			dup.ID = commerce.NewID("ord") // same session: the unique index refuses it
			return tx.CreateOrder(ctx, &dup)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := mustOpenSchema(t, url)
			f := newFixture(t, db)
			want := tt.is
			if want == nil {
				want = commerce.ErrNotFound
			}
			created := newSession()
			err := db.InTx(ctx, func(tx commerce.Executor) error {
				if err := bump(ctx, tx, f.sess.ID); err != nil {
					return err
				}
				if err := tx.CreateSession(ctx, created); err != nil {
					return err
				}
				if err := tt.write(ctx, tx, f); err != nil {
					t.Errorf("queued write failed at once: %v", err)
					return err
				}
				if tt.then == nil {
					return nil
				}
				err := tt.then(ctx, tx, f)
				if !errors.Is(err, want) || !strings.Contains(err.Error(), tt.op) {
					t.Errorf("next call: error = %v, want %v naming %q", err, want, tt.op)
				}
				// The transaction has failed: later calls say so too.
				if _, err2 := tx.GetSession(ctx, f.sess.ID); err2 == nil || err2.Error() != err.Error() {
					t.Errorf("call after the failure: error = %v, want %v", err2, err)
				}
				return err
			})
			if !errors.Is(err, want) || !strings.Contains(err.Error(), tt.op) {
				t.Fatalf("InTx: error = %v, want %v naming %q", err, want, tt.op)
			}
			if _, err := db.GetSession(ctx, created.ID); !errors.Is(err, commerce.ErrNotFound) {
				t.Errorf("session created in the failed transaction: error = %v, want ErrNotFound", err)
			}
			requireVersion(t, db, f.sess.ID, f.sess.Version)
		})
	}
}

// A queued write that fails in the commit batch rolls the transaction
// back and leaves the connection pooled, idle and usable.
func TestTxQueuedWriteFailsAtCommit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := testURL(t)
	w := new(wire)
	db, schema := openSchemaWith(t, url, w.configure)
	f := newFixture(t, db)
	if err := db.CreatePayment(ctx, newPayment(f.sess.ID, 1, commerce.PaymentPending)); err != nil {
		t.Fatal(err)
	}
	failed := newPayment(f.sess.ID, 2, commerce.PaymentFailed)
	if err := db.CreatePayment(ctx, failed); err != nil {
		t.Fatal(err)
	}
	conns := w.conns.Load()

	err := db.InTx(ctx, func(tx commerce.Executor) error {
		if err := bump(ctx, tx, f.sess.ID); err != nil {
			return err
		}
		// A second active attempt: the unique index refuses it.
		failed.Status = commerce.PaymentPending
		if err := tx.UpdatePayment(ctx, failed); err != nil {
			return err
		}
		return tx.(store.Tx).FinishIdempotencyKey(ctx, f.idem.Scope, f.idem.Key, 200, nil)
	})
	if !errors.Is(err, commerce.ErrConflict) || !strings.Contains(err.Error(), "update payment "+failed.ID) {
		t.Fatalf("InTx: error = %v, want ErrConflict from update payment", err)
	}
	requireVersion(t, db, f.sess.ID, f.sess.Version)
	if p, err := db.GetPayment(ctx, failed.ID); err != nil || p.Status != commerce.PaymentFailed {
		t.Errorf("payment after rollback: %v, %v; want status failed", p, err)
	}
	if _, claimed, err := db.ClaimIdempotencyKey(ctx, newIdem(f.idem.Key), now); err != nil || claimed {
		t.Errorf("idempotency record after rollback: claimed %t, %v; want it in flight", claimed, err)
	}

	// The next transaction runs on the same connection and commits: a
	// second store sees what it wrote.
	if err := db.InTx(ctx, func(tx commerce.Executor) error { return bump(ctx, tx, f.sess.ID) }); err != nil {
		t.Fatalf("next InTx: %v", err)
	}
	if d := w.conns.Load() - conns; d != 0 {
		t.Errorf("%d connections opened, want the pooled one reused", d)
	}
	other, err := postgres.OpenSchema(ctx, url, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	requireVersion(t, other, f.sess.ID, f.sess.Version+1)
}

// A connection lost once COMMIT has been written leaves the outcome
// unknown: ErrUnavailable, and the connection is not pooled again.
func TestTxCommitOutcomeUnknown(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	w := new(wire)
	db, _ := openSchemaWith(t, testURL(t), w.configure)
	f := newFixture(t, db)
	// Once to prepare the statements: the commit batch is then one write.
	if err := db.InTx(ctx, func(tx commerce.Executor) error { return bump(ctx, tx, f.sess.ID) }); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(tx commerce.Executor) error {
		if err := bump(ctx, tx, f.sess.ID); err != nil {
			return err
		}
		w.cut.Store(true) // the commit batch is the next write
		return nil
	})
	if !errors.Is(err, commerce.ErrUnavailable) {
		t.Fatalf("InTx: error = %v, want ErrUnavailable", err)
	}
	conns := w.conns.Load()
	if err := db.InTx(ctx, func(tx commerce.Executor) error { return bump(ctx, tx, f.sess.ID) }); err != nil {
		t.Fatalf("next InTx: %v", err)
	}
	if d := w.conns.Load() - conns; d != 1 {
		t.Errorf("%d connections opened after the lost one, want 1", d)
	}
}

func requireVersion(tb testing.TB, db *postgres.DB, id string, want int64) {
	tb.Helper()
	s, err := db.GetSession(tb.Context(), id)
	if err != nil {
		tb.Fatal(err)
	}
	if s.Version != want {
		tb.Errorf("session version = %d, want %d", s.Version, want)
	}
}
