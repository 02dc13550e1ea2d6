package storetest

import (
	"testing"
	"time"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func testAPIKey(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("CreateByHash", func(t *testing.T) {
		ctx, s := setupAs[apikey.Store](t, open)
		want := newAPIKey("agent", baseTime)
		requireNoError(t, s.CreateAPIKey(ctx, want), "create")
		got, err := s.APIKeyByHash(ctx, want.Hash)
		requireNoError(t, err, "by hash")
		requireDiff(t, want, got, "key")
		_, err = s.APIKeyByHash(ctx, "0000")
		requireIs(t, err, commerce.ErrNotFound, "by unknown hash")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name string
			dup  func(k *apikey.Key) *apikey.Key
		}{
			{name: "SameID", dup: func(k *apikey.Key) *apikey.Key {
				d := newAPIKey("other", baseTime)
				d.ID = k.ID
				return d
			}},
			{name: "SameHash", dup: func(k *apikey.Key) *apikey.Key {
				d := newAPIKey("other", baseTime)
				d.Hash = k.Hash
				return d
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, s := setupAs[apikey.Store](t, open)
				k := newAPIKey("agent", baseTime)
				requireNoError(t, s.CreateAPIKey(ctx, k), "create")
				requireIs(t, s.CreateAPIKey(ctx, tt.dup(k)), commerce.ErrConflict, "create duplicate")
			})
		}
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		ctx, s := setupAs[apikey.Store](t, open)
		got, err := s.ListAPIKeys(ctx)
		requireNoError(t, err, "list empty")
		if len(got) != 0 {
			t.Fatalf("keys = %v, want none", got)
		}
		newer := newAPIKey("newer", baseTime.Add(time.Hour))
		older := newAPIKey("older", baseTime)
		for _, k := range []*apikey.Key{newer, older} {
			requireNoError(t, s.CreateAPIKey(ctx, k), "create "+k.Name)
		}
		got, err = s.ListAPIKeys(ctx)
		requireNoError(t, err, "list")
		requireDiff(t, []*apikey.Key{older, newer}, got, "keys")
	})

	t.Run("Revoke", func(t *testing.T) {
		ctx, s := setupAs[apikey.Store](t, open)
		k := newAPIKey("agent", baseTime)
		requireNoError(t, s.CreateAPIKey(ctx, k), "create")
		at := baseTime.Add(time.Hour)
		requireNoError(t, s.RevokeAPIKey(ctx, k.ID, at), "revoke")
		k.RevokedAt = &at
		got, err := s.APIKeyByHash(ctx, k.Hash)
		requireNoError(t, err, "revoked key by hash")
		requireDiff(t, k, got, "revoked key")
		requireIs(t, s.RevokeAPIKey(ctx, "key_missing", at), commerce.ErrNotFound, "revoke unknown")
	})
}
