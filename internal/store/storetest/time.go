package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

// testTime checks that times come back as the same instant, in UTC, within
// [TimePrecision], whatever zone they were stored in; and that zero times
// stay zero.
func testTime(t *testing.T, open func(t *testing.T) store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	at := time.Date(2026, 4, 17, 15, 0, 15, 987654321, zone)

	t.Run("Session", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := newSession(at)
		sess.ExpiresAt = time.Time{}
		requireNoError(t, s.CreateSession(ctx, sess), "create")
		got, err := s.GetSession(ctx, sess.ID)
		requireNoError(t, err, "get")
		checkTimes(t, []time.Time{at, at, {}}, []time.Time{got.CreatedAt, got.UpdatedAt, got.ExpiresAt})
	})

	t.Run("Payment", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		p := newPayment(sess.ID, 1, commerce.PaymentPending, at)
		requireNoError(t, s.CreatePayment(ctx, p), "create")
		got, err := s.GetPayment(ctx, p.ID)
		requireNoError(t, err, "get")
		checkTimes(t, []time.Time{p.LeaseUntil, at, at}, []time.Time{got.LeaseUntil, got.CreatedAt, got.UpdatedAt})
	})

	t.Run("Order", func(t *testing.T) {
		ctx, s := setup(t, open)
		sess := createSession(t, ctx, s, baseTime)
		o := newOrder(sess.ID, at)
		requireNoError(t, s.CreateOrder(ctx, o), "create")
		got, err := s.GetOrder(ctx, o.ID)
		requireNoError(t, err, "get")
		checkTimes(t, []time.Time{at, at}, []time.Time{got.CreatedAt, got.UpdatedAt})
	})

	t.Run("Idempotency", func(t *testing.T) {
		ctx, s := setup(t, open)
		r := newIdem("k1", "fp", at)
		claimIdem(t, ctx, s, r, at)
		got, claimed, err := s.ClaimIdempotencyKey(ctx, newIdem("k1", "fp", at), at)
		requireNoError(t, err, "claim again")
		if claimed {
			t.Fatal("claimed twice")
		}
		checkTimes(t, []time.Time{r.LockedUntil, at, r.ExpiresAt}, []time.Time{got.LockedUntil, got.CreatedAt, got.ExpiresAt})
	})

	t.Run("APIKey", func(t *testing.T) {
		ctx, s := setup(t, open)
		k := newAPIKey("agent", at)
		requireNoError(t, s.CreateAPIKey(ctx, k), "create")
		requireNoError(t, s.RevokeAPIKey(ctx, k.ID, at.Add(time.Hour)), "revoke")
		got, err := s.APIKeyByHash(ctx, k.Hash)
		requireNoError(t, err, "get")
		if got.RevokedAt == nil {
			t.Fatal("RevokedAt is nil")
		}
		checkTimes(t, []time.Time{at, at.Add(time.Hour)}, []time.Time{got.CreatedAt, *got.RevokedAt})
	})

	t.Run("VaultToken", func(t *testing.T) {
		ctx, s := setup(t, open)
		tok := newVaultToken(at)
		requireNoError(t, s.CreateVaultToken(ctx, tok), "create")
		requireNoError(t, s.RedeemVaultToken(ctx, tok.ID, "charge_1", at), "redeem")
		got, err := s.GetVaultToken(ctx, tok.ID)
		requireNoError(t, err, "get")
		if got.RedeemedAt == nil {
			t.Fatal("RedeemedAt is nil")
		}
		checkTimes(t, []time.Time{at, tok.ExpiresAt, at}, []time.Time{got.CreatedAt, got.ExpiresAt, *got.RedeemedAt})
	})
}

func checkTimes(tb testing.TB, want, got []time.Time) {
	tb.Helper()
	for i := range want {
		w, g := want[i], got[i]
		switch {
		case w.IsZero() != g.IsZero():
			tb.Errorf("time %d = %v, want %v", i, g, w)
		case w.IsZero():
		case g.Location() != time.UTC:
			tb.Errorf("time %d = %v, want it in UTC", i, g)
		case g.Sub(w).Abs() >= TimePrecision:
			tb.Errorf("time %d = %v, want %v within %v", i, g, w.UTC(), TimePrecision)
		}
	}
}
