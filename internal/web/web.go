// Package web serves agentshop's pages for people: the hosted checkout
// page (external checkout, see checkout.go), the order status page that
// ACP order permalinks point to, and the shop's policy pages. Pages are
// html/template files embedded in the binary; they need no JavaScript.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"agentshop/internal/commerce"
	"agentshop/internal/ratelimit"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"money": func(c commerce.Currency, v int64) string { return c.Format(v) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
}).ParseFS(templateFS, "templates/*.html"))

// Orders is what the order page reads.
type Orders interface {
	GetOrder(ctx context.Context, id string) (*commerce.Order, error)
}

// Handler serves the pages.
type Handler struct {
	Store    Orders
	Merchant commerce.Merchant
	Logger   *slog.Logger

	// Checkout, when set, serves the hosted checkout page /checkout/{id}
	// for its sessions.
	Checkout *commerce.Service
	// PaySteps takes payment on the checkout page, by provider name;
	// Merchant.Provider picks one.
	PaySteps map[string]PayStep
	// CSRFKey signs the checkout forms' CSRF tokens. Every replica must
	// share it; when empty, a random key is made per process.
	CSRFKey []byte
	// Metrics, when set, counts requests by route and status class.
	Metrics *Metrics
	// Limiter, when set, limits every page request per client address
	// (ClientAddr): over it, 429 with Retry-After, before anything is
	// read or written (limits.go).
	Limiter *ratelimit.Limiter
	// ClientAddr is the address a request counts against (default: the
	// host of its RemoteAddr, ratelimit.ClientAddr without a proxy).
	ClientAddr func(*http.Request) string
	// Now is the limiter's clock (default time.Now).
	Now func() time.Time

	keyOnce     sync.Once
	key         []byte
	crossOrigin http.CrossOriginProtection
}

// Register adds the page routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	h.handle(mux, "GET /orders/{id}", h.order)
	h.handle(mux, "GET /policies/{name}", h.policy)
	if h.Checkout != nil {
		h.registerCheckout(mux)
	}
}

func (h *Handler) order(w http.ResponseWriter, r *http.Request) {
	o, err := h.Store.GetOrder(r.Context(), r.PathValue("id"))
	// An id the store cannot hold (EINVALID from PostgreSQL) names no
	// order either.
	if errors.Is(err, commerce.ErrNotFound) || commerce.ErrorCode(err) == commerce.EINVALID {
		h.render(w, r, http.StatusNotFound, "notfound.html", map[string]any{"Shop": h.Merchant.Name})
		return
	}
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "order page", "err", err)
		http.Error(w, "Something went wrong; please try again.", http.StatusInternalServerError)
		return
	}
	h.render(w, r, http.StatusOK, "order.html", newOrderPage(h.Merchant.Name, o))
}

var policies = map[string]string{
	"terms":   "Terms of use",
	"privacy": "Privacy policy",
	"returns": "Return policy",
	"support": "Customer support",
}

func (h *Handler) policy(w http.ResponseWriter, r *http.Request) {
	title, ok := policies[r.PathValue("name")]
	if !ok {
		h.render(w, r, http.StatusNotFound, "notfound.html", map[string]any{"Shop": h.Merchant.Name})
		return
	}
	h.render(w, r, http.StatusOK, "policy.html", map[string]any{"Shop": h.Merchant.Name, "Title": title, "Name": r.PathValue("name")})
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Content-Security-Policy") == "" {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		h.Logger.ErrorContext(r.Context(), "render page", "page", name, "err", err)
	}
}
