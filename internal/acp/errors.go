package acp

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"unicode/utf8"

	"agentshop/internal/commerce"
)

// Error is ACP's flat error object.
type Error struct {
	Type              string   `json:"type"`
	Code              string   `json:"code"`
	Message           string   `json:"message"`
	Param             string   `json:"param,omitempty"`
	SupportedVersions []string `json:"supported_versions,omitempty"`

	status     int
	retryAfter int
}

// MaxEcho is the most characters of a client's header value that an error
// message repeats; longer values are cut by [Echo].
const MaxEcho = 64

// Echo returns v, a value the client sent, fit to be repeated in an error
// message: cut to [MaxEcho] characters with an ellipsis, so that a
// 5,000-character header does not come back whole.
func Echo(v string) string {
	if utf8.RuneCountInString(v) <= MaxEcho {
		return v
	}
	return string([]rune(v)[:MaxEcho]) + "…"
}

// ACP error types.
const (
	typeInvalid     = "invalid_request"
	typeProcessing  = "processing_error"
	typeUnavailable = "service_unavailable"
)

// ErrorFor maps an error to ACP's flat error and its HTTP status: the one
// table that turns commerce codes into ACP. Transports other than REST (the
// ACP MCP binding) use it too.
func ErrorFor(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	de, ok := errors.AsType[*commerce.Error](err)
	if !ok {
		de = &commerce.Error{Code: commerce.ErrorCode(err), Message: "Something went wrong on our side."}
		if de.Code == commerce.ENOTFOUND {
			de.Message = "Not found."
		}
	}
	code := de.Reason
	e := &Error{Type: typeInvalid, Message: de.Message, Param: de.Param}
	switch de.Code {
	case commerce.EINVALID:
		e.status = http.StatusBadRequest
		if code == "" {
			code = "invalid"
		}
	case commerce.ENOTFOUND:
		e.status = http.StatusNotFound
		if code == "" {
			code = "not_found"
		}
	case commerce.ECONFLICT:
		e.status = http.StatusConflict
		if code == "" {
			code = "conflict"
		}
	case commerce.ENOTALLOWED:
		e.status = http.StatusMethodNotAllowed
		if code == "" {
			code = "not_allowed"
		}
	case commerce.EINPROGRESS:
		e.status = http.StatusConflict
		e.retryAfter = 1
		if code == "" {
			code = "in_progress"
		}
	case commerce.EUNAUTHORIZED:
		e.status = http.StatusUnauthorized
		if code == "" {
			code = "unauthorized"
		}
	case commerce.EUNAVAILABLE:
		e.status = http.StatusServiceUnavailable
		e.Type = typeUnavailable
		e.retryAfter = 1
		if code == "" {
			code = "unavailable"
		}
	default:
		e.status = http.StatusInternalServerError
		e.Type = typeProcessing
		e.Message = "Something went wrong on our side."
		e.Param = ""
		code = "internal_error"
	}
	e.Code = code
	return e
}

// newError builds a flat error with a status.
func newError(status int, typ, code, message, param string) *Error {
	return &Error{Type: typ, Code: code, Message: message, Param: param, status: status}
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Status is the HTTP status that goes with the error.
func (e *Error) Status() int { return e.status }

// RetryAfter is the Retry-After seconds for the error, or 0.
func (e *Error) RetryAfter() int { return e.retryAfter }

// body is the error's JSON.
func (e *Error) body() []byte {
	b, _ := json.Marshal(e)
	return b
}

// writeError writes err as a flat ACP error and logs it once: 5xx at
// Error with the internal cause, 4xx at Warn, except 429s, which the
// limiters log once per key per interval (ratelimit.go).
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := ErrorFor(err)
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	level := slog.LevelWarn
	if e.status >= 500 {
		level = slog.LevelError
	}
	if e.status != http.StatusTooManyRequests {
		log.Log(r.Context(), level, "request failed", "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", e.status, "code", e.Code, "err", err.Error())
	}
	writeJSON(w, e.status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
