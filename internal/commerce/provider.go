package commerce

import "context"

// PaymentProvider charges one-time payment credentials (Stripe Shared
// Payment Tokens, Braintree nonces, sandbox vault tokens).
type PaymentProvider interface {
	// Name is the provider's name as configured ("sandbox", "stripe", …).
	Name() string
	// Charge charges req.Amount with req.Token. Calls with the same
	// IdempotencyKey charge at most once and return the same result.
	// A decline or a 3DS challenge is a result with a nil error. A non-nil
	// error means the outcome is unknown (timeout, 5xx): the caller keeps
	// the attempt pending and may retry with the same key.
	Charge(ctx context.Context, req ChargeRequest) (ChargeResult, error)
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
}

// AuthenticationResult is the agent's 3DS outcome (ACP authentication_result).
type AuthenticationResult struct {
	Outcome       string // "authenticated", "denied", …
	Cryptogram    string
	ECI           string
	TransactionID string
	Version       string
}
