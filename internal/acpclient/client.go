package acpclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"agentshop/internal/reqsign"
)

// The ACP API versions this package speaks.
const (
	Version20250929 = "2025-09-29"
	Version20260417 = "2026-04-17"
)

// Versions lists the supported API versions, oldest first.
var Versions = []string{Version20250929, Version20260417}

// maxResponseBytes caps how much of a response body is read.
const maxResponseBytes = 16 << 20

// Client calls one merchant's ACP REST API. Its fields are read-only once
// calls start; a Client is safe for concurrent use.
type Client struct {
	// BaseURL is the merchant's ACP base URL, e.g. "https://shop.example.com"
	// or "https://shop.example.com/acp"; endpoint paths are appended to it.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>" when not empty.
	APIKey string
	// Version is sent as the API-Version header when not empty.
	Version string
	// HTTP sends the requests. When nil, a client with a 30-second timeout
	// is used.
	HTTP *http.Client
	// UserAgent is sent as the User-Agent header (default "agentshop-acpclient").
	UserAgent string
	// Sign, when set, signs every request: the client sends Timestamp (RFC
	// 3339 with nanoseconds, so that two requests never share one) and
	// Signature = Sign(m), where m is the request as sent, after the
	// options: method, path relative to BaseURL (with ?query),
	// API-Version, Idempotency-Key, the timestamp and the body. The signing
	// scheme is the merchant's (agentshop's is reqsign.Sign with the key's
	// signing secret); the client only carries it.
	Sign func(m reqsign.Message) string
}

// New returns a Client for baseURL with a 30-second HTTP timeout.
func New(baseURL, apiKey, version string) *Client {
	return &Client{
		BaseURL: baseURL,
		APIKey:  apiKey,
		Version: version,
		HTTP:    &http.Client{Timeout: 30 * time.Second},
	}
}

// Response is what the server answered, unchanged.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// IdempotencyKey and RequestID are the header values that were sent
	// ("" when none was), so a caller can retry with the same key.
	IdempotencyKey string
	RequestID      string
	// Elapsed is the time from sending the request to reading the body.
	Elapsed time.Duration
}

// Replayed reports whether the server marked the response as an idempotent
// replay (Idempotent-Replayed: true).
func (r *Response) Replayed() bool {
	return strings.EqualFold(r.Header.Get("Idempotent-Replayed"), "true")
}

// RequestOption adjusts one request after the client has set its headers.
type RequestOption func(*http.Request)

// WithIdempotencyKey sends key as the Idempotency-Key instead of a fresh
// one; an empty key sends no Idempotency-Key at all.
func WithIdempotencyKey(key string) RequestOption {
	return WithHeader("Idempotency-Key", key)
}

// WithHeader sets header name to value, replacing what the client set; an
// empty value removes the header (to probe a server with a header missing).
func WithHeader(name, value string) RequestOption {
	return func(r *http.Request) {
		if value == "" {
			r.Header.Del(name)
			return
		}
		r.Header.Set(name, value)
	}
}

// CreateSession calls POST /checkout_sessions with body (for example from
// [NewCreateRequest]). A 2xx answer is decoded into a Session; any other
// status returns the Response and an [*APIError].
func (c *Client) CreateSession(ctx context.Context, body any, opts ...RequestOption) (*Session, *Response, error) {
	return c.session(ctx, http.MethodPost, "/checkout_sessions", body, opts)
}

// UpdateSession calls POST /checkout_sessions/{id} with body (for example
// from [NewUpdateRequest]).
func (c *Client) UpdateSession(ctx context.Context, id string, body any, opts ...RequestOption) (*Session, *Response, error) {
	return c.session(ctx, http.MethodPost, "/checkout_sessions/"+url.PathEscape(id), body, opts)
}

// GetSession calls GET /checkout_sessions/{id}.
func (c *Client) GetSession(ctx context.Context, id string, opts ...RequestOption) (*Session, *Response, error) {
	return c.session(ctx, http.MethodGet, "/checkout_sessions/"+url.PathEscape(id), nil, opts)
}

// CompleteSession calls POST /checkout_sessions/{id}/complete with body
// (for example from [NewCompleteRequest]). The session's Order is set when
// the server created one.
func (c *Client) CompleteSession(ctx context.Context, id string, body any, opts ...RequestOption) (*Session, *Response, error) {
	return c.session(ctx, http.MethodPost, "/checkout_sessions/"+url.PathEscape(id)+"/complete", body, opts)
}

// CancelSession calls POST /checkout_sessions/{id}/cancel. The body is
// optional in ACP; a nil body sends none.
func (c *Client) CancelSession(ctx context.Context, id string, body any, opts ...RequestOption) (*Session, *Response, error) {
	return c.session(ctx, http.MethodPost, "/checkout_sessions/"+url.PathEscape(id)+"/cancel", body, opts)
}

// DelegatePayment calls POST /agentic_commerce/delegate_payment on this
// client's base URL (the PSP's, or a merchant that hosts a sandbox PSP)
// with body (for example a [DelegatePaymentRequest]).
func (c *Client) DelegatePayment(ctx context.Context, body any, opts ...RequestOption) (*DelegatedPayment, *Response, error) {
	resp, err := c.Do(ctx, http.MethodPost, "/agentic_commerce/delegate_payment", body, opts...)
	if err != nil {
		return nil, resp, err
	}
	var d DelegatedPayment
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		return nil, resp, fmt.Errorf("acpclient: decode delegate_payment response: %w", err)
	}
	return &d, resp, nil
}

// Discovery calls GET /.well-known/acp.json at the origin of BaseURL (the
// document lives at the origin root whatever the API's path). It sends no
// Authorization: discovery is public.
func (c *Client) Discovery(ctx context.Context, opts ...RequestOption) (*Discovery, *Response, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, nil, fmt.Errorf("acpclient: base URL %q is not an absolute URL", c.BaseURL)
	}
	target := u.Scheme + "://" + u.Host + "/.well-known/acp.json"
	opts = append([]RequestOption{WithHeader("Authorization", "")}, opts...)
	resp, err := c.send(ctx, http.MethodGet, target, nil, opts)
	if err != nil {
		return nil, resp, err
	}
	var d Discovery
	if err := json.Unmarshal(resp.Body, &d); err != nil {
		return nil, resp, fmt.Errorf("acpclient: decode discovery document: %w", err)
	}
	return &d, resp, nil
}

// session sends a checkout-session request and decodes a 2xx body.
func (c *Client) session(ctx context.Context, method, path string, body any, opts []RequestOption) (*Session, *Response, error) {
	resp, err := c.Do(ctx, method, path, body, opts...)
	if err != nil {
		return nil, resp, err
	}
	s, err := DecodeSession(resp.Body)
	if err != nil {
		return nil, resp, err
	}
	return s, resp, nil
}

// Do sends method path (relative to BaseURL) with body and the client's
// headers. It returns the Response whenever the server answered; a status
// outside 2xx also returns an [*APIError]. body may be nil (no body), []byte
// or json.RawMessage (sent as is), or any value for json.Marshal.
func (c *Client) Do(ctx context.Context, method, path string, body any, opts ...RequestOption) (*Response, error) {
	return c.send(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body, opts)
}

func (c *Client) send(ctx context.Context, method, target string, body any, opts []RequestOption) (*Response, error) {
	var payload []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		payload = b
	case json.RawMessage:
		payload = b
	default:
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("acpclient: encode request body: %w", err)
		}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("acpclient: %s %s: %w", method, target, err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	if c.Version != "" {
		req.Header.Set("API-Version", c.Version)
	}
	if method == http.MethodPost {
		req.Header.Set("Idempotency-Key", NewUUID())
	}
	req.Header.Set("Request-Id", NewUUID())
	ua := c.UserAgent
	if ua == "" {
		ua = "agentshop-acpclient"
	}
	req.Header.Set("User-Agent", ua)
	for _, o := range opts {
		o(req)
	}
	if c.Sign != nil {
		// After the options: the signature covers the request as sent.
		ts := time.Now().UTC().Format(time.RFC3339Nano)
		req.Header.Set("Timestamp", ts)
		m := reqsign.REST(req.Method, c.signedTarget(req.URL), strings.TrimSpace(req.Header.Get("API-Version")),
			req.Header.Get("Idempotency-Key"), ts, payload)
		req.Header.Set("Signature", c.Sign(m))
	}

	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	start := time.Now()
	hr, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("acpclient: %s %s: %w", method, req.URL.Path, err)
	}
	defer hr.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(hr.Body, maxResponseBytes))
	resp := &Response{
		Status:         hr.StatusCode,
		Header:         hr.Header,
		Body:           respBody,
		IdempotencyKey: req.Header.Get("Idempotency-Key"),
		RequestID:      req.Header.Get("Request-Id"),
		Elapsed:        time.Since(start),
	}
	if err != nil {
		return resp, fmt.Errorf("acpclient: %s %s: read response: %w", method, req.URL.Path, err)
	}
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		return resp, parseError(hr.StatusCode, hr.Header, respBody)
	}
	return resp, nil
}

// signedTarget is the target a signature covers: u's escaped path
// relative to BaseURL's path (the endpoint path as ACP writes it, which is
// what the merchant sees behind a proxy that strips the prefix), with
// "?query" when there is one.
func (c *Client) signedTarget(u *url.URL) string {
	p := u.EscapedPath()
	if base, err := url.Parse(c.BaseURL); err == nil {
		if prefix := strings.TrimRight(base.EscapedPath(), "/"); prefix != "" && strings.HasPrefix(p, prefix+"/") {
			p = p[len(prefix):]
		}
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// NewUUID returns a random (version 4) UUID in its canonical text form, as
// ACP recommends for Idempotency-Key.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
