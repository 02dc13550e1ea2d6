package sandbox

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"
	"unicode/utf8"

	"agentshop/internal/commerce"
)

// ReasonInvalidCard is the [commerce.Error] Reason of every delegation
// validation error. ACP's delegate-payment Error.code enum (both versions)
// has no code for a bad allowance or a blocked risk signal; invalid_card is
// its only validation code, so all validation errors use it to keep error
// bodies schema-valid, and Param names the offending field.
const ReasonInvalidCard = "invalid_card"

// DelegateRequest is ACP's DelegatePaymentRequest (2025-09-29 and
// 2026-04-17 share it).
type DelegateRequest struct {
	PaymentMethod  PaymentMethodCard `json:"payment_method"`
	Allowance      Allowance         `json:"allowance"`
	BillingAddress *Address          `json:"billing_address,omitempty"`
	RiskSignals    []RiskSignal      `json:"risk_signals"`
	Metadata       map[string]string `json:"metadata"`
}

// PaymentMethodCard is ACP's PaymentMethodCard: the card to tokenize.
type PaymentMethodCard struct {
	Type                   string            `json:"type"`             // "card"
	CardNumberType         string            `json:"card_number_type"` // "fpan" or "network_token"
	Number                 string            `json:"number"`
	ExpMonth               string            `json:"exp_month,omitempty"` // "01"–"12"
	ExpYear                string            `json:"exp_year,omitempty"`  // "2030"
	Name                   string            `json:"name,omitempty"`
	CVC                    string            `json:"cvc,omitempty"`
	Cryptogram             string            `json:"cryptogram,omitempty"`
	ECIValue               string            `json:"eci_value,omitempty"`
	ChecksPerformed        []string          `json:"checks_performed,omitempty"` // avs, cvv, ani, auth0
	IIN                    string            `json:"iin,omitempty"`
	DisplayCardFundingType string            `json:"display_card_funding_type"` // credit, debit, prepaid
	DisplayWalletType      string            `json:"display_wallet_type,omitempty"`
	DisplayBrand           string            `json:"display_brand,omitempty"`
	DisplayLast4           string            `json:"display_last4,omitempty"`
	Metadata               map[string]string `json:"metadata"`
	Virtual                *bool             `json:"virtual,omitempty"`
}

// Allowance is ACP's Allowance: what the token may be used for.
type Allowance struct {
	Reason            string `json:"reason"`     // "one_time"
	MaxAmount         int64  `json:"max_amount"` // minor units
	Currency          string `json:"currency"`
	CheckoutSessionID string `json:"checkout_session_id"`
	MerchantID        string `json:"merchant_id"`
	ExpiresAt         string `json:"expires_at"` // RFC 3339
}

// Address is ACP's delegate-payment Address (with length limits).
type Address struct {
	Name       string `json:"name"`
	LineOne    string `json:"line_one"`
	LineTwo    string `json:"line_two,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postal_code"`
}

// RiskSignal is ACP's RiskSignal from the agent's fraud checks.
type RiskSignal struct {
	Type   string `json:"type"` // "card_testing"
	Score  int64  `json:"score"`
	Action string `json:"action"` // blocked, manual_review, authorized
}

// Delegate validates req and stores a new single-use vault token for it.
// Each call creates a new token; Idempotency-Key replay is the transport's
// job. Validation failures are *commerce.Error{Code: EINVALID, Reason:
// [ReasonInvalidCard]} with a JSONPath Param: a number that fails the Luhn
// check, an expired card, an allowance that is not one_time, not positive,
// in an unknown currency, already expired, or for another merchant, and a
// risk signal whose action is "blocked". Other errors come from the vault.
func (p *Provider) Delegate(ctx context.Context, req DelegateRequest) (*VaultToken, error) {
	return p.delegate(ctx, p.vault, req)
}

// HandleDelegate is the body of ACP's POST /agentic_commerce/delegate_payment,
// in two steps so that the write transaction holds no parsing: it decodes
// and validates body now, and returns store, which saves the token through
// the caller's transaction (where the idempotency record commits too) and
// returns the 201 response body. Its signature is acp.DelegateFunc's.
func (p *Provider) HandleDelegate(ctx context.Context, body []byte, idempotencyKey string) (store func(ctx context.Context, q commerce.Executor) ([]byte, error), err error) {
	req, err := DecodeDelegateRequest(body)
	if err != nil {
		return nil, err
	}
	t, err := p.token(req)
	if err != nil {
		return nil, err
	}
	resp, err := EncodeDelegateResponse(t, idempotencyKey)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, q commerce.Executor) ([]byte, error) {
		v, err := vaultIn(q)
		if err != nil {
			return nil, err
		}
		if err := v.CreateVaultToken(ctx, t); err != nil {
			return nil, fmt.Errorf("sandbox: create vault token: %w", err)
		}
		return resp, nil
	}, nil
}

func (p *Provider) delegate(ctx context.Context, v Vault, req DelegateRequest) (*VaultToken, error) {
	t, err := p.token(req)
	if err != nil {
		return nil, err
	}
	if err := v.CreateVaultToken(ctx, t); err != nil {
		return nil, fmt.Errorf("sandbox: create vault token: %w", err)
	}
	return t, nil
}

// token validates req and builds the vault token it asks for.
func (p *Provider) token(req DelegateRequest) (*VaultToken, error) {
	now := p.now()
	card, last4, err := p.validateCard(req.PaymentMethod, now)
	if err != nil {
		return nil, err
	}
	cur, expires, err := p.validateAllowance(req.Allowance, now)
	if err != nil {
		return nil, err
	}
	if err := validateAddress(req.BillingAddress); err != nil {
		return nil, err
	}
	for i, s := range req.RiskSignals {
		param := fmt.Sprintf("$.risk_signals[%d]", i)
		if s.Type == "" {
			return nil, invalid(param+".type", "Risk signal type is required.")
		}
		switch s.Action {
		case "authorized", "manual_review":
		case "blocked":
			return nil, invalid(param+".action", "The payment method was blocked by a risk signal and cannot be delegated.")
		default:
			return nil, invalid(param+".action", "Risk signal action must be blocked, manual_review or authorized.")
		}
	}
	t := &VaultToken{
		ID:                commerce.NewID("vt"),
		CardLast4:         last4,
		CardBrand:         card.Brand,
		CardBehavior:      card.Behavior,
		MaxAmount:         req.Allowance.MaxAmount,
		Currency:          cur,
		CheckoutSessionID: req.Allowance.CheckoutSessionID,
		MerchantID:        req.Allowance.MerchantID,
		ExpiresAt:         expires,
		Metadata:          maps.Clone(req.Metadata),
		CreatedAt:         now,
	}
	if t.Metadata == nil {
		t.Metadata = map[string]string{}
	}
	return t, nil
}

// validateCard checks the payment method and returns its scripted card and
// the last four digits to show.
func (p *Provider) validateCard(pm PaymentMethodCard, now time.Time) (TestCard, string, error) {
	const path = "$.payment_method"
	if pm.Type != "card" {
		return TestCard{}, "", invalid(path+".type", "Payment method type must be card.")
	}
	if pm.CardNumberType != "fpan" && pm.CardNumberType != "network_token" {
		return TestCard{}, "", invalid(path+".card_number_type", "card_number_type must be fpan or network_token.")
	}
	n := pm.Number
	if n == "" {
		return TestCard{}, "", invalid(path+".number", "Card number is required.")
	}
	if !allDigits(n) || len(n) < 12 || len(n) > 19 {
		return TestCard{}, "", invalid(path+".number", "Card number must be 12 to 19 digits.")
	}
	if !luhn(n) {
		return TestCard{}, "", invalid(path+".number", "Invalid card number.")
	}
	if pm.ExpMonth != "" || pm.ExpYear != "" {
		if err := validateExpiry(pm.ExpMonth, pm.ExpYear, now); err != nil {
			return TestCard{}, "", err
		}
	}
	if pm.CVC != "" && (!allDigits(pm.CVC) || len(pm.CVC) < 3 || len(pm.CVC) > 4) {
		return TestCard{}, "", invalid(path+".cvc", "CVC must be 3 or 4 digits.")
	}
	if len(pm.ECIValue) > 2 {
		return TestCard{}, "", invalid(path+".eci_value", "eci_value must be at most 2 characters.")
	}
	if pm.IIN != "" && (!allDigits(pm.IIN) || len(pm.IIN) > 8) {
		return TestCard{}, "", invalid(path+".iin", "iin must be at most 8 digits.")
	}
	for i, c := range pm.ChecksPerformed {
		switch c {
		case "avs", "cvv", "ani", "auth0":
		default:
			return TestCard{}, "", invalid(fmt.Sprintf("%s.checks_performed[%d]", path, i), "checks_performed values must be avs, cvv, ani or auth0.")
		}
	}
	switch pm.DisplayCardFundingType {
	case "credit", "debit", "prepaid":
	default:
		return TestCard{}, "", invalid(path+".display_card_funding_type", "display_card_funding_type must be credit, debit or prepaid.")
	}
	last4 := n[len(n)-4:]
	if pm.DisplayLast4 != "" {
		if len(pm.DisplayLast4) != 4 || !allDigits(pm.DisplayLast4) {
			return TestCard{}, "", invalid(path+".display_last4", "display_last4 must be 4 digits.")
		}
		// A network token's digits differ from the card's; only an FPAN
		// can be checked against what it claims to end with.
		if pm.CardNumberType == "fpan" && pm.DisplayLast4 != last4 {
			return TestCard{}, "", invalid(path+".display_last4", "display_last4 does not match the card number.")
		}
		last4 = pm.DisplayLast4
	}
	return testCard(n), last4, nil
}

// validateExpiry checks that the card is valid through the end of its
// expiry month at now (UTC).
func validateExpiry(month, year string, now time.Time) error {
	const path = "$.payment_method"
	m, err := strconv.Atoi(month)
	if err != nil || !allDigits(month) || len(month) > 2 || m < 1 || m > 12 {
		return invalid(path+".exp_month", "Expiration month must be 01 to 12.")
	}
	y, err := strconv.Atoi(year)
	if err != nil || !allDigits(year) || len(year) != 4 {
		return invalid(path+".exp_year", "Expiration year must be four digits.")
	}
	now = now.UTC()
	switch {
	case y < now.Year():
		return invalid(path+".exp_year", "The card has expired.")
	case y == now.Year() && time.Month(m) < now.Month():
		return invalid(path+".exp_month", "The card has expired.")
	}
	return nil
}

// validateAllowance checks a and returns its currency and expiry.
func (p *Provider) validateAllowance(a Allowance, now time.Time) (commerce.Currency, time.Time, error) {
	const path = "$.allowance"
	if a.Reason != "one_time" {
		return "", time.Time{}, invalid(path+".reason", "Allowance reason must be one_time.")
	}
	if a.MaxAmount <= 0 {
		return "", time.Time{}, invalid(path+".max_amount", "max_amount must be a positive amount in minor units.")
	}
	cur, err := commerce.ParseCurrency(a.Currency)
	if err != nil {
		return "", time.Time{}, invalid(path+".currency", "currency must be an ISO 4217 code such as usd.")
	}
	if a.CheckoutSessionID == "" {
		return "", time.Time{}, invalid(path+".checkout_session_id", "checkout_session_id is required.")
	}
	if a.MerchantID == "" || utf8.RuneCountInString(a.MerchantID) > 256 {
		return "", time.Time{}, invalid(path+".merchant_id", "merchant_id is required (at most 256 characters).")
	}
	if a.MerchantID != p.merchantID {
		return "", time.Time{}, invalid(path+".merchant_id", "merchant_id does not identify this merchant.")
	}
	exp, err := time.Parse(time.RFC3339Nano, a.ExpiresAt)
	if err != nil {
		return "", time.Time{}, invalid(path+".expires_at", "expires_at must be an RFC 3339 date-time.")
	}
	if !exp.After(now) {
		return "", time.Time{}, invalid(path+".expires_at", "expires_at must be in the future.")
	}
	return cur, exp.UTC(), nil
}

// validateAddress applies the delegate-payment Address limits.
func validateAddress(a *Address) error {
	if a == nil {
		return nil
	}
	const path = "$.billing_address"
	for _, f := range []struct {
		name     string
		v        string
		required bool
		max      int
	}{
		{"name", a.Name, true, 256},
		{"line_one", a.LineOne, true, 60},
		{"line_two", a.LineTwo, false, 60},
		{"city", a.City, true, 60},
		{"state", a.State, true, 0},
		{"postal_code", a.PostalCode, true, 20},
	} {
		if f.required && f.v == "" {
			return invalid(path+"."+f.name, "Billing address "+f.name+" is required.")
		}
		if f.max > 0 && utf8.RuneCountInString(f.v) > f.max {
			return invalid(path+"."+f.name, fmt.Sprintf("Billing address %s must be at most %d characters.", f.name, f.max))
		}
	}
	if len(a.Country) != 2 {
		return invalid(path+".country", "Billing address country must be an ISO 3166-1 alpha-2 code.")
	}
	return nil
}

func invalid(param, msg string) *commerce.Error {
	return &commerce.Error{Code: commerce.EINVALID, Reason: ReasonInvalidCard, Param: param, Message: msg}
}
