// Package braintree is agentshop's Braintree side: the webhook
// notifications Braintree sends (bt_signature and bt_payload, verified and
// decoded by [ParseWebhook]; the bt_challenge answered by [Challenge]).
//
// The webhook code follows Braintree's server SDKs (WebhookNotification
// parse and verify): bt_signature is a list of "public_key|hex_hmac"
// pairs, each HMAC-SHA1 keyed with SHA1 of the private key; bt_payload is
// base64 of an XML <notification>. No Braintree SDK for Go is available,
// so this is written here from that algorithm.
//
// The package imports commerce and the standard library.
package braintree
