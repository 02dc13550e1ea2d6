// Package braintree is agentshop's [commerce.PaymentProvider] for Braintree
// (PayPal's "Agent Ready" path for ACP): it charges the single-use
// payment-method nonces ("tokencc_…") that agents present at checkout,
// refunds and voids those charges ([commerce.Refunder]), and verifies and
// decodes the webhook notifications Braintree sends ([ParseWebhook],
// [Challenge]).
//
// No Braintree SDK for Go is available, so the package holds a small
// GraphQL client over net/http: HTTP Basic authentication with the API
// key pair, a Braintree-Version header, the sandbox or production
// endpoint (or [Config.BaseURL], for a fake). A charge is
// chargePaymentMethod with the nonce as paymentMethodId, the amount as a
// decimal string, the merchant account of the session's currency and the
// attempt's idempotency key as orderId; it authorizes and submits for
// settlement at once.
//
// At most once without an idempotency header. Braintree takes no
// idempotency key for chargePaymentMethod, so [Provider.Charge] first
// searches the transactions by orderId and answers with the attempt's
// transaction when it exists; only when there is none does it charge. An
// ambiguous answer (network error, timeout, a connection cut before the
// answer, 5xx) is an error, which keeps the attempt pending; its re-drive
// finds the charge by that search. A nonce answered as already used
// (91564) is resolved by searching again. Refunds are idempotent the same
// way, by the refund's orderId.
//
// The gap left: a search that does not show yet a transaction made an
// instant before. A re-drive starts only once the attempt's lease (30 s)
// has passed, and a request times out before that (20 s), so the search
// lags a charge by more than the lease's margin for this to matter; and
// since the nonce is single-use, a charge made in that window is refused
// (91564) and resolved by searching again, three times a second apart.
// If Braintree's search lagged by longer still, the attempt would be
// declined as payment_token_used although the first call charged: that
// charge would then have no order and need a refund by hand.
//
// Outcomes follow the [commerce.PaymentProvider] contract: what Braintree
// decided (a success, a decline, a rejected nonce) is a
// [commerce.ChargeResult] with a nil error; anything after which the
// charge may or may not exist is an error. [Provider.Charge] and
// [Provider.Refund] list the mapping. Client-safe messages are this
// package's own texts; Braintree's messages and processor response texts
// are logged, never put in results. A charge's
// facilitatorDetails.oauthApplication (ChatGPT) is reported as
// [commerce.ChargeResult.Facilitator].
//
// The webhook code follows Braintree's server SDKs (WebhookNotification
// parse and verify): bt_signature is a list of "public_key|hex_hmac"
// pairs, each HMAC-SHA1 keyed with SHA1 of the private key; bt_payload is
// base64 of an XML <notification>.
//
// Everything here was tried only against the hand-written fake in
// braintreetest, never against Braintree.
//
// The package imports commerce and the standard library.
package braintree
