// Package opsstripe is the operations gateway's Stripe client: one GET or
// POST of Stripe's v1 API, answered with Stripe's JSON as it is, its
// request id, and Stripe's error fields when it failed. It is the only
// package of the gateway that imports stripe-go (v85, through its raw
// request backend), so that moving to another major version is a change
// to this file only.
//
// Nothing is retried: a 429 or a 5xx comes back to the caller at once
// (MaxNetworkRetries 0), which for a 429 is what a model should be told.
package opsstripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	stripeapi "github.com/stripe/stripe-go/v85"
)

// Config configures a [Client].
type Config struct {
	Key string // sk_… or rk_…
	// BaseURL is Stripe's API origin; empty is api.stripe.com.
	BaseURL string
	// HTTPClient defaults to one with a 30 s timeout.
	HTTPClient *http.Client
}

// Client calls one Stripe account. It is safe for concurrent use.
type Client struct {
	key     string
	backend stripeapi.RawRequestBackend
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripeapi.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: stripeapi.Int64(0),
		LeveledLogger:     &stripeapi.LeveledLogger{Level: stripeapi.LevelNull},
		EnableTelemetry:   stripeapi.Bool(false),
	}
	if cfg.BaseURL != "" {
		bc.URL = stripeapi.String(strings.TrimRight(cfg.BaseURL, "/"))
	}
	b, _ := stripeapi.GetBackendWithConfig(stripeapi.APIBackend, bc).(stripeapi.RawRequestBackend)
	return &Client{key: cfg.Key, backend: b}
}

// Response is a successful answer.
type Response struct {
	Body      json.RawMessage
	RequestID string
	// Replayed is Stripe's Idempotent-Replayed: the answer of an earlier
	// request with the same idempotency key.
	Replayed bool
}

// Error is Stripe's error object, with the request's HTTP status and id.
// RetryAfter is set for a 429.
type Error struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Param       string `json:"param,omitempty"`
	Message     string `json:"message"`
	RequestID   string `json:"request_id,omitempty"`
	DocURL      string `json:"doc_url,omitempty"`
	// RateLimitedReason is Stripe's Stripe-Rate-Limited-Reason header on
	// a 429 (global-rate, endpoint-concurrency, …).
	RateLimitedReason string `json:"rate_limited_reason,omitempty"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("stripe: %d %s", e.Status, e.Type)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s + ": " + e.Message
}

// RateLimited reports whether Stripe refused the request for its rate.
func (e *Error) RateLimited() bool { return e.Status == http.StatusTooManyRequests }

// Get reads path (/v1/…) with query q.
func (c *Client) Get(ctx context.Context, path string, q url.Values) (*Response, error) {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.do(ctx, http.MethodGet, path, "", "")
}

// Post writes form to path under idempotencyKey, which Stripe keeps for
// 24 hours: the same key again replays the first answer.
func (c *Client) Post(ctx context.Context, path string, form url.Values, idempotencyKey string) (*Response, error) {
	return c.do(ctx, http.MethodPost, path, form.Encode(), idempotencyKey)
}

func (c *Client) do(ctx context.Context, method, path, body, idem string) (*Response, error) {
	p := &stripeapi.RawParams{}
	p.Context = ctx
	if idem != "" {
		p.SetIdempotencyKey(idem)
	}
	resp, err := c.backend.RawRequest(method, path, c.key, body, p)
	if err != nil {
		return nil, translate(err)
	}
	return &Response{Body: resp.RawJSON, RequestID: resp.RequestID, Replayed: resp.Header.Get("Idempotent-Replayed") == "true"}, nil
}

// translate turns stripe-go's error into an *Error; a failure with no
// answer from Stripe (network, timeout) is returned wrapped as is.
func translate(err error) error {
	var se *stripeapi.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("stripe: no answer: %w", err)
	}
	e := &Error{Status: se.HTTPStatusCode, Type: string(se.Type), Code: string(se.Code), DeclineCode: string(se.DeclineCode),
		Param: se.Param, Message: se.Msg, RequestID: se.RequestID, DocURL: se.DocURL}
	if se.LastResponse != nil {
		e.RateLimitedReason = se.LastResponse.Header.Get("Stripe-Rate-Limited-Reason")
	}
	return e
}
