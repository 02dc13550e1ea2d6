package app

import (
	"context"
	"net/http"
	"slices"
	"time"

	"agentshop/internal/commercemetrics"
	"agentshop/internal/payment/braintree"
	"agentshop/internal/payment/stripe"
)

// Provider events in are bounded: each delivery's body (the handler's cap),
// and the records kept to deduplicate and list them (the janitor's sweep).
const (
	// providerEventRetention is how long an event's record is kept: well
	// past Stripe's redelivery window (3 days in live mode), so that a
	// late redelivery is still recognised.
	providerEventRetention = 30 * 24 * time.Hour
	// providerEventKeep caps the records kept, newest first, whatever
	// their age.
	providerEventKeep = 100_000
)

// providerWebhooks registers the payment providers' webhook endpoints,
// each verified with its own signing secret and handing its events to
// [commerce.Service.ApplyPaymentEvent]. POST /webhooks/stripe is on when
// AGENTSHOP_STRIPE_WEBHOOK_SECRET (the shorthand's) or a stripe handler's
// webhook_secret_env is set, and /webhooks/braintree (POST notifications, GET bt_challenge)
// when AGENTSHOP_BRAINTREE_PUBLIC_KEY and _PRIVATE_KEY are, whichever
// provider takes new payments (a shop that moved off Stripe still hears
// about its Stripe orders' refunds and disputes). This is the one place
// that reads the payment handlers' webhook secrets.
func (a *App) providerWebhooks(mux *http.ServeMux, m *commercemetrics.Metrics) {
	// One endpoint for every Stripe account: the shorthand's secret and
	// each stripe handler's webhook_secret_env; the secret that verifies a
	// delivery says it is Stripe's.
	var secrets []string
	if s := a.Config.Stripe.WebhookSecret; s != "" {
		secrets = append(secrets, s)
	}
	for _, h := range a.Config.Payments {
		if h.Provider == "stripe" && h.WebhookSecret != "" && !slices.Contains(secrets, h.WebhookSecret) {
			secrets = append(secrets, h.WebhookSecret)
		}
	}
	if len(secrets) > 0 {
		mux.Handle("POST /webhooks/stripe", &stripe.WebhookHandler{
			Secrets: secrets,
			Events:  a.Service,
			Logger:  a.Logger.With("surface", "webhooks/stripe"),
			Observe: m.ObserveProviderEvent("stripe"),
		})
	} else {
		a.Logger.Info("no AGENTSHOP_STRIPE_WEBHOOK_SECRET and no stripe handler with webhook_secret_env: POST /webhooks/stripe is off (asynchronous payment results, Dashboard refunds and disputes are not received)")
	}
	if bt := a.Config.BraintreeWebhook; bt.PublicKey != "" && bt.PrivateKey != "" {
		h := &braintree.WebhookHandler{
			PublicKey:  bt.PublicKey,
			PrivateKey: bt.PrivateKey,
			Events:     a.Service,
			Logger:     a.Logger.With("surface", "webhooks/braintree"),
			Observe:    m.ObserveProviderEvent(braintree.ProviderName),
		}
		mux.Handle("POST /webhooks/braintree", h)
		mux.Handle("GET /webhooks/braintree", h) // bt_challenge
	}
}

// sweepProviderEvents deletes the records of provider events past their
// retention or beyond the newest providerEventKeep.
func (a *App) sweepProviderEvents(ctx context.Context) {
	n, err := a.Store.DeleteInboundEvents(ctx, time.Now().Add(-providerEventRetention), providerEventKeep)
	if err != nil {
		a.Logger.Warn("delete old provider event records", "err", err)
	} else if n > 0 {
		a.Logger.Info("deleted old provider event records", "count", n)
	}
}
