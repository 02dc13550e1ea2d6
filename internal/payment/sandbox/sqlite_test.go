package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/store/sqlite"
)

// TestSQLiteVault runs delegation and charging on the real SQLite store,
// to check that the memVault double and the store agree.
func TestSQLiteVault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agentshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c := &clock{t: start}
	p := sandbox.New(db, merchantID, c.Now)

	t.Run("round trip", func(t *testing.T) {
		tok, err := delegate(t, p, encode(t, requestJSON("4000000000009995")))
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetVaultToken(ctx, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tok, got); diff != "" {
			t.Errorf("stored token (-delegated +read):\n%s", diff)
		}
		if res := charge(t, p, chargeReq(tok.ID, "k")); res.DeclineCode != "insufficient_funds" {
			t.Errorf("charge = %+v", res)
		}
		if got, _ := db.GetVaultToken(ctx, tok.ID); got.RedeemedAt != nil {
			t.Error("declined token redeemed")
		}
	})

	t.Run("single use and re-drive", func(t *testing.T) {
		tok := mustDelegate(t, p, "4242424242424242")
		first := charge(t, p, chargeReq(tok, "attempt-1"))
		if first.Outcome != commerce.ChargeSucceeded {
			t.Fatalf("first = %+v", first)
		}
		if res := charge(t, p, chargeReq(tok, "attempt-2")); res.DeclineCode != "token_already_used" {
			t.Errorf("other key = %+v", res)
		}
		if diff := cmp.Diff(first, charge(t, p, chargeReq(tok, "attempt-1"))); diff != "" {
			t.Errorf("re-drive (-first +again):\n%s", diff)
		}
	})

	t.Run("3DS", func(t *testing.T) {
		tok := mustDelegate(t, p, "4000002500003155")
		if res := charge(t, p, chargeReq(tok, "a1")); res.Outcome != commerce.ChargeRequires3DS {
			t.Fatalf("first = %+v", res)
		}
		req := chargeReq(tok, "a2")
		req.Authentication = &commerce.AuthenticationResult{Outcome: "authenticated"}
		if res := charge(t, p, req); res.Outcome != commerce.ChargeSucceeded {
			t.Errorf("authenticated = %+v", res)
		}
	})

	t.Run("charge in store", func(t *testing.T) {
		redeemed := func(tok string) string {
			t.Helper()
			got, err := db.GetVaultToken(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			return got.RedeemedBy
		}
		tok := mustDelegate(t, p, "4242424242424242")
		res, commit, err := p.ChargeInStore(ctx, chargeReq(tok, "store-1"))
		if err != nil || res.Outcome != commerce.ChargeSucceeded || commit == nil {
			t.Fatalf("ChargeInStore = %+v, commit %v, %v", res, commit != nil, err)
		}
		if by := redeemed(tok); by != "" {
			t.Fatalf("token redeemed by %q before commit", by)
		}
		// The transaction that runs commit rolls back: nothing is charged.
		rollback := fmt.Errorf("rolled back")
		if err := db.InTx(ctx, func(tx commerce.Executor) error {
			if err := commit(ctx, tx); err != nil {
				return err
			}
			return rollback
		}); err != rollback {
			t.Fatalf("InTx = %v", err)
		}
		if by := redeemed(tok); by != "" {
			t.Fatalf("token redeemed by %q after a rolled-back commit", by)
		}
		// Re-driven with the same key, it decides again and commits.
		if _, commit, err = p.ChargeInStore(ctx, chargeReq(tok, "store-1")); err != nil || commit == nil {
			t.Fatalf("re-drive: commit %v, %v", commit != nil, err)
		}
		if err := db.InTx(ctx, func(tx commerce.Executor) error { return commit(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if by := redeemed(tok); by != "store-1" {
			t.Fatalf("redeemed by %q, want store-1", by)
		}
		// Recorded: the same key succeeds with nothing left to commit.
		res, commit, err = p.ChargeInStore(ctx, chargeReq(tok, "store-1"))
		if err != nil || res.Outcome != commerce.ChargeSucceeded || commit != nil {
			t.Errorf("after commit: %+v, commit %v, %v", res, commit != nil, err)
		}

		// Two keys decided before either committed: the second commit conflicts.
		tok2 := mustDelegate(t, p, "4242424242424242")
		_, c1, err1 := p.ChargeInStore(ctx, chargeReq(tok2, "k1"))
		_, c2, err2 := p.ChargeInStore(ctx, chargeReq(tok2, "k2"))
		if err1 != nil || err2 != nil || c1 == nil || c2 == nil {
			t.Fatalf("decide: %v %v", err1, err2)
		}
		if err := db.InTx(ctx, func(tx commerce.Executor) error { return c1(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx commerce.Executor) error { return c2(ctx, tx) }); !errors.Is(err, commerce.ErrConflict) {
			t.Errorf("second key's commit = %v, want ErrConflict", err)
		}
		if by := redeemed(tok2); by != "k1" {
			t.Errorf("redeemed by %q, want k1", by)
		}

		// Declines and challenges have nothing to commit.
		for _, card := range []string{"4000000000009995", "4000002500003155"} {
			res, commit, err := p.ChargeInStore(ctx, chargeReq(mustDelegate(t, p, card), "d"))
			if err != nil || res.Outcome == commerce.ChargeSucceeded || commit != nil {
				t.Errorf("card %s: %+v, commit %v, %v", card, res, commit != nil, err)
			}
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		tok := mustDelegate(t, p, "4242424242424242")
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			outcomes = map[string]int{}
		)
		for i := range 20 {
			wg.Go(func() {
				res, err := p.Charge(ctx, chargeReq(tok, fmt.Sprint("key-", i)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				outcomes[string(res.Outcome)+" "+res.DeclineCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		want := map[string]int{"succeeded ": 1, "declined token_already_used": 19}
		if diff := cmp.Diff(want, outcomes); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
	})
}
