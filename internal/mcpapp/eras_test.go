package mcpapp_test

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
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"agentshop/internal/mcpapp"
	"agentshop/internal/mcpmetrics"
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

// wire records the JSON-RPC methods a client sends and the Mcp-Method
// header each request carries.
type wire struct {
	mu      sync.Mutex
	methods []string
	headers []string
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
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

// connectEra opens a go-sdk client session on url pinned to protocol
// version v, recording its traffic in w.
func connectEra(t *testing.T, url, v string, w *wire) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "mcpapp-era-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: url, HTTPClient: &http.Client{Transport: w, Timeout: 10 * time.Second}, DisableStandaloneSSE: true,
	}, &mcp.ClientSessionOptions{ProtocolVersion: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestProtocolEras completes a purchase with no widget (search_products →
// show_checkout → update_checkout → complete_checkout with a sandbox token)
// from a legacy client and from a 2026-07-28 client, checks which
// handshake each used, and reads the tool call counters from the registry.
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
			reg := prometheus.NewPedanticRegistry()
			b := setup(t, func(c *mcpapp.Config) { c.ToolCalls = mcpmetrics.New(reg) })
			w := &wire{}
			b.session = connectEra(t, b.srv.URL, tt.version, w)
			if got := b.session.InitializeResult().ProtocolVersion; got != tt.version {
				t.Fatalf("negotiated protocol version %s, want %s", got, tt.version)
			}
			if id := b.session.ID(); id != "" {
				t.Errorf("session id %q: the server is stateless", id)
			}

			res := b.call(t, "search_products", map[string]any{"query": "racket"})
			if res.IsError || !strings.Contains(text(res), racket) {
				t.Fatalf("search_products: %s", text(res))
			}
			s := b.readyCheckout(t)
			done := b.ok(t, "complete_checkout", map[string]any{"checkout_session_id": s.ID,
				"payment_data": map[string]any{"token": b.token(t, "4242424242424242", s), "provider": "sandbox"}})
			if done.Status != "completed" || done.Order == nil || done.total() != s.total() {
				t.Fatalf("complete_checkout: %+v", done)
			}
			if n := b.provider.calls.Load(); n != 1 {
				t.Errorf("provider called %d times, want 1", n)
			}
			// A tool error and a call of a tool the server does not have.
			if res := b.call(t, "get_order", map[string]any{"order_id": "ord_missing"}); !res.IsError {
				t.Errorf("get_order of a missing order: %s", text(res))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := b.session.CallTool(ctx, &mcp.CallToolParams{Name: "no_such_tool", Arguments: map[string]any{}}); err == nil {
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
agentshop_mcp_tool_calls_total{outcome="invalid_params",server="app",tool="unknown"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="app",tool="complete_checkout"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="app",tool="search_products"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="app",tool="show_checkout"} 1
agentshop_mcp_tool_calls_total{outcome="ok",server="app",tool="update_checkout"} 1
agentshop_mcp_tool_calls_total{outcome="tool_error",server="app",tool="get_order"} 1
`
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "agentshop_mcp_tool_calls_total"); err != nil {
				t.Error(err)
			}
		})
	}
}
