package mcpapp

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// The ChatGPT App is anonymous, so its limits count per client address
// (ratelimit.ClientAddr; the forwarded address behind a proxy): requests
// per second (Config.Limiter), and checkout sessions a client may have
// open (Config.MaxOpenSessions). Together with the body cap and the
// field lengths the domain enforces, they bound what one client can make
// the shop store.

type clientKey struct{}

// clientFrom is the client address the HTTP middleware put in ctx.
func clientFrom(ctx context.Context) string {
	c, _ := ctx.Value(clientKey{}).(string)
	return c
}

// limitRequests applies the per-client rate limit: its RateLimit headers
// on every answer, and a 429 with Retry-After and a JSON-RPC error once
// the client's bucket is empty, logged once per client per interval. It
// puts the client address in the request context for the session cap.
func (s *Server) limitRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := s.cfg.ClientAddr(r)
		d := s.cfg.Limiter.Allow(client, s.now())
		d.WriteHeaders(w.Header())
		if !d.Allowed {
			if d.Log {
				s.cfg.Logger.WarnContext(r.Context(), "rate limited", "limit", "mcp_client", "client", client, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
			}
			body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{
				"code": -32000, "message": "Too many requests from this client; retry after the Retry-After seconds.",
			}})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write(body)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, client)))
	})
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// sessionCap counts the sessions each client created within window, the
// session TTL: a session lives no longer, so this bounds the open
// sessions a client holds (completing or canceling one does not give its
// place back before then). It is safe for concurrent use.
type sessionCap struct {
	max    int // 0: no cap
	window time.Duration

	mu        sync.Mutex
	created   map[string][]time.Time // oldest first
	lastSweep time.Time
}

func newSessionCap(max int, window time.Duration) *sessionCap {
	return &sessionCap{max: max, window: window, created: map[string][]time.Time{}}
}

// reserve takes a place for a new session of client at now; it reports
// false when client has max sessions within the window. release gives
// back a place whose session was not created.
func (c *sessionCap) reserve(client string, now time.Time) bool {
	if c.max <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.lastSweep) >= time.Minute {
		c.lastSweep = now
		for k := range c.created {
			c.prune(k, now)
		}
	}
	c.prune(client, now)
	if len(c.created[client]) >= c.max {
		return false
	}
	c.created[client] = append(c.created[client], now)
	return true
}

func (c *sessionCap) release(client string, at time.Time) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := c.created[client]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			c.created[client] = append(ts[:i:i], ts[i+1:]...)
			return
		}
	}
}

func (c *sessionCap) prune(client string, now time.Time) {
	ts := c.created[client]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= c.window {
		i++
	}
	if i == len(ts) {
		delete(c.created, client)
		return
	}
	c.created[client] = ts[i:]
}
