package acpmcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"agentshop/internal/acp"
)

// CodeACPError is the JSON-RPC error code of every ACP error in the
// binding; data holds the ACP flat error object.
const CodeACPError = -32000

// paramsError is an envelope error: the arguments are not {meta, id,
// payload} of the right JSON types. It is sent as -32602 (invalid params)
// with an ACP error object in data, for clients that read it.
type paramsError struct{ e *acp.Error }

func (p *paramsError) Error() string { return p.e.Error() }

func invalidParams(param, message string) error {
	return &paramsError{&acp.Error{Type: "invalid_request", Code: "invalid_params", Message: message, Param: param}}
}

func unauthorized(code, message string) *acp.Error {
	return &acp.Error{Type: "invalid_request", Code: code, Message: message}
}

// storedError is an ACP error response replayed from an idempotency
// record: its body is the flat error object as first sent.
type storedError struct{ body []byte }

func (e *storedError) Error() string { return "replayed error: " + string(e.body) }

// fail logs err once and turns it into the JSON-RPC error to send.
func (s *Server) fail(ctx context.Context, c *call, err error) *jsonrpc.Error {
	if p, ok := errors.AsType[*paramsError](err); ok {
		s.logFailure(ctx, c, http.StatusBadRequest, p.e.Code, err)
		return rpcError(jsonrpc.CodeInvalidParams, p.e)
	}
	if st, ok := errors.AsType[*storedError](err); ok {
		var e acp.Error
		if json.Unmarshal(st.body, &e) != nil || e.Message == "" {
			e.Message = "Replayed error."
		}
		s.logFailure(ctx, c, 0, e.Code, err)
		return &jsonrpc.Error{Code: CodeACPError, Message: e.Message, Data: st.body}
	}
	e := acp.ErrorFor(err)
	status := e.Status()
	if status == 0 {
		status = http.StatusBadRequest // our own binding-level errors
	}
	s.logFailure(ctx, c, status, e.Code, err)
	return rpcError(CodeACPError, e)
}

// rpcError is a JSON-RPC error whose message is the ACP message and whose
// data is the ACP error object.
func rpcError(code int64, e *acp.Error) *jsonrpc.Error {
	data, err := json.Marshal(e)
	if err != nil {
		data = nil // cannot happen: strings and a string slice
	}
	return &jsonrpc.Error{Code: code, Message: e.Message, Data: data}
}
