package acpclient

import (
	"strings"
	"time"
)

// DelegatePaymentRequest is ACP's DelegatePaymentRequest, the same in
// 2025-09-29 and 2026-04-17. Metadata maps must be non-nil: the schema
// requires the objects.
type DelegatePaymentRequest struct {
	PaymentMethod  CardPaymentMethod `json:"payment_method"`
	Allowance      Allowance         `json:"allowance"`
	BillingAddress *Address          `json:"billing_address,omitempty"`
	RiskSignals    []RiskSignal      `json:"risk_signals"`
	Metadata       map[string]string `json:"metadata"`
}

// CardPaymentMethod is ACP's PaymentMethodCard.
type CardPaymentMethod struct {
	Type                   string            `json:"type"`
	CardNumberType         string            `json:"card_number_type"`
	Number                 string            `json:"number"`
	ExpMonth               string            `json:"exp_month,omitempty"`
	ExpYear                string            `json:"exp_year,omitempty"`
	Name                   string            `json:"name,omitempty"`
	CVC                    string            `json:"cvc,omitempty"`
	DisplayCardFundingType string            `json:"display_card_funding_type"`
	DisplayBrand           string            `json:"display_brand,omitempty"`
	DisplayLast4           string            `json:"display_last4,omitempty"`
	Metadata               map[string]string `json:"metadata"`
}

// Allowance bounds what a delegated token may be charged for.
type Allowance struct {
	Reason            string `json:"reason"`
	MaxAmount         int64  `json:"max_amount"`
	Currency          string `json:"currency"`
	CheckoutSessionID string `json:"checkout_session_id"`
	MerchantID        string `json:"merchant_id"`
	ExpiresAt         string `json:"expires_at"`
}

// RiskSignal is one risk assessment of the delegation.
type RiskSignal struct {
	Type   string `json:"type"`
	Score  int    `json:"score"`
	Action string `json:"action"`
}

// CardDelegation describes a one-time card delegation for a session.
type CardDelegation struct {
	// Number is the card number; spaces and dashes are removed.
	Number   string
	ExpMonth string // "01"–"12"
	ExpYear  string // four digits
	CVC      string
	// MaxAmount, Currency, CheckoutSessionID and MerchantID bind the token.
	MaxAmount         int64
	Currency          string
	CheckoutSessionID string
	MerchantID        string
	ExpiresAt         time.Time
}

// NewDelegatePaymentRequest returns a delegate-payment body for an FPAN
// credit card with a one_time allowance and a passing card_testing risk
// signal. The currency is lower-cased, as the schema's ^[a-z]{3}$ requires.
func NewDelegatePaymentRequest(d CardDelegation) DelegatePaymentRequest {
	number := strings.NewReplacer(" ", "", "-", "").Replace(d.Number)
	last4 := number
	if len(last4) > 4 {
		last4 = last4[len(last4)-4:]
	}
	return DelegatePaymentRequest{
		PaymentMethod: CardPaymentMethod{
			Type:                   "card",
			CardNumberType:         "fpan",
			Number:                 number,
			ExpMonth:               d.ExpMonth,
			ExpYear:                d.ExpYear,
			CVC:                    d.CVC,
			DisplayCardFundingType: "credit",
			DisplayLast4:           last4,
			Metadata:               map[string]string{},
		},
		Allowance: Allowance{
			Reason:            "one_time",
			MaxAmount:         d.MaxAmount,
			Currency:          strings.ToLower(d.Currency),
			CheckoutSessionID: d.CheckoutSessionID,
			MerchantID:        d.MerchantID,
			ExpiresAt:         d.ExpiresAt.UTC().Format(time.RFC3339),
		},
		RiskSignals: []RiskSignal{{Type: "card_testing", Score: 0, Action: "authorized"}},
		Metadata:    map[string]string{},
	}
}

// DelegatedPayment is a DelegatePaymentResponse: the vault token id (vt_…).
type DelegatedPayment struct {
	ID       string            `json:"id"`
	Created  string            `json:"created"`
	Metadata map[string]string `json:"metadata"`
}

// Discovery is the /.well-known/acp.json document (2026-04-17).
type Discovery struct {
	Protocol struct {
		Name              string   `json:"name"`
		Version           string   `json:"version"`
		SupportedVersions []string `json:"supported_versions"`
		DocumentationURL  string   `json:"documentation_url,omitempty"`
	} `json:"protocol"`
	APIBaseURL   string   `json:"api_base_url"`
	Transports   []string `json:"transports"`
	Capabilities struct {
		Services            []string `json:"services"`
		InterventionTypes   []string `json:"intervention_types,omitempty"`
		SupportedCurrencies []string `json:"supported_currencies,omitempty"`
		SupportedLocales    []string `json:"supported_locales,omitempty"`
	} `json:"capabilities"`
}
