package braintree

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxResponse bounds a GraphQL answer read from Braintree.
const maxResponse = 4 << 20

// gqlResponse is a GraphQL answer: data, errors and Braintree's requestId.
// Braintree answers HTTP 200 even when errors are present.
type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		RequestID string `json:"requestId"`
	} `json:"extensions"`
}

// gqlError is one entry of errors[]. Extensions carry Braintree's
// classification: errorClass (VALIDATION, AUTHENTICATION, AUTHORIZATION,
// NOT_FOUND, INTERNAL, SERVICE_AVAILABILITY, …), errorType (user_error,
// developer_error, …) and the legacyCode of the gateway's error codes.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		ErrorClass string `json:"errorClass"`
		ErrorType  string `json:"errorType"`
		LegacyCode string `json:"legacyCode"`
		InputPath  []any  `json:"inputPath"`
	} `json:"extensions"`
}

// unknownError is a request whose outcome is unknown: the request may or
// may not have had its effect (network error, timeout, connection cut, 5xx,
// an answer that cannot be read), or Braintree refused it for a reason
// that is not about the payment (authentication, authorization, limits).
type unknownError struct {
	op  string
	err error
}

func (e *unknownError) Error() string { return "braintree: " + e.op + ": " + e.err.Error() }
func (e *unknownError) Unwrap() error { return e.err }

// call posts one GraphQL operation and decodes its answer. A transport
// error, an HTTP status other than 200, or a body that is not a GraphQL
// answer is an *unknownError; GraphQL errors are returned in the answer
// for the caller to classify.
func (p *Provider) call(ctx context.Context, op, query string, vars map[string]any) (*gqlResponse, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, fmt.Errorf("braintree: %s: encode request: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("braintree: %s: %w", op, err)
	}
	req.SetBasicAuth(p.publicKey, p.privateKey)
	req.Header.Set("Braintree-Version", p.version)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, &unknownError{op, err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, &unknownError{op, fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode, err)}
	}
	if len(raw) > maxResponse {
		return nil, &unknownError{op, fmt.Errorf("answer longer than %d bytes", maxResponse)}
	}
	var out gqlResponse
	decodeErr := json.Unmarshal(raw, &out)
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if decodeErr == nil && len(out.Errors) > 0 {
			msg += ": " + out.Errors[0].describe()
		}
		return nil, &unknownError{op, errors.New(msg)}
	}
	if decodeErr != nil {
		return nil, &unknownError{op, fmt.Errorf("answer is not GraphQL JSON: %w", decodeErr)}
	}
	if len(out.Data) == 0 && len(out.Errors) == 0 {
		return nil, &unknownError{op, errors.New("answer has neither data nor errors")}
	}
	return &out, nil
}

// describe is a one-line account of e, for logs and errors.
func (e gqlError) describe() string {
	var b strings.Builder
	b.WriteString(e.Extensions.ErrorClass)
	if e.Extensions.LegacyCode != "" {
		b.WriteString(" " + e.Extensions.LegacyCode)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// validation reports whether Braintree refused the request as invalid
// input (errorClass VALIDATION): nothing was done.
func (e gqlError) validation() bool { return e.Extensions.ErrorClass == "VALIDATION" }

// errorsErr is an *unknownError for GraphQL errors that are not about the
// request's input (authentication, authorization, internal, availability).
func errorsErr(op string, r *gqlResponse) error {
	parts := make([]string, 0, len(r.Errors))
	for _, e := range r.Errors {
		parts = append(parts, e.describe())
	}
	msg := strings.Join(parts, "; ")
	if r.Extensions.RequestID != "" {
		msg += " (request " + r.Extensions.RequestID + ")"
	}
	return &unknownError{op, errors.New(msg)}
}
