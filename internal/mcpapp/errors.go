package mcpapp

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"agentshop/internal/commerce"
)

// toolError turns a commerce error into the error a tool handler returns;
// the go-sdk sends it as a result with isError and the message as text, so
// the model can read it and correct itself. Only client-safe text leaves:
// an internal cause is logged here, once, and replaced by a generic
// message. JSONPath params name the tool's own arguments.
func (s *Server) toolError(ctx context.Context, tool string, err error) error {
	de, ok := errors.AsType[*commerce.Error](err)
	if !ok {
		de = &commerce.Error{Code: commerce.ErrorCode(err), Err: err}
	}
	msg := de.Message
	switch de.Code {
	case commerce.ENOTFOUND:
		msg = cmp.Or(msg, "Not found.")
		s.cfg.Logger.InfoContext(ctx, "mcp tool: not found", "tool", tool, "err", err)
	case commerce.EINVALID, commerce.ECONFLICT, commerce.ENOTALLOWED, commerce.EINPROGRESS:
		s.cfg.Logger.InfoContext(ctx, "mcp tool: rejected", "tool", tool, "code", de.Code, "err", err)
	case commerce.EUNAVAILABLE:
		msg = cmp.Or(msg, "The shop is temporarily unavailable; retry shortly.")
		s.cfg.Logger.WarnContext(ctx, "mcp tool: unavailable", "tool", tool, "err", err)
	default:
		msg = "Something went wrong on our side; retry shortly."
		s.cfg.Logger.ErrorContext(ctx, "mcp tool failed", "tool", tool, "err", err)
	}
	if de.Param != "" {
		msg = fmt.Sprintf("%s (%s)", msg, s.codec.RequestParam(de.Param))
	}
	return &toolErr{code: de.Code, msg: msg}
}

// toolErr is a client-safe tool error.
type toolErr struct{ code, msg string }

func (e *toolErr) Error() string { return e.msg }
