package app

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/store"
)

// PaymentHandler is one entry of the config file's "payments" list: a
// payment provider in one mode, with its merchant id, the methods it
// offers and the environment variables its credentials come from (never
// the file itself).
type PaymentHandler struct {
	// ID names the handler to agents (the 2026-04-17 handler id).
	ID string `json:"id"`
	// Provider is "sandbox", "stripe" or "braintree".
	Provider string `json:"provider"`
	// Mode is "test" or "live", checked against the credentials at start.
	// The sandbox is always test.
	Mode string `json:"mode"`
	// MerchantID is the merchant's id at the provider (Stripe: the Network
	// ID; Braintree: the merchant id); default shop.merchant_id.
	MerchantID string `json:"merchant_id"`
	// Enabled is false to keep a handler for the orders it charged
	// (re-drives, refunds) without offering it to new sessions; default
	// true.
	Enabled *bool `json:"enabled,omitempty"`
	// Methods are "card", "apple_pay", "google_pay" (default ["card"]; the
	// sandbox takes cards only), and CardBrands the card brands Stripe
	// declares as allowed_card_brands (default: any).
	Methods    []string `json:"methods,omitempty"`
	CardBrands []string `json:"card_brands,omitempty"`
	// The names of the environment variables that hold the credentials:
	// Stripe's secret key; Braintree's public and private keys; the
	// provider's webhook signing secret.
	SecretKeyEnv     string `json:"secret_key_env,omitempty"`
	PublicKeyEnv     string `json:"public_key_env,omitempty"`
	PrivateKeyEnv    string `json:"private_key_env,omitempty"`
	WebhookSecretEnv string `json:"webhook_secret_env,omitempty"`
	// BaseURL overrides the provider's API origin (stripe-mock, a fake, a
	// proxy). APIVersion is Stripe's Stripe-Version (default
	// stripe.api_version).
	BaseURL    string `json:"base_url,omitempty"`
	APIVersion string `json:"api_version,omitempty"`

	// The credentials, read from the variables named above by [Load].
	SecretKey, PublicKey, PrivateKey, WebhookSecret string `json:"-"`
}

// readSecrets reads the handler's credentials from the variables it names.
func (h *PaymentHandler) readSecrets(env func(string) string) {
	read := func(name string) string {
		if name == "" {
			return ""
		}
		return env(name)
	}
	h.SecretKey, h.PublicKey = read(h.SecretKeyEnv), read(h.PublicKeyEnv)
	h.PrivateKey, h.WebhookSecret = read(h.PrivateKeyEnv), read(h.WebhookSecretEnv)
}

// enabled reports whether the handler is offered to new sessions.
func (h PaymentHandler) enabled() bool { return h.Enabled == nil || *h.Enabled }

// validatePayments checks the payments list's shape: known providers,
// unique ids, modes, methods, which credentials each provider needs, and
// a default mode with an enabled handler. The credentials themselves are
// checked when the handlers are built ([paymentHandlers]).
func validatePayments(list []PaymentHandler, defMode string) error {
	ids := map[string]bool{}
	sandboxes := 0
	modes := map[string]bool{}
	for i, h := range list {
		at := fmt.Sprintf("payments[%d]", i)
		if strings.TrimSpace(h.ID) == "" {
			return fmt.Errorf("%s: id is required", at)
		}
		at = fmt.Sprintf("payments[%d] (id %q)", i, h.ID)
		if ids[h.ID] {
			return fmt.Errorf("%s: duplicate id: every payment handler needs its own", at)
		}
		ids[h.ID] = true
		if h.Mode != "test" && h.Mode != "live" {
			return fmt.Errorf("%s: mode %q: want test or live", at, h.Mode)
		}
		methods := []string{"card", "apple_pay", "google_pay"}
		switch h.Provider {
		case "sandbox":
			sandboxes++
			if h.Mode != "test" {
				return fmt.Errorf("%s: the sandbox moves no money: its mode is always test", at)
			}
			methods = []string{"card"}
		case "stripe":
			if h.SecretKeyEnv == "" {
				return fmt.Errorf("%s: stripe needs secret_key_env, the environment variable holding its secret key", at)
			}
		case "braintree":
			return fmt.Errorf("%s: payment provider braintree is not built yet; use sandbox or stripe", at)
		default:
			return fmt.Errorf("%s: unknown payment provider %q (sandbox, stripe, braintree)", at, h.Provider)
		}
		for _, m := range h.Methods {
			if !slices.Contains(methods, m) {
				return fmt.Errorf("%s: payment method %q: %s takes %s", at, m, h.Provider, strings.Join(methods, ", "))
			}
		}
		if h.BaseURL != "" {
			if u, err := url.Parse(h.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("%s: base_url %q: want an absolute http(s) URL", at, h.BaseURL)
			}
		}
		if h.enabled() {
			modes[h.Mode] = true
		}
	}
	if sandboxes > 1 {
		return errors.New("payments: at most one sandbox handler (it serves the one delegate_payment endpoint)")
	}
	if len(list) > 0 {
		if len(modes) == 0 {
			return errors.New("payments: no enabled payment handler")
		}
		if defMode != "" && !modes[defMode] {
			return fmt.Errorf("shop.payment_mode %s: no enabled %s payment handler", defMode, defMode)
		}
	}
	return nil
}

// handlerList is the configured payment handlers: cfg.Payments, or the
// one handler the shop.payment_provider shorthand makes, with id
// [commerce.LegacyHandlerID], whose Stripe key is
// AGENTSHOP_STRIPE_SECRET_KEY and whose mode is the key's.
func handlerList(cfg Config) []PaymentHandler {
	if len(cfg.Payments) > 0 {
		return cfg.Payments
	}
	h := PaymentHandler{ID: commerce.LegacyHandlerID, Provider: cfg.Shop.PaymentProvider, Mode: "test", MerchantID: cfg.Shop.MerchantID}
	if h.Provider == "stripe" {
		h.SecretKeyEnv, h.SecretKey, h.BaseURL = "AGENTSHOP_STRIPE_SECRET_KEY", cfg.Stripe.SecretKey, cfg.Stripe.BaseURL
		if stripeKeyMode(h.SecretKey) == "live" {
			h.Mode = "live"
		}
	}
	return []PaymentHandler{h}
}

// stripeKeyMode is the mode a Stripe key's prefix says: "live" for
// sk_live_ and rk_live_, "test" for sk_test_ and rk_test_, "" otherwise.
func stripeKeyMode(key string) string {
	switch {
	case strings.HasPrefix(key, "sk_live_"), strings.HasPrefix(key, "rk_live_"):
		return "live"
	case strings.HasPrefix(key, "sk_test_"), strings.HasPrefix(key, "rk_test_"):
		return "test"
	}
	return ""
}

// paymentHandlers builds the payment registry from the configured
// handlers. Each handler's credentials must be in the variables it names
// and agree with its mode: a live Stripe key in a test handler, a test key
// in a live one, or Braintree's production endpoint in a test handler
// refuses to start. Beside them the built-in sandbox is registered,
// disabled, when no handler is one, so that attempts it made before a
// switch are still re-driven and refunded by it (never by Stripe). The
// sandbox provider is returned too when a handler uses it, for
// delegate_payment and the hosted page's card form, which exist only for
// it.
func paymentHandlers(cfg Config, st store.Store, log *slog.Logger) (*commerce.Payments, *sandbox.Provider, error) {
	var (
		hs []commerce.Handler
		sb *sandbox.Provider
	)
	for i, h := range handlerList(cfg) {
		at := fmt.Sprintf("payments[%d] (id %q)", i, h.ID)
		if len(cfg.Payments) == 0 {
			at = "shop.payment_provider " + h.Provider
		}
		missing := func(env, what string) error {
			return fmt.Errorf("%s: %s needs %s, from the environment variable %s, which is not set", at, h.Provider, what, env)
		}
		var prov commerce.PaymentProvider
		switch h.Provider {
		case "sandbox":
			sb = sandbox.New(st, cmp.Or(h.MerchantID, cfg.Shop.MerchantID), time.Now)
			prov = sb
		case "stripe":
			if h.SecretKey == "" {
				return nil, nil, missing(h.SecretKeyEnv, "its secret key")
			}
			switch km := stripeKeyMode(h.SecretKey); {
			case km == "":
				return nil, nil, fmt.Errorf("%s: the key in %s is not a Stripe secret or restricted key (sk_test_, sk_live_, rk_test_, rk_live_)", at, h.SecretKeyEnv)
			case km != h.Mode:
				return nil, nil, fmt.Errorf("%s: a %s handler has a %s key in %s: test and live stay apart, so agentshop does not start", at, h.Mode, km, h.SecretKeyEnv)
			}
			p, err := stripe.New(stripe.Config{SecretKey: h.SecretKey, BaseURL: cmp.Or(h.BaseURL, cfg.Stripe.BaseURL),
				APIVersion: cmp.Or(h.APIVersion, cfg.Stripe.APIVersion), Logger: log.With("handler", h.ID)})
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", at, err)
			}
			prov = p
		default:
			return nil, nil, fmt.Errorf("%s: unknown payment provider %q", at, h.Provider)
		}
		if h.WebhookSecretEnv != "" && h.WebhookSecret == "" {
			return nil, nil, missing(h.WebhookSecretEnv, "its webhook secret")
		}
		hs = append(hs, commerce.Handler{PaymentHandler: commerce.PaymentHandler{
			ID: h.ID, PSP: h.Provider, Mode: commerce.Mode(h.Mode), MerchantID: cmp.Or(h.MerchantID, cfg.Shop.MerchantID),
			Methods: methods(h), Enabled: h.enabled(),
		}, Provider: prov})
	}
	if sb == nil {
		id := "sandbox"
		if slices.ContainsFunc(hs, func(h commerce.Handler) bool { return h.ID == id }) {
			id = "sandbox-builtin"
		}
		hs = append(hs, commerce.Handler{PaymentHandler: commerce.PaymentHandler{ID: id, Mode: commerce.ModeTest},
			Provider: sandbox.New(st, cfg.Shop.MerchantID, time.Now)})
	}
	payments, err := commerce.NewHandlers(commerce.Mode(cfg.Shop.PaymentMode), hs...)
	if err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(payments.All(), func(h commerce.Handler) bool { return h.PSP == "sandbox" && h.Enabled }) {
		sb = nil // no session can pay with the sandbox: no delegate_payment
	}
	return payments, sb, nil
}

// methods are a handler's configured methods as the domain's.
func methods(h PaymentHandler) []commerce.PaymentMethod {
	names := h.Methods
	if len(names) == 0 {
		names = []string{commerce.MethodCard}
	}
	var out []commerce.PaymentMethod
	for _, n := range names {
		m := commerce.PaymentMethod{Type: n}
		if n == commerce.MethodCard {
			m.CardBrands = h.CardBrands
		}
		out = append(out, m)
	}
	return out
}
