package app

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// The surfaces' metrics are wired: after an /mcp tool call and a page
// request, /metrics has their counters, the order change counters at zero,
// the payments by facilitator the core reports, and the outbox gauges read
// from the store.
func TestSurfaceMetrics(t *testing.T) {
	t.Parallel()
	a := newApp(t, testConfig(t), Options{})
	call := httptest.NewRequest("POST", "/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_products","arguments":{}}}`))
	call.Header.Set("Content-Type", "application/json")
	call.Header.Set("Accept", "application/json, text/event-stream")
	call.Host = "127.0.0.1"
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, call)
	if rec.Code != 200 {
		t.Fatalf("tools/call: %d %s", rec.Code, rec.Body)
	}
	a.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/policies/terms", nil))
	a.Service.ObservePayment("sandbox", nil) // what a complete tells once its order is committed

	rec = httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`agentshop_mcp_tool_calls_total{outcome="ok",server="app",tool="search_products"} 1`,
		`agentshop_web_requests_total{route="GET /policies/{name}",status="2xx"} 1`,
		`agentshop_order_changes_total{change="refund",outcome="succeeded"} 0`,
		`agentshop_payments_by_facilitator_total{facilitator="none",provider="sandbox"} 1`,
		`agentshop_outbox_events{state="pending"} 0`,
		`agentshop_outbox_events{state="dead"} 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
