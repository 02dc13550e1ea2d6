package mcpapp

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// rebindingGuard protects a server reachable on localhost from DNS
// rebinding: a web page on evil.example whose name is re-pointed at
// 127.0.0.1 would otherwise drive the MCP server from the buyer's browser
// (MCP security best practices, "Local MCP server compromise").
//
// It applies the go-sdk's rule (a loopback listener answers only loopback
// Host names) extended by allowed hosts, and checks Origin when a browser
// sends one.
type rebindingGuard struct {
	next    http.Handler
	hosts   []string // extra allowed Host values (host or host:port)
	origins []string // extra allowed Origin values
	logger  *slog.Logger
}

func (g *rebindingGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && la != nil && isLoopback(la.String()) {
		if !isLoopback(r.Host) && !g.allowedHost(r.Host) {
			g.reject(w, r, "Host")
			return
		}
	}
	if o := r.Header.Get("Origin"); o != "" && !g.allowedOrigin(o, r.Host) {
		g.reject(w, r, "Origin")
		return
	}
	g.next.ServeHTTP(w, r)
}

func (g *rebindingGuard) reject(w http.ResponseWriter, r *http.Request, header string) {
	g.logger.WarnContext(r.Context(), "mcp: request rejected by DNS-rebinding protection",
		"header", header, "host", r.Host, "origin", r.Header.Get("Origin"))
	http.Error(w, "Forbidden: invalid "+header+" header", http.StatusForbidden)
}

func (g *rebindingGuard) allowedHost(host string) bool {
	name := hostname(host)
	return slices.ContainsFunc(g.hosts, func(h string) bool {
		return strings.EqualFold(h, host) || strings.EqualFold(h, name)
	})
}

// allowedOrigin accepts loopback origins, the request's own host (a
// same-origin page) and configured origins.
func (g *rebindingGuard) allowedOrigin(origin, host string) bool {
	if slices.ContainsFunc(g.origins, func(o string) bool { return strings.EqualFold(strings.TrimRight(o, "/"), origin) }) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // "null" and other opaque origins
	}
	// The Host itself passed the check above (or the listener is public,
	// where any Host reaches the server anyway), so a page from that same
	// origin is fine.
	return isLoopback(u.Host) || strings.EqualFold(u.Host, host)
}

// hostname strips the port from a Host value.
func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// isLoopback reports whether a host or host:port is localhost or a
// loopback IP.
func isLoopback(hostport string) bool {
	h := hostname(hostport)
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}
