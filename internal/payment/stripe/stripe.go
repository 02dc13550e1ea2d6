package stripe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	stripeapi "github.com/stripe/stripe-go/v85"

	"agentshop/internal/commerce"
)

// DefaultAPIVersion is the Stripe-Version sent when [Config.APIVersion] is
// empty: the preview that accepts Shared Payment Tokens.
const DefaultAPIVersion = "2026-04-22.preview"

// defaultTimeout bounds one request when [Config.HTTPClient] is nil.
const defaultTimeout = 30 * time.Second

// tokenParam is the PaymentIntent parameter that carries a Shared Payment
// Token. stripe-go v85's typed params do not have it.
const tokenParam = "payment_method_data[shared_payment_granted_token]"

// Metadata keys agentshop sets on what it creates at Stripe, read back
// from Stripe's events ([ParseEvent]).
const (
	// metadataAttempt is on every PaymentIntent: the attempt's
	// idempotency key.
	metadataAttempt = "agentshop_attempt"
	// metadataRefund is on every Refund: agentshop's refund id.
	metadataRefund = "agentshop_refund"
	// metadataSession is on every PaymentIntent: the checkout session.
	metadataSession = "checkout_session_id"
)

// Decline codes of [commerce.ChargeResult.DeclineCode] set by this package
// itself. Card declines carry Stripe's decline code (insufficient_funds,
// expired_card, …).
const (
	// DeclinePaymentTokenInvalid: Stripe rejected the Shared Payment Token
	// (HTTP 400 about the token: unknown, expired, revoked, consumed, or
	// the charge is outside its usage limits). Nothing was charged.
	DeclinePaymentTokenInvalid = "payment_token_invalid"
	// DeclineProcessingError: Stripe rejected the request for another
	// reason (HTTP 400 invalid_request_error). Nothing was charged.
	DeclineProcessingError = "processing_error"
	// DeclineGeneric is used when Stripe gives no code, and in place of
	// codes Stripe advises not to show buyers (lost_card, fraudulent, …).
	DeclineGeneric = "generic_decline"
	// DeclineAuthenticationFailed: the agent's 3-D Secure result was not a
	// success; Stripe was not asked.
	DeclineAuthenticationFailed = "authentication_failed"
)

// declineMessages are the client-safe texts of decline codes; other codes
// get "The card was declined.".
var declineMessages = map[string]string{
	"insufficient_funds":        "Your card has insufficient funds.",
	"expired_card":              "Your card has expired.",
	"incorrect_cvc":             "Your card's security code is incorrect.",
	"incorrect_number":          "Your card number is incorrect.",
	"card_velocity_exceeded":    "Your card has exceeded its limit.",
	"processing_error":          "The card could not be processed.",
	"authentication_required":   "The card issuer requires 3-D Secure authentication.",
	DeclinePaymentTokenInvalid:  "The payment token is not valid: it may have expired, been used or revoked, or not cover this amount.",
	DeclineAuthenticationFailed: "3-D Secure authentication failed; the card was not charged.",
}

// hiddenDeclines are decline codes Stripe advises reporting to buyers as
// generic_decline.
var hiddenDeclines = map[string]bool{
	"fraudulent":         true,
	"lost_card":          true,
	"stolen_card":        true,
	"pickup_card":        true,
	"merchant_blacklist": true,
	"restricted_card":    true,
	"security_violation": true,
}

// aresTransStatus maps an ACP authentication_result outcome that lets a
// charge go ahead to the 3-D Secure ARes transStatus Stripe imports.
var aresTransStatus = map[string]string{
	"authenticated":        "Y",
	"attempt_acknowledged": "A",
}

// Config configures a [Provider].
type Config struct {
	// SecretKey is the Stripe secret key ("sk_live_…", "sk_test_…" or a
	// restricted "rk_…"). Required.
	SecretKey string
	// BaseURL is the API's base URL. Empty means Stripe's API; set it for
	// stripe-mock or a fake.
	BaseURL string
	// APIVersion is the Stripe-Version of every request. Empty means
	// [DefaultAPIVersion].
	APIVersion string
	// HTTPClient makes the requests. Nil means a client with a 30 s
	// timeout.
	HTTPClient *http.Client
	// Logger is told what Stripe said when it refused a request (a decline
	// or an invalid request), which results carry only as a code and a
	// client-safe message. Nil discards it.
	Logger *slog.Logger
}

// Provider charges Shared Payment Tokens with Stripe PaymentIntents and
// refunds them. It is safe for concurrent use. stripe-go's own retries are
// off: a failed request is an error with an unknown outcome, and the
// caller retries with the same idempotency key.
type Provider struct {
	client  *stripeapi.Client
	version string
	log     *slog.Logger
	live    bool
}

var (
	_ commerce.PaymentProvider = (*Provider)(nil)
	_ commerce.Refunder        = (*Provider)(nil)
)

// New returns a Provider for cfg. It fails when cfg.SecretKey is empty or
// is not a Stripe secret or restricted key (whose prefix says its mode).
func New(cfg Config) (*Provider, error) {
	if strings.TrimSpace(cfg.SecretKey) == "" {
		return nil, errors.New("stripe: new provider: secret key required")
	}
	live, err := keyLiveMode(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("stripe: new provider: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	bc := &stripeapi.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: stripeapi.Int64(0),
		LeveledLogger:     &stripeapi.LeveledLogger{Level: stripeapi.LevelNull},
	}
	if cfg.BaseURL != "" {
		bc.URL = stripeapi.String(strings.TrimRight(cfg.BaseURL, "/"))
	}
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provider{
		client:  stripeapi.NewClient(cfg.SecretKey, stripeapi.WithBackends(stripeapi.NewBackendsWithConfig(bc))),
		version: version,
		log:     log,
		live:    live,
	}, nil
}

// keyLiveMode tells a Stripe key's mode from its prefix: sk_live_ and
// rk_live_ keys are live, sk_test_ and rk_test_ keys are test. Any other
// key is refused rather than guessed at, so that the mode declared to
// agents is never wrong.
func keyLiveMode(key string) (bool, error) {
	switch {
	case strings.HasPrefix(key, "sk_live_"), strings.HasPrefix(key, "rk_live_"):
		return true, nil
	case strings.HasPrefix(key, "sk_test_"), strings.HasPrefix(key, "rk_test_"):
		return false, nil
	}
	return false, errors.New("secret key must start with sk_live_, sk_test_, rk_live_ or rk_test_")
}

// Name returns "stripe".
func (p *Provider) Name() string { return "stripe" }

// LiveMode reports whether the secret key is a live one (sk_live_,
// rk_live_): charges then move real money.
func (p *Provider) LiveMode() bool { return p.live }

// headers are the per-request headers: stripe-go v85 has no per-client
// API version, so each request sets Stripe-Version.
func (p *Provider) headers() http.Header {
	return http.Header{"Stripe-Version": {p.version}}
}

// Charge charges req.Amount with the Shared Payment Token req.Token: it
// creates and confirms a PaymentIntent under req.IdempotencyKey, with
// req.SessionID as metadata checkout_session_id. When req.Authentication
// is set (the retry after a 3-D Secure challenge) its result is passed as
// payment_method_options[card][three_d_secure]; an outcome other than
// authenticated or attempt_acknowledged declines with
// authentication_failed without asking Stripe.
//
// Results (nil error):
//
//   - status succeeded: [commerce.ChargeSucceeded], Reference the
//     PaymentIntent id ("pi_…"), which [Provider.Refund] takes as ChargeRef;
//   - status requires_action: [commerce.ChargeRequires3DS] with decline code
//     authentication_required (DirectoryServer is left empty: Stripe does
//     not say the card network without expanding the payment method);
//   - status requires_payment_method or canceled: [commerce.ChargeDeclined]
//     with the last payment error's decline code;
//   - HTTP 402 (card_error): [commerce.ChargeDeclined] with Stripe's decline
//     code, else its error code (codes Stripe advises hiding, such as
//     stolen_card, become generic_decline);
//   - HTTP 400 invalid_request_error about the token (param or code names
//     it): [commerce.ChargeDeclined] payment_token_invalid; any other 400
//     invalid_request_error: processing_error. Stripe refused the request,
//     so nothing was charged, and retrying with the same key would only
//     repeat the refusal.
//
// Errors (outcome unknown, or nothing Stripe decided about the payment):
// network errors and timeouts, HTTP 429 and 5xx, idempotency_error (the key
// was used with other parameters: the first request may have charged),
// 409 idempotency_key_in_use, 401/403/404 (misconfiguration: nothing was
// charged, but it is an operator's problem, not a decline to show the
// buyer), and a PaymentIntent still processing or in a status this package
// does not expect. A processing PaymentIntent is read again once: Stripe
// replays the first response to a repeated idempotency key, so without
// reading it a retry would see processing for as long as the key lives.
func (p *Provider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	if req.IdempotencyKey == "" {
		return commerce.ChargeResult{}, errors.New("stripe: charge: idempotency key required")
	}
	params := &stripeapi.PaymentIntentCreateParams{
		Amount:   stripeapi.Int64(req.Amount),
		Currency: stripeapi.String(strings.ToLower(string(req.Currency))),
		Confirm:  stripeapi.Bool(true),
		AutomaticPaymentMethods: &stripeapi.PaymentIntentCreateAutomaticPaymentMethodsParams{
			Enabled:        stripeapi.Bool(true),
			AllowRedirects: stripeapi.String("never"),
		},
	}
	if a := req.Authentication; a != nil {
		status, ok := aresTransStatus[a.Outcome]
		if !ok {
			return declined(DeclineAuthenticationFailed), nil
		}
		params.PaymentMethodOptions = &stripeapi.PaymentIntentCreatePaymentMethodOptionsParams{
			Card: &stripeapi.PaymentIntentCreatePaymentMethodOptionsCardParams{
				ThreeDSecure: &stripeapi.PaymentIntentCreatePaymentMethodOptionsCardThreeDSecureParams{
					AresTransStatus:             stripeapi.String(status),
					Cryptogram:                  optional(a.Cryptogram),
					ElectronicCommerceIndicator: optional(a.ECI),
					TransactionID:               optional(a.TransactionID),
					Version:                     optional(a.Version),
				},
			},
		}
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	params.AddExtra(tokenParam, req.Token)
	if req.SessionID != "" {
		params.AddMetadata(metadataSession, req.SessionID)
	}
	// The attempt's key comes back in the PaymentIntent's events, which
	// is how a pending attempt (no PaymentIntent id recorded yet) is found.
	params.AddMetadata(metadataAttempt, req.IdempotencyKey)
	params.Headers = p.headers()

	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		res, err2 := chargeError(err)
		if err2 == nil {
			p.refused(ctx, "charge", req.IdempotencyKey, req.Token, err)
		}
		return res, err2
	}
	if pi.Status == stripeapi.PaymentIntentStatusProcessing {
		rp := &stripeapi.PaymentIntentRetrieveParams{}
		rp.Headers = p.headers()
		cur, err := p.client.V1PaymentIntents.Retrieve(ctx, pi.ID, rp)
		if err != nil {
			return commerce.ChargeResult{}, fmt.Errorf("stripe: charge: read processing payment intent %s: %w", pi.ID, describe(err))
		}
		pi = cur
	}
	return chargeResult(pi)
}

// chargeResult maps a confirmed PaymentIntent to a result.
func chargeResult(pi *stripeapi.PaymentIntent) (commerce.ChargeResult, error) {
	switch pi.Status {
	case stripeapi.PaymentIntentStatusSucceeded:
		return commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: pi.ID}, nil
	case stripeapi.PaymentIntentStatusRequiresAction:
		return commerce.ChargeResult{
			Outcome:     commerce.ChargeRequires3DS,
			DeclineCode: "authentication_required",
			Message:     declineMessages["authentication_required"],
		}, nil
	case stripeapi.PaymentIntentStatusRequiresPaymentMethod, stripeapi.PaymentIntentStatusCanceled:
		code := ""
		if e := pi.LastPaymentError; e != nil {
			code = cardDeclineCode(string(e.DeclineCode), string(e.Code))
		}
		return declined(code), nil
	case stripeapi.PaymentIntentStatusProcessing:
		return commerce.ChargeResult{}, fmt.Errorf("stripe: charge: payment intent %s is still processing", pi.ID)
	default:
		return commerce.ChargeResult{}, fmt.Errorf("stripe: charge: payment intent %s has unexpected status %q", pi.ID, pi.Status)
	}
}

// chargeError maps an error from creating a PaymentIntent: a result for
// what Stripe refused, an error for an unknown outcome.
func chargeError(err error) (commerce.ChargeResult, error) {
	se, ok := errors.AsType[*stripeapi.Error](err)
	if !ok {
		return commerce.ChargeResult{}, fmt.Errorf("stripe: charge: %w", err)
	}
	switch {
	case se.Type == stripeapi.ErrorTypeIdempotency:
		// Same key, other parameters: what the first request did is unknown.
	case se.HTTPStatusCode == http.StatusPaymentRequired || se.Type == stripeapi.ErrorTypeCard:
		return declined(cardDeclineCode(string(se.DeclineCode), string(se.Code))), nil
	case se.HTTPStatusCode == http.StatusBadRequest && se.Type == stripeapi.ErrorTypeInvalidRequest:
		if aboutToken(se) {
			return declined(DeclinePaymentTokenInvalid), nil
		}
		return declined(DeclineProcessingError), nil
	}
	return commerce.ChargeResult{}, fmt.Errorf("stripe: charge: %w", describe(err))
}

// refused logs what Stripe said about a request it refused. Stripe's
// message may quote the payment token, which must not reach the logs:
// token is masked in it.
func (p *Provider) refused(ctx context.Context, op, key, token string, err error) {
	se, ok := errors.AsType[*stripeapi.Error](err)
	if !ok {
		return
	}
	msg := se.Msg
	if token != "" {
		msg = strings.ReplaceAll(msg, token, token[:min(len(token), 4)]+"…")
	}
	p.log.InfoContext(ctx, "stripe refused the request", "op", op, "idempotency_key", key, "status", se.HTTPStatusCode,
		"type", string(se.Type), "code", string(se.Code), "decline_code", string(se.DeclineCode), "param", se.Param,
		"stripe_request_id", se.RequestID, "message", msg)
}

// aboutToken reports whether a 400 is about the Shared Payment Token.
func aboutToken(se *stripeapi.Error) bool {
	return strings.Contains(se.Param, "shared_payment_granted_token") ||
		strings.Contains(string(se.Code), "shared_payment") ||
		strings.Contains(string(se.Code), "token")
}

// cardDeclineCode is the decline code to report for a card error:
// Stripe's decline code, else its error code, else generic_decline; codes
// Stripe advises hiding from buyers become generic_decline.
func cardDeclineCode(declineCode, code string) string {
	c := declineCode
	if c == "" {
		c = code
	}
	if c == "" || c == "card_declined" || hiddenDeclines[c] {
		return DeclineGeneric
	}
	return c
}

// declined is a decline with code and its client-safe message.
func declined(code string) commerce.ChargeResult {
	if code == "" {
		code = DeclineGeneric
	}
	msg, ok := declineMessages[code]
	if !ok {
		msg = "The card was declined."
	}
	return commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: code, Message: msg}
}

// optional is s as a Stripe param, nil when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return stripeapi.String(s)
}

// Refund refunds req.Amount of the PaymentIntent req.ChargeRef under
// req.IdempotencyKey.
//
// A refund Stripe created is a success with Reference its id ("re_…"),
// whether succeeded or still pending (Stripe has committed to return the
// money); a refund created as failed or canceled is refused. HTTP 400
// invalid_request_error and 402 (the charge is refunded already, the
// amount exceeds what is left, no such PaymentIntent, …) are refusals with
// a client-safe message. Network errors, HTTP 429 and 5xx,
// idempotency_error, 409 and 401/403/404 are errors: the outcome is
// unknown (or the configuration is wrong) and the caller retries with the
// same key.
func (p *Provider) Refund(ctx context.Context, req commerce.RefundRequest) (commerce.RefundResult, error) {
	if req.IdempotencyKey == "" {
		return commerce.RefundResult{}, errors.New("stripe: refund: idempotency key required")
	}
	params := &stripeapi.RefundCreateParams{
		PaymentIntent: stripeapi.String(req.ChargeRef),
		Amount:        stripeapi.Int64(req.Amount),
	}
	if req.RefundID != "" {
		params.AddMetadata(metadataRefund, req.RefundID)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	params.Headers = p.headers()
	rf, err := p.client.V1Refunds.Create(ctx, params)
	if err != nil {
		se, ok := errors.AsType[*stripeapi.Error](err)
		if ok && se.Type != stripeapi.ErrorTypeIdempotency &&
			(se.HTTPStatusCode == http.StatusPaymentRequired ||
				se.HTTPStatusCode == http.StatusBadRequest && se.Type == stripeapi.ErrorTypeInvalidRequest) {
			p.refused(ctx, "refund", req.IdempotencyKey, "", err)
			return commerce.RefundResult{Refused: true, Message: refusalMessage(string(se.Code))}, nil
		}
		return commerce.RefundResult{}, fmt.Errorf("stripe: refund %s: %w", req.ChargeRef, describe(err))
	}
	switch rf.Status {
	case stripeapi.RefundStatusFailed, stripeapi.RefundStatusCanceled:
		return commerce.RefundResult{Refused: true, Message: fmt.Sprintf("Stripe could not refund the payment (refund %s %s).", rf.ID, rf.Status)}, nil
	}
	return commerce.RefundResult{Reference: rf.ID}, nil
}

// refusalMessage is the client-safe text of a refused refund.
func refusalMessage(code string) string {
	switch code {
	case string(stripeapi.ErrorCodeChargeAlreadyRefunded):
		return "The payment has already been refunded."
	case string(stripeapi.ErrorCodeAmountTooLarge):
		return "The amount is more than what is left to refund on the payment."
	case string(stripeapi.ErrorCodeResourceMissing):
		return "Stripe has no such payment."
	case "charge_disputed":
		return "The payment is disputed and cannot be refunded."
	case "":
		return "Stripe refused the refund."
	}
	return "Stripe refused the refund (" + code + ")."
}

// apiError is a Stripe API error with a one-line message: stripe-go's
// Error() is the whole error object as JSON.
type apiError struct{ err *stripeapi.Error }

func (e *apiError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.err.HTTPStatusCode, e.err.Type)
	if e.err.Code != "" {
		s += " " + string(e.err.Code)
	}
	if e.err.RequestID != "" {
		s += " (request " + e.err.RequestID + ")"
	}
	if e.err.Msg != "" {
		s += ": " + e.err.Msg
	}
	return s
}

func (e *apiError) Unwrap() error { return e.err }

// describe gives a Stripe API error in err a one-line message; other
// errors are returned as they are.
func describe(err error) error {
	if se, ok := errors.AsType[*stripeapi.Error](err); ok {
		return &apiError{se}
	}
	return err
}
