package commerce

import (
	"errors"
	"fmt"
)

// Error codes. They are transport-neutral; each wire adapter maps them to a
// status code and its own error vocabulary in one table.
const (
	EINVALID      = "invalid"      // malformed or semantically invalid input
	ENOTFOUND     = "not_found"    // the resource does not exist
	ECONFLICT     = "conflict"     // the resource's state does not allow the operation
	EINPROGRESS   = "in_progress"  // another request holds the resource; retry later
	ENOTALLOWED   = "not_allowed"  // the operation is never valid in this state (ACP 405)
	EUNAVAILABLE  = "unavailable"  // a dependency (store, provider) failed; retryable
	EINTERNAL     = "internal"     // a bug or unexpected failure
	EUNAUTHORIZED = "unauthorized" // missing or bad credentials
)

// Error is a domain error with a client-safe message. Param is a JSONPath
// (RFC 9535) into the request naming the offending field, when there is one.
// Err, when set, is the internal cause: it is logged, never sent to clients.
type Error struct {
	Code    string
	Reason  string // optional machine-readable detail, e.g. "requires_3ds"
	Message string
	Param   string
	Err     error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Param != "" {
		s += " (" + e.Param + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for the field at param.
func Invalid(param, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), Param: param}
}

// ErrorCode returns the code of err's *Error, ENOTFOUND for ErrNotFound,
// ECONFLICT for ErrConflict, and EINTERNAL otherwise.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return ENOTFOUND
	case errors.Is(err, ErrConflict):
		return ECONFLICT
	case errors.Is(err, ErrUnavailable):
		return EUNAVAILABLE
	}
	return EINTERNAL
}

// Sentinel errors returned by stores. Stores translate driver errors (no
// rows, unique violations) into these; callers test them with errors.Is.
var (
	// ErrNotFound: the requested row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule was violated, e.g. a second active
	// payment attempt for one session.
	ErrConflict = errors.New("conflict")
	// ErrInsufficientStock: a stock decrement would go below zero.
	ErrInsufficientStock = errors.New("insufficient stock")
	// ErrUnavailable: the database is busy or unreachable, or cannot
	// write (its disk is full, read-only or failing). The operation
	// changed nothing, except when the connection was lost while a COMMIT
	// was on its way: then whether it committed is unknown. Either way the
	// request may be retried with its Idempotency-Key, which replays what
	// did commit.
	ErrUnavailable = errors.New("store unavailable")
)
