package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Field sets of the delegate-payment objects. Both schema versions declare
// additionalProperties: false, so unknown fields are rejected.
var (
	requestFields   = []string{"payment_method", "allowance", "billing_address", "risk_signals", "metadata"}
	requestRequired = []string{"payment_method", "allowance", "risk_signals", "metadata"}
	cardFields      = []string{"type", "card_number_type", "number", "exp_month", "exp_year", "name", "cvc",
		"cryptogram", "eci_value", "checks_performed", "iin", "display_card_funding_type",
		"display_wallet_type", "display_brand", "display_last4", "metadata", "virtual"}
	cardRequired    = []string{"type", "card_number_type", "number", "display_card_funding_type", "metadata"}
	allowanceFields = []string{"reason", "max_amount", "currency", "checkout_session_id", "merchant_id", "expires_at"}
	addressFields   = []string{"name", "line_one", "line_two", "city", "state", "country", "postal_code"}
	addressRequired = []string{"name", "line_one", "city", "state", "country", "postal_code"}
	riskFields      = []string{"type", "score", "action"}
)

// DecodeDelegateRequest decodes an ACP DelegatePaymentRequest body. It
// checks shape only: one JSON object, no unknown fields, required fields
// present and not null, and JSON types. Meaning (Luhn, expiry, allowance)
// is checked by [Provider.Delegate]. Errors are EINVALID *commerce.Error
// values with Reason [ReasonInvalidCard] and a JSONPath Param.
//
// Risk signals may be empty: 2026-04-17 dropped 2025-09-29's minItems 1,
// and an empty list carries no risk.
func DecodeDelegateRequest(body []byte) (DelegateRequest, error) {
	var req DelegateRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return req, invalid("$", "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, invalid("$", "The request body must hold a single JSON object.")
	}
	top, err := object(raw, "$", requestFields, requestRequired)
	if err != nil {
		return req, err
	}

	pm, err := object(top["payment_method"], "$.payment_method", cardFields, cardRequired)
	if err != nil {
		return req, err
	}
	if err := decodeFields(pm, "$.payment_method", &req.PaymentMethod); err != nil {
		return req, err
	}
	al, err := object(top["allowance"], "$.allowance", allowanceFields, allowanceFields)
	if err != nil {
		return req, err
	}
	if err := decodeFields(al, "$.allowance", &req.Allowance); err != nil {
		return req, err
	}
	if b, ok := top["billing_address"]; ok {
		ad, err := object(b, "$.billing_address", addressFields, addressRequired)
		if err != nil {
			return req, err
		}
		req.BillingAddress = new(Address)
		if err := decodeFields(ad, "$.billing_address", req.BillingAddress); err != nil {
			return req, err
		}
	}
	var signals []json.RawMessage
	if err := json.Unmarshal(top["risk_signals"], &signals); err != nil {
		return req, invalid("$.risk_signals", "risk_signals must be an array.")
	}
	req.RiskSignals = make([]RiskSignal, len(signals))
	for i, s := range signals {
		path := fmt.Sprintf("$.risk_signals[%d]", i)
		rs, err := object(s, path, riskFields, riskFields)
		if err != nil {
			return req, err
		}
		if err := decodeFields(rs, path, &req.RiskSignals[i]); err != nil {
			return req, err
		}
	}
	if err := json.Unmarshal(top["metadata"], &req.Metadata); err != nil {
		return req, invalid("$.metadata", "metadata must be an object of strings.")
	}
	if err := checkMetadata(req.Metadata, "$.metadata"); err != nil {
		return req, err
	}
	if err := checkMetadata(req.PaymentMethod.Metadata, "$.payment_method.metadata"); err != nil {
		return req, err
	}
	if len(req.RiskSignals) > MaxRiskSignals {
		return req, invalid("$.risk_signals", fmt.Sprintf("At most %d risk signals are accepted.", MaxRiskSignals))
	}
	if len(req.PaymentMethod.ChecksPerformed) > MaxChecksPerformed {
		return req, invalid("$.payment_method.checks_performed", fmt.Sprintf("At most %d checks are accepted.", MaxChecksPerformed))
	}
	return req, nil
}

// Limits on the free-form parts of a delegate_payment request, which the
// ACP schemas leave unbounded: the metadata maps (the request's, which the
// vault token keeps and the answer echoes, and the card's) and the lists.
// The metadata limits are Stripe's for its own metadata (50 keys, keys of
// 40 characters, values of 500), which agents that pass metadata through
// to a PSP already keep to. Lengths are in characters (runes).
const (
	MaxMetadataKeys    = 50
	MaxMetadataKey     = 40
	MaxMetadataValue   = 500
	MaxRiskSignals     = 20
	MaxChecksPerformed = 10
)

// checkMetadata checks a metadata map at path against the limits, naming
// the first offending entry in key order (the same one every time).
func checkMetadata(md map[string]string, path string) error {
	if len(md) > MaxMetadataKeys {
		return invalid(path, fmt.Sprintf("metadata may hold at most %d keys.", MaxMetadataKeys))
	}
	keys := slices.Sorted(maps.Keys(md))
	for _, k := range keys {
		if utf8.RuneCountInString(k) > MaxMetadataKey {
			// The map's path, not the key's: a long key is not echoed.
			return invalid(path, fmt.Sprintf("metadata keys may be at most %d characters long.", MaxMetadataKey))
		}
	}
	for _, k := range keys {
		if utf8.RuneCountInString(md[k]) > MaxMetadataValue {
			return invalid(member(path, k), fmt.Sprintf("metadata values may be at most %d characters long.", MaxMetadataValue))
		}
	}
	return nil
}

// member is the JSONPath (RFC 9535) of member k of the object at path:
// $.k for a name, $['k'] otherwise (as internal/acp/acpjson writes it).
func member(path, k string) string {
	name := k != ""
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			name = false
			break
		}
	}
	if name {
		return path + "." + k
	}
	return path + "['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(k) + "']"
}

// object decodes raw as a JSON object at path, rejecting fields not in
// known, required fields that are missing, and null values.
func object(raw json.RawMessage, path string, known, required []string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, invalid(path, "Must be a JSON object.")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same field every time
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return nil, invalid(path+"."+k, fmt.Sprintf("Unknown field %q.", k))
		}
		if string(bytes.TrimSpace(m[k])) == "null" {
			return nil, invalid(path+"."+k, k+" must not be null.")
		}
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return nil, invalid(path+"."+k, k+" is required.")
		}
	}
	return m, nil
}

// decodeFields re-encodes the checked fields and decodes them into dst,
// turning a JSON type mismatch into an error naming the field.
func decodeFields(m map[string]json.RawMessage, path string, dst any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return invalid(path, "Must be a JSON object.")
	}
	if err := json.Unmarshal(b, dst); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
			return invalid(path+"."+te.Field, fmt.Sprintf("%s must be of type %s.", te.Field, jsonType(te.Type.Kind().String())))
		}
		return invalid(path, "Must be a JSON object with fields of the right types.")
	}
	return nil
}

// jsonType names a Go kind the way JSON Schema would.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "int", "int64":
		return "integer"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return kind
}

// EncodeDelegateResponse returns ACP's 201 DelegatePaymentResponse for t:
// {id, created, metadata}. Metadata echoes the request's metadata plus
// correlation fields that take precedence over request keys of the same
// name: merchant_id, idempotency_key (when not empty) and source
// "agentshop_sandbox".
func EncodeDelegateResponse(t *VaultToken, idempotencyKey string) ([]byte, error) {
	if t == nil {
		return nil, errors.New("sandbox: encode delegate response: nil token")
	}
	md := make(map[string]string, len(t.Metadata)+3)
	maps.Copy(md, t.Metadata)
	md["merchant_id"] = t.MerchantID
	md["source"] = "agentshop_sandbox"
	if idempotencyKey != "" {
		md["idempotency_key"] = idempotencyKey
	}
	b, err := json.Marshal(struct {
		ID       string            `json:"id"`
		Created  string            `json:"created"`
		Metadata map[string]string `json:"metadata"`
	}{t.ID, t.CreatedAt.UTC().Format(time.RFC3339), md})
	if err != nil {
		return nil, fmt.Errorf("sandbox: encode delegate response: %w", err)
	}
	return b, nil
}
