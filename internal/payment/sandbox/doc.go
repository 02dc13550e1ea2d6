// Package sandbox is agentshop's built-in payment provider for offline
// testing. It never moves real money and never talks to a network: it
// issues ACP delegated-payment vault tokens ("vt_…") for test card numbers
// and charges them by looking up how the test card is scripted to behave.
//
// Two things live here:
//
//   - [Provider.Delegate] (and [Provider.HandleDelegate], the ACP endpoint
//     body handler) implements ACP's POST /agentic_commerce/delegate_payment
//     for the 2025-09-29 and 2026-04-17 versions. Their delegate-payment
//     schemas differ only in limits; this package accepts what either
//     accepts (an iin of up to 8 digits, an empty risk_signals list) and
//     always checks display_last4 as 4 digits.
//     [DecodeDelegateRequest] and [EncodeDelegateResponse] are its wire codec.
//   - [Provider.Charge] implements [commerce.PaymentProvider]: it enforces
//     the token's allowance (amount, currency, checkout session, merchant,
//     expiry), single use and the card's scripted outcome, including a
//     two-step 3-D Secure flow.
//
// The cards are listed in [TestCards]. Any other number that passes the
// Luhn check is accepted and behaves like 4242 4242 4242 4242 (it
// succeeds), so that example numbers from the ACP spec and PSP docs work.
//
// Tokens are kept through a [Vault], which this package owns and the
// stores implement over the merchant's database, inside its transactions
// too (a charge's redemption commits with the order). A stored token holds the last four digits, the brand, the
// scripted behavior and the allowance; never the full card number or CVC.
//
// Token consumption follows Stripe's Shared Payment Tokens, which are
// "consumed" only by captured amounts: only a successful charge redeems a
// token. A decline, a 3-D Secure challenge or an allowance violation charges
// nothing and leaves the token usable for a later, valid charge.
//
// The package imports only commerce and the standard library.
package sandbox
