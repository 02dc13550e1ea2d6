package braintree

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"agentshop/internal/commerce"
)

// Braintree's GraphQL endpoints.
const (
	SandboxURL    = "https://payments.sandbox.braintree-api.com/graphql"
	ProductionURL = "https://payments.braintree-api.com/graphql"
)

// Environments of [Config.Environment].
const (
	Sandbox    = "sandbox"
	Production = "production"
)

// DefaultAPIVersion is the Braintree-Version sent when [Config.APIVersion]
// is empty: the version Braintree's GraphQL guides use.
const DefaultAPIVersion = "2019-01-01"

// defaultTimeout bounds one request when [Config.HTTPClient] is nil. It
// is shorter than commerce's default payment lease (30 s), so that a
// re-drive does not start while the call it re-drives is still waiting.
const defaultTimeout = 20 * time.Second

// consumedSearches is how many times a charge answered "nonce consumed"
// looks for the attempt's transaction, [Config.RecheckDelay] apart.
const consumedSearches = 3

// defaultRecheck is [Config.RecheckDelay] when it is zero.
const defaultRecheck = time.Second

// Decline codes of [commerce.ChargeResult.DeclineCode] set by this
// package. Processor declines map Braintree's processor response codes to
// the names other providers use (insufficient_funds, expired_card, …).
const (
	// DeclinePaymentTokenInvalid: 91565, the nonce is unknown or expired,
	// or was issued for another merchant.
	DeclinePaymentTokenInvalid = "payment_token_invalid"
	// DeclinePaymentTokenUsed: 91564, the nonce was used already, and not
	// by this attempt (no transaction has its order id).
	DeclinePaymentTokenUsed = "payment_token_used"
	// DeclineAllowanceExceeded: 915266, the amount is above the nonce's
	// maximum.
	DeclineAllowanceExceeded = "allowance_exceeded"
	// DeclineCurrencyMismatch: 915267, the merchant account's currency is
	// not the nonce's.
	DeclineCurrencyMismatch = "currency_mismatch"
	// DeclineCurrencyUnsupported: no merchant account is configured for
	// the session's currency; Braintree was not asked.
	DeclineCurrencyUnsupported = "currency_not_supported"
	// DeclineProcessingError: Braintree refused the request as invalid
	// for another reason, or could not reach the processor (3000).
	DeclineProcessingError = "processing_error"
	// DeclineGeneric: a processor decline with no more specific name, or
	// one not to be detailed to buyers (fraud).
	DeclineGeneric = "generic_decline"
	// DeclineAddressMismatch: the gateway rejected the card's address
	// verification (AVS).
	DeclineAddressMismatch = "address_mismatch"
	// DeclineDuplicate: the gateway rejected the charge as a duplicate.
	DeclineDuplicate = "duplicate_transaction"
	// DeclineVoided: the attempt's transaction exists but was voided.
	DeclineVoided = "voided"
)

// Braintree error codes (extensions.legacyCode) with a meaning here.
const (
	codeNonceConsumed    = "91564"
	codeNonceUnknown     = "91565"
	codeAmountAboveMax   = "915266"
	codeCurrencyMismatch = "915267"
)

// declineMessages are the client-safe texts of decline codes; other codes
// get "The card was declined.".
var declineMessages = map[string]string{
	DeclinePaymentTokenInvalid: "The payment token is unknown or has expired, or was issued for another merchant: nothing was charged; pay again with a new token.",
	DeclinePaymentTokenUsed:    "The payment token has already been used: nothing was charged; pay again with a new token.",
	DeclineAllowanceExceeded:   "The total is more than the payment token allows: nothing was charged; pay again with a token that covers the total.",
	DeclineCurrencyMismatch:    "The payment token is for another currency than this checkout's: nothing was charged; pay again with a token in the checkout's currency.",
	DeclineCurrencyUnsupported: "This shop cannot take Braintree payments in this currency.",
	DeclineProcessingError:     "The card could not be processed; nothing was charged. Try again or use another card.",
	DeclineAddressMismatch:     "The billing address does not match the card's: nothing was charged.",
	DeclineDuplicate:           "The payment was refused as a duplicate of a recent one: nothing was charged.",
	DeclineVoided:              "The payment was voided; nothing was charged.",
	"insufficient_funds":       "Your card has insufficient funds.",
	"expired_card":             "Your card has expired.",
	"incorrect_cvc":            "Your card's security code is incorrect.",
	"incorrect_number":         "Your card number is incorrect.",
	"invalid_expiry_date":      "Your card's expiration date is incorrect.",
	"card_velocity_exceeded":   "Your card has exceeded its limit.",
	"settlement_declined":      "The card issuer declined the payment when it was settled.",
	"authorization_expired":    "The card authorization expired before it was captured.",
}

// processorDeclines names Braintree's processor response codes (the
// 2000–3000 range) that have a name of their own; the rest of the range
// is generic_decline.
var processorDeclines = map[int]string{
	2001: "insufficient_funds",
	2002: "card_velocity_exceeded",
	2003: "card_velocity_exceeded",
	2004: "expired_card",
	2005: "incorrect_number",
	2006: "invalid_expiry_date",
	2010: "incorrect_cvc",
	3000: DeclineProcessingError,
}

// Config configures a [Provider]. The keys come from the merchant's
// Braintree Control Panel (Settings, API).
type Config struct {
	// MerchantID is the Braintree merchant id (the public id agents are
	// told, which OpenAI copies into the token's allowance). Required.
	MerchantID string
	// PublicKey and PrivateKey are an API key pair. Required.
	PublicKey  string
	PrivateKey string
	// Environment is [Sandbox] or [Production] (real money). Required.
	Environment string
	// MerchantAccounts are the merchant account ids by currency: a
	// session is charged through the account of its currency, and a
	// currency without one is declined (currency_not_supported) without
	// asking Braintree. At least one is required.
	MerchantAccounts map[commerce.Currency]string
	// BaseURL is the GraphQL endpoint. Empty means the Environment's
	// ([SandboxURL] or [ProductionURL]); set it for a fake. The other
	// environment's endpoint is refused.
	BaseURL string
	// APIVersion is the Braintree-Version header. Empty means
	// [DefaultAPIVersion].
	APIVersion string
	// HTTPClient makes the requests. Nil means a client with a 20 s
	// timeout; keep any timeout shorter than the payment lease.
	HTTPClient *http.Client
	// RecheckDelay separates the searches for the attempt's transaction
	// after Braintree answered that the nonce was used already. Zero
	// means 1 s.
	RecheckDelay time.Duration
	// Logger is told what Braintree said when it declined or refused a
	// request (processor response texts, error messages), which results
	// carry only as a code and a client-safe message. Nil discards it.
	Logger *slog.Logger
}

// Provider charges Braintree single-use payment-method nonces with the
// GraphQL API and refunds and voids those charges. It is safe for
// concurrent use.
type Provider struct {
	merchantID string
	publicKey  string
	privateKey string
	live       bool
	accounts   map[commerce.Currency]string
	endpoint   string
	version    string
	hc         *http.Client
	log        *slog.Logger
	recheck    time.Duration
}

var (
	_ commerce.PaymentProvider = (*Provider)(nil)
	_ commerce.Refunder        = (*Provider)(nil)
)

// New returns a Provider for cfg. It fails when the merchant id, a key or
// every merchant account is missing, when the environment is neither
// sandbox nor production, when a currency is not ISO 4217, and when
// BaseURL is the other environment's endpoint (a sandbox provider never
// talks to production, nor the reverse).
func New(cfg Config) (*Provider, error) {
	fail := func(format string, args ...any) (*Provider, error) {
		return nil, fmt.Errorf("braintree: new provider: "+format, args...)
	}
	if strings.TrimSpace(cfg.MerchantID) == "" {
		return fail("merchant id required")
	}
	if strings.TrimSpace(cfg.PublicKey) == "" || strings.TrimSpace(cfg.PrivateKey) == "" {
		return fail("public and private keys required")
	}
	var live bool
	switch cfg.Environment {
	case Sandbox:
	case Production:
		live = true
	default:
		return fail("environment %q must be %q or %q", cfg.Environment, Sandbox, Production)
	}
	endpoint := cfg.BaseURL
	switch {
	case endpoint == "" && live:
		endpoint = ProductionURL
	case endpoint == "":
		endpoint = SandboxURL
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail("base URL %q is not an http(s) URL", endpoint)
	}
	prodHost, _ := url.Parse(ProductionURL)
	sandHost, _ := url.Parse(SandboxURL)
	if !live && strings.EqualFold(u.Hostname(), prodHost.Hostname()) {
		return fail("a sandbox provider must not use the production endpoint %s", endpoint)
	}
	if live && strings.EqualFold(u.Hostname(), sandHost.Hostname()) {
		return fail("a production provider must not use the sandbox endpoint %s", endpoint)
	}
	accounts := map[commerce.Currency]string{}
	for c, id := range cfg.MerchantAccounts {
		cur, err := commerce.ParseCurrency(string(c))
		if err != nil {
			return fail("merchant account %q: %v", id, err)
		}
		if strings.TrimSpace(id) == "" {
			return fail("merchant account id for %s is empty", cur)
		}
		accounts[cur] = id
	}
	if len(accounts) == 0 {
		return fail("at least one merchant account (by currency) required")
	}
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	recheck := cfg.RecheckDelay
	if recheck <= 0 {
		recheck = defaultRecheck
	}
	return &Provider{
		merchantID: cfg.MerchantID, publicKey: cfg.PublicKey, privateKey: cfg.PrivateKey, live: live,
		accounts: accounts, endpoint: endpoint, version: version, hc: hc, log: log, recheck: recheck,
	}, nil
}

// Name returns "braintree".
func (p *Provider) Name() string { return "braintree" }

// LiveMode reports whether the provider is in the production environment:
// charges then move real money.
func (p *Provider) LiveMode() bool { return p.live }

// MerchantID is the Braintree merchant id, the one to declare to agents.
func (p *Provider) MerchantID() string { return p.merchantID }

// The GraphQL documents. Every transaction is read with the same fields.
const (
	transactionFields = `id legacyId orderId status
      amount { value currencyCode }
      facilitatorDetails { oauthApplication { clientId name } }
      statusHistory {
        __typename
        ... on ProcessorDeclinedEvent { processorResponse { legacyCode message } }
        ... on FailedEvent { processorResponse { legacyCode message } }
        ... on GatewayRejectedEvent { gatewayRejectionReason }
      }`
	searchQuery = `query SearchTransactionsByOrderId($orderId: String!) {
  search { transactions(input: {orderId: {is: $orderId}}, first: 10) { edges { node { ` + transactionFields + ` } } } }
}`
	chargeMutation = `mutation ChargePaymentMethod($input: ChargePaymentMethodInput!) {
  chargePaymentMethod(input: $input) { transaction { ` + transactionFields + ` } }
}`
	transactionQuery = `query Transaction($id: ID!) {
  node(id: $id) { ... on Transaction { id status amount { value currencyCode }
    refunds { id orderId status amount { value currencyCode } } } }
}`
	refundMutation = `mutation RefundTransaction($input: RefundTransactionInput!) {
  refundTransaction(input: $input) { refund { id orderId status amount { value currencyCode } } }
}`
	reverseMutation = `mutation ReverseTransaction($input: ReverseTransactionInput!) {
  reverseTransaction(input: $input) { reversal { __typename
    ... on Transaction { id status }
    ... on Refund { id orderId status } } }
}`
)

// transaction is a GraphQL Transaction with the fields read here.
type transaction struct {
	ID       string `json:"id"`
	LegacyID string `json:"legacyId"`
	OrderID  string `json:"orderId"`
	Status   string `json:"status"`
	Amount   struct {
		Value        string `json:"value"`
		CurrencyCode string `json:"currencyCode"`
	} `json:"amount"`
	FacilitatorDetails *struct {
		OAuthApplication *struct {
			ClientID string `json:"clientId"`
			Name     string `json:"name"`
		} `json:"oauthApplication"`
	} `json:"facilitatorDetails"`
	StatusHistory []struct {
		Typename          string `json:"__typename"`
		ProcessorResponse *struct {
			LegacyCode string `json:"legacyCode"`
			Message    string `json:"message"`
		} `json:"processorResponse"`
		GatewayRejectionReason string `json:"gatewayRejectionReason"`
	} `json:"statusHistory"`
	Refunds []refund `json:"refunds"`
}

// refund is a GraphQL Refund (or, for a void, the voided Transaction).
type refund struct {
	Typename string `json:"__typename"`
	ID       string `json:"id"`
	OrderID  string `json:"orderId"`
	Status   string `json:"status"`
	Amount   struct {
		Value string `json:"value"`
	} `json:"amount"`
}

// Charge charges req.Amount with the nonce req.Token, at most once per
// req.IdempotencyKey, although Braintree takes no idempotency key: the key
// is the transaction's orderId, and before charging, Charge searches the
// transactions by that orderId and answers with the one it finds instead
// of charging again. So a re-drive after an unknown outcome returns what
// the first call did. The charge itself is chargePaymentMethod (authorize
// and submit for settlement) with the nonce as paymentMethodId, the amount
// as a decimal string and the merchant account of req.Currency.
//
// Results (nil error):
//
//   - a transaction submitted for settlement, settling or settled (or
//     authorized): [commerce.ChargeSucceeded], Reference its GraphQL id,
//     Facilitator its facilitatorDetails.oauthApplication;
//   - 91565 (unknown or expired nonce, or another merchant's): declined
//     payment_token_invalid; 915266 (amount above the nonce's maximum):
//     allowance_exceeded; 915267 (currency mismatch): currency_mismatch;
//     91564 (nonce consumed): the transactions are searched by orderId
//     again (up to three times, [Config.RecheckDelay] apart), and the
//     attempt's transaction is the answer if there is one, else
//     payment_token_used;
//   - a processor decline (a PROCESSOR_DECLINED transaction, or an error
//     whose legacyCode is in 2000–3000): declined with the code's name
//     (insufficient_funds, expired_card, … else generic_decline); the
//     processor's response text is logged, never put in the result;
//   - a gateway rejection: fraud and risk declines as generic_decline,
//     CVV as incorrect_cvc, AVS as address_mismatch, duplicates as
//     duplicate_transaction;
//   - other VALIDATION errors: declined processing_error; no merchant
//     account for the currency: currency_not_supported.
//
// Errors (outcome unknown; the caller keeps the attempt pending and
// retries with the same key): network errors and timeouts, a connection
// cut before the answer was read, HTTP statuses other than 200, answers
// that are not GraphQL, errors of other classes (authentication,
// authorization, internal, availability), and transactions still
// authorizing or in a status this package does not know.
func (p *Provider) Charge(ctx context.Context, req commerce.ChargeRequest) (commerce.ChargeResult, error) {
	if req.IdempotencyKey == "" {
		return commerce.ChargeResult{}, errors.New("braintree: charge: idempotency key required")
	}
	if len(req.IdempotencyKey) > 255 {
		return commerce.ChargeResult{}, errors.New("braintree: charge: idempotency key longer than orderId's 255 characters")
	}
	account, ok := p.accounts[req.Currency]
	if !ok {
		p.log.ErrorContext(ctx, "braintree has no merchant account for the session's currency", "currency", string(req.Currency), "idempotency_key", req.IdempotencyKey)
		return declined(DeclineCurrencyUnsupported), nil
	}
	if found, err := p.findByOrderID(ctx, req.IdempotencyKey); err != nil || found != nil {
		if err != nil {
			return commerce.ChargeResult{}, fmt.Errorf("braintree: charge: search by order id before charging: %w", err)
		}
		p.log.InfoContext(ctx, "braintree already has this attempt's transaction; answering with it", "idempotency_key", req.IdempotencyKey, "transaction", found.ID, "status", found.Status)
		return p.result(ctx, req, found)
	}
	resp, err := p.call(ctx, "charge", chargeMutation, map[string]any{"input": map[string]any{
		"paymentMethodId": req.Token,
		"transaction": map[string]any{
			"amount":            formatAmount(req.Amount, req.Currency),
			"merchantAccountId": account,
			"orderId":           req.IdempotencyKey,
		},
	}})
	if err != nil {
		return commerce.ChargeResult{}, err
	}
	var data struct {
		ChargePaymentMethod *struct {
			Transaction *transaction `json:"transaction"`
		} `json:"chargePaymentMethod"`
	}
	if len(resp.Data) > 0 {
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			return commerce.ChargeResult{}, &unknownError{"charge", fmt.Errorf("decode data: %w", err)}
		}
	}
	if c := data.ChargePaymentMethod; c != nil && c.Transaction != nil {
		return p.result(ctx, req, c.Transaction)
	}
	if len(resp.Errors) == 0 {
		return commerce.ChargeResult{}, &unknownError{"charge", errors.New("answer has no transaction and no errors")}
	}
	e := resp.Errors[0]
	code := e.Extensions.LegacyCode
	p.log.InfoContext(ctx, "braintree refused the charge", "idempotency_key", req.IdempotencyKey, "error_class", e.Extensions.ErrorClass,
		"legacy_code", code, "message", mask(e.Message, req.Token), "braintree_request_id", resp.Extensions.RequestID)
	switch code {
	case codeNonceUnknown:
		return declined(DeclinePaymentTokenInvalid), nil
	case codeAmountAboveMax:
		return declined(DeclineAllowanceExceeded), nil
	case codeCurrencyMismatch:
		return declined(DeclineCurrencyMismatch), nil
	case codeNonceConsumed:
		// Consumed by this attempt (a charge that raced the search) or by
		// another: the attempt's own transaction, if any, decides. It is
		// looked for a few times, in case the search has not caught up
		// with a charge made an instant ago.
		for i := range consumedSearches {
			if i > 0 {
				select {
				case <-ctx.Done():
					return commerce.ChargeResult{}, &unknownError{"charge", fmt.Errorf("nonce consumed, search interrupted: %w", ctx.Err())}
				case <-time.After(p.recheck):
				}
			}
			found, err := p.findByOrderID(ctx, req.IdempotencyKey)
			if err != nil {
				return commerce.ChargeResult{}, fmt.Errorf("braintree: charge: search by order id after a consumed nonce: %w", err)
			}
			if found != nil {
				return p.result(ctx, req, found)
			}
		}
		return declined(DeclinePaymentTokenUsed), nil
	}
	if n, err := strconv.Atoi(code); err == nil && n >= 2000 && n <= 3000 {
		return processorDeclined(n), nil
	}
	if e.validation() {
		return declined(DeclineProcessingError), nil
	}
	return commerce.ChargeResult{}, errorsErr("charge", resp)
}

// findByOrderID returns the transaction whose orderId is orderID, nil
// when there is none. When several have it, a successful one wins.
func (p *Provider) findByOrderID(ctx context.Context, orderID string) (*transaction, error) {
	resp, err := p.call(ctx, "search transactions", searchQuery, map[string]any{"orderId": orderID})
	if err != nil {
		return nil, err
	}
	if len(resp.Errors) > 0 {
		return nil, errorsErr("search transactions", resp)
	}
	var data struct {
		Search *struct {
			Transactions *struct {
				Edges []struct {
					Node *transaction `json:"node"`
				} `json:"edges"`
			} `json:"transactions"`
		} `json:"search"`
	}
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		return nil, &unknownError{"search transactions", fmt.Errorf("decode data: %w", err)}
	}
	if data.Search == nil || data.Search.Transactions == nil {
		return nil, &unknownError{"search transactions", errors.New("answer has no search.transactions")}
	}
	var found *transaction
	for _, e := range data.Search.Transactions.Edges {
		t := e.Node
		if t == nil || t.OrderID != orderID {
			continue
		}
		if found == nil || charged(t.Status) && !charged(found.Status) {
			found = t
		}
	}
	return found, nil
}

// charged reports whether a transaction in status holds or moved the
// buyer's money.
func charged(status string) bool {
	switch status {
	case "AUTHORIZED", "SUBMITTED_FOR_SETTLEMENT", "SETTLING", "SETTLEMENT_PENDING", "SETTLED", "SETTLEMENT_CONFIRMED":
		return true
	}
	return false
}

// result maps the attempt's transaction to a charge result.
func (p *Provider) result(ctx context.Context, req commerce.ChargeRequest, t *transaction) (commerce.ChargeResult, error) {
	if charged(t.Status) {
		if t.ID == "" {
			return commerce.ChargeResult{}, &unknownError{"charge", errors.New("transaction has no id")}
		}
		if want := formatAmount(req.Amount, req.Currency); t.Amount.Value != "" && t.Amount.Value != want {
			// The order id is the attempt's: its amount cannot differ
			// unless someone else used our order id. Say so loudly.
			p.log.ErrorContext(ctx, "braintree transaction of this attempt has another amount", "idempotency_key", req.IdempotencyKey,
				"transaction", t.ID, "amount", t.Amount.Value, "want", want)
		}
		res := commerce.ChargeResult{Outcome: commerce.ChargeSucceeded, Reference: t.ID}
		if fd := t.FacilitatorDetails; fd != nil && fd.OAuthApplication != nil && (fd.OAuthApplication.Name != "" || fd.OAuthApplication.ClientID != "") {
			res.Facilitator = &commerce.Facilitator{Name: fd.OAuthApplication.Name, ClientID: fd.OAuthApplication.ClientID}
		}
		return res, nil
	}
	switch t.Status {
	case "PROCESSOR_DECLINED", "FAILED":
		code, text := 0, ""
		for _, ev := range t.StatusHistory {
			if ev.ProcessorResponse != nil {
				code, _ = strconv.Atoi(ev.ProcessorResponse.LegacyCode)
				text = ev.ProcessorResponse.Message
			}
		}
		p.log.InfoContext(ctx, "braintree processor declined the charge", "idempotency_key", req.IdempotencyKey, "transaction", t.ID,
			"status", t.Status, "processor_response_code", code, "processor_response_text", text)
		if t.Status == "FAILED" {
			return declined(DeclineProcessingError), nil
		}
		return processorDeclined(code), nil
	case "GATEWAY_REJECTED":
		reason := ""
		for _, ev := range t.StatusHistory {
			if ev.GatewayRejectionReason != "" {
				reason = ev.GatewayRejectionReason
			}
		}
		p.log.InfoContext(ctx, "braintree gateway rejected the charge", "idempotency_key", req.IdempotencyKey, "transaction", t.ID, "reason", reason)
		return declined(gatewayDecline(reason)), nil
	case "SETTLEMENT_DECLINED":
		return declined("settlement_declined"), nil
	case "AUTHORIZATION_EXPIRED":
		return declined("authorization_expired"), nil
	case "VOIDED":
		return declined(DeclineVoided), nil
	}
	return commerce.ChargeResult{}, &unknownError{"charge", fmt.Errorf("transaction %s has status %q", t.ID, t.Status)}
}

// processorDeclined is the decline of processor response code n.
func processorDeclined(n int) commerce.ChargeResult {
	if code, ok := processorDeclines[n]; ok {
		return declined(code)
	}
	return declined(DeclineGeneric)
}

// gatewayDecline names a GatewayRejectionReason.
func gatewayDecline(reason string) string {
	switch reason {
	case "CVV":
		return "incorrect_cvc"
	case "AVS", "AVS_AND_CVV":
		return DeclineAddressMismatch
	case "DUPLICATE":
		return DeclineDuplicate
	case "APPLICATION_INCOMPLETE", "TOKEN_ISSUANCE", "EXCESSIVE_RETRY":
		return DeclineProcessingError
	}
	// FRAUD, RISK_THRESHOLD, THREE_D_SECURE and anything new: not
	// detailed to the buyer.
	return DeclineGeneric
}

// declined is a decline with code and its client-safe message.
func declined(code string) commerce.ChargeResult {
	msg, ok := declineMessages[code]
	if !ok {
		msg = "The card was declined."
	}
	return commerce.ChargeResult{Outcome: commerce.ChargeDeclined, DeclineCode: code, Message: msg}
}

// mask replaces token in s by its first four characters and "…": a
// Braintree message may quote the nonce, which must not reach the logs.
func mask(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, token[:min(len(token), 4)]+"…")
}

// LegacyID returns the legacy transaction id of a GraphQL transaction id
// (base64 of "transaction_<legacy id>"), the id webhooks and the Control
// Panel show, or "" when ref is not one.
func LegacyID(ref string) string {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if raw, err := enc.DecodeString(ref); err == nil {
			if id, ok := strings.CutPrefix(string(raw), "transaction_"); ok {
				return id
			}
		}
	}
	return ""
}
