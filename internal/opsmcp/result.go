package opsmcp

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
	"agentshop/internal/ops"
	"agentshop/internal/opsstripe"
)

// refused is the gateway's own refusal of a call, before anything acts.
type refused struct {
	code, message string
}

func (r *refused) Error() string { return r.code + ": " + r.message }

func refusal(code, format string, args ...any) error {
	return &refused{code: code, message: fmt.Sprintf(format, args...)}
}

func outcomeOf(err error) ops.Outcome {
	if _, ok := errors.AsType[*refused](err); ok {
		return ops.OutcomeRefused
	}
	return ops.OutcomeError
}

// errorText is an error's audit text: Stripe's type, code and message,
// the gateway's code, or commerce's client-safe message.
func errorText(err error) string {
	if se, ok := errors.AsType[*opsstripe.Error](err); ok {
		return se.Error()
	}
	if ce, ok := errors.AsType[*commerce.Error](err); ok {
		return ce.Code + ": " + ce.Message
	}
	return err.Error()
}

// Stripe's documented rate limits: 25 operations per second in test
// mode and 100 in live mode (docs.stripe.com/rate-limits). Stripe sends
// no RateLimit headers, so the answer states these.
const (
	stripeTestRate = 25
	stripeLiveRate = 100
)

// errorResult is a failed call's tool result: isError, with the error as
// structured content the model can act on, never a bare "failed".
func (s *Server) errorResult(c *call, err error) *mcp.CallToolResult {
	body := map[string]any{}
	switch {
	case errors.As(err, new(*opsstripe.Error)):
		se, _ := errors.AsType[*opsstripe.Error](err)
		body["error"] = map[string]any{"source": "stripe", "status": se.Status, "type": se.Type, "code": se.Code,
			"decline_code": se.DeclineCode, "param": se.Param, "message": se.Message, "request_id": se.RequestID}
		if se.RateLimited() {
			limit := stripeTestRate
			if c.env.account.Mode == ops.ModeLive {
				limit = stripeLiveRate
			}
			reset := 1
			rl := map[string]any{"limit": fmt.Sprintf("%d;w=1", limit), "remaining": 0, "reset": reset}
			if se.RateLimitedReason != "" {
				rl["reason"] = se.RateLimitedReason
			}
			body["ratelimit"] = rl
			body["retry_after_seconds"] = reset
			body["hint"] = "Stripe's rate limit was reached; the call was not retried and nothing was done. Wait retry_after_seconds, then call again (a write with the same idempotency_key acts once)."
			h := c.env.headers
			h.Set("RateLimit-Limit", rl["limit"].(string))
			h.Set("RateLimit-Remaining", "0")
			h.Set("RateLimit-Reset", strconv.Itoa(reset))
			h.Set("Retry-After", strconv.Itoa(reset))
		}
	case errors.As(err, new(*refused)):
		r, _ := errors.AsType[*refused](err)
		body["error"] = map[string]any{"source": "agentshop", "code": r.code, "message": r.message}
	case errors.As(err, new(*commerce.Error)):
		ce, _ := errors.AsType[*commerce.Error](err)
		e := map[string]any{"source": "shop", "code": ce.Code, "message": ce.Message}
		if ce.Param != "" {
			e["param"] = ce.Param
		}
		if ce.Reason != "" {
			e["reason"] = ce.Reason
		}
		body["error"] = e
	case errors.Is(err, commerce.ErrNotFound):
		body["error"] = map[string]any{"source": "shop", "code": commerce.ENOTFOUND, "message": "No such object."}
	default:
		s.log.Warn("ops tool call failed", "tool", c.tool.spec.Name, "server", c.env.server.ID, "err", err)
		body["error"] = map[string]any{"source": "agentshop", "code": "unavailable",
			"message": "The call could not be completed (Stripe or the shop did not answer); retry it. A write with the same idempotency_key acts at most once."}
	}
	b, _ := json.Marshal(body)
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}, StructuredContent: json.RawMessage(b)}
}

// jsonResult is a successful call's result: out as structured content and
// as its JSON text.
func jsonResult(out any) *mcp.CallToolResult {
	b, err := json.Marshal(out)
	if err != nil {
		b = []byte(`{}`)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}, StructuredContent: json.RawMessage(b)}
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
