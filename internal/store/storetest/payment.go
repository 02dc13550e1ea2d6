package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testPayment(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		want := createPayment(t, ctx, s, sess.ID, 1, commerce.PaymentPending, baseTime)
		got, err := s.GetPayment(ctx, want.ID)
		requireNoError(t, err, "get payment")
		requireDiff(t, want, got, "payment")
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx, s := setup(t, open)
		_, err := s.GetPayment(ctx, "pay_missing")
		requireIs(t, err, commerce.ErrNotFound, "get")
		requireIs(t, s.UpdatePayment(ctx, newPayment("cs_1", 1, commerce.PaymentFailed, baseTime)), commerce.ErrNotFound, "update")
	})

	// One active (pending or succeeded) attempt per session, and attempt
	// numbers are unique per session.
	t.Run("ActiveUniqueness", func(t *testing.T) {
		tests := []struct {
			name     string
			existing commerce.PaymentStatus
			attempt  int // of the new pending attempt; the existing one is 1
			conflict bool
		}{
			{name: "AfterPending", existing: commerce.PaymentPending, attempt: 2, conflict: true},
			{name: "AfterSucceeded", existing: commerce.PaymentSucceeded, attempt: 2, conflict: true},
			{name: "AfterFailed", existing: commerce.PaymentFailed, attempt: 2},
			{name: "SameAttempt", existing: commerce.PaymentFailed, attempt: 1, conflict: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setup(t, open)
				sess := createSession(t, ctx, s, baseTime)
				createPayment(t, ctx, s, sess.ID, 1, tt.existing, baseTime)
				// Another session's attempts are independent.
				other := createSession(t, ctx, s, baseTime)
				createPayment(t, ctx, s, other.ID, 1, commerce.PaymentPending, baseTime)

				err := s.CreatePayment(ctx, newPayment(sess.ID, tt.attempt, commerce.PaymentPending, baseTime))
				if tt.conflict {
					requireIs(t, err, commerce.ErrConflict, "create second attempt")
				} else {
					requireNoError(t, err, "create second attempt")
				}
			})
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		p := createPayment(t, ctx, s, sess.ID, 1, commerce.PaymentFailed, baseTime)
		dup := newPayment(sess.ID, 2, commerce.PaymentFailed, baseTime)
		dup.ID = p.ID
		requireIs(t, s.CreatePayment(ctx, dup), commerce.ErrConflict, "create duplicate id")
	})

	t.Run("Update", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		p := createPayment(t, ctx, s, sess.ID, 1, commerce.PaymentPending, baseTime)
		p.Status = commerce.PaymentSucceeded
		p.Token = ""
		p.ProviderRef = "pi_123"
		p.UpdatedAt = baseTime.Add(time.Second)
		requireNoError(t, s.UpdatePayment(ctx, p), "update payment")
		got, err := s.GetPayment(ctx, p.ID)
		requireNoError(t, err, "get payment")
		requireDiff(t, p, got, "payment")
	})

	// The facilitator is kept with the payment, and in a column of its
	// own (migration 0010) that later listings filter on.
	t.Run("Facilitator", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		p := createPayment(t, ctx, s, sess.ID, 1, commerce.PaymentPending, baseTime)
		p.Status = commerce.PaymentSucceeded
		p.Token = ""
		p.ProviderRef = "dHJhbnNhY3Rpb25fMQ"
		p.Facilitator = &commerce.Facilitator{Name: "ChatGPT", ClientID: "oauth_client_1"}
		requireNoError(t, s.UpdatePayment(ctx, p), "update payment")
		got, err := s.GetPayment(ctx, p.ID)
		requireNoError(t, err, "get payment")
		requireDiff(t, p, got, "payment")
		list, err := s.ListPayments(ctx, sess.ID)
		requireNoError(t, err, "list payments")
		requireDiff(t, []*commerce.Payment{p}, list, "payments")

		other := createSession(t, ctx, s, baseTime)
		plain := createPayment(t, ctx, s, other.ID, 1, commerce.PaymentFailed, baseTime)
		if got, err := s.GetPayment(ctx, plain.ID); err != nil || got.Facilitator != nil {
			t.Fatalf("payment without a facilitator = %+v, %v", got, err)
		}
		raw, ok := s.(RawDB)
		if !ok {
			t.Fatalf("store %T has no RawDB (export_test.go)", s)
		}
		requireNoError(t, raw.RawExec(ctx, `DELETE FROM payments WHERE facilitator = 'ChatGPT'`), "delete by facilitator column")
		_, err = s.GetPayment(ctx, p.ID)
		requireIs(t, err, commerce.ErrNotFound, "payment with the facilitator column ChatGPT")
		_, err = s.GetPayment(ctx, plain.ID)
		requireNoError(t, err, "payment with an empty facilitator column")
	})

	t.Run("UpdateToSecondActive", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		first := createPayment(t, ctx, s, sess.ID, 1, commerce.PaymentFailed, baseTime)
		createPayment(t, ctx, s, sess.ID, 2, commerce.PaymentPending, baseTime)
		first.Status = commerce.PaymentSucceeded
		requireIs(t, s.UpdatePayment(ctx, first), commerce.ErrConflict, "reactivate first attempt")
	})

	t.Run("ListInAttemptOrder", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		// Inserted out of order; listed by attempt.
		p2 := createPayment(t, ctx, s, sess.ID, 2, commerce.PaymentFailed, baseTime)
		p1 := createPayment(t, ctx, s, sess.ID, 1, commerce.PaymentFailed, baseTime.Add(time.Second))
		p3 := createPayment(t, ctx, s, sess.ID, 3, commerce.PaymentPending, baseTime)
		other := createSession(t, ctx, s, baseTime)
		createPayment(t, ctx, s, other.ID, 1, commerce.PaymentPending, baseTime)

		got, err := s.ListPayments(ctx, sess.ID)
		requireNoError(t, err, "list payments")
		requireDiff(t, []*commerce.Payment{p1, p2, p3}, got, "payments")

		got, err = s.ListPayments(ctx, "cs_missing")
		requireNoError(t, err, "list payments of unknown session")
		if len(got) != 0 {
			t.Fatalf("payments of unknown session = %v, want none", got)
		}
	})
}
