package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// Vault stores vault tokens. internal/store/sqlite and
// internal/store/postgres implement it over the merchant's database, also
// inside a transaction (the Executor that commerce.Store.InTx passes), and
// internal/store/storetest checks it. Errors are the commerce sentinels.
type Vault interface {
	// CreateVaultToken inserts t. commerce.ErrConflict if the id exists.
	// Inside a transaction the error may come late, as commerce.Store
	// describes for its queued writes.
	CreateVaultToken(ctx context.Context, t *VaultToken) error
	// GetVaultToken returns the token with id, or commerce.ErrNotFound.
	GetVaultToken(ctx context.Context, id string) (*VaultToken, error)
	// RedeemVaultToken marks the token used by chargeKey at at. Redeeming
	// again with the same chargeKey succeeds and changes nothing; with
	// another key it returns commerce.ErrConflict, at once also inside a
	// transaction. commerce.ErrNotFound if no such token.
	RedeemVaultToken(ctx context.Context, id, chargeKey string, at time.Time) error
}

// VaultToken is a sandbox delegated-payment credential (ACP delegate
// payment): a card reference usable once, within its allowance.
type VaultToken struct {
	ID        string // "vt_…"
	CardLast4 string
	CardBrand string
	// CardBehavior is how the sandbox treats the card, derived from the
	// test card number at delegation (e.g. "succeed", "decline_insufficient_funds").
	CardBehavior string
	// Allowance.
	MaxAmount         int64
	Currency          commerce.Currency
	CheckoutSessionID string
	MerchantID        string
	ExpiresAt         time.Time
	Metadata          map[string]string
	CreatedAt         time.Time
	RedeemedAt        *time.Time
	RedeemedBy        string // the charge idempotency key that used it
}

// vaultIn is tx's vault: the stores' transactions hold vault tokens beside
// commerce's rows.
func vaultIn(tx commerce.Executor) (Vault, error) {
	v, ok := tx.(Vault)
	if !ok {
		return nil, fmt.Errorf("sandbox: transaction %T holds no vault tokens", tx)
	}
	return v, nil
}

// Decline codes of [commerce.ChargeResult.DeclineCode] set by the sandbox.
const (
	DeclineInsufficientFunds    = "insufficient_funds"
	DeclineGeneric              = "generic_decline"
	DeclineAuthenticationFailed = "authentication_failed"
	DeclineProcessingError      = "processing_error"
	DeclineInvalidToken         = "invalid_token"
	DeclineTokenAlreadyUsed     = "token_already_used"
	DeclineTokenExpired         = "token_expired"
	DeclineAllowanceExceeded    = "allowance_exceeded"
	DeclineCurrencyMismatch     = "currency_mismatch"
	DeclineSessionMismatch      = "session_mismatch"
	DeclineMerchantMismatch     = "merchant_mismatch"
	DeclineInvalidAmount        = "invalid_amount"
)

// declineMessages are the client-safe texts of each decline.
var declineMessages = map[string]string{
	DeclineInsufficientFunds:    "Your card has insufficient funds.",
	DeclineGeneric:              "Your card was declined.",
	DeclineAuthenticationFailed: "3-D Secure authentication failed; the card was not charged.",
	DeclineProcessingError:      "The card could not be processed.",
	DeclineInvalidToken:         "The payment token is not valid.",
	DeclineTokenAlreadyUsed:     "The payment token has already been used.",
	DeclineTokenExpired:         "The payment token has expired.",
	DeclineAllowanceExceeded:    "The amount exceeds the payment token's allowance.",
	DeclineCurrencyMismatch:     "The payment token is for a different currency.",
	DeclineSessionMismatch:      "The payment token was issued for a different checkout session.",
	DeclineMerchantMismatch:     "The payment token was issued for a different merchant.",
	DeclineInvalidAmount:        "The amount to charge must be positive.",
}

// Provider is the sandbox [commerce.PaymentProvider]. It is safe for
// concurrent use; single use of tokens is enforced by the [Vault].
type Provider struct {
	vault      Vault
	merchantID string
	clock      func() time.Time
	// SlowDelay is how long a charge of the slow test card takes (default
	// 2 s).
	SlowDelay time.Duration
}

var _ commerce.StoreCharger = (*Provider)(nil)

// New returns a Provider that keeps tokens in vault and accepts only
// allowances for merchantID. now is the clock; nil means time.Now.
func New(vault Vault, merchantID string, now func() time.Time) *Provider {
	if now == nil {
		now = time.Now
	}
	return &Provider{vault: vault, merchantID: merchantID, clock: now}
}

// Name returns "sandbox".
func (p *Provider) Name() string { return "sandbox" }

// LiveMode is false: the sandbox never moves real money.
func (p *Provider) LiveMode() bool { return false }

func (p *Provider) now() time.Time { return p.clock().UTC() }

// Charge charges req.Amount with the vault token req.Token and redeems the
// token on success: [Provider.ChargeInStore] followed by its commit on the
// vault.
func (p *Provider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	res, tok, err := p.decide(ctx, req)
	if err != nil || tok == nil {
		return res, err
	}
	return p.redeem(ctx, p.vault, req, res)
}

// ChargeInStore decides a charge like [Provider.Charge] but leaves the
// token's redemption to the returned commit, which [commerce.Service] runs
// in the transaction that records the order: the sandbox's ledger is the
// merchant's store, so the charge and the order commit together. commit
// fails with [commerce.ErrConflict] when a charge with another idempotency
// key redeemed the token meanwhile (retrying then declines with
// token_already_used).
func (p *Provider) ChargeInStore(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, func(context.Context, commerce.Executor) error, error) {
	res, tok, err := p.decide(ctx, req)
	if err != nil || tok == nil {
		return res, nil, err
	}
	return res, func(ctx context.Context, tx commerce.Executor) error {
		v, err := vaultIn(tx)
		if err != nil {
			return err
		}
		r, err := p.redeem(ctx, v, req, res)
		if err != nil {
			return err
		}
		if r.Outcome != commerce.ChargeSucceeded {
			return fmt.Errorf("sandbox: charge: %s: %w", r.DeclineCode, commerce.ErrConflict)
		}
		return nil
	}, nil
}

// decide checks the token and its allowance and plays the test card. Declines
// are results with a nil error, in this order:
//
//   - invalid_token: not a "vt_" token or unknown to the vault;
//   - token_already_used: redeemed by a charge with another idempotency key;
//   - merchant_mismatch, session_mismatch, currency_mismatch,
//     allowance_exceeded (req.Amount > MaxAmount), token_expired (at or
//     after ExpiresAt): the allowance does not cover this charge;
//   - the card's scripted outcome (see [TestCards]).
//
// Only a success redeems the token, under req.IdempotencyKey: decide then
// returns the token to redeem. Charging again with the same key returns the same
// success (even after the token has expired), with a reference derived from
// the key, and nothing to redeem. The 3-D Secure card answers
// [commerce.ChargeRequires3DS] without req.Authentication and leaves the
// token unredeemed. A non-nil error means the vault failed and the outcome
// is unknown; retrying with the same key is safe.
func (p *Provider) decide(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, *VaultToken, error) {
	if req.IdempotencyKey == "" {
		return commerce.ChargeResult{}, nil, errors.New("sandbox: charge: idempotency key required")
	}
	if !strings.HasPrefix(req.Token, "vt_") {
		return declined(DeclineInvalidToken), nil, nil
	}
	t, err := p.vault.GetVaultToken(ctx, req.Token)
	if errors.Is(err, commerce.ErrNotFound) {
		return declined(DeclineInvalidToken), nil, nil
	}
	if err != nil {
		return commerce.ChargeResult{}, nil, fmt.Errorf("sandbox: charge: get vault token: %w", err)
	}
	if t.RedeemedAt != nil {
		if t.RedeemedBy == req.IdempotencyKey {
			return succeeded(req.IdempotencyKey), nil, nil
		}
		return declined(DeclineTokenAlreadyUsed), nil, nil
	}
	now := p.now()
	switch {
	case t.MerchantID != p.merchantID:
		return declined(DeclineMerchantMismatch), nil, nil
	case t.CheckoutSessionID != req.SessionID:
		return declined(DeclineSessionMismatch), nil, nil
	case t.Currency != req.Currency:
		return declined(DeclineCurrencyMismatch), nil, nil
	case req.Amount <= 0:
		return declined(DeclineInvalidAmount), nil, nil
	case req.Amount > t.MaxAmount:
		return declined(DeclineAllowanceExceeded), nil, nil
	case !now.Before(t.ExpiresAt):
		return declined(DeclineTokenExpired), nil, nil
	}

	switch t.CardBehavior {
	case BehaviorSucceed:
	case BehaviorSlow:
		d := p.SlowDelay
		if d <= 0 {
			d = 2 * time.Second
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return commerce.ChargeResult{}, nil, fmt.Errorf("sandbox: charge: %w", ctx.Err())
		}
	case BehaviorInsufficientFunds:
		return declined(DeclineInsufficientFunds), nil, nil
	case BehaviorGenericDecline:
		return declined(DeclineGeneric), nil, nil
	case BehaviorRequire3DS:
		if req.Authentication == nil {
			return commerce.ChargeResult{
				Outcome:         commerce.ChargeRequires3DS,
				DeclineCode:     "authentication_required",
				Message:         "The card issuer requires 3-D Secure authentication.",
				DirectoryServer: t.CardBrand,
			}, nil, nil
		}
		switch req.Authentication.Outcome {
		case "authenticated", "attempt_acknowledged":
		default:
			return declined(DeclineAuthenticationFailed), nil, nil
		}
	default:
		// A token written by a newer build; refuse rather than guess.
		return declined(DeclineProcessingError), nil, nil
	}
	return succeeded(req.IdempotencyKey), t, nil
}

// redeem marks the decided token used by req.IdempotencyKey in v.
func (p *Provider) redeem(ctx context.Context, v Vault, req commerce.ChargeRequest, res commerce.ChargeResult) (commerce.ChargeResult, error) {
	err := v.RedeemVaultToken(ctx, req.Token, req.IdempotencyKey, p.now())
	switch {
	case errors.Is(err, commerce.ErrConflict):
		// A concurrent charge with another key won the token.
		return declined(DeclineTokenAlreadyUsed), nil
	case errors.Is(err, commerce.ErrNotFound):
		return declined(DeclineInvalidToken), nil
	case err != nil:
		return commerce.ChargeResult{}, fmt.Errorf("sandbox: charge: redeem vault token: %w", err)
	}
	return res, nil
}

// Reference returns the charge reference of a successful charge made with
// idempotencyKey: "ch_sandbox_" and 24 hex digits of its SHA-256, so that a
// repeated charge reports the same reference.
func Reference(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "ch_sandbox_" + hex.EncodeToString(sum[:])[:24]
}

func succeeded(key string) commerce.ChargeResult {
	return commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: Reference(key)}
}

func declined(code string) commerce.ChargeResult {
	return commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: code, Message: declineMessages[code]}
}
