package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// CSRF protection for the hosted checkout forms.
//
// Every form carries a token that is an HMAC-SHA256, under the server's
// CSRF key, of the checkout session id and a random per-browser nonce. The
// nonce lives in an HttpOnly, SameSite=Lax cookie scoped to /checkout/, set
// when the page is rendered. A POST is accepted only when the cookie is
// present and the form's token equals the HMAC of that cookie's nonce and
// the session in the URL (a signed double-submit cookie): another site
// can neither read the token nor set our cookie, and a token for one
// session is useless for another. As a second, independent check,
// [http.CrossOriginProtection] rejects requests that browsers mark as
// cross-origin (Sec-Fetch-Site, Origin).
//
// The key must be the same on every replica behind a load balancer: with
// a random per-process key (the default), a form rendered by one replica
// fails on another, and a restart invalidates the forms open in browsers.
// A failed check re-renders the page with a fresh token and a "please try
// again" message, so the buyer loses nothing but a click.

const (
	csrfCookie = "agentshop_csrf"
	csrfField  = "csrf"
)

// csrfKey returns the configured key, or a random one made once per
// Handler.
func (h *Handler) csrfKey() []byte {
	h.keyOnce.Do(func() {
		if len(h.CSRFKey) > 0 {
			h.key = h.CSRFKey
			return
		}
		h.key = make([]byte, 32)
		rand.Read(h.key) // never fails (crypto/rand panics instead)
	})
	return h.key
}

// csrfNonce returns the browser's nonce, setting a new cookie when the
// request has none (or a malformed one).
func (h *Handler) csrfNonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validNonce(c.Value) {
		return c.Value
	}
	nonce := rand.Text()
	http.SetCookie(w, &http.Cookie{
		Name:     csrfCookie,
		Value:    nonce,
		Path:     "/checkout/",
		HttpOnly: true,
		Secure:   r.TLS != nil || strings.HasPrefix(h.Merchant.BaseURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	})
	return nonce
}

// csrfToken is the form token for sessionID and nonce.
func (h *Handler) csrfToken(sessionID, nonce string) string {
	m := hmac.New(sha256.New, h.csrfKey())
	m.Write([]byte("agentshop checkout csrf\x00"))
	m.Write([]byte(sessionID))
	m.Write([]byte{0})
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfCheck reports whether the POST r for sessionID carries a valid
// token and comes from our own origin.
func (h *Handler) csrfCheck(r *http.Request, sessionID string) bool {
	if h.crossOrigin.Check(r) != nil {
		return false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validNonce(c.Value) {
		return false
	}
	want := h.csrfToken(sessionID, c.Value)
	return hmac.Equal([]byte(r.PostFormValue(csrfField)), []byte(want))
}

// validNonce accepts what rand.Text makes: 26 base32 characters.
func validNonce(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
