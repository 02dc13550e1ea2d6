package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testTx(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Ping", func(t *testing.T) {
		ctx, s := setup(t, open)
		requireNoError(t, s.Ping(ctx), "ping")
	})

	t.Run("CommitReadsOwnWrites", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := newSession(baseTime)
		err := s.InTx(ctx, func(tx commerce.Executor) error {
			if err := tx.CreateSession(ctx, sess); err != nil {
				return err
			}
			got, err := tx.GetSession(ctx, sess.ID)
			if err != nil {
				return err
			}
			requireDiff(t, sess, got, "session read in tx")
			return nil
		})
		requireNoError(t, err, "in tx")
		got, err := s.GetSession(ctx, sess.ID)
		requireNoError(t, err, "get after commit")
		requireDiff(t, sess, got, "session")
	})

	// Whatever fn wrote is gone when it fails, and its error comes back
	// intact for errors.Is and errors.As.
	t.Run("RollbackOnError", func(t *testing.T) {
		sentinel := errors.New("boom")
		tests := []struct {
			name string
			// fail ends the transaction's fn with an error.
			fail  func(ctx context.Context, tx commerce.Executor) error
			check func(tb testing.TB, err error)
		}{
			{name: "Sentinel", fail: func(context.Context, commerce.Executor) error {
				return fmt.Errorf("wrapped: %w", sentinel)
			}, check: func(tb testing.TB, err error) {
				requireIs(tb, err, sentinel, "in tx")
			}},
			{name: "CommerceError", fail: func(context.Context, commerce.Executor) error {
				return &commerce.Error{Code: commerce.EINPROGRESS, Message: "busy"}
			}, check: func(tb testing.TB, err error) {
				if e, ok := errors.AsType[*commerce.Error](err); !ok || e.Code != commerce.EINPROGRESS {
					tb.Fatalf("in tx: error = %v, want *commerce.Error with code %s", err, commerce.EINPROGRESS)
				}
			}},
			// A store may report AdjustStock's errors late, from InTx
			// (commerce.Store); either way they fail the whole transaction.
			{name: "StockBelowZero", fail: func(ctx context.Context, tx commerce.Executor) error {
				return tx.AdjustStock(ctx, "a", -6)
			}, check: func(tb testing.TB, err error) {
				requireIs(tb, err, commerce.ErrInsufficientStock, "in tx")
			}},
			{name: "StockOfUnknownItem", fail: func(ctx context.Context, tx commerce.Executor) error {
				return tx.AdjustStock(ctx, "nope", -1)
			}, check: func(tb testing.TB, err error) {
				requireIs(tb, err, commerce.ErrNotFound, "in tx")
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				requireNoError(t, s.SeedStock(ctx, map[string]int64{"a": 5}), "seed")
				var w written
				err := s.InTx(ctx, func(tx commerce.Executor) error {
					w = writeEverything(t, ctx, tx)
					return tt.fail(ctx, tx)
				})
				tt.check(t, err)
				w.requireAbsent(t, ctx, s)
			})
		}
	})

	t.Run("RollbackOnCancel", func(t *testing.T) {
		ctx, s := setup(t, open)
		requireNoError(t, s.SeedStock(ctx, map[string]int64{"a": 5}), "seed")
		txCtx, cancel := context.WithCancel(ctx)
		var w written
		err := s.InTx(txCtx, func(tx commerce.Executor) error {
			w = writeEverything(t, txCtx, tx)
			cancel()
			return nil
		})
		if err == nil {
			t.Fatal("InTx committed after its context was canceled")
		}
		w.requireAbsent(t, ctx, s)
	})

	// Failed transactions give their connection back: a store with a
	// leaked transaction would hang here.
	t.Run("NoLeak", func(t *testing.T) {
		ctx, s := setup(t, open)
		for range 20 {
			_ = s.InTx(ctx, func(tx commerce.Executor) error {
				if _, err := tx.GetSession(ctx, "cs_missing"); err != nil {
					return err
				}
				return nil
			})
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			return tx.CreateSession(ctx, newSession(baseTime))
		}), "in tx after failures")
	})

	// LockSession holds the session until the transaction ends, so
	// read-modify-write cycles do not lose updates.
	t.Run("LockSessionSerializes", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		const n = 10
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				err := s.InTx(ctx, func(tx commerce.Executor) error {
					cur, err := tx.LockSession(ctx, sess.ID)
					if err != nil {
						return err
					}
					time.Sleep(2 * time.Millisecond)
					cur.Version++
					return tx.UpdateSession(ctx, cur)
				})
				if err != nil {
					t.Errorf("increment: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := s.GetSession(ctx, sess.ID)
		requireNoError(t, err, "get")
		if got.Version != sess.Version+n {
			t.Errorf("version = %d, want %d", got.Version, sess.Version+n)
		}
	})
}

// written is what writeEverything wrote.
type written struct {
	session, payment, order, vaultToken string
	apiKeyHash, idemScope, idemKey      string
}

// writeEverything writes one row of each kind through tx, and takes one
// from stock item "a".
func writeEverything(tb testing.TB, ctx context.Context, tx commerce.Executor) written {
	tb.Helper()
	sess := createSession(tb, ctx, tx, baseTime)
	p := createPayment(tb, ctx, tx, sess.ID, 1, commerce.PaymentPending, baseTime)
	o := newOrder(sess.ID, baseTime)
	requireNoError(tb, tx.CreateOrder(ctx, o), "create order")
	requireNoError(tb, tx.AdjustStock(ctx, "a", -1), "adjust stock")
	k := newAPIKey("agent", baseTime)
	requireNoError(tb, txOf(tb, tx).CreateAPIKey(ctx, k), "create api key")
	vt := newVaultToken(baseTime)
	requireNoError(tb, txOf(tb, tx).CreateVaultToken(ctx, vt), "create vault token")
	r := newIdem("k1", "fp", baseTime)
	if _, claimed, err := txOf(tb, tx).ClaimIdempotencyKey(ctx, r, baseTime); err != nil || !claimed {
		tb.Fatalf("claim: %t, %v", claimed, err)
	}
	return written{session: sess.ID, payment: p.ID, order: o.ID, vaultToken: vt.ID,
		apiKeyHash: k.Hash, idemScope: r.Scope, idemKey: r.Key}
}

func (w written) requireAbsent(tb testing.TB, ctx context.Context, s store.Store) {
	tb.Helper()
	_, err := s.GetSession(ctx, w.session)
	requireIs(tb, err, commerce.ErrNotFound, "session after rollback")
	_, err = s.GetPayment(ctx, w.payment)
	requireIs(tb, err, commerce.ErrNotFound, "payment after rollback")
	_, err = s.GetOrder(ctx, w.order)
	requireIs(tb, err, commerce.ErrNotFound, "order after rollback")
	_, err = s.APIKeyByHash(ctx, w.apiKeyHash)
	requireIs(tb, err, commerce.ErrNotFound, "api key after rollback")
	_, err = s.GetVaultToken(ctx, w.vaultToken)
	requireIs(tb, err, commerce.ErrNotFound, "vault token after rollback")
	requireIs(tb, s.FinishIdempotencyKey(ctx, w.idemScope, w.idemKey, 200, nil), commerce.ErrNotFound, "idempotency key after rollback")
	levels, err := s.StockLevels(ctx, []string{"a"})
	requireNoError(tb, err, "stock levels")
	requireDiff(tb, map[string]int64{"a": 5}, levels, "stock after rollback")
}

// txOf is tx as every owner sees it: a store's transaction holds the rows
// of all of them (one database).
func txOf(tb testing.TB, tx commerce.Executor) store.Tx {
	tb.Helper()
	t, ok := tx.(store.Tx)
	if !ok {
		tb.Fatalf("the store's transaction %T is not a store.Tx", tx)
	}
	return t
}
