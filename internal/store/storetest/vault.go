package storetest

import (
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store"
)

func testVaultToken(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		ctx, s := setupAs[sandbox.Vault](t, open)
		want := newVaultToken(baseTime)
		requireNoError(t, s.CreateVaultToken(ctx, want), "create")
		got, err := s.GetVaultToken(ctx, want.ID)
		requireNoError(t, err, "get")
		requireDiff(t, want, got, "token")
	})

	t.Run("ConflictAndNotFound", func(t *testing.T) {
		ctx, s := setupAs[sandbox.Vault](t, open)
		tok := newVaultToken(baseTime)
		requireNoError(t, s.CreateVaultToken(ctx, tok), "create")
		dup := newVaultToken(baseTime)
		dup.ID = tok.ID
		requireIs(t, s.CreateVaultToken(ctx, dup), commerce.ErrConflict, "create duplicate")
		_, err := s.GetVaultToken(ctx, "vt_missing")
		requireIs(t, err, commerce.ErrNotFound, "get unknown")
		requireIs(t, s.RedeemVaultToken(ctx, "vt_missing", "charge_1", baseTime), commerce.ErrNotFound, "redeem unknown")
	})

	t.Run("RedeemOnce", func(t *testing.T) {
		ctx, s := setupAs[sandbox.Vault](t, open)
		tok := newVaultToken(baseTime)
		requireNoError(t, s.CreateVaultToken(ctx, tok), "create")
		at := baseTime.Add(time.Minute)
		requireNoError(t, s.RedeemVaultToken(ctx, tok.ID, "charge_1", at), "redeem")
		// The same charge again is a no-op: the first redemption stands.
		requireNoError(t, s.RedeemVaultToken(ctx, tok.ID, "charge_1", at.Add(time.Minute)), "redeem again")
		requireIs(t, s.RedeemVaultToken(ctx, tok.ID, "charge_2", at), commerce.ErrConflict, "redeem by another charge")

		tok.RedeemedBy, tok.RedeemedAt = "charge_1", &at
		got, err := s.GetVaultToken(ctx, tok.ID)
		requireNoError(t, err, "get")
		requireDiff(t, tok, got, "token")
	})
}
