package stripe

import (
	"context"
	"os"
	"testing"

	"agentshop/internal/commerce"
)

// TestStripeMock checks the shape of the provider's requests against
// stripe-mock (github.com/stripe/stripe-mock), which validates them with
// Stripe's OpenAPI spec and answers static fixtures. Run it with a
// stripe-mock that knows the Shared Payment Token preview params, e.g.
//
//	stripe-mock -beta -spec spec3.beta.spt.go.json -http-addr 127.0.0.1:12111
//	AGENTSHOP_STRIPE_MOCK_URL=http://127.0.0.1:12111 go test ./internal/payment/stripe -run StripeMock
//
// The fixture's status says nothing about the charge, so only that Stripe
// accepted the requests (no error, which would be an unknown outcome, and
// no rejected request) is asserted.
func TestStripeMock(t *testing.T) {
	base := os.Getenv("AGENTSHOP_STRIPE_MOCK_URL")
	if base == "" {
		t.Skip("AGENTSHOP_STRIPE_MOCK_URL not set: skipping the stripe-mock shape test")
	}
	p, err := New(Config{SecretKey: "sk_test_123", BaseURL: base})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx := context.Background()
	res, err := p.Charge(ctx, commerce.ChargeRequest{
		IdempotencyKey: "agentshop-cs_mock-attempt-1", SessionID: "cs_mock",
		Amount: 2000, Currency: "usd", Token: "spt_123",
	})
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	switch res.DeclineCode {
	case DeclinePaymentTokenInvalid, DeclineProcessingError:
		t.Fatalf("Charge = %+v: stripe-mock rejected the request", res)
	}
	t.Logf("Charge = %+v", res)
	// The retry after a 3-D Secure challenge imports the agent's result.
	res, err = p.Charge(ctx, commerce.ChargeRequest{
		IdempotencyKey: "agentshop-cs_mock-attempt-2", SessionID: "cs_mock",
		Amount: 2000, Currency: "usd", Token: "spt_123",
		Authentication: &commerce.AuthenticationResult{Outcome: "authenticated", Cryptogram: "AAABBB", ECI: "05", TransactionID: "ds_1", Version: "2.2.0"},
	})
	if err != nil {
		t.Fatalf("Charge with 3-D Secure result: %v", err)
	}
	switch res.DeclineCode {
	case DeclinePaymentTokenInvalid, DeclineProcessingError:
		t.Fatalf("Charge with 3-D Secure result = %+v: stripe-mock rejected the request", res)
	}
	rf, err := p.Refund(ctx, commerce.RefundRequest{IdempotencyKey: "agentshop-re_mock", ChargeRef: "pi_123", Amount: 500, Currency: "usd"})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	if rf.Refused {
		t.Fatalf("Refund = %+v: stripe-mock rejected the request", rf)
	}
	t.Logf("Refund = %+v", rf)
}
