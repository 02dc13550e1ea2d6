package sandbox_test

import (
	"testing"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

func TestRefund(t *testing.T) {
	p := sandbox.New(nil, "acct_test", nil)
	charge := sandbox.Reference("agentshop-cs_1-attempt-1")
	tests := []struct {
		name    string
		req     commerce.RefundRequest
		refused bool
	}{
		{"partial", commerce.RefundRequest{IdempotencyKey: "k1", ChargeRef: charge, Amount: 500, Currency: "usd"}, false},
		{"another key", commerce.RefundRequest{IdempotencyKey: "k2", ChargeRef: charge, Amount: 500, Currency: "usd"}, false},
		{"not a sandbox charge", commerce.RefundRequest{IdempotencyKey: "k3", ChargeRef: "ch_3Nxyz", Amount: 500, Currency: "usd"}, true},
		{"zero amount", commerce.RefundRequest{IdempotencyKey: "k4", ChargeRef: charge, Amount: 0, Currency: "usd"}, true},
	}
	refs := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.Refund(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Refused != tt.refused || (res.Reference == "") != tt.refused {
				t.Fatalf("Refund = %+v, want refused=%v", res, tt.refused)
			}
			if !tt.refused {
				again, err := p.Refund(t.Context(), tt.req)
				if err != nil || again != res {
					t.Fatalf("the same key again = %+v, %v; want %+v", again, err, res)
				}
				refs[res.Reference] = tt.name
			}
		})
	}
	if len(refs) != 2 {
		t.Errorf("two keys gave %d distinct refund references", len(refs))
	}
}
