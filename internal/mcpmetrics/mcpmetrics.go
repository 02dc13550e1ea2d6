// Package mcpmetrics counts the tool calls of agentshop's MCP servers, the
// ChatGPT App at /mcp (internal/mcpapp) and the ACP MCP binding at
// /acp/mcp (internal/acpmcp), in one Prometheus family:
//
//	agentshop_mcp_tool_calls_total{server="app"|"acp", tool, outcome}
//
// It is go-sdk receiving middleware, so it sees every tools/call as the
// SDK answers it, whichever protocol version (the initialize handshake or
// 2026-07-28's stateless requests) the client speaks, without either
// server's handlers knowing about it.
//
// The outcome is "ok"; "tool_error" for a result with isError (the ChatGPT
// App's malformed input, unknown ids and sessions that can no longer
// change; business outcomes such as a decline are "ok" results); for
// JSON-RPC errors "invalid_params" (-32602, including the ACP binding's
// envelope errors), "internal_error" (-32603), or, for the ACP binding's
// -32000 errors, "acp_" and the ACP error type ("acp_invalid_request",
// "acp_request_not_idempotent", "acp_processing_error",
// "acp_service_unavailable"; "acp_error" for another type); "rpc_error"
// for any other JSON-RPC error code, and "error" for an error that is not
// a JSON-RPC error. A call of a tool the server does not have is counted
// under tool="unknown", so clients cannot grow the label set.
//
// It imports only the go-sdk and the Prometheus client.
package mcpmetrics

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"
)

// codeACPError is the ACP MCP binding's JSON-RPC error code
// (acpmcp.CodeACPError; not imported, to keep this package a leaf).
const codeACPError = -32000

// acpErrorTypes are the ACP flat error types counted by name.
var acpErrorTypes = []string{"invalid_request", "request_not_idempotent", "processing_error", "service_unavailable"}

// ToolCalls is the tool call counter. A nil *ToolCalls counts nothing.
type ToolCalls struct {
	calls *prometheus.CounterVec
}

// New registers the counter on reg.
func New(reg prometheus.Registerer) *ToolCalls {
	m := &ToolCalls{calls: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_mcp_tool_calls_total",
		Help: "MCP tools/call requests by server (app: /mcp, acp: /acp/mcp), tool and outcome (ok, tool_error, invalid_params, internal_error, acp_<ACP error type>, rpc_error, error).",
	}, []string{"server", "tool", "outcome"})}
	reg.MustRegister(m.calls)
	return m
}

// Middleware returns go-sdk receiving middleware that counts the
// tools/call requests of server ("app" or "acp"); add it with
// [mcp.Server.AddReceivingMiddleware]. Other methods pass through
// uncounted. On a nil *ToolCalls it is a no-op.
func (m *ToolCalls) Middleware(server string) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		if m == nil {
			return next
		}
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			if method != "tools/call" {
				return res, err
			}
			tool := ""
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok {
				tool = p.Name
			}
			if unknownTool(tool, err) {
				tool = "unknown"
			}
			m.calls.WithLabelValues(server, tool, outcome(res, err)).Inc()
			return res, err
		}
	}
}

// unknownTool reports whether err is the SDK's answer to a call of a tool
// the server does not have (-32602 "unknown tool …"). The ACP binding
// also answers -32602 for its envelope errors, on tools it has.
func unknownTool(name string, err error) bool {
	if name == "" {
		return true
	}
	e, ok := errors.AsType[*jsonrpc.Error](err)
	return ok && e.Code == jsonrpc.CodeInvalidParams && strings.HasPrefix(e.Message, "unknown tool")
}

// outcome classifies a tools/call answer; see the package doc.
func outcome(res mcp.Result, err error) string {
	if err == nil {
		if r, ok := res.(*mcp.CallToolResult); ok && r.IsError {
			return "tool_error"
		}
		return "ok"
	}
	e, ok := errors.AsType[*jsonrpc.Error](err)
	if !ok {
		return "error"
	}
	switch e.Code {
	case jsonrpc.CodeInvalidParams:
		return "invalid_params"
	case jsonrpc.CodeInternalError:
		return "internal_error"
	case codeACPError:
		var data struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(e.Data, &data) == nil {
			for _, t := range acpErrorTypes {
				if data.Type == t {
					return "acp_" + t
				}
			}
		}
		return "acp_error"
	}
	return "rpc_error"
}
