package acpmcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acpjson"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
)

// meta is the binding's meta argument: what REST sends as headers.
type meta struct {
	APIVersion     string `json:"api_version"`
	IdempotencyKey string `json:"idempotency_key"`
	RequestID      string `json:"request_id"`
	UserAgent      string `json:"user_agent"`
	AcceptLanguage string `json:"accept_language"`
	Signature      string `json:"signature"`
	Timestamp      string `json:"timestamp"`
}

// call is one authenticated, versioned tool call.
type call struct {
	tool    *tool
	key     *apikey.Key
	meta    meta
	codec   acp.Codec
	id      string
	payload []byte // nil when absent or null
}

// toolHandler returns the MCP handler of t. Every failure is returned as a
// *jsonrpc.Error, which the SDK sends as a JSON-RPC error response.
func (s *Server) toolHandler(t *tool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c := &call{tool: t}
		body, err := s.run(ctx, req, c)
		if err != nil {
			return nil, s.fail(ctx, c, err)
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(body)}},
			StructuredContent: json.RawMessage(body),
		}, nil
	}
}

// run authenticates and decodes the call, runs it (under its idempotency
// key when it mutates) and returns the encoded session.
func (s *Server) run(ctx context.Context, req *mcp.CallToolRequest, c *call) ([]byte, error) {
	c.key = apiKeyFrom(ctx)
	if c.key == nil {
		// The HTTP middleware refuses unauthenticated requests; reaching
		// here means the handler was mounted without it.
		return nil, unauthorized("unauthorized", "An API key is required: Authorization: Bearer <key>.")
	}
	if err := c.parse(req.Params.Arguments); err != nil {
		return nil, err
	}
	codec, err := s.codec(c.meta.APIVersion)
	if err != nil {
		return nil, err
	}
	c.codec = codec
	if c.key.SigningSecret != "" {
		if err := s.verifySignature(ctx, c); err != nil {
			return nil, err
		}
	}
	op, err := c.tool.prepare(s, c)
	if err != nil {
		return nil, payloadError(c.codec, err)
	}
	if !c.tool.mutating {
		v, err := op(ctx, nil)
		if err != nil {
			return nil, payloadError(c.codec, err)
		}
		return c.codec.EncodeSession(v)
	}
	res, err := acp.DoIdempotent(ctx, s.idem, s.cfg.Metrics, acp.StrictIdempotency(c.codec.Version()), idempotency.Request{
		Scope:   c.scope(),
		Variant: c.codec.Version(),
		Key:     c.meta.IdempotencyKey,
		Body:    c.payload,
		Status:  c.tool.status,
	}, func(k *idempotency.Key) ([]byte, error) {
		var body []byte
		// As over REST, every tool claims its key inside its own
		// transactions; complete, which calls the provider between two,
		// claims it in the first.
		v, err := op(ctx, idempotency.Hooks(k, c.codec.EncodeSession, c.tool.name == ToolComplete, &body))
		if err != nil {
			// Rewritten before Do stores it, so a replay sends the same param.
			return nil, payloadError(c.codec, err)
		}
		if body == nil {
			return c.codec.EncodeSession(v)
		}
		return body, nil
	})
	if err != nil {
		return nil, err
	}
	if res.Status >= 400 {
		// A replayed error: the stored body is the ACP error object.
		return nil, &storedError{body: res.Body}
	}
	return res.Body, nil
}

// scope is the idempotency scope of a mutating call: the API key and the
// REST request the tool maps to, exactly as the REST transport scopes that
// request (API key, method, path). One Idempotency-Key is then one
// operation whichever surface carries it: a retry over the other surface
// replays the first answer, or is a conflict when its body differs, and is
// never a second effect (ACP §6 scopes keys by key, method and path; the
// MCP binding maps each tool to its REST request).
func (c *call) scope() string {
	return c.key.ID + " " + strings.Replace(c.tool.route, "{id}", c.id, 1)
}

// parse checks the envelope {meta, id, payload} and fills c. Envelope
// problems are -32602 errors.
func (c *call) parse(args json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(args, &m); err != nil || m == nil {
		return invalidParams("$", "arguments must be an object with meta, id and payload.")
	}
	raw, ok := m["meta"]
	if !ok || !isObject(raw) {
		return invalidParams("$.meta", "meta is required and must be an object.")
	}
	if err := decodeMeta(raw, &c.meta); err != nil {
		return err
	}
	if err := textParam(raw, "$.meta"); err != nil {
		return err
	}
	if c.tool.id != absent {
		raw, ok := m["id"]
		if !ok || json.Unmarshal(raw, &c.id) != nil || c.id == "" {
			return invalidParams("$.id", "id is required and must be a non-empty string: the checkout session ID.")
		}
		if err := textParam(raw, "$.id"); err != nil {
			return err
		}
	}
	if c.tool.payload != absent {
		raw, ok := m["payload"]
		switch {
		case ok && isObject(raw):
			c.payload = raw
		case c.tool.payload == optional && (!ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))):
		case !ok:
			return invalidParams("$.payload", "payload is required: the ACP "+c.tool.payloadDef+".")
		default:
			return invalidParams("$.payload", "payload must be an object: the ACP "+c.tool.payloadDef+".")
		}
	}
	return nil
}

// textParam is the -32602 error for a U+0000 in raw, the argument at path
// (the payload's are the codec's to report, as ACP errors).
func textParam(raw json.RawMessage, path string) error {
	if e, ok := errors.AsType[*commerce.Error](acpjson.CheckText(raw, path)); ok {
		return invalidParams(e.Param, e.Message)
	}
	return nil
}

// decodeMeta reads meta's known members, which must be strings; other
// members are allowed and ignored.
func decodeMeta(raw json.RawMessage, out *meta) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return invalidParams("$.meta", "meta must be an object.")
	}
	for name, dst := range map[string]*string{
		"api_version": &out.APIVersion, "idempotency_key": &out.IdempotencyKey, "request_id": &out.RequestID,
		"user_agent": &out.UserAgent, "accept_language": &out.AcceptLanguage,
		"signature": &out.Signature, "timestamp": &out.Timestamp,
	} {
		v, ok := m[name]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return invalidParams("$.meta."+name, "meta."+name+" must be a string.")
		}
	}
	out.APIVersion = strings.TrimSpace(out.APIVersion)
	return nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// codec returns the codec of api_version v, or the ACP error REST sends for
// a missing or unsupported API-Version, with the supported versions.
func (s *Server) codec(v string) (acp.Codec, error) {
	if c, ok := s.codecs[v]; ok {
		return c, nil
	}
	e := &acp.Error{Type: "invalid_request", Code: "unsupported_api_version",
		Message: "api_version " + acp.Echo(v) + " is not supported.", Param: "$.meta.api_version", SupportedVersions: s.versions}
	if v == "" {
		e.Code, e.Message = "missing_api_version", "meta.api_version is required."
	}
	return nil, e
}

// payloadError rewrites the param of a codec or domain error, a JSONPath
// into the REST body in 2026-04-17 terms, into the call's version and then
// under $.payload, where the body sits in the tool's arguments.
func payloadError(c acp.Codec, err error) error {
	de, ok := errors.AsType[*commerce.Error](err)
	if !ok || de.Param == "" || !strings.HasPrefix(de.Param, "$") {
		return err
	}
	cp := *de
	if m, ok := c.(interface{ RequestParam(string) string }); ok {
		cp.Param = m.RequestParam(cp.Param)
	}
	cp.Param = "$.payload" + strings.TrimPrefix(cp.Param, "$")
	if len(de.Param) > 1 {
		// Codec messages may name the field by its path ("$.x is required.").
		cp.Message = strings.ReplaceAll(cp.Message, de.Param, cp.Param)
	}
	return &cp
}

// logFailure logs a failed call once: server faults at Error with the
// internal cause, client errors at Warn.
func (s *Server) logFailure(ctx context.Context, c *call, status int, code string, err error) {
	level := slog.LevelWarn
	if status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	s.log.Log(ctx, level, "acp mcp call failed", "tool", c.tool.name, "request_id", c.meta.RequestID,
		"api_version", c.meta.APIVersion, "status", status, "code", code, "err", err.Error())
}
