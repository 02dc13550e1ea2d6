package web

import (
	"net/http"
	"strconv"
	"time"

	"agentshop/internal/ratelimit"
)

// The pages need no credentials, so they are limited per client address
// (Handler.Limiter, counted by Handler.ClientAddr: the forwarded address
// behind a proxy, as on /mcp). A buyer's whole purchase is a few dozen
// requests (each form is a POST and the GET it redirects to), so the
// limit is sized for many buyers behind one address (a carrier's NAT),
// and stops one client from filling the store with vault tokens and
// session writes.

// limit applies the per-client limit to fn: the RateLimit headers on
// every answer, and once the client's bucket is empty a 429 page with
// Retry-After, before the request is read, logged once per client per
// interval.
func (h *Handler) limit(fn http.HandlerFunc) http.HandlerFunc {
	if h.Limiter == nil {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request) {
		client := h.clientAddr(r)
		d := h.Limiter.Allow(client, h.now())
		d.WriteHeaders(w.Header())
		if !d.Allowed {
			if d.Log {
				h.Logger.WarnContext(r.Context(), "rate limited", "limit", "web_client", "client", client, "suppressed", d.Suppressed, "retry_after", d.RetryAfter)
			}
			h.render(w, r, http.StatusTooManyRequests, "limited.html", map[string]any{
				"Shop": h.Merchant.Name, "RetryAfter": strconv.Itoa(d.RetryAfterSeconds()),
			})
			return
		}
		fn(w, r)
	}
}

func (h *Handler) clientAddr(r *http.Request) string {
	if h.ClientAddr != nil {
		return h.ClientAddr(r)
	}
	return ratelimit.ClientAddr(r, false)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
