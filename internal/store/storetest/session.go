package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
)

func testSession(t *testing.T, open func(t *testing.T) commerce.Store) {
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
