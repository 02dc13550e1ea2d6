// Package stripe is agentshop's [commerce.PaymentProvider] for Stripe: it
// charges the Shared Payment Tokens ("spt_…") that agents present at
// checkout, and refunds those charges ([commerce.Refunder]).
//
// A charge is one PaymentIntent created and confirmed in the same request,
// with the token as payment_method_data[shared_payment_granted_token] and
// the charge's IdempotencyKey as Stripe's Idempotency-Key, so that a retry
// of an attempt whose outcome was unknown returns the first attempt's
// PaymentIntent instead of charging again. Shared Payment Tokens are a
// preview API: every request carries the configured preview Stripe-Version
// ([DefaultAPIVersion] unless [Config.APIVersion] says otherwise).
//
// Outcomes follow the [commerce.PaymentProvider] contract: what Stripe
// decided (a success, a decline, a 3-D Secure challenge, a token Stripe
// rejects) is a [commerce.ChargeResult] with a nil error; anything after
// which the charge may or may not exist (network errors, 5xx, 429,
// idempotency conflicts, a PaymentIntent still processing) is an error,
// and the caller retries with the same key. [Provider.Charge] and
// [Provider.Refund] list the mapping.
//
// Client-safe messages are this package's own texts: Stripe's error
// messages are kept in the errors (for logs), never put in results.
//
// The package imports commerce, stripe-go (as stripeapi) and the standard
// library.
package stripe
