// Package reqsign is agentshop's request signing for agent API keys that
// have a signing secret: the string a signature covers ([Message.Base]),
// the signature itself ([Sign]), and the merchant's check ([Verifier]:
// the timestamp window, the MAC, and refusal of a signature already used).
//
// A signature covers the whole request, not only its body: the surface,
// the method (on /acp/mcp, the tool), the path (on /acp/mcp, the session
// id), the API version, the Idempotency-Key, the timestamp and the
// canonical body. So a captured request cannot be pointed at another
// session, endpoint or tool, and an exact replay inside the window is
// refused. README.md (Agent API keys) gives the exact string.
//
// Both sides use this package: the merchant's REST surface (internal/acp)
// and ACP MCP binding (internal/acpmcp) verify; the agent side
// (internal/acpclient through internal/agent, internal/conformance) signs.
// So it imports only the standard library and internal/canonjson, and
// knows nothing of the merchant.
package reqsign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"agentshop/internal/canonjson"
)

// Labels start the signed string and say which surface it is for, so that
// a signature made for one surface is never valid on the other.
const (
	// LabelREST is the label of a request to the ACP REST API.
	LabelREST = "agentshop-rest-v1"
	// LabelMCP is the label of a tools/call on the ACP MCP binding.
	LabelMCP = "agentshop-mcp-v1"
)

// Message is what a signature covers: one request, as the surface sees
// it. On REST, Method is the HTTP method and Target the path (with
// "?query" when there is one) relative to the merchant's ACP base URL, as
// the ACP spec writes it ("/checkout_sessions/cs_1/cancel"). On /acp/mcp,
// Method is the tool name and Target the session id ("" for create).
type Message struct {
	Label          string // LabelREST or LabelMCP
	Method         string
	Target         string
	APIVersion     string // the API-Version header or meta.api_version
	IdempotencyKey string // the Idempotency-Key header or meta.idempotency_key ("" when none)
	Timestamp      string // the Timestamp header or meta.timestamp, RFC 3339
	Body           []byte // the request body or the tool's payload (nil when none)
}

// REST returns the Message of a REST request.
func REST(method, target, apiVersion, idempotencyKey, timestamp string, body []byte) Message {
	return Message{Label: LabelREST, Method: method, Target: target, APIVersion: apiVersion,
		IdempotencyKey: idempotencyKey, Timestamp: timestamp, Body: body}
}

// MCP returns the Message of an ACP MCP tools/call.
func MCP(tool, sessionID, apiVersion, idempotencyKey, timestamp string, payload []byte) Message {
	return Message{Label: LabelMCP, Method: tool, Target: sessionID, APIVersion: apiVersion,
		IdempotencyKey: idempotencyKey, Timestamp: timestamp, Body: payload}
}

// Base returns the string a signature covers: Label, Method, Target,
// APIVersion, IdempotencyKey and Timestamp, each followed by a line feed,
// then the canonical JSON of Body (RFC 8785 style, [canonjson.Canonical];
// Body as it is when it is not JSON, and nothing when it is empty). The
// body comes last, so it may hold anything; the fields before it must not
// hold a line break ([Verifier.Verify] refuses them), so that no two
// messages have the same base.
func (m Message) Base() []byte {
	body, err := canonjson.Canonical(m.Body)
	if err != nil {
		// Sign what was sent when it is not JSON; the request fails later.
		body = m.Body
	}
	var b strings.Builder
	for _, f := range m.fields() {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	b.Write(body)
	return []byte(b.String())
}

func (m Message) fields() []string {
	return []string{m.Label, m.Method, m.Target, m.APIVersion, m.IdempotencyKey, m.Timestamp}
}

// Sign returns the signature of m under secret:
// base64url(HMAC-SHA256(secret, m.Base())), without padding.
func Sign(secret string, m Message) string {
	return base64.RawURLEncoding.EncodeToString(mac(secret, m))
}

func mac(secret string, m Message) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(m.Base())
	return h.Sum(nil)
}
