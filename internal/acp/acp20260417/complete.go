package acp20260417

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// completeRequest is CheckoutSessionCompleteRequest (the fields agentshop
// reads).
type completeRequest struct {
	Buyer                *buyer                `json:"buyer"`
	PaymentData          *paymentData          `json:"payment_data"`
	AuthenticationResult *authenticationResult `json:"authentication_result"`
}

// paymentData is PaymentData. handler_id names the payment handler (one
// of the session's, checked by the core); the instrument and credential
// types are not checked: the handler's provider rejects tokens it does
// not know.
type paymentData struct {
	HandlerID           string      `json:"handler_id"`
	Instrument          *instrument `json:"instrument"`
	BillingAddress      *address    `json:"billing_address"`
	PurchaseOrderNumber string      `json:"purchase_order_number"`
}

type instrument struct {
	Type       string      `json:"type"`
	Credential *credential `json:"credential"`
}

type credential struct {
	Type  string  `json:"type"`
	Token *string `json:"token"`
}

type authenticationResult struct {
	Outcome        *string `json:"outcome"`
	OutcomeDetails *struct {
		ThreeDSCryptogram           string `json:"three_ds_cryptogram"`
		ElectronicCommerceIndicator string `json:"electronic_commerce_indicator"`
		TransactionID               string `json:"transaction_id"`
		Version                     string `json:"version"`
	} `json:"outcome_details"`
}

// DecodeComplete decodes a complete request. payment_data with
// instrument.credential.token is required; authentication_result needs an
// outcome when sent.
func (c *Codec) DecodeComplete(body []byte) (commerce.CompleteInput, error) {
	var r completeRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return commerce.CompleteInput{}, err
	}
	pd := r.PaymentData
	switch {
	case pd == nil:
		return commerce.CompleteInput{}, acpjson.Required("$.payment_data")
	case pd.Instrument == nil && pd.PurchaseOrderNumber != "":
		return commerce.CompleteInput{}, commerce.Invalid("$.payment_data.instrument", "Purchase orders are not accepted; pay with a payment instrument.")
	case pd.Instrument == nil:
		return commerce.CompleteInput{}, acpjson.Required("$.payment_data.instrument")
	case pd.Instrument.Credential == nil:
		return commerce.CompleteInput{}, acpjson.Required("$.payment_data.instrument.credential")
	}
	token, err := acpjson.NonEmpty(pd.Instrument.Credential.Token, "$.payment_data.instrument.credential.token")
	if err != nil {
		return commerce.CompleteInput{}, err
	}
	in := commerce.CompleteInput{Token: token, Buyer: r.Buyer.domain(), Payment: commerce.PaymentSelection{HandlerID: pd.HandlerID}}
	if pd.BillingAddress != nil {
		a, err := pd.BillingAddress.domain("$.payment_data.billing_address")
		if err != nil {
			return commerce.CompleteInput{}, err
		}
		in.BillingAddress = &a
	}
	if ar := r.AuthenticationResult; ar != nil {
		outcome, err := acpjson.NonEmpty(ar.Outcome, "$.authentication_result.outcome")
		if err != nil {
			return commerce.CompleteInput{}, err
		}
		in.Authentication = &commerce.AuthenticationResult{Outcome: outcome}
		if d := ar.OutcomeDetails; d != nil {
			in.Authentication.Cryptogram = d.ThreeDSCryptogram
			in.Authentication.ECI = d.ElectronicCommerceIndicator
			in.Authentication.TransactionID = d.TransactionID
			in.Authentication.Version = d.Version
		}
	}
	return in, nil
}

// cancelRequest is CancelSessionRequest.
type cancelRequest struct {
	IntentTrace *intentTrace `json:"intent_trace"`
}

// intentTrace is IntentTrace. It is checked and dropped: traces are
// write-only and agentshop does not store them.
type intentTrace struct {
	ReasonCode   *string                    `json:"reason_code"`
	TraceSummary string                     `json:"trace_summary"`
	Metadata     map[string]json.RawMessage `json:"metadata"`
}

// DecodeCancel checks an optional cancel body. An empty body, {} and a
// well-formed intent_trace (any reason_code) pass; a structurally invalid
// trace is EINVALID.
func (c *Codec) DecodeCancel(body []byte) error {
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	var r cancelRequest
	if err := acpjson.DecodeAt(body, "$", &r); err != nil {
		return err
	}
	tr := r.IntentTrace
	if tr == nil {
		return nil
	}
	if _, err := acpjson.NonEmpty(tr.ReasonCode, "$.intent_trace.reason_code"); err != nil {
		return err
	}
	if utf8.RuneCountInString(tr.TraceSummary) > 500 {
		return commerce.Invalid("$.intent_trace.trace_summary", "trace_summary may be at most 500 characters.")
	}
	for k, v := range tr.Metadata {
		var x any
		_ = json.Unmarshal(v, &x) // v is valid JSON: the outer decode checked it
		switch x.(type) {
		case string, float64, bool:
		default:
			return commerce.Invalid("$.intent_trace.metadata['"+strings.ReplaceAll(k, "'", `\'`)+"']", "Intent trace metadata values must be strings, numbers or booleans.")
		}
	}
	return nil
}
