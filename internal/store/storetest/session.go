package storetest

import (
	"errors"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testSession(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := setup(t, open)
		want := createSession(t, ctx, s, baseTime)
		got, err := s.GetSession(ctx, want.ID)
		requireNoError(t, err, "get session")
		requireDiff(t, want, got, "session")
	})

	t.Run("CreateConflict", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		dup := newSession(baseTime)
		dup.ID = sess.ID
		requireIs(t, s.CreateSession(ctx, dup), commerce.ErrConflict, "create duplicate session")
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx, s := setup(t, open)
		_, err := s.GetSession(ctx, "cs_missing")
		requireIs(t, err, commerce.ErrNotFound, "get")
		err = s.InTx(ctx, func(tx commerce.Executor) error {
			_, err := tx.LockSession(ctx, "cs_missing")
			return err
		})
		requireIs(t, err, commerce.ErrNotFound, "lock")
		requireIs(t, s.UpdateSession(ctx, newSession(baseTime)), commerce.ErrNotFound, "update")
	})

	t.Run("Update", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		sess.Status = commerce.StatusAuthRequired
		sess.Auth3DS = &commerce.Challenge{PaymentID: "pay_1", Token: "vt_1", Provider: "sandbox", DirectoryServer: "visa"}
		sess.Lines = sess.Lines[:1]
		sess.PaymentMessage = nil
		sess.CouponCodes = nil
		sess.UpdatedAt = baseTime.Add(time.Minute)
		sess.Version++
		requireNoError(t, s.UpdateSession(ctx, sess), "update session")
		got, err := s.GetSession(ctx, sess.ID)
		requireNoError(t, err, "get session")
		requireDiff(t, sess, got, "session")
	})

	// LockSessionPayments answers what LockSession and ListPayments would,
	// inside a transaction (with its own earlier writes, sent or queued)
	// and outside.
	t.Run("LockSessionPayments", func(t *testing.T) {
		ctx, s := setup(t, open)
		want := createSession(t, ctx, s, baseTime)
		p1 := createPayment(t, ctx, s, want.ID, 1, commerce.PaymentFailed, baseTime)
		got, ps, err := s.LockSessionPayments(ctx, want.ID)
		requireNoError(t, err, "outside a transaction")
		requireDiff(t, want, got, "session")
		requireDiff(t, []*commerce.Payment{p1}, ps, "payments")

		_, _, err = s.LockSessionPayments(ctx, "cs_missing")
		requireIs(t, err, commerce.ErrNotFound, "unknown session")

		err = s.InTx(ctx, func(tx commerce.Executor) error {
			p2 := createPayment(t, ctx, tx, want.ID, 2, commerce.PaymentPending, baseTime)
			p1.DeclineCode = "card_declined"
			requireNoError(t, tx.UpdatePayment(ctx, p1), "update payment")
			want.Version++
			requireNoError(t, tx.UpdateSession(ctx, want), "update session")
			got, ps, err := tx.LockSessionPayments(ctx, want.ID)
			if err != nil {
				return err
			}
			requireDiff(t, want, got, "session in tx")
			requireDiff(t, []*commerce.Payment{p1, p2}, ps, "payments in tx")
			_, _, err = tx.LockSessionPayments(ctx, "cs_missing")
			requireIs(t, err, commerce.ErrNotFound, "unknown session in tx")
			return nil
		})
		// PostgreSQL fails the rest of a transaction after an error, so the
		// unknown session's ErrNotFound may end it.
		if err != nil && !errors.Is(err, commerce.ErrNotFound) {
			t.Fatalf("in tx: %v", err)
		}
	})

	// The attempts come from after the lock is held: a transaction that
	// waited for the lock sees the attempt its holder committed meanwhile.
	// Complete relies on this to never start a second charge.
	t.Run("LockSessionPaymentsAfterLock", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		locked := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.InTx(ctx, func(tx commerce.Executor) error {
				if _, err := tx.LockSession(ctx, sess.ID); err != nil {
					return err
				}
				close(locked)
				time.Sleep(50 * time.Millisecond)
				return tx.CreatePayment(ctx, newPayment(sess.ID, 1, commerce.PaymentPending, baseTime))
			})
		}()
		<-locked
		var ps []*commerce.Payment
		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			var err error
			_, ps, err = tx.LockSessionPayments(ctx, sess.ID)
			return err
		}), "second transaction")
		requireNoError(t, <-done, "first transaction")
		if len(ps) != 1 || ps[0].Status != commerce.PaymentPending {
			t.Errorf("second transaction saw %d attempts, want the pending one the first committed", len(ps))
		}
	})

	t.Run("LockSessionInTx", func(t *testing.T) {
		ctx, s := setup(t, open)
		want := createSession(t, ctx, s, baseTime)
		err := s.InTx(ctx, func(tx commerce.Executor) error {
			got, err := tx.LockSession(ctx, want.ID)
			if err != nil {
				return err
			}
			requireDiff(t, want, got, "locked session")
			return nil
		})
		requireNoError(t, err, "in tx")
	})
}
