package acp

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"agentshop/internal/apikey"
	"agentshop/internal/reqsign"
)

// authenticate checks the bearer API key. The signature of a signing
// key's request is checked later, by [Handler.verifySignature].
func (h *Handler) authenticate(r *http.Request) (*apikey.Key, error) {
	unauthorized := func(code, msg string) error {
		return newError(http.StatusUnauthorized, typeInvalid, code, msg, "")
	}
	secret, ok := apikey.BearerSecret(r.Header.Get("Authorization"))
	if !ok {
		return nil, unauthorized("unauthorized", "An API key is required: Authorization: Bearer <key>.")
	}
	k, err := h.keys.Authenticate(r.Context(), secret)
	if errors.Is(err, apikey.ErrInvalid) {
		return nil, unauthorized("invalid_api_key", "The API key is not valid.")
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// verifySignature checks a signing key's Signature over the request
// (reqsign.REST: method, path, API-Version, Idempotency-Key, Timestamp and
// body) and refuses a signature already used.
func (h *Handler) verifySignature(r *http.Request, body []byte, secret string) error {
	sig, ts := r.Header.Get("Signature"), r.Header.Get("Timestamp")
	if sig == "" || ts == "" {
		return newError(http.StatusUnauthorized, typeInvalid, "invalid_signature", "This API key requires signed requests: Signature and Timestamp headers.", "")
	}
	m := reqsign.REST(r.Method, SignedTarget(r.URL), strings.TrimSpace(r.Header.Get("API-Version")), r.Header.Get("Idempotency-Key"), ts, body)
	err := h.signatures.Verify(secret, m, sig)
	if errors.Is(err, reqsign.ErrBusy) {
		e := newError(http.StatusServiceUnavailable, typeUnavailable, "service_unavailable", err.Error(), "")
		e.retryAfter = 1
		return e
	}
	if err != nil {
		return newError(http.StatusUnauthorized, typeInvalid, "invalid_signature", err.Error(), "")
	}
	return nil
}

// SignedTarget is the target a REST signature covers: the escaped path,
// and "?" and the query when there is one.
func SignedTarget(u *url.URL) string {
	if u.RawQuery != "" {
		return u.EscapedPath() + "?" + u.RawQuery
	}
	return u.EscapedPath()
}
