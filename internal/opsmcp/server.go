package opsmcp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/ops"
	"agentshop/internal/opsstripe"
	"agentshop/internal/ratelimit"
)

// Store is what the gateway reads and writes: its own rows and the shop's
// orders and order events (internal/store.Store has them all).
type Store interface {
	ops.Store
	GetOrder(ctx context.Context, id string) (*commerce.Order, error)
	ListOrders(ctx context.Context, limit int) ([]*commerce.Order, error)
	ListEvents(ctx context.Context, f commerce.EventFilter) ([]*commerce.Event, error)
}

// Config configures a [Server].
type Config struct {
	Store Store
	// Service runs the shop tools' reads and refunds.
	Service *commerce.Service
	Logger  *slog.Logger
	// Limiter limits requests per ops server (nil: none).
	Limiter *ratelimit.Limiter
	// NotFound limits requests that name no active server, or fail its
	// bearer check, per client address (nil: none): token guessing is
	// bounded.
	NotFound *ratelimit.Limiter
	// ClientAddr names a request's client (default ratelimit.ClientAddr
	// without a proxy).
	ClientAddr func(*http.Request) string
	// MaxBodyBytes caps request bodies (default 256 KiB: dispute evidence
	// is text).
	MaxBodyBytes int64
	// HTTPClient reaches Stripe (default: a 30 s timeout).
	HTTPClient *http.Client
	// ConfirmationTTL is how long a write's confirmation token is good
	// for (default 5 min).
	ConfirmationTTL time.Duration
	// DisableLocalhostProtection turns off the SDK's DNS-rebinding check
	// (behind a tunnel or proxy).
	DisableLocalhostProtection bool
	Version                    string
	Now                        func() time.Time
}

// Server serves every ops server. It is safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler

	mu   sync.Mutex
	mcps map[string]*mcp.Server // by ops server id: its filtered tools
}

// maxCached bounds the per-server MCP servers kept (a server's filter
// never changes, so a cached one stays right; the map is emptied when
// full).
const maxCached = 256

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = func(r *http.Request) string { return ratelimit.ClientAddr(r, false) }
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 256 << 10
	}
	if cfg.ConfirmationTTL <= 0 {
		cfg.ConfirmationTTL = 5 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("surface", "ops_mcp"), mcps: map[string]*mcp.Server{}}
	s.handler = mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		if e := envFrom(r.Context()); e != nil {
			return s.mcpFor(e.server)
		}
		return nil
	}, &mcp.StreamableHTTPOptions{
		Stateless:                  true,
		JSONResponse:               true,
		Logger:                     s.log,
		DisableLocalhostProtection: cfg.DisableLocalhostProtection,
		MaxRequestBodyBytes:        cfg.MaxBodyBytes,
	})
	return s
}

// Register mounts the endpoint on mux. No method in the pattern: the SDK
// answers GET and DELETE itself.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("/ops/mcp/{token}", s)
}

// env is what a request's tools act for: its server and account, the
// account's Stripe client, and the headers a tool adds to the answer.
type env struct {
	server  *ops.Server
	account *ops.Account
	stripe  *opsstripe.Client
	headers *headerWriter
}

type envKey struct{}

func envFrom(ctx context.Context) *env {
	e, _ := ctx.Value(envKey{}).(*env)
	return e
}

// ServeHTTP finds the server by the path's token and hands the request to
// the MCP transport with the server's tools.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now()
	addr := s.cfg.ClientAddr(r)
	if d := s.cfg.NotFound.Check(addr, now); !d.Allowed {
		d.WriteHeaders(w.Header())
		w.Header().Set("Retry-After", fmt.Sprint(d.RetryAfterSeconds()))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	srv, err := s.cfg.Store.OpsServerByTokenHash(r.Context(), ops.Hash(r.PathValue("token")))
	if err == nil && !srv.Active(now) {
		err = commerce.ErrNotFound
	}
	var acc *ops.Account
	if err == nil {
		acc, err = s.cfg.Store.OpsAccount(r.Context(), srv.AccountID)
	}
	if err != nil {
		if errors.Is(err, commerce.ErrNotFound) {
			// Nothing but 404: no hint whether the server ever existed.
			s.cfg.NotFound.Allow(addr, now)
			http.NotFound(w, r)
			return
		}
		s.log.Error("ops server lookup failed", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if srv.BearerHash != "" {
		secret, ok := apikey.BearerSecret(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(ops.Hash(secret)), []byte(srv.BearerHash)) != 1 {
			s.cfg.NotFound.Allow(addr, now)
			w.Header().Set("WWW-Authenticate", `Bearer realm="agentshop-ops"`)
			http.Error(w, "this ops server needs Authorization: Bearer <its bearer token>", http.StatusUnauthorized)
			return
		}
	}
	d := s.cfg.Limiter.Allow(srv.ID, now)
	d.WriteHeaders(w.Header())
	if !d.Allowed {
		w.Header().Set("Retry-After", fmt.Sprint(d.RetryAfterSeconds()))
		http.Error(w, "this ops server's rate limit is used up; retry after the Retry-After seconds", http.StatusTooManyRequests)
		return
	}
	hw := &headerWriter{ResponseWriter: w}
	e := &env{server: srv, account: acc, headers: hw,
		stripe: opsstripe.New(opsstripe.Config{Key: acc.StripeKey, BaseURL: acc.BaseURL, HTTPClient: s.cfg.HTTPClient})}
	s.handler.ServeHTTP(hw, r.WithContext(context.WithValue(r.Context(), envKey{}, e)))
}

// mcpFor returns the MCP server with srv's tools, built once per server.
func (s *Server) mcpFor(srv *ops.Server) *mcp.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.mcps[srv.ID]; ok {
		return m
	}
	if len(s.mcps) >= maxCached {
		clear(s.mcps)
	}
	m := mcp.NewServer(&mcp.Implementation{Name: "agentshop-ops", Title: "agentshop operations: " + srv.Name, Version: s.cfg.Version},
		&mcp.ServerOptions{
			Logger: s.log,
			//lint:ignore SA1019 the SDK's default capability, kept unchanged
			Capabilities: &mcp.ServerCapabilities{Logging: &mcp.LoggingCapabilities{}, Tools: &mcp.ToolCapabilities{}},
			Instructions: instructions,
		})
	for _, t := range tools {
		if srv.Filter.Allows(t.spec) {
			m.AddTool(t.descriptor(), s.handle(t))
		}
	}
	s.mcps[srv.ID] = m
	return m
}

const instructions = "Operations tools over this shop's Stripe account and its orders. Lists return has_more and " +
	"next_cursor: pass next_cursor as starting_after for the next page. Write tools (refunds, dispute evidence, closing " +
	"a dispute, refunding an order) act in two steps: the first call returns a summary and a confirmation_token and " +
	"changes nothing; show the summary to the user, and only once they agree call the same tool again with the same " +
	"arguments plus confirmation_token. Retrying a confirmed call is safe: its idempotency key makes it act once."

// headerWriter lets a tool add response headers (a Stripe 429's
// RateLimit-*) until the transport writes the answer. The tool runs on
// another goroutine than the transport's writes, so the headers pass
// through a mutex.
type headerWriter struct {
	http.ResponseWriter
	mu      sync.Mutex
	extra   http.Header
	written bool
}

// Set adds a header to the answer, if it is not written yet.
func (h *headerWriter) Set(k, v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.extra == nil {
		h.extra = http.Header{}
	}
	h.extra.Set(k, v)
}

func (h *headerWriter) WriteHeader(code int) {
	h.mu.Lock()
	if !h.written {
		h.written = true
		for k, vs := range h.extra {
			h.ResponseWriter.Header()[k] = vs
		}
	}
	h.mu.Unlock()
	h.ResponseWriter.WriteHeader(code)
}

func (h *headerWriter) Write(b []byte) (int, error) {
	h.mu.Lock()
	written := h.written
	h.mu.Unlock()
	if !written {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}

// Flush passes through to the connection.
func (h *headerWriter) Flush() {
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the connection's writer.
func (h *headerWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }
