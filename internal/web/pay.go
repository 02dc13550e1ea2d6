package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// PayStep takes payment on the hosted checkout page for one payment
// provider. [Handler.PaySteps] holds one per provider name; the page uses
// the one named by [commerce.Merchant.Provider].
//
// Two shapes fit: a provider whose card form is on our page (the sandbox:
// Pay tokenizes the submitted card server-side and returns a one-time token,
// which the page charges with [commerce.Service.Complete]), and a
// redirect-style provider such as Stripe Checkout (Form returns KindRedirect;
// Pay returns the provider's URL and the buyer pays there).
type PayStep interface {
	// Form describes what the page shows for paying the session in v.
	Form(v *commerce.View) PayForm
	// Pay handles the submitted pay form for the session in v, whose total
	// is what may be charged. It returns the one-time token to complete the
	// session with, or a URL to send the buyer to. The message of a
	// *commerce.Error it returns is shown to the buyer; other errors are
	// logged and a generic message is shown. Implementations must not put
	// card data in errors.
	Pay(ctx context.Context, v *commerce.View, form url.Values) (PayResult, error)
}

// Authenticator is implemented by a [PayStep] that can run a 3-D Secure
// challenge on the hosted page. Without it, a session that needs 3-D Secure
// shows a message and cannot be paid on the page.
type Authenticator interface {
	// Authenticate handles the submitted challenge form for the session in
	// v, whose status is authentication_required, and returns the result
	// to complete the session with.
	Authenticate(ctx context.Context, v *commerce.View, form url.Values) (*commerce.AuthenticationResult, error)
}

// Pay form kinds.
const (
	// KindCard renders the built-in card form (number, expiry, CVC, name).
	KindCard = "card"
	// KindRedirect renders a single button; Pay returns a URL.
	KindRedirect = "redirect"
)

// PayForm is what the page shows for paying.
type PayForm struct {
	Kind   string // KindCard or KindRedirect
	Button string // the submit button's label, e.g. "Pay $12.00"
	// Note is shown above the form, e.g. "Test mode: no real money moves."
	Note string
	// TestCards are listed next to the card form (test mode only).
	TestCards []TestCardHint
	// FormOrigins are origins the pay form may redirect to, added to the
	// page's CSP form-action (browsers check it on form redirects).
	FormOrigins []string
}

// TestCardHint is a test card shown on the page.
type TestCardHint struct {
	Number      string // grouped for reading, e.g. "4242 4242 4242 4242"
	Description string
}

// PayResult is a submitted pay form's outcome: exactly one field is set.
type PayResult struct {
	Token    string // complete the session with this one-time token
	Redirect string // send the buyer here
}

// SandboxCard is the sandbox provider's [PayStep]: a card form whose card
// the server tokenizes with [sandbox.Provider.Delegate] into a vault token
// whose allowance is the session's total, bound to the session and the
// merchant, and expiring after TokenTTL. The card number and CVC go only
// to Delegate, which keeps the last four digits; they are not stored,
// logged or echoed back.
//
// It also emulates the 3-D Secure challenge of the sandbox's 3DS test card
// (see [SandboxCard.Authenticate]).
type SandboxCard struct {
	Provider   *sandbox.Provider
	MerchantID string
	// TokenTTL is how long the minted token is valid (default 10 minutes).
	TokenTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

var (
	_ PayStep       = (*SandboxCard)(nil)
	_ Authenticator = (*SandboxCard)(nil)
)

// Form returns the card form with the sandbox's test cards.
func (s *SandboxCard) Form(v *commerce.View) PayForm {
	f := PayForm{
		Kind:   KindCard,
		Button: "Pay " + v.Session.Currency.Format(v.Quote.Totals.Total),
		Note:   "Sandbox payments: no real money moves. Use a test card below, any future expiry and any CVC.",
	}
	for _, c := range sandbox.TestCards {
		f.TestCards = append(f.TestCards, TestCardHint{Number: groupDigits(c.Number), Description: c.Description})
	}
	return f
}

// Pay tokenizes the submitted card (fields number, exp, cvc, name).
func (s *SandboxCard) Pay(ctx context.Context, v *commerce.View, form url.Values) (PayResult, error) {
	number := digitsOnly(form.Get("number"))
	if number == "" {
		return PayResult{}, commerce.Invalid("$.number", "Enter a card number.")
	}
	month, year, err := parseExpiry(form.Get("exp"))
	if err != nil {
		return PayResult{}, err
	}
	cvc := strings.TrimSpace(form.Get("cvc"))
	if cvc == "" {
		return PayResult{}, commerce.Invalid("$.cvc", "Enter the card's security code (CVC).")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ttl := s.TokenTTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	req := sandbox.DelegateRequest{
		PaymentMethod: sandbox.PaymentMethodCard{
			Type:                   "card",
			CardNumberType:         "fpan",
			Number:                 number,
			ExpMonth:               month,
			ExpYear:                year,
			Name:                   strings.TrimSpace(form.Get("name")),
			CVC:                    cvc,
			DisplayCardFundingType: "credit",
			Metadata:               map[string]string{},
		},
		Allowance: sandbox.Allowance{
			Reason:            "one_time",
			MaxAmount:         v.Quote.Totals.Total,
			Currency:          string(v.Session.Currency),
			CheckoutSessionID: v.Session.ID,
			MerchantID:        s.MerchantID,
			ExpiresAt:         now().Add(ttl).UTC().Format(time.RFC3339),
		},
		RiskSignals: []sandbox.RiskSignal{},
		Metadata:    map[string]string{"source": "hosted_checkout"},
	}
	t, err := s.Provider.Delegate(ctx, req)
	if err != nil {
		return PayResult{}, err
	}
	return PayResult{Token: t.ID}, nil
}

// Authenticate emulates a 3-D Secure challenge: the page shows the issuer's
// question and two buttons, and the submitted "outcome" (authenticated or
// denied) becomes the authentication result the sandbox checks.
func (s *SandboxCard) Authenticate(_ context.Context, v *commerce.View, form url.Values) (*commerce.AuthenticationResult, error) {
	switch form.Get("outcome") {
	case "authenticated":
		return &commerce.AuthenticationResult{Outcome: "authenticated", ECI: "05", Version: "2.2.0",
			TransactionID: commerce.NewID("3ds"), Cryptogram: "sandbox"}, nil
	case "denied":
		return &commerce.AuthenticationResult{Outcome: "denied", Version: "2.2.0", TransactionID: commerce.NewID("3ds")}, nil
	}
	return nil, commerce.Invalid("$.outcome", "Choose whether to approve or decline the 3-D Secure check.")
}

// parseExpiry accepts "MM/YY", "MM/YYYY", "MM YY" and "MMYY" and returns
// the two-digit month and four-digit year.
func parseExpiry(s string) (month, year string, err error) {
	bad := commerce.Invalid("$.exp", "Enter the expiry date as MM/YY.")
	s = strings.TrimSpace(s)
	var m, y string
	if i := strings.IndexAny(s, "/ -"); i >= 0 {
		m, y = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	} else if len(s) == 4 || len(s) == 6 {
		m, y = s[:2], s[2:]
	} else {
		return "", "", bad
	}
	mi, err1 := strconv.Atoi(m)
	yi, err2 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || mi < 1 || mi > 12 || (len(y) != 2 && len(y) != 4) {
		return "", "", bad
	}
	if len(y) == 2 {
		yi += 2000
	}
	return strconv.Itoa(100 + mi)[1:], strconv.Itoa(yi), nil
}

// digitsOnly drops spaces and dashes people type in card numbers; any other
// character is kept so that validation rejects it.
func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func groupDigits(n string) string {
	var b strings.Builder
	for i, r := range n {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
