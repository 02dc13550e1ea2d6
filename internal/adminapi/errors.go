package adminapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"agentshop/internal/commerce"
)

// Error is the admin API's error object, ACP's flat shape.
type Error struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`

	status     int
	retryAfter int // seconds; 0: none
	cause      error
}

// Error types, as ACP names them.
const (
	typeInvalid     = "invalid_request"
	typeProcessing  = "processing_error"
	typeUnavailable = "service_unavailable"
)

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// newError returns an error of the invalid_request type with status.
func newError(status int, code, message, param string) *Error {
	return &Error{Type: typeInvalid, Code: code, Message: message, Param: param, status: status}
}

// errorFor maps err onto the admin API's error and status: the one table
// of this surface. A commerce.Error keeps its client-safe message, param
// and reason (as the code); anything else is a 500 with a generic message.
func errorFor(err error) *Error {
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
	e := &Error{Type: typeInvalid, Code: de.Reason, Message: de.Message, Param: de.Param, cause: err}
	code := de.Code
	switch de.Code {
	case commerce.EINVALID:
		e.status = http.StatusBadRequest
	case commerce.ENOTFOUND:
		e.status = http.StatusNotFound
	case commerce.ECONFLICT:
		e.status = http.StatusConflict
	case commerce.ENOTALLOWED:
		e.status = http.StatusUnprocessableEntity
	case commerce.EINPROGRESS:
		e.status, e.retryAfter = http.StatusConflict, 1
	case commerce.EUNAUTHORIZED:
		e.status = http.StatusUnauthorized
	case commerce.EUNAVAILABLE:
		e.status, e.retryAfter, e.Type = http.StatusServiceUnavailable, 1, typeUnavailable
	default:
		e.status, e.Type, e.Message, e.Param = http.StatusInternalServerError, typeProcessing, "Something went wrong on our side.", ""
		code, e.Code = "internal_error", ""
	}
	if e.Code == "" {
		e.Code = code
	}
	return e
}

// body is the error's JSON.
func (e *Error) body() []byte {
	b, _ := json.Marshal(e)
	return b
}

// keep tells whether an idempotent request's error answer is stored for
// replay: not a server fault, nor a "retry shortly".
func (e *Error) keep() bool { return e.status < 500 && e.retryAfter == 0 }

// writeError writes err and logs it once: 5xx at Error with the cause,
// 4xx at Warn; 429s are logged by the limiter, once per interval.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := errorFor(err)
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if e.status != http.StatusTooManyRequests {
		level := slog.LevelWarn
		if e.status >= 500 {
			level = slog.LevelError
		}
		log.Log(r.Context(), level, "admin request failed", "method", r.Method, "path", r.URL.Path, "status", e.status, "code", e.Code, "err", err.Error())
	}
	writeJSON(w, e.status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
