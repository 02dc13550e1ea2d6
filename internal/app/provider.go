package app

import (
	"agentshop/internal/acp"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/web"
)

// delegate is the sandbox's delegate_payment handler, or nil (no endpoint)
// for a real provider: agents bring its tokens (Stripe Shared Payment
// Tokens) from the provider.
func delegate(sb *sandbox.Provider) acp.DelegateFunc {
	if sb == nil {
		return nil
	}
	return sb.HandleDelegate
}

// paySteps are the hosted checkout's payment forms: the sandbox's test
// card form, or none (the page then says payment is not available there).
func paySteps(sb *sandbox.Provider, merchantID string) map[string]web.PayStep {
	if sb == nil {
		return nil
	}
	return map[string]web.PayStep{"sandbox": &web.SandboxCard{Provider: sb, MerchantID: merchantID}}
}
