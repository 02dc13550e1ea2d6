package acpclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// APIError is a non-2xx answer. Type, Code, Message and Param come from
// ACP's flat error object {type, code, message, param}; they are empty when
// the body was not one (a proxy's HTML page, say), and Message then holds
// the start of the body.
type APIError struct {
	Status  int
	Type    string
	Code    string
	Message string
	Param   string
	// SupportedVersions is sent with missing/unsupported API-Version errors.
	SupportedVersions []string
	// RetryAfter is the Retry-After header, if any (409 in flight, 429, 503).
	RetryAfter string
	// Body is the raw response body.
	Body []byte
}

// Error implements error: "acp: 422 invalid_request/idempotency_conflict: … (param $.x)".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "acp: %d", e.Status)
	switch {
	case e.Type != "" && e.Code != "":
		fmt.Fprintf(&b, " %s/%s", e.Type, e.Code)
	case e.Type != "" || e.Code != "":
		fmt.Fprintf(&b, " %s%s", e.Type, e.Code)
	default:
		b.WriteString(" " + http.StatusText(e.Status))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Param != "" {
		b.WriteString(" (param " + e.Param + ")")
	}
	return b.String()
}

// flatError is ACP's Error object.
type flatError struct {
	Type              string   `json:"type"`
	Code              string   `json:"code"`
	Message           string   `json:"message"`
	Param             string   `json:"param"`
	SupportedVersions []string `json:"supported_versions"`
}

// parseError builds an APIError from a non-2xx response. The flat object
// is the standard; the {"error": {…}} envelope of the first published
// delegate-payment examples (bug #21) is also understood.
func parseError(status int, h http.Header, body []byte) *APIError {
	e := &APIError{Status: status, RetryAfter: h.Get("Retry-After"), Body: body}
	var fe flatError
	if json.Unmarshal(body, &fe) == nil && (fe.Type != "" || fe.Code != "" || fe.Message != "") {
		e.Type, e.Code, e.Message, e.Param, e.SupportedVersions = fe.Type, fe.Code, fe.Message, fe.Param, fe.SupportedVersions
		return e
	}
	var env struct {
		Error *flatError `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		fe = *env.Error
		e.Type, e.Code, e.Message, e.Param, e.SupportedVersions = fe.Type, fe.Code, fe.Message, fe.Param, fe.SupportedVersions
		return e
	}
	e.Message = snippet(body, 200)
	return e
}

// snippet returns the first n bytes of body as one line of valid UTF-8.
func snippet(body []byte, n int) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}
