package storetest

import (
	"context"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testRetention checks DeleteAbandonedSessions: expired sessions that
// never became orders go, with the idempotency records that name them;
// anything that touched money stays (issue 15 item 5: /mcp sessions
// filled the disk and nothing ever removed them).
func testRetention(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("DeleteAbandonedSessions", func(t *testing.T) {
		ctx, s := setup(t, open)
		cut := baseTime
		expiring := func(expires time.Time, status commerce.Status) *commerce.Session {
			sess := newSession(expires.Add(-24 * time.Hour))
			sess.ExpiresAt, sess.Status = expires, status
			requireNoError(t, s.CreateSession(ctx, sess), "create session")
			return sess
		}
		tests := []struct {
			name    string
			sess    *commerce.Session
			deleted bool
		}{
			{name: "ExpiredLongBefore", sess: expiring(cut.Add(-72*time.Hour), ""), deleted: true},
			{name: "ExpiredJustBefore", sess: expiring(cut.Add(-TimePrecision), commerce.StatusReady), deleted: true},
			{name: "CanceledBefore", sess: expiring(cut.Add(-time.Hour), commerce.StatusCanceled), deleted: true},
			{name: "ExpiresAtCutOff", sess: expiring(cut, "")},
			{name: "ExpiresAfter", sess: expiring(cut.Add(time.Hour), "")},
		}
		// Expired long ago but with a declined attempt, or an order: kept.
		declined := expiring(cut.Add(-72*time.Hour), "")
		createPayment(t, ctx, s, declined.ID, 1, commerce.PaymentFailed, cut.Add(-73*time.Hour))
		tests = append(tests, struct {
			name    string
			sess    *commerce.Session
			deleted bool
		}{name: "DeclinedAttempt", sess: declined})
		ordered := expiring(cut.Add(-72*time.Hour), commerce.StatusCompleted)
		requireNoError(t, s.CreateOrder(ctx, newOrder(ordered.ID, cut.Add(-73*time.Hour))), "create order")
		tests = append(tests, struct {
			name    string
			sess    *commerce.Session
			deleted bool
		}{name: "Order", sess: ordered})

		// Idempotency records naming sessions, kept long enough not to
		// expire on their own.
		record := func(scope string) {
			rec := newIdem("k-"+scope, "fp", cut)
			rec.Scope, rec.Done, rec.Status, rec.Body = scope, true, 200, []byte(`{}`)
			rec.ExpiresAt = cut.Add(365 * 24 * time.Hour)
			if _, claimed, err := s.ClaimIdempotencyKey(ctx, rec, cut); err != nil || !claimed {
				t.Fatalf("claim %s: %v %t", scope, err, claimed)
			}
		}
		exists := func(scope string) bool {
			rec := newIdem("k-"+scope, "fp2", cut)
			rec.Scope = scope
			_, claimed, err := s.ClaimIdempotencyKey(ctx, rec, cut)
			requireNoError(t, err, "claim "+scope)
			return !claimed
		}
		gone := tests[0].sess.ID
		kept := tests[3].sess.ID
		goneScopes := []string{"key_1 POST /checkout_sessions/" + gone, "key_1 POST /checkout_sessions/" + gone + "/cancel", "key_1 mcp update_checkout_session " + gone}
		keptScopes := []string{"key_1 POST /checkout_sessions/" + kept, "key_1 POST /checkout_sessions/" + ordered.ID + "/complete", "key_1 POST /checkout_sessions"}
		for _, sc := range append(append([]string{}, goneScopes...), keptScopes...) {
			record(sc)
		}

		n, err := s.DeleteAbandonedSessions(ctx, cut, 100)
		requireNoError(t, err, "delete abandoned sessions")
		want := 0
		for _, tt := range tests {
			_, err := s.GetSession(ctx, tt.sess.ID)
			switch {
			case tt.deleted:
				want++
				requireIs(t, err, commerce.ErrNotFound, tt.name+": get deleted session")
			case err != nil:
				t.Errorf("%s: session deleted (%v), want it kept", tt.name, err)
			}
		}
		if n != int64(want) {
			t.Errorf("deleted %d sessions, want %d", n, want)
		}
		for _, sc := range goneScopes {
			if exists(sc) {
				t.Errorf("idempotency record %q of a deleted session kept", sc)
			}
		}
		for _, sc := range keptScopes {
			if !exists(sc) {
				t.Errorf("idempotency record %q deleted, want it kept", sc)
			}
		}
		n, err = s.DeleteAbandonedSessions(ctx, cut, 100)
		requireNoError(t, err, "delete again")
		if n != 0 {
			t.Errorf("deleting again removed %d sessions, want 0", n)
		}
	})

	// Limit bounds one call; repeated calls take the rest.
	t.Run("DeleteAbandonedSessionsLimit", func(t *testing.T) {
		ctx, s := setup(t, open)
		for i := range 5 {
			sess := newSession(baseTime.Add(-48 * time.Hour))
			sess.ID = commerce.NewID("cs")
			sess.ExpiresAt = baseTime.Add(-time.Duration(10-i) * time.Hour)
			requireNoError(t, s.CreateSession(ctx, sess), "create session")
		}
		for _, want := range []int64{2, 2, 1, 0} {
			n, err := s.DeleteAbandonedSessions(ctx, baseTime, 2)
			requireNoError(t, err, "delete abandoned sessions")
			if n != want {
				t.Fatalf("deleted %d, want %d", n, want)
			}
		}
	})

	// Inside a transaction the deletion rolls back with it.
	t.Run("DeleteAbandonedSessionsInTx", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := newSession(baseTime.Add(-48 * time.Hour))
		sess.ExpiresAt = baseTime.Add(-time.Hour)
		requireNoError(t, s.CreateSession(ctx, sess), "create session")
		errRollback := context.Canceled
		err := s.InTx(ctx, func(tx commerce.Executor) error {
			n, err := tx.DeleteAbandonedSessions(ctx, baseTime, 10)
			if err != nil || n != 1 {
				t.Errorf("in tx: deleted %d (%v), want 1", n, err)
			}
			return errRollback
		})
		requireIs(t, err, errRollback, "rolled back tx")
		if _, err := s.GetSession(ctx, sess.ID); err != nil {
			t.Errorf("session gone after the rollback: %v", err)
		}
	})
}
