package mcpapp_test

import (
	"net/http"
	"strings"
	"testing"

	"agentshop/internal/mcpapp"
)

// TestRebinding sends raw initialize requests with forged Host and Origin
// headers to the app listening on 127.0.0.1, as the MCP conformance
// dns-rebinding-protection scenario does.
func TestRebinding(t *testing.T) {
	t.Parallel()
	const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(t *testing.T, url, host, origin string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(initialize))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	for _, tc := range []struct {
		name         string
		opt          func(*mcpapp.Config)
		host, origin string
		want         int
	}{
		{name: "loopback", want: 200},
		{name: "localhost host and origin", host: "localhost:1234", origin: "http://localhost:1234", want: 200},
		{name: "same origin", origin: "self", want: 200},
		{name: "foreign host", host: "evil.example.com", want: 403},
		{name: "foreign host and origin", host: "evil.example.com", origin: "http://evil.example.com", want: 403},
		{name: "foreign origin", origin: "http://evil.example.com", want: 403},
		{name: "opaque origin", origin: "null", want: 403},
		{name: "allowed host", opt: func(c *mcpapp.Config) { c.AllowedHosts = []string{"shop.ngrok.app"} },
			host: "shop.ngrok.app", origin: "https://shop.ngrok.app", want: 200},
		{name: "allowed host, foreign origin", opt: func(c *mcpapp.Config) { c.AllowedHosts = []string{"shop.ngrok.app"} },
			host: "shop.ngrok.app", origin: "http://evil.example.com", want: 403},
		{name: "allowed origin", opt: func(c *mcpapp.Config) { c.AllowedOrigins = []string{"https://chatgpt.com"} },
			origin: "https://chatgpt.com", want: 200},
		{name: "protection off behind a tunnel", opt: func(c *mcpapp.Config) { c.DisableRebindingProtection = true },
			host: "shop.trycloudflare.com", origin: "https://elsewhere.example", want: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []func(*mcpapp.Config)
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			b := setup(t, opts...)
			origin := tc.origin
			if origin == "self" {
				origin = b.srv.URL
			}
			if got := post(t, b.srv.URL, tc.host, origin); got != tc.want {
				t.Errorf("Host %q Origin %q: status %d, want %d", tc.host, origin, got, tc.want)
			}
		})
	}
}
