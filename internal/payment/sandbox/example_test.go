package sandbox_test

import (
	"context"
	"fmt"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// Example delegates the 4242 test card for one checkout session and
// charges it twice with different keys: the token is single use.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := sandbox.New(newMemVault(), "acme_store", func() time.Time { return now })

	tok, err := p.Delegate(ctx, sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{
			Type: "card", CardNumberType: "fpan", Number: "4242424242424242",
			ExpMonth: "12", ExpYear: "2030", CVC: "123", DisplayCardFundingType: "credit",
		},
		Allowance: sandbox.Allowance{
			Reason: "one_time", MaxAmount: 5000, Currency: "usd",
			CheckoutSessionID: "cs_1", MerchantID: "acme_store",
			ExpiresAt: now.Add(time.Hour).Format(time.RFC3339),
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.CardBrand, tok.CardLast4, tok.CardBehavior)

	req := commerce.ChargeRequest{IdempotencyKey: "attempt-1", SessionID: "cs_1", Amount: 4200, Currency: "usd", Token: tok.ID}
	res, _ := p.Charge(ctx, req)
	fmt.Println(res.Outcome, res.Reference)

	req.IdempotencyKey = "attempt-2"
	res, _ = p.Charge(ctx, req)
	fmt.Println(res.Outcome, res.DeclineCode)
	// Output:
	// visa 4242 succeed
	// succeeded ch_sandbox_3dafcfaa6218343276ff4226
	// declined token_already_used
}
