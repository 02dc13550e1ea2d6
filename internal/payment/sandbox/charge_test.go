package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// chargeReq is a charge of 4999 usd for sessionID with token.
func chargeReq(token, key string) commerce.ChargeRequest {
	return commerce.ChargeRequest{IdempotencyKey: key, SessionID: sessionID, Amount: 4999, Currency: "usd", Token: token}
}

func charge(tb testing.TB, p *sandbox.Provider, req commerce.ChargeRequest) commerce.ChargeResult {
	tb.Helper()
	res, err := p.Charge(context.Background(), req)
	if err != nil {
		tb.Fatalf("charge: %v", err)
	}
	return res
}

// redeemedBy returns the key that redeemed token, or "".
func redeemedBy(tb testing.TB, v *memVault, token string) string {
	tb.Helper()
	t, err := v.GetVaultToken(context.Background(), token)
	if err != nil {
		tb.Fatal(err)
	}
	if (t.RedeemedAt == nil) != (t.RedeemedBy == "") {
		tb.Fatalf("token %s: RedeemedAt %v with RedeemedBy %q", token, t.RedeemedAt, t.RedeemedBy)
	}
	return t.RedeemedBy
}

func succeededWith(key string) commerce.ChargeResult {
	return commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: sandbox.Reference(key)}
}

func declinedWith(code, msg string) commerce.ChargeResult {
	return commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: code, Message: msg}
}

func TestName(t *testing.T) {
	t.Parallel()
	p, _ := setup(t)
	if p.Name() != "sandbox" {
		t.Errorf("Name() = %q", p.Name())
	}
}

func TestChargeTestCards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		number   string
		auth     *commerce.AuthenticationResult
		want     commerce.ChargeResult
		redeemed bool
	}{
		{number: "4242424242424242", want: succeededWith("k"), redeemed: true},
		{number: "5555555555554444", want: succeededWith("k"), redeemed: true},
		{number: "4000000000009995", want: declinedWith("insufficient_funds", "Your card has insufficient funds.")},
		{number: "4000000000000002", want: declinedWith("generic_decline", "Your card was declined.")},
		{number: "4000002500003155", want: commerce.ChargeResult{
			Outcome: commerce.ChargeRequires3DS, DeclineCode: "authentication_required",
			Message: "The card issuer requires 3-D Secure authentication.", DirectoryServer: "visa",
		}},
		{number: "4000002500003155", auth: &commerce.AuthenticationResult{Outcome: "authenticated"}, want: succeededWith("k"), redeemed: true},
		{number: "4000002500003155", auth: &commerce.AuthenticationResult{Outcome: "attempt_acknowledged"}, want: succeededWith("k"), redeemed: true},
		{number: "4000002500003155", auth: &commerce.AuthenticationResult{Outcome: "denied"}, want: declinedWith("authentication_failed", "3-D Secure authentication failed; the card was not charged.")},
		{number: "4000002500003155", auth: &commerce.AuthenticationResult{}, want: declinedWith("authentication_failed", "3-D Secure authentication failed; the card was not charged.")},
		// A non-3DS card ignores an authentication result.
		{number: "4242424242424242", auth: &commerce.AuthenticationResult{Outcome: "denied"}, want: succeededWith("k"), redeemed: true},
		{number: "4000000000003014", want: succeededWith("k"), redeemed: true},
	}
	for _, tt := range tests {
		name := tt.number
		if tt.auth != nil {
			name += "/" + tt.auth.Outcome
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, b := setup(t)
			p.SlowDelay = time.Millisecond
			tok := mustDelegate(t, p, tt.number)
			req := chargeReq(tok, "k")
			req.Authentication = tt.auth
			if diff := cmp.Diff(tt.want, charge(t, p, req)); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if got := redeemedBy(t, b.vault, tok) != ""; got != tt.redeemed {
				t.Errorf("redeemed = %v, want %v", got, tt.redeemed)
			}
		})
	}
}

// The slow card takes SlowDelay; a caller that gives up meanwhile gets an
// error (outcome unknown, retry with the same key) and nothing is redeemed.
func TestChargeSlowCard(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	p.SlowDelay = time.Hour
	tok := mustDelegate(t, p, "4000000000003014")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if res, err := p.Charge(ctx, chargeReq(tok, "k")); err == nil {
		t.Fatalf("charge under an ending context = %+v, want an error", res)
	}
	if by := redeemedBy(t, b.vault, tok); by != "" {
		t.Errorf("token redeemed by %q after an abandoned charge", by)
	}
	p.SlowDelay = time.Millisecond
	if res := charge(t, p, chargeReq(tok, "k")); res.Outcome != commerce.ChargeSucceeded {
		t.Errorf("retry = %+v, want success", res)
	}
}

// TestCharge3DSTwoStep follows commerce's flow: the first attempt asks for
// 3DS and leaves the token usable; the next attempt (a new key) presents
// the result and is charged.
func TestCharge3DSTwoStep(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	tok := mustDelegate(t, p, "4000002500003155")

	res := charge(t, p, chargeReq(tok, "attempt-1"))
	if res.Outcome != commerce.ChargeRequires3DS || res.DirectoryServer != "visa" {
		t.Fatalf("first charge = %+v, want requires_authentication from visa", res)
	}
	if by := redeemedBy(t, b.vault, tok); by != "" {
		t.Fatalf("token redeemed by %q after a 3DS challenge", by)
	}
	// A re-drive of the first attempt asks again and charges nothing.
	if again := charge(t, p, chargeReq(tok, "attempt-1")); again.Outcome != commerce.ChargeRequires3DS {
		t.Fatalf("re-drive of the challenged attempt = %+v", again)
	}

	req := chargeReq(tok, "attempt-2")
	req.Authentication = &commerce.AuthenticationResult{Outcome: "authenticated", ECI: "05", Cryptogram: "AAAB", TransactionID: "ds_1", Version: "2.2.0"}
	if diff := cmp.Diff(succeededWith("attempt-2"), charge(t, p, req)); diff != "" {
		t.Errorf("authenticated charge (-want +got):\n%s", diff)
	}
	if by := redeemedBy(t, b.vault, tok); by != "attempt-2" {
		t.Errorf("redeemed by %q, want attempt-2", by)
	}
}

// TestChargeDeclineDoesNotConsume: a decline moves no money, so the token
// stays unredeemed; each retry declines again for the scripted card.
func TestChargeDeclineDoesNotConsume(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	tok := mustDelegate(t, p, "4000000000009995")
	for i := range 3 {
		res := charge(t, p, chargeReq(tok, fmt.Sprint("attempt-", i)))
		if res.DeclineCode != "insufficient_funds" {
			t.Fatalf("attempt %d: %+v", i, res)
		}
	}
	if by := redeemedBy(t, b.vault, tok); by != "" {
		t.Errorf("declined token redeemed by %q", by)
	}
}

func TestChargeAllowance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(req *commerce.ChargeRequest, b *testBundle)
		want   string // decline code, "" for success
	}{
		{name: "within", change: func(*commerce.ChargeRequest, *testBundle) {}},
		{name: "exactly max_amount", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Amount = 5000 }},
		{name: "over max_amount", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Amount = 5001 }, want: "allowance_exceeded"},
		{name: "zero amount", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Amount = 0 }, want: "invalid_amount"},
		{name: "negative amount", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Amount = -1 }, want: "invalid_amount"},
		{name: "other currency", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Currency = "eur" }, want: "currency_mismatch"},
		{name: "other session", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.SessionID = "cs_other" }, want: "session_mismatch"},
		{name: "just before expiry", change: func(_ *commerce.ChargeRequest, b *testBundle) { b.clock.Set(start.Add(time.Hour - time.Nanosecond)) }},
		{name: "at expiry", change: func(_ *commerce.ChargeRequest, b *testBundle) { b.clock.Set(start.Add(time.Hour)) }, want: "token_expired"},
		{name: "after expiry", change: func(_ *commerce.ChargeRequest, b *testBundle) { b.clock.Set(start.Add(48 * time.Hour)) }, want: "token_expired"},
		{name: "not a vault token", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Token = "spt_123" }, want: "invalid_token"},
		{name: "unknown vault token", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Token = "vt_unknown" }, want: "invalid_token"},
		{name: "empty token", change: func(r *commerce.ChargeRequest, _ *testBundle) { r.Token = "" }, want: "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, b := setup(t)
			tok := mustDelegate(t, p, "4242424242424242")
			req := chargeReq(tok, "k1")
			tt.change(&req, b)
			res := charge(t, p, req)
			if tt.want == "" {
				if diff := cmp.Diff(succeededWith("k1"), res); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
				return
			}
			if res.Outcome != commerce.ChargeDeclined || res.DeclineCode != tt.want || res.Message == "" || res.Reference != "" {
				t.Errorf("result = %+v, want declined %s with a message", res, tt.want)
			}
			// An allowance violation charges nothing: the token stays
			// usable for a charge that fits.
			if by := redeemedBy(t, b.vault, tok); by != "" {
				t.Fatalf("token redeemed by %q after a violation", by)
			}
			b.clock.Set(start)
			if res := charge(t, p, chargeReq(tok, "k2")); res.Outcome != commerce.ChargeSucceeded {
				t.Errorf("valid charge after the violation = %+v", res)
			}
		})
	}
}

func TestChargeOtherMerchant(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	tok := mustDelegate(t, p, "4242424242424242")
	other := sandbox.New(b.vault, "other_merchant", b.clock.Now)
	res := charge(t, other, chargeReq(tok, "k"))
	if res.DeclineCode != "merchant_mismatch" {
		t.Errorf("result = %+v, want merchant_mismatch", res)
	}
	if by := redeemedBy(t, b.vault, tok); by != "" {
		t.Errorf("token redeemed by %q", by)
	}
}

func TestChargeSingleUse(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	tok := mustDelegate(t, p, "4242424242424242")
	first := charge(t, p, chargeReq(tok, "attempt-1"))
	if diff := cmp.Diff(succeededWith("attempt-1"), first); diff != "" {
		t.Fatalf("first charge (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(first.Reference, "ch_sandbox_") || len(first.Reference) != len("ch_sandbox_")+24 {
		t.Errorf("reference %q", first.Reference)
	}

	// Another charge key: the token is spent.
	if diff := cmp.Diff(declinedWith("token_already_used", "The payment token has already been used."), charge(t, p, chargeReq(tok, "attempt-2"))); diff != "" {
		t.Errorf("second charge (-want +got):\n%s", diff)
	}

	// The same key again (a re-drive after a crash): the same success,
	// even once the allowance has expired, and nothing charged twice.
	b.clock.Set(start.Add(24 * time.Hour))
	if diff := cmp.Diff(first, charge(t, p, chargeReq(tok, "attempt-1"))); diff != "" {
		t.Errorf("re-drive (-want +got):\n%s", diff)
	}
	if by := redeemedBy(t, b.vault, tok); by != "attempt-1" {
		t.Errorf("redeemed by %q, want attempt-1", by)
	}
}

// TestChargeConcurrent races charges with different keys for one token:
// exactly one wins.
func TestChargeConcurrent(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	tok := mustDelegate(t, p, "4242424242424242")
	const n = 20
	results := make([]commerce.ChargeResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := p.Charge(context.Background(), chargeReq(tok, fmt.Sprint("key-", i)))
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	winners := 0
	for i, r := range results {
		switch {
		case r.Outcome == commerce.ChargeSucceeded:
			winners++
			if by := redeemedBy(t, b.vault, tok); by != fmt.Sprint("key-", i) {
				t.Errorf("key-%d succeeded but the token was redeemed by %q", i, by)
			}
		case r.DeclineCode != "token_already_used":
			t.Errorf("key-%d: %+v", i, r)
		}
	}
	if winners != 1 {
		t.Errorf("%d charges succeeded, want 1", winners)
	}
}

// racyVault answers GetVaultToken with the token as it was before a
// concurrent charge redeemed it, so that Charge meets ErrConflict only at
// redeem time.
type racyVault struct {
	*memVault
	stale *sandbox.VaultToken
}

func (v racyVault) GetVaultToken(context.Context, string) (*sandbox.VaultToken, error) {
	return cloneToken(v.stale), nil
}

func TestChargeRedeemConflict(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	p0 := sandbox.New(b.vault, merchantID, b.clock.Now)
	tok := mustDelegate(t, p0, "4242424242424242")
	stale, _ := b.vault.GetVaultToken(context.Background(), tok)
	if err := b.vault.RedeemVaultToken(context.Background(), tok, "winner", start); err != nil {
		t.Fatal(err)
	}
	p := sandbox.New(racyVault{b.vault, stale}, merchantID, b.clock.Now)
	if res := charge(t, p, chargeReq(tok, "loser")); res.DeclineCode != "token_already_used" {
		t.Errorf("result = %+v, want token_already_used", res)
	}
}

// failingVault fails one method.
type failingVault struct {
	*memVault
	getErr, redeemErr error
}

func (v failingVault) GetVaultToken(ctx context.Context, id string) (*sandbox.VaultToken, error) {
	if v.getErr != nil {
		return nil, v.getErr
	}
	return v.memVault.GetVaultToken(ctx, id)
}

func (v failingVault) RedeemVaultToken(ctx context.Context, id, key string, at time.Time) error {
	if v.redeemErr != nil {
		return v.redeemErr
	}
	return v.memVault.RedeemVaultToken(ctx, id, key, at)
}

// TestChargeVaultErrors: a store failure is an unknown outcome (an error),
// never a decline.
func TestChargeVaultErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("database is locked")
	for _, fv := range []failingVault{{getErr: boom}, {redeemErr: boom}} {
		_, b := setup(t)
		tok := mustDelegate(t, sandbox.New(b.vault, merchantID, b.clock.Now), "4242424242424242")
		fv.memVault = b.vault
		p := sandbox.New(fv, merchantID, b.clock.Now)
		res, err := p.Charge(context.Background(), chargeReq(tok, "k"))
		if !errors.Is(err, boom) {
			t.Errorf("charge = %+v, %v; want an error wrapping %v", res, err, boom)
		}
		if by := redeemedBy(t, b.vault, tok); by != "" {
			t.Errorf("redeemed by %q", by)
		}
		// Once the store is back, the same key charges.
		if res := charge(t, sandbox.New(b.vault, merchantID, b.clock.Now), chargeReq(tok, "k")); res.Outcome != commerce.ChargeSucceeded {
			t.Errorf("retry = %+v", res)
		}
	}
}

func TestChargeRequiresIdempotencyKey(t *testing.T) {
	t.Parallel()
	p, _ := setup(t)
	tok := mustDelegate(t, p, "4242424242424242")
	if _, err := p.Charge(context.Background(), chargeReq(tok, "")); err == nil {
		t.Error("charge without an idempotency key: want an error")
	}
}

func TestChargeUnknownBehavior(t *testing.T) {
	t.Parallel()
	p, b := setup(t)
	tok := mustDelegate(t, p, "4242424242424242")
	b.vault.tokens[tok].CardBehavior = "from_the_future"
	if res := charge(t, p, chargeReq(tok, "k")); res.DeclineCode != "processing_error" {
		t.Errorf("result = %+v, want processing_error", res)
	}
}

func TestReferenceIsDeterministic(t *testing.T) {
	t.Parallel()
	a1, a2, b := sandbox.Reference("a"), sandbox.Reference("a"), sandbox.Reference("b")
	if a1 != a2 || a1 == b {
		t.Error("Reference must depend on the key only")
	}
}
