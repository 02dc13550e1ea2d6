package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetrics buys through the hosted checkout page and reads the request
// counters by route and status class from the registry.
func TestMetrics(t *testing.T) {
	s := newShop(t)
	id := s.session(t, 1)
	c := newClient(t, s)
	path := "/checkout/" + id

	c.get(path)                                                        // 200
	c.post(path+"/address", url.Values{"name": {"Ada"}})               // 422: address incomplete
	c.post(path+"/address", address, "Origin", "https://evil.example") // 403: cross-origin
	c.wantRedirect(c.post(path+"/address", address), path)             // 303
	c.get(path)                                                        // 200: the pay form, with the total it charges
	p := c.post(path+"/pay", card("4242424242424242"))                 // 303 to the order
	c.wantRedirect(p, "/orders/ord_")
	c.get(p.location)            // 200
	c.get("/orders/ord_missing") // 404
	c.get("/policies/terms")     // 200

	want := `
# HELP agentshop_web_requests_total Hosted page requests (checkout, order and policy pages) by route pattern (e.g. "POST /checkout/{id}/pay") and status class (2xx, 3xx, 4xx, 5xx).
# TYPE agentshop_web_requests_total counter
agentshop_web_requests_total{route="GET /checkout/{id}",status="2xx"} 2
agentshop_web_requests_total{route="GET /orders/{id}",status="2xx"} 1
agentshop_web_requests_total{route="GET /orders/{id}",status="4xx"} 1
agentshop_web_requests_total{route="GET /policies/{name}",status="2xx"} 1
agentshop_web_requests_total{route="POST /checkout/{id}/address",status="3xx"} 1
agentshop_web_requests_total{route="POST /checkout/{id}/address",status="4xx"} 2
agentshop_web_requests_total{route="POST /checkout/{id}/pay",status="3xx"} 1
`
	if err := testutil.GatherAndCompare(s.reg, strings.NewReader(want), "agentshop_web_requests_total"); err != nil {
		t.Error(err)
	}
}
