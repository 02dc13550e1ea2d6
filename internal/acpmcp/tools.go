package acpmcp

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/commerce"
)

// Tool names, as in the OpenRPC document.
const (
	ToolCreate   = "create_checkout_session"
	ToolGet      = "get_checkout_session"
	ToolUpdate   = "update_checkout_session"
	ToolComplete = "complete_checkout_session"
	ToolCancel   = "cancel_checkout_session"
)

// presence says whether a tool takes an argument.
type presence int

const (
	absent presence = iota
	optional
	required
)

// operation runs a decoded call against the service. hooks store the
// idempotent response in the effect's transaction; read-only operations
// ignore them.
type operation func(ctx context.Context, hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error)

// tool is one ACP operation exposed as an MCP tool.
type tool struct {
	name, title, description string
	id, payload              presence
	// payloadDef names the payload's definition in the ACP JSON Schema.
	payloadDef string
	// mutating tools run under an idempotency key.
	mutating bool
	// status is the REST success status, stored with idempotent responses.
	status int
	// route is the REST request the tool maps to, "{id}" standing for the
	// session id: a mutating call's idempotency scope is that request's
	// (see [call.scope]).
	route       string
	annotations *mcp.ToolAnnotations
	// prepare decodes the payload (before the idempotency key is claimed,
	// so malformed calls are not stored) and returns the operation.
	prepare func(s *Server, c *call) (operation, error)
}

// tools are the binding's five tools, in the OpenRPC document's order.
var tools = []*tool{
	{
		name: ToolCreate, title: "Create checkout session",
		description: "Create a checkout session from line items (and optionally buyer, fulfillment details, discounts). " +
			"Maps to POST /checkout_sessions. Returns the server-priced CheckoutSession.",
		payload: required, payloadDef: "CheckoutSessionCreateRequest", mutating: true, status: http.StatusCreated, route: "POST /checkout_sessions",
		annotations: &mcp.ToolAnnotations{Title: "Create checkout session", DestructiveHint: new(false), OpenWorldHint: new(false)},
		prepare: func(s *Server, c *call) (operation, error) {
			in, err := c.codec.DecodeCreate(c.payload)
			if err != nil {
				return nil, err
			}
			in.APIKeyID = c.key.ID
			return func(ctx context.Context, hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return s.cfg.Service.For(c.key.Owner()).Create(ctx, in, hooks)
			}, nil
		},
	},
	{
		name: ToolGet, title: "Get checkout session",
		description: "Return the latest authoritative state of a checkout session. Maps to GET /checkout_sessions/{id}.",
		id:          required,
		annotations: &mcp.ToolAnnotations{Title: "Get checkout session", ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)},
		prepare: func(s *Server, c *call) (operation, error) {
			return func(ctx context.Context, _ *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return s.cfg.Service.For(c.key.Owner()).Get(ctx, c.id)
			}, nil
		},
	},
	{
		name: ToolUpdate, title: "Update checkout session",
		description: "Change items, fulfillment details, the selected fulfillment option or discounts, and return the " +
			"recomputed CheckoutSession. Maps to POST /checkout_sessions/{id}.",
		id: required, payload: required, payloadDef: "CheckoutSessionUpdateRequest", mutating: true, status: http.StatusOK, route: "POST /checkout_sessions/{id}",
		annotations: &mcp.ToolAnnotations{Title: "Update checkout session", DestructiveHint: new(false), IdempotentHint: true, OpenWorldHint: new(false)},
		prepare: func(s *Server, c *call) (operation, error) {
			in, err := c.codec.DecodeUpdate(c.payload)
			if err != nil {
				return nil, err
			}
			return func(ctx context.Context, hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return s.cfg.Service.For(c.key.Owner()).Update(ctx, c.id, in, hooks)
			}, nil
		},
	},
	{
		name: ToolComplete, title: "Complete checkout session",
		description: "Pay for the session with a delegated payment token and create the order. Returns the " +
			"CheckoutSessionWithOrder on success; a decline or 3-D Secure comes back as session messages. " +
			"Maps to POST /checkout_sessions/{id}/complete.",
		id: required, payload: required, payloadDef: "CheckoutSessionCompleteRequest", mutating: true, status: http.StatusOK, route: "POST /checkout_sessions/{id}/complete",
		annotations: &mcp.ToolAnnotations{Title: "Complete checkout session", DestructiveHint: new(true), OpenWorldHint: new(true)},
		prepare: func(s *Server, c *call) (operation, error) {
			in, err := c.codec.DecodeComplete(c.payload)
			if err != nil {
				return nil, err
			}
			return func(ctx context.Context, hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return s.cfg.Service.For(c.key.Owner()).Complete(ctx, c.id, in, hooks)
			}, nil
		},
	},
	{
		name: ToolCancel, title: "Cancel checkout session",
		description: "Cancel a session that is not completed or canceled, optionally with an intent_trace saying why. " +
			"Maps to POST /checkout_sessions/{id}/cancel.",
		id: required, payload: optional, payloadDef: "CancelSessionRequest", mutating: true, status: http.StatusOK, route: "POST /checkout_sessions/{id}/cancel",
		annotations: &mcp.ToolAnnotations{Title: "Cancel checkout session", DestructiveHint: new(true), OpenWorldHint: new(false)},
		prepare: func(s *Server, c *call) (operation, error) {
			if err := c.codec.DecodeCancel(c.payload); err != nil {
				return nil, err
			}
			return func(ctx context.Context, hooks *commerce.TxHooks[*commerce.View]) (*commerce.View, error) {
				return s.cfg.Service.For(c.key.Owner()).Cancel(ctx, c.id, hooks)
			}, nil
		},
	},
}

// descriptor returns the MCP tool with its hand-written input schema.
func (t *tool) descriptor() *mcp.Tool {
	return &mcp.Tool{
		Name: t.name, Title: t.title, Description: t.description,
		Annotations: t.annotations,
		InputSchema: t.inputSchema(),
	}
}

// metaSchema is the OpenRPC document's meta schema.
var metaSchema = map[string]any{
	"type":                 "object",
	"description":          "Protocol metadata mapped from ACP HTTP headers. Authentication is out of band (Authorization: Bearer on the HTTP request).",
	"required":             []string{"api_version"},
	"additionalProperties": true,
	"properties": map[string]any{
		"api_version":     map[string]any{"type": "string", "description": "ACP API version date: 2025-09-29 or 2026-04-17. Maps to the API-Version header."},
		"idempotency_key": map[string]any{"type": "string", "description": "Unique key for retry safety (at most 255 characters). Maps to the Idempotency-Key header; required on create, update, complete and cancel for 2026-04-17."},
		"request_id":      map[string]any{"type": "string", "description": "Correlation ID for request tracing. Maps to the Request-Id header."},
		"user_agent":      map[string]any{"type": "string", "description": "Agent identification string. Maps to the User-Agent header."},
		"accept_language": map[string]any{"type": "string", "description": "Locale preference (e.g. 'en-US'). Maps to the Accept-Language header."},
		"signature":       map[string]any{"type": "string", "description": "Request signature, for API keys that sign: base64url HMAC-SHA256 over agentshop-mcp-v1, the tool name, id, api_version, idempotency_key and timestamp, each followed by a line feed, then the canonical payload (README: Agent API keys). Maps to the Signature header."},
		"timestamp":       map[string]any{"type": "string", "format": "date-time", "description": "Request signing timestamp (RFC 3339). Maps to the Timestamp header."},
	},
}

// inputSchema is the tool's arguments schema: {meta, id?, payload?}, open
// to additional properties at every level so that anything the spec allows
// reaches the codecs, which do the real checking.
func (t *tool) inputSchema() json.RawMessage {
	props := map[string]any{"meta": metaSchema}
	req := []string{"meta"}
	if t.id != absent {
		props["id"] = map[string]any{"type": "string", "description": "The checkout session ID (the REST path's checkout_session_id)."}
		req = append(req, "id")
	}
	if t.payload != absent {
		props["payload"] = map[string]any{
			"type":                 "object",
			"additionalProperties": true,
			"description":          "The ACP REST request body (" + t.payloadDef + " of the meta.api_version schema).",
		}
		if t.payload == required {
			req = append(req, "payload")
		}
	}
	b, err := json.Marshal(map[string]any{
		"type": "object", "properties": props, "required": req, "additionalProperties": true,
	})
	if err != nil {
		panic(err) // static data
	}
	return b
}
