package storetest

import (
	"strings"
	"testing"
	"time"

	"agentshop/internal/admintoken"
	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testAdminToken(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateByHash", func(t *testing.T) {
		tests := []struct {
			name    string
			expires *time.Time
		}{
			{"NoExpiry", nil},
			{"Expiry", new(baseTime.Add(time.Hour))},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setupAs[admintoken.Store](t, open)
				_, want := admintoken.New("ops", baseTime, tt.expires)
				requireNoError(t, s.CreateAdminToken(ctx, want), "create")
				got, err := s.AdminTokenByHash(ctx, want.Hash)
				requireNoError(t, err, "by hash")
				requireDiff(t, want, got, "token")
			})
		}
	})

	t.Run("UnknownHash", func(t *testing.T) {
		ctx, s := setupAs[admintoken.Store](t, open)
		_, err := s.AdminTokenByHash(ctx, admintoken.Hash("asa_nobody"))
		requireIs(t, err, commerce.ErrNotFound, "by unknown hash")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name string
			dup  func(k *admintoken.Token) *admintoken.Token
		}{
			{"SameID", func(k *admintoken.Token) *admintoken.Token {
				_, d := admintoken.New("other", baseTime, nil)
				d.ID = k.ID
				return d
			}},
			{"SameHash", func(k *admintoken.Token) *admintoken.Token {
				_, d := admintoken.New("other", baseTime, nil)
				d.Hash = k.Hash
				return d
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setupAs[admintoken.Store](t, open)
				_, k := admintoken.New("ops", baseTime, nil)
				requireNoError(t, s.CreateAdminToken(ctx, k), "create")
				requireIs(t, s.CreateAdminToken(ctx, tt.dup(k)), commerce.ErrConflict, "create duplicate")
			})
		}
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		ctx, s := setupAs[admintoken.Store](t, open)
		got, err := s.ListAdminTokens(ctx)
		requireNoError(t, err, "list empty")
		if got == nil || len(got) != 0 {
			t.Fatalf("tokens = %#v, want an empty list", got)
		}
		_, newer := admintoken.New("newer", baseTime.Add(time.Hour), nil)
		_, older := admintoken.New("older", baseTime, new(baseTime.Add(time.Minute)))
		for _, k := range []*admintoken.Token{newer, older} {
			requireNoError(t, s.CreateAdminToken(ctx, k), "create "+k.Name)
		}
		got, err = s.ListAdminTokens(ctx)
		requireNoError(t, err, "list")
		requireDiff(t, []*admintoken.Token{older, newer}, got, "tokens")
	})

	// A revocation is kept: revoking again does not move its time.
	t.Run("Revoke", func(t *testing.T) {
		ctx, s := setupAs[admintoken.Store](t, open)
		_, k := admintoken.New("ops", baseTime, nil)
		requireNoError(t, s.CreateAdminToken(ctx, k), "create")
		at := baseTime.Add(time.Hour)
		requireNoError(t, s.RevokeAdminToken(ctx, k.ID, at), "revoke")
		requireNoError(t, s.RevokeAdminToken(ctx, k.ID, at.Add(time.Hour)), "revoke again")
		k.RevokedAt = &at
		got, err := s.AdminTokenByHash(ctx, k.Hash)
		requireNoError(t, err, "revoked token by hash")
		requireDiff(t, k, got, "revoked token")
		requireIs(t, s.RevokeAdminToken(ctx, "adm_missing", at), commerce.ErrNotFound, "revoke unknown")
	})

	// Only the hash is at rest: no column holds the secret.
	t.Run("OnlyHashAtRest", func(t *testing.T) {
		ctx, s := setup(t, open)
		raw, ok := s.(RawDB)
		if !ok {
			t.Fatalf("store %T has no RawDB (export_test.go)", s)
		}
		secret, k := admintoken.New("ops", baseTime, nil)
		requireNoError(t, s.CreateAdminToken(ctx, k), "create")
		dump, err := raw.RawTable(ctx, "admin_tokens")
		requireNoError(t, err, "raw admin_tokens")
		if strings.Contains(dump, secret) || strings.Contains(dump, secret[len(admintoken.SecretPrefix)+4:]) {
			t.Fatalf("admin_tokens holds the secret: %s", dump)
		}
		if !strings.Contains(dump, k.Hash) {
			t.Fatalf("admin_tokens = %s, want the hash %s", dump, k.Hash)
		}
	})
}
