package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/ops"
	"agentshop/internal/secretbox"
	"agentshop/internal/store"
)

// testOps checks ops.Store: accounts with sealed keys, servers by token
// hash, revocation and expiry sweeps, confirmations, the audit log (in
// and out of a transaction), and, through ops.Admin, that the database
// never holds a URL token, a bearer secret or a Stripe key in clear.
func testOps(t *testing.T, open func(t *testing.T) store.Store) {
	newAccount := func(name string) *ops.Account {
		return &ops.Account{ID: commerce.NewID("oac"), Name: name, Mode: ops.ModeTest, StripeKey: "sk_test_" + name + "_4242", BaseURL: "http://127.0.0.1:1", CreatedAt: baseTime}
	}
	newServer := func(accountID, name string) *ops.Server {
		return &ops.Server{ID: commerce.NewID("osv"), AccountID: accountID, Name: name, TokenHash: ops.Hash(name + "-token"),
			Filter: ops.Filter{Methods: []ops.Method{ops.Read, ops.Write}, Tags: []string{"disputes"}, APIRead: true}, CreatedAt: baseTime}
	}

	t.Run("Accounts", func(t *testing.T) {
		ctx, s := setupAs[ops.Store](t, open)
		a, b := newAccount("main"), newAccount("eu")
		b.CreatedAt = baseTime.Add(time.Second) // lists are oldest first
		requireNoError(t, s.CreateOpsAccount(ctx, a), "create main")
		requireNoError(t, s.CreateOpsAccount(ctx, b), "create eu")
		dup := newAccount("main")
		requireIs(t, s.CreateOpsAccount(ctx, dup), commerce.ErrConflict, "create with a name in use")
		got, err := s.OpsAccountByName(ctx, "main")
		requireNoError(t, err, "by name")
		requireDiff(t, a, got, "account by name")
		got, err = s.OpsAccount(ctx, b.ID)
		requireNoError(t, err, "by id")
		requireDiff(t, b, got, "account by id")
		_, err = s.OpsAccountByName(ctx, "nope")
		requireIs(t, err, commerce.ErrNotFound, "unknown name")
		list, err := s.ListOpsAccounts(ctx)
		requireNoError(t, err, "list")
		requireDiff(t, []*ops.Account{a, b}, list, "accounts")

		srv := newServer(a.ID, "support")
		requireNoError(t, s.CreateOpsServer(ctx, srv), "create server")
		requireNoError(t, s.DeleteOpsAccount(ctx, a.ID), "delete")
		requireIs(t, s.DeleteOpsAccount(ctx, a.ID), commerce.ErrNotFound, "delete again")
		_, err = s.OpsServerByTokenHash(ctx, srv.TokenHash)
		requireIs(t, err, commerce.ErrNotFound, "server of a deleted account")
	})

	t.Run("Servers", func(t *testing.T) {
		ctx, s := setupAs[ops.Store](t, open)
		a := newAccount("main")
		requireNoError(t, s.CreateOpsAccount(ctx, a), "create account")
		requireIs(t, s.CreateOpsServer(ctx, newServer(commerce.NewID("oac"), "orphan")), commerce.ErrNotFound, "server of no account")
		x, y := newServer(a.ID, "x"), newServer(a.ID, "y")
		y.BearerHash, y.AllowLiveWrites = ops.Hash("bearer"), true
		y.ExpiresAt = new(baseTime.Add(time.Hour))
		y.CreatedAt = baseTime.Add(time.Second) // lists are oldest first
		requireNoError(t, s.CreateOpsServer(ctx, x), "create x")
		requireNoError(t, s.CreateOpsServer(ctx, y), "create y")
		dup := newServer(a.ID, "z")
		dup.TokenHash = x.TokenHash
		requireIs(t, s.CreateOpsServer(ctx, dup), commerce.ErrConflict, "same token hash")
		got, err := s.OpsServerByTokenHash(ctx, y.TokenHash)
		requireNoError(t, err, "by token hash")
		requireDiff(t, y, got, "server")
		_, err = s.OpsServerByTokenHash(ctx, ops.Hash("unknown"))
		requireIs(t, err, commerce.ErrNotFound, "unknown token")

		requireNoError(t, s.RevokeOpsServer(ctx, x.ID, baseTime.Add(time.Minute)), "revoke")
		requireIs(t, s.RevokeOpsServer(ctx, "osv_nope", baseTime), commerce.ErrNotFound, "revoke unknown")
		x.RevokedAt = new(baseTime.Add(time.Minute))
		list, err := s.ListOpsServers(ctx)
		requireNoError(t, err, "list")
		requireDiff(t, []*ops.Server{x, y}, list, "servers")

		// The sweep removes y once its expiry is reached, and nothing
		// before; x never expires.
		n, err := s.DeleteExpiredOps(ctx, baseTime.Add(time.Hour-time.Second))
		requireNoError(t, err, "sweep early")
		if n != 0 {
			t.Fatalf("early sweep removed %d servers, want 0", n)
		}
		n, err = s.DeleteExpiredOps(ctx, baseTime.Add(time.Hour))
		requireNoError(t, err, "sweep")
		if n != 1 {
			t.Fatalf("sweep removed %d servers, want 1", n)
		}
		list, err = s.ListOpsServers(ctx)
		requireNoError(t, err, "list after sweep")
		requireDiff(t, []*ops.Server{x}, list, "servers after sweep")
	})

	t.Run("Confirmations", func(t *testing.T) {
		ctx, s := setupAs[ops.Store](t, open)
		c := &ops.Confirmation{ID: ops.Hash("opc_1"), ServerID: "osv_1", Tool: "stripe_create_refund", Fingerprint: ops.Hash("args"),
			Summary: "Refund $15.00 of ch_1", ExpiresAt: baseTime.Add(5 * time.Minute), CreatedAt: baseTime}
		requireNoError(t, s.CreateOpsConfirmation(ctx, c), "create")
		requireIs(t, s.CreateOpsConfirmation(ctx, c), commerce.ErrConflict, "create again")
		got, err := s.OpsConfirmation(ctx, c.ID)
		requireNoError(t, err, "get")
		requireDiff(t, c, got, "confirmation")
		_, err = s.DeleteExpiredOps(ctx, c.ExpiresAt)
		requireNoError(t, err, "sweep")
		_, err = s.OpsConfirmation(ctx, c.ID)
		requireIs(t, err, commerce.ErrNotFound, "swept confirmation")
	})

	t.Run("Audit", func(t *testing.T) {
		ctx, s := setupAs[ops.Store](t, open)
		entry := func(server string, at time.Time) *ops.AuditEntry {
			return &ops.AuditEntry{ID: commerce.NewID("oau"), ServerID: server, Tool: "stripe_list_charges", Args: `{"limit":3}`,
				Outcome: ops.OutcomeOK, Duration: 1500 * time.Microsecond, StripeRequestID: "req_1", CreatedAt: at}
		}
		e1, e2, e3 := entry("osv_a", baseTime), entry("osv_b", baseTime.Add(time.Second)), entry("osv_a", baseTime.Add(2*time.Second))
		e3.Outcome, e3.Error = ops.OutcomeError, "card_error: declined"
		for _, e := range []*ops.AuditEntry{e1, e2, e3} {
			requireNoError(t, s.CreateOpsAudit(ctx, e), "create")
		}
		tests := []struct {
			name string
			f    ops.AuditFilter
			want []*ops.AuditEntry
		}{
			{"All", ops.AuditFilter{}, []*ops.AuditEntry{e3, e2, e1}},
			{"Server", ops.AuditFilter{ServerID: "osv_a"}, []*ops.AuditEntry{e3, e1}},
			{"Since", ops.AuditFilter{Since: baseTime.Add(time.Second)}, []*ops.AuditEntry{e3, e2}},
			{"Limit", ops.AuditFilter{Limit: 1}, []*ops.AuditEntry{e3}},
		}
		for _, tt := range tests {
			got, err := s.ListOpsAudit(ctx, tt.f)
			requireNoError(t, err, tt.name)
			requireDiff(t, tt.want, got, tt.name)
		}

		// In a transaction the entry commits or rolls back with it.
		kept, lost := entry("osv_tx", baseTime), entry("osv_tx", baseTime)
		requireNoError(t, s.InTx(ctx, func(tx commerce.Executor) error {
			return tx.(ops.Executor).CreateOpsAudit(ctx, kept)
		}), "commit")
		boom := errors.New("boom")
		requireIs(t, s.InTx(ctx, func(tx commerce.Executor) error {
			if err := tx.(ops.Executor).CreateOpsAudit(ctx, lost); err != nil {
				return err
			}
			return boom
		}), boom, "rollback")
		got, err := s.ListOpsAudit(ctx, ops.AuditFilter{ServerID: "osv_tx"})
		requireNoError(t, err, "list tx")
		requireDiff(t, []*ops.AuditEntry{kept}, got, "audit after commit and rollback")
	})

	t.Run("NoSecretInClear", func(t *testing.T) {
		ctx, s := setup(t, open)
		raw, ok := s.(RawDB)
		if !ok {
			t.Fatalf("store %T has no RawDB (export_test.go)", s)
		}
		admin := &ops.Admin{Store: s, PublicURL: "https://shop.example"}
		key := "rk_live_" + strings.Repeat("s3cr3t", 5)
		if _, err := admin.AddAccount(ctx, ops.AccountInput{Name: "main", StripeKey: key}); err != nil {
			t.Fatalf("add account: %v", err)
		}
		srv, err := admin.CreateServer(ctx, ops.ServerInput{Account: "main", Name: "finance", RequireToken: true})
		requireNoError(t, err, "create server")
		for _, table := range []string{"ops_accounts", "ops_servers"} {
			dump, err := raw.RawTable(ctx, table)
			requireNoError(t, err, "raw "+table)
			for _, secret := range []string{key, "s3cr3t", srv.Token, srv.Bearer} {
				if strings.Contains(dump, secret) {
					t.Fatalf("%s holds a secret in clear:\n%s", table, dump)
				}
			}
		}
		// The key opens again, as the account's only.
		acc, err := s.OpsAccountByName(ctx, "main")
		requireNoError(t, err, "account")
		if acc.StripeKey != key || acc.Mode != ops.ModeLive {
			t.Fatalf("account = %s %s, want the key back in live mode", acc.KeyHint(), acc.Mode)
		}
		// A master key rotation re-seals the Stripe key too.
		a, b := testKey(0xa1), testKey(0xb2)
		counts, err := s.SealedSecrets(ctx)
		requireNoError(t, err, "sealed secrets")
		requireDiff(t, map[string]int{a.ID(): 1}, counts, "secrets by key before rotation")
		n, err := s.ResealSecrets(ctx, secretbox.NewBox(b, a))
		requireNoError(t, err, "reseal")
		if n != 1 {
			t.Fatalf("resealed %d secrets, want 1 (the Stripe key)", n)
		}
		counts, err = s.SealedSecrets(ctx)
		requireNoError(t, err, "sealed secrets after rotation")
		requireDiff(t, map[string]int{b.ID(): 1}, counts, "secrets by key after rotation")
		acc, err = s.OpsAccountByName(ctx, "main")
		requireNoError(t, err, "account after rotation")
		if acc.StripeKey != key {
			t.Fatalf("key after rotation = %s, want the same key", acc.KeyHint())
		}
	})
}
