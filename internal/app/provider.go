package app

import (
	"errors"
	"log/slog"
	"time"

	"agentshop/internal/acp"
	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/store"
	"agentshop/internal/web"
)

// paymentProvider returns the configured provider and, when it is the
// sandbox, the sandbox itself (for delegate_payment and the hosted page's
// card form, which exist only for it).
func paymentProvider(cfg Config, st store.Store, log *slog.Logger) (commerce.PaymentProvider, *sandbox.Provider, error) {
	if cfg.Shop.PaymentProvider == "stripe" {
		if cfg.Stripe.SecretKey == "" {
			return nil, nil, errors.New("payment provider stripe needs AGENTSHOP_STRIPE_SECRET_KEY")
		}
		p, err := stripe.New(stripe.Config{SecretKey: cfg.Stripe.SecretKey, BaseURL: cfg.Stripe.BaseURL,
			APIVersion: cfg.Stripe.APIVersion, Logger: log})
		return p, nil, err
	}
	sb := sandbox.New(st, cfg.Shop.MerchantID, time.Now)
	return sb, sb, nil
}

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
