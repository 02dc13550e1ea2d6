package acpmcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"agentshop/internal/acpmcp"
)

// Protocol eras: a client from before 2026-07-28 opens with the
// initialize handshake; a 2026-07-28 client sends server/discover and then
// stateless requests, each carrying its protocol version in _meta and the
// Mcp-Method header. go-sdk v1.8.0 speaks both, so both clients are the
// SDK's own, pinned with ClientSessionOptions.ProtocolVersion.
const (
	legacyVersion = "2025-11-25"
	modernVersion = "2026-07-28"
)

// wire authenticates requests and records the JSON-RPC methods a client
// sends and the Mcp-Method header each carries.
type wire struct {
	key     string
	mu      sync.Mutex
	methods []string
	headers []string
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+w.key)
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msg struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(body, &msg) == nil && msg.Method != "" {
			w.mu.Lock()
			w.methods = append(w.methods, msg.Method)
			w.headers = append(w.headers, r.Header.Get("Mcp-Method"))
			w.mu.Unlock()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestProtocolEras completes a purchase (create → update → complete with a
// sandbox token) from a legacy client and from a 2026-07-28 client, checks
// which handshake each used, and reads the tool call counters from the
// registry.
func TestProtocolEras(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version     string
		firstMethod string // what the client opened with
	}{
		{legacyVersion, "initialize"},
		{modernVersion, "server/discover"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			w := &wire{key: b.key}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := mcp.NewClient(&mcp.Implementation{Name: "acpmcp-era-test", Version: "1"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{
				Endpoint: b.srv.URL + "/acp/mcp", HTTPClient: &http.Client{Transport: w, Timeout: 10 * time.Second},
				MaxRetries: -1, DisableStandaloneSSE: true,
			}, &mcp.ClientSessionOptions{ProtocolVersion: tt.version})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cs.Close() })
			if got := cs.InitializeResult().ProtocolVersion; got != tt.version {
				t.Fatalf("negotiated protocol version %s, want %s", got, tt.version)
			}
			if id := cs.ID(); id != "" {
				t.Errorf("session id %q: the server is stateless", id)
			}

			s := b.call(t, cs, acpmcp.ToolCreate, v2026, mut(v2026, "", createPayload(v2026, false))).want(t)
			id := s.str("id")
			s = b.call(t, cs, acpmcp.ToolUpdate, v2026, mut(v2026, id, addressPayload(v2026))).want(t)
			if got := s.str("status"); got != "ready_for_payment" {
				t.Fatalf("after address: status %q: %s", got, s.Raw)
			}
			tok := b.token(t, "4242424242424242", id, s.total())
			done := b.call(t, cs, acpmcp.ToolComplete, v2026, mut(v2026, id, completePayload(v2026, tok))).want(t)
			if done.str("status") != "completed" || done.str("order", "id") == "" || done.total() != s.total() {
				t.Fatalf("complete: %s", done.Raw)
			}
			// Errors: an ACP error (a completed session cannot be canceled),
			// an envelope error (no meta) and a tool the server does not have.
			b.wantError(t, b.call(t, cs, acpmcp.ToolCancel, v2026, mut(v2026, id, nil)), v2026, acpmcp.CodeACPError, "session_completed")
			if r := b.call(t, cs, acpmcp.ToolGet, "", map[string]any{"id": id}); r.Err == nil || r.Err.Code != -32602 {
				t.Errorf("get without meta: %+v", r)
			}
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "no_such_tool", Arguments: map[string]any{}}); err == nil {
				t.Error("a call of an unknown tool succeeded")
			}

			w.mu.Lock()
			methods, headers := slices.Clone(w.methods), slices.Clone(w.headers)
			w.mu.Unlock()
			if len(methods) == 0 || methods[0] != tt.firstMethod {
				t.Errorf("client sent %v, want %s first", methods, tt.firstMethod)
			}
			if tt.version == modernVersion {
				if slices.Contains(methods, "initialize") {
					t.Errorf("2026-07-28 client sent initialize: %v", methods)
				}
				for i, h := range headers {
					if h != methods[i] {
						t.Errorf("request %d (%s): Mcp-Method %q", i, methods[i], h)
					}
				}
			}

			want := `
# HELP agentshop_mcp_tool_calls_total MCP tools/call requests by server (app: /mcp, acp: /acp/mcp), tool and outcome (ok, tool_error, invalid_params, internal_error, acp_<ACP error type>, rpc_error, error).
# TYPE agentshop_mcp_tool_calls_total counter
agentshop_mcp_tool_calls_total{outcome="acp_invalid_request",server="acp",tool="cancel_checkout_session"} 1
agentshop_mcp_tool_calls_total{outcome="invalid_params",server="acp",tool="get_checkout_session"} 1
agentshop_mcp_tool_calls_total{outcome="invalid_params",server="acp",tool="unknown"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="acp",tool="complete_checkout_session"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="acp",tool="create_checkout_session"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="acp",tool="update_checkout_session"} 1
`
			if err := testutil.GatherAndCompare(b.reg, strings.NewReader(want), "agentshop_mcp_tool_calls_total"); err != nil {
				t.Error(err)
			}
		})
	}
}
