package commerce

import "context"

// PaymentProvider charges one-time payment credentials (Stripe Shared
// Payment Tokens, Braintree nonces, sandbox vault tokens).
type PaymentProvider interface {
	// Name is the provider's name as configured ("sandbox", "stripe", …).
	Name() string
	// LiveMode reports whether the provider moves real money: true for
	// live credentials (a Stripe sk_live_ key), false for test ones and
	// for the sandbox. Surfaces declare it to agents as the payment mode.
	LiveMode() bool
	// Charge charges req.Amount with req.Token. Calls with the same
	// IdempotencyKey charge at most once and return the same result.
	// A decline or a 3DS challenge is a result with a nil error. A non-nil
	// error means the outcome is unknown (timeout, 5xx): the caller keeps
	// the attempt pending and may retry with the same key.
	Charge(ctx context.Context, req ChargeRequest) (ChargeResult, error)
}

// A StoreCharger is a PaymentProvider whose ledger lives in the merchant's
// own store (the sandbox). ChargeInStore decides a charge like Charge but
// does not record it: it returns, with the result, the writes that make
// the charge final, and [Service] runs them inside the transaction that
// records the outcome. A charge and its order then cost one commit, not
// two, and neither exists without the other.
//
// Until commit has run and its transaction committed, nothing is charged:
// a crash in between leaves the attempt pending, and re-driving it with the
// same IdempotencyKey decides again. commit is nil when there is nothing to
// record (declines, 3DS challenges, a charge already recorded under the
// same key). An error from commit means the charge cannot be recorded as
// decided (e.g. a concurrent charge with another key used the credential):
// the transaction is rolled back and the attempt stays pending.
type StoreCharger interface {
	PaymentProvider
	ChargeInStore(ctx context.Context, req ChargeRequest) (res ChargeResult, commit func(ctx context.Context, tx Executor) error, err error)
}

// ChargeRequest is one charge of a session's total.
type ChargeRequest struct {
	IdempotencyKey string
	SessionID      string
	Amount         int64
	Currency       Currency
	Token          string
	BillingAddress *Address
	Buyer          *Buyer
	// Authentication is the 3DS result, on the retry after a challenge.
	Authentication *AuthenticationResult
}

// ChargeOutcome is what a charge did.
type ChargeOutcome string

// Charge outcomes.
const (
	ChargeSucceeded   ChargeOutcome = "succeeded"
	ChargeDeclined    ChargeOutcome = "declined"
	ChargeRequires3DS ChargeOutcome = "requires_authentication"
)

// ChargeResult is a charge's definite outcome.
type ChargeResult struct {
	Outcome     ChargeOutcome
	Reference   string // provider's charge id when succeeded
	DeclineCode string // e.g. "insufficient_funds", "generic_decline", "allowance_exceeded"
	Message     string // client-safe explanation
	// DirectoryServer is the card network, when Outcome is ChargeRequires3DS.
	DirectoryServer string
	// Facilitator is the platform that presented the credential for the
	// buyer, when the provider reports one (on a success); recorded on the
	// payment ([Payment.Facilitator]).
	Facilitator *Facilitator
}

// Facilitator is the platform that presented a payment credential on the
// buyer's behalf, as the provider reports it: Braintree's
// facilitatorDetails.oauthApplication, "ChatGPT" for the tokens OpenAI
// has Braintree issue.
type Facilitator struct {
	Name     string // e.g. "ChatGPT"
	ClientID string // the platform's OAuth client id at the provider
}

// AuthenticationResult is the agent's 3DS outcome (ACP authentication_result).
type AuthenticationResult struct {
	Outcome       string // "authenticated", "denied", …
	Cryptogram    string
	ECI           string
	TransactionID string
	Version       string
}
