package acp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"agentshop/internal/apikey"
	"agentshop/internal/idempotency"
)

// authenticate checks the bearer API key and, for keys with a signing
// secret, the request signature.
func (h *Handler) authenticate(r *http.Request, body []byte) (*apikey.Key, error) {
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
	if k.SigningSecret != "" {
		if err := verifySignature(r, body, k.SigningSecret, h.cfg.Now(), h.cfg.SignatureSkew); err != nil {
			return nil, unauthorized("invalid_signature", err.Error())
		}
	}
	return k, nil
}

// Sign returns the Signature header value for body sent at ts (RFC 3339):
// base64url(HMAC-SHA256(secret, ts + "." + canonical(body))). The
// timestamp is inside the MAC so a captured request cannot be replayed
// outside the allowed clock skew.
func Sign(secret, ts string, body []byte) string {
	c, err := idempotency.Canonical(body)
	if err != nil {
		// Sign what was sent when it is not JSON; the request fails later.
		c = body
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(c)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

type signatureError string

func (e signatureError) Error() string { return string(e) }

func verifySignature(r *http.Request, body []byte, secret string, now time.Time, skew time.Duration) error {
	sig, ts := r.Header.Get("Signature"), r.Header.Get("Timestamp")
	if sig == "" || ts == "" {
		return signatureError("This API key requires signed requests: Signature and Timestamp headers.")
	}
	return VerifySignature(secret, ts, sig, body, now, skew)
}

// VerifySignature checks sig, made with [Sign] over ts and body, and that
// ts (RFC 3339) is within skew of now. Its error's message is client-safe.
// The ACP MCP binding uses it with meta.timestamp and meta.signature.
func VerifySignature(secret, ts, sig string, body []byte, now time.Time, skew time.Duration) error {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return signatureError("The timestamp must be RFC 3339.")
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return signatureError("The timestamp is outside the allowed clock skew.")
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(strings.TrimRight(sig, "="))) {
		return signatureError("The request signature does not match.")
	}
	return nil
}
