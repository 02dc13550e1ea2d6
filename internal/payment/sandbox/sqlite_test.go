package sandbox_test

import (
	"context"
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
