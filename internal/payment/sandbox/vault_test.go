package sandbox_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// memVault is a test double of the store port: an in-memory [sandbox.Vault]
// that follows the documented commerce.Executor vault semantics exactly
// (ErrConflict on a duplicate id, ErrNotFound for unknown ids, idempotent
// redeem with the same key, ErrConflict with another). The real stores in
// internal/store are checked against the same rules by storetest.
type memVault struct {
	mu     sync.Mutex
	tokens map[string]*sandbox.VaultToken
	// fail, when set, is returned by every call (a broken database).
	fail error
}

var _ sandbox.Vault = (*memVault)(nil)

func newMemVault() *memVault { return &memVault{tokens: map[string]*sandbox.VaultToken{}} }

func (v *memVault) CreateVaultToken(_ context.Context, t *sandbox.VaultToken) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return v.fail
	}
	if _, ok := v.tokens[t.ID]; ok {
		return commerce.ErrConflict
	}
	v.tokens[t.ID] = cloneToken(t)
	return nil
}

func (v *memVault) GetVaultToken(_ context.Context, id string) (*sandbox.VaultToken, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return nil, v.fail
	}
	t, ok := v.tokens[id]
	if !ok {
		return nil, commerce.ErrNotFound
	}
	return cloneToken(t), nil
}

func (v *memVault) RedeemVaultToken(_ context.Context, id, chargeKey string, at time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.fail != nil {
		return v.fail
	}
	t, ok := v.tokens[id]
	if !ok {
		return commerce.ErrNotFound
	}
	if t.RedeemedAt != nil {
		if t.RedeemedBy == chargeKey {
			return nil
		}
		return commerce.ErrConflict
	}
	t.RedeemedAt = &at
	t.RedeemedBy = chargeKey
	return nil
}

func cloneToken(t *sandbox.VaultToken) *sandbox.VaultToken {
	c := *t
	c.Metadata = maps.Clone(t.Metadata)
	if t.RedeemedAt != nil {
		at := *t.RedeemedAt
		c.RedeemedAt = &at
	}
	return &c
}

func TestMemVaultSemantics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := newMemVault()
	tok := &sandbox.VaultToken{ID: "vt_1"}
	if err := v.CreateVaultToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := v.CreateVaultToken(ctx, tok); err != commerce.ErrConflict {
		t.Fatalf("duplicate create: %v, want ErrConflict", err)
	}
	if _, err := v.GetVaultToken(ctx, "vt_2"); err != commerce.ErrNotFound {
		t.Fatalf("get unknown: %v, want ErrNotFound", err)
	}
	if err := v.RedeemVaultToken(ctx, "vt_2", "k", time.Now()); err != commerce.ErrNotFound {
		t.Fatalf("redeem unknown: %v, want ErrNotFound", err)
	}
	if err := v.RedeemVaultToken(ctx, "vt_1", "k", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := v.RedeemVaultToken(ctx, "vt_1", "k", time.Now()); err != nil {
		t.Fatalf("same-key redeem: %v, want nil", err)
	}
	if err := v.RedeemVaultToken(ctx, "vt_1", "other", time.Now()); err != commerce.ErrConflict {
		t.Fatalf("other-key redeem: %v, want ErrConflict", err)
	}
}
