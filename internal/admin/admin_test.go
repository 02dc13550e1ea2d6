package admin_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"agentshop/internal/admin"
	"agentshop/internal/admintoken"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/store/storetest"
)

func setup(t *testing.T) *admin.Service {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "agentshop.db"), sqlite.WithSecrets(storetest.Box()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &admin.Service{Store: st, Commerce: &commerce.Service{Store: st}}
}

// TestHooksCommitWithTheEffect: a hook that fails rolls its operation
// back (no key, no revocation, no requeue), so a transport's idempotent
// answer never exists without the effect or the effect without it.
func TestHooksCommitWithTheEffect(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	ctx := t.Context()
	s := setup(t)

	_, _, err := s.CreateAPIKey(ctx, admin.KeyInput{Name: "k"}, &commerce.TxHooks[*apikey.Key]{
		Commit: func(context.Context, commerce.Executor, *apikey.Key) error { return boom },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("create with a failing hook: %v", err)
	}
	if keys, _ := s.ListAPIKeys(ctx); len(keys) != 0 {
		t.Fatalf("a key was stored although its hook failed: %v", keys)
	}

	var seen *apikey.Key
	_, k, err := s.CreateAPIKey(ctx, admin.KeyInput{}, &commerce.TxHooks[*apikey.Key]{
		Commit: func(_ context.Context, tx commerce.Executor, k *apikey.Key) error {
			seen = k
			return nil
		},
	})
	if err != nil || seen != k || k.Name != "agent" {
		t.Fatalf("create: %v; hook saw %v, key %v", err, seen, k)
	}
	_, err = s.RevokeAPIKey(ctx, k.ID, &commerce.TxHooks[*apikey.Key]{
		Commit: func(context.Context, commerce.Executor, *apikey.Key) error { return boom },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("revoke with a failing hook: %v", err)
	}
	if keys, _ := s.ListAPIKeys(ctx); len(keys) != 1 || keys[0].RevokedAt != nil {
		t.Fatalf("revoked although the hook failed: %+v", keys[0])
	}
	if _, err := s.RevokeAPIKey(ctx, "key_missing", nil); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("revoke unknown: %v", err)
	}
	if _, err := s.RequeueEvent(ctx, "evt_missing", nil); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("requeue unknown: %v", err)
	}
}

// TestAdminTokens: a token authenticates until it expires or is revoked;
// bad input is EINVALID.
func TestAdminTokens(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := setup(t)
	now := time.Now()
	s.Now = func() time.Time { return now }
	secret, tok, err := s.CreateAdminToken(ctx, "ops", time.Hour)
	if err != nil || tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(now.Add(time.Hour).UTC()) {
		t.Fatalf("create: %v %+v", err, tok)
	}
	tests := []struct {
		name   string
		at     time.Time
		secret string
		want   error
	}{
		{"Valid", now, secret, nil},
		{"JustBeforeExpiry", now.Add(time.Hour - time.Second), secret, nil},
		{"AtExpiry", now.Add(time.Hour), secret, admintoken.ErrExpired},
		{"WrongSecret", now, secret + "x", admintoken.ErrInvalid},
		{"AgentKeyPrefix", now, apikey.SecretPrefix + secret[len(admintoken.SecretPrefix):], admintoken.ErrInvalid},
	}
	for _, tt := range tests {
		s.Now = func() time.Time { return tt.at }
		got, err := s.Authenticate(ctx, tt.secret)
		if !errors.Is(err, tt.want) || (err == nil && got.ID != tok.ID) {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	s.Now = func() time.Time { return now }
	if err := s.RevokeAdminToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, admintoken.ErrInvalid) {
		t.Errorf("revoked: %v", err)
	}
	if _, _, err := s.CreateAdminToken(ctx, "x", -time.Second); commerce.ErrorCode(err) != commerce.EINVALID {
		t.Errorf("negative expiry: %v", err)
	}
	if err := s.RevokeAdminToken(ctx, "adm_missing"); commerce.ErrorCode(err) != commerce.ENOTFOUND {
		t.Errorf("revoke unknown: %v", err)
	}
}
