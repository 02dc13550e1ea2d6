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

// paymentProviders returns the payment registry: the configured provider
// as the default and, beside Stripe, the built-in sandbox, so that attempts
// the sandbox made before a switch are still re-driven and refunded by it
// (never by Stripe). When the sandbox is the default it is returned too,
// for delegate_payment and the hosted page's card form, which exist only
// for it.
func paymentProviders(cfg Config, st store.Store, log *slog.Logger) (*commerce.Payments, *sandbox.Provider, error) {
	sb := sandbox.New(st, cfg.Shop.MerchantID, time.Now)
	if cfg.Shop.PaymentProvider == "stripe" {
		if cfg.Stripe.SecretKey == "" {
			return nil, nil, errors.New("payment provider stripe needs AGENTSHOP_STRIPE_SECRET_KEY")
		}
		p, err := stripe.New(stripe.Config{SecretKey: cfg.Stripe.SecretKey, BaseURL: cfg.Stripe.BaseURL,
			APIVersion: cfg.Stripe.APIVersion, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		payments, err := commerce.NewPayments(p, sb)
		return payments, nil, err
	}
	payments, err := commerce.NewPayments(sb)
	return payments, sb, err
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
