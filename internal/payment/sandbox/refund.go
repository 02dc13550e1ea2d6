package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"agentshop/internal/commerce"
)

var _ commerce.Refunder = (*Provider)(nil)

// Refund returns money from a sandbox charge. The sandbox keeps no
// balances, so a refund of one of its charges with a positive amount
// always succeeds (the service has already checked the amount against the
// order); its reference is derived from the idempotency key, so a repeated
// key returns the same refund, as a real provider's would. A charge
// reference that is not the sandbox's is refused.
func (p *Provider) Refund(_ context.Context, req commerce.RefundRequest) (commerce.RefundResult, error) {
	if !strings.HasPrefix(req.ChargeRef, "ch_sandbox_") {
		return commerce.RefundResult{Refused: true, Message: "No such sandbox charge."}, nil
	}
	if req.Amount <= 0 {
		return commerce.RefundResult{Refused: true, Message: "The amount must be positive."}, nil
	}
	sum := sha256.Sum256([]byte(req.IdempotencyKey))
	return commerce.RefundResult{Reference: "re_sandbox_" + hex.EncodeToString(sum[:])[:24]}, nil
}
