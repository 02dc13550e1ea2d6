package mcpapp

import (
	"context"
	"errors"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/acp/acpjson"
	"agentshop/internal/commerce"
)

// refuseNUL answers a tool call whose arguments hold U+0000 in any string
// (PostgreSQL stores none) with a tool error naming the argument's
// JSONPath, before any tool runs: the same rule as the ACP codecs.
func (s *Server) refuseNUL(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "tools/call" {
			return next(ctx, method, req)
		}
		p, ok := req.GetParams().(*mcp.CallToolParamsRaw)
		if !ok {
			return next(ctx, method, req)
		}
		e, bad := errors.AsType[*commerce.Error](acpjson.CheckText(p.Arguments, "$"))
		if !bad {
			return next(ctx, method, req)
		}
		s.cfg.Logger.InfoContext(ctx, "mcp tool: rejected", "tool", p.Name, "code", e.Code, "param", e.Param)
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: e.Message}}}, nil
	}
}
