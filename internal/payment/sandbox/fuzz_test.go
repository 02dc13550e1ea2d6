package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// delegateSeeds are valid requests for each test card and a few broken
// ones; the spec's example request is in testdata/fuzz.
func delegateSeeds(f *testing.F) {
	for _, c := range sandbox.TestCards {
		f.Add(encode(f, requestJSON(strings.ReplaceAll(c.Number, " ", ""))))
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`,
		`{"payment_method":{},"allowance":{},"risk_signals":[],"metadata":{}}`,
		`{"payment_method":{"type":"card","card_number_type":"fpan","number":"4242424242424242","display_card_funding_type":"credit","metadata":{}},"allowance":{"reason":"one_time","max_amount":1,"currency":"usd","checkout_session_id":"cs_1","merchant_id":"m","expires_at":"2099-01-01T00:00:00Z"},"risk_signals":[],"metadata":{}}`,
	} {
		f.Add([]byte(s))
	}
	m := requestJSON("4242424242424242")
	set(m, "allowance.max_amount", -1)
	f.Add(encode(f, m))
	m = requestJSON("4242424242424242")
	set(m, "payment_method.exp_month", "13")
	f.Add(encode(f, m))
}

// FuzzDecodeDelegateRequest: any body decodes or fails with an EINVALID
// *commerce.Error at a JSONPath; nothing panics.
func FuzzDecodeDelegateRequest(f *testing.F) {
	delegateSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, err := sandbox.DecodeDelegateRequest(body); err != nil {
			checkDelegateInvalid(t, err)
		}
	})
}

// FuzzDelegate runs the whole delegation on any body: decoding, card and
// allowance validation and storage, then charges the token twice with
// different keys. Errors are EINVALID at a JSONPath; a stored token never
// holds the full card number or the CVC, has a positive allowance and
// four last digits; and no token is charged successfully twice.
func FuzzDelegate(f *testing.F) {
	delegateSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := sandbox.DecodeDelegateRequest(body)
		if err != nil {
			return // FuzzDecodeDelegateRequest covers decoding errors
		}
		p, b := setup(t)
		p.SlowDelay = time.Millisecond
		ctx := context.Background()
		tok, err := p.Delegate(ctx, req)
		if err != nil {
			checkDelegateInvalid(t, err)
			return
		}
		stored, err := b.vault.GetVaultToken(ctx, tok.ID)
		if err != nil {
			t.Fatalf("delegated token %s not stored: %v", tok.ID, err)
		}
		checkNoPAN(t, stored, req.PaymentMethod)
		if stored.MaxAmount <= 0 || stored.Currency == "" || !stored.ExpiresAt.After(b.clock.Now()) {
			t.Fatalf("stored an unusable allowance: %+v", stored)
		}
		if len(stored.CardLast4) != 4 || strings.Trim(stored.CardLast4, "0123456789") != "" {
			t.Fatalf("last4 %q is not four digits", stored.CardLast4)
		}

		charge := commerce.ChargeRequest{
			SessionID: stored.CheckoutSessionID, Amount: stored.MaxAmount, Currency: stored.Currency, Token: stored.ID,
			Authentication: &commerce.AuthenticationResult{Outcome: "authenticated"},
		}
		charge.IdempotencyKey = "key-1"
		first, err := p.Charge(ctx, charge)
		if err != nil {
			t.Fatalf("charge: %v", err)
		}
		charge.IdempotencyKey = "key-2"
		second, err := p.Charge(ctx, charge)
		if err != nil {
			t.Fatalf("second charge: %v", err)
		}
		if first.Outcome == commerce.ChargeSucceeded && second.Outcome == commerce.ChargeSucceeded {
			t.Fatalf("token %s charged twice", stored.ID)
		}
	})
}

// checkNoPAN fails if the card number (when it is long enough to be one)
// or the CVC appears in the stored token, outside the fields that echo
// what the agent chose to send as metadata or allowance ids.
func checkNoPAN(t *testing.T, tok *sandbox.VaultToken, pm sandbox.PaymentMethodCard) {
	t.Helper()
	card := *tok
	// Last4 is shown on purpose, and may equal a 4-digit CVC.
	card.Metadata, card.CheckoutSessionID, card.MerchantID, card.ID, card.CardLast4 = nil, "", "", "", ""
	b, err := json.Marshal(card)
	if err != nil {
		t.Fatal(err)
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, pm.Number)
	if len(digits) >= 12 && strings.Contains(string(b), digits) {
		t.Fatalf("stored token holds the card number: %s", b)
	}
	if len(pm.CVC) >= 3 && strings.Contains(string(b), `"`+pm.CVC+`"`) {
		t.Fatalf("stored token holds the CVC: %s", b)
	}
}

func checkDelegateInvalid(t *testing.T, err error) {
	t.Helper()
	e, ok := errors.AsType[*commerce.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *commerce.Error", err, err)
	}
	if e.Code != commerce.EINVALID || !strings.HasPrefix(e.Param, "$") || e.Message == "" {
		t.Fatalf("error {Code: %q, Param: %q, Message: %q}, want EINVALID with a $ param and a message", e.Code, e.Param, e.Message)
	}
}
