package acpmcp

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/acp"
	"agentshop/internal/apikey"
	"agentshop/internal/commerce"
	"agentshop/internal/idempotency"
	"agentshop/internal/mcpmetrics"
	"agentshop/internal/ratelimit"
	"agentshop/internal/reqsign"
)

// Store is what the binding keeps in the database: idempotency records
// and API keys. Both stores implement it (internal/store.Store).
type Store interface {
	idempotency.Store
	apikey.Finder
}

// Config configures a [Server].
type Config struct {
	Service *commerce.Service
	// Store authenticates API keys and keeps idempotency records.
	Store Store
	// Keys authenticates bearer API keys; share the REST surface's
	// (internal/acp) so that a revoked key stops working on both at the
	// same moment. Nil: Store's keys, read on every request.
	Keys *apikey.Cache
	// Codecs are the supported API versions, selected by meta.api_version.
	Codecs []acp.Codec
	Logger *slog.Logger
	// Metrics, when set, counts idempotency replays and conflicts.
	Metrics *acp.Metrics
	// ToolCalls, when set, counts tool calls (server="acp").
	ToolCalls *mcpmetrics.ToolCalls
	// IdempotencyTTL is how long responses are kept for replay (default 24 h).
	IdempotencyTTL time.Duration
	// InFlightLease is how long a claimed idempotency key answers same-key
	// calls with idempotency_in_flight before a crashed call's claim may be
	// taken over (default 1 min).
	InFlightLease time.Duration
	// SignatureSkew bounds |now − meta.timestamp| for keys that sign
	// (default 5 min), when Signatures is nil.
	SignatureSkew time.Duration
	// Signatures checks signed calls and remembers the signatures it
	// accepted, to refuse their replay; share the REST surface's. Nil: a
	// verifier of its own with SignatureSkew.
	Signatures *reqsign.Verifier
	// MaxBodyBytes caps HTTP request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Limiter, when set, limits HTTP requests per API key; share the REST
	// surface's so that a key has one budget on both.
	Limiter *ratelimit.Limiter
	// AuthFailures, when set, limits failed authentications per client
	// address (share the REST surface's): an address over it gets 429
	// before its key is looked at.
	AuthFailures *ratelimit.Limiter
	// ClientAddr names a request's client for AuthFailures (default
	// [ratelimit.ClientAddr] without --behind-proxy).
	ClientAddr func(*http.Request) string
	// DisableLocalhostProtection turns off the SDK's DNS-rebinding check,
	// which refuses non-loopback Host headers on a loopback listener; set
	// it behind a tunnel or reverse proxy.
	DisableLocalhostProtection bool
	Now                        func() time.Time
}

// Server is the ACP MCP binding: an MCP server with the five checkout
// tools. It is safe for concurrent use.
type Server struct {
	cfg      Config
	idem     *idempotency.Idempotency
	keys     *apikey.Cache
	codecs   map[string]acp.Codec
	versions []string // newest first
	mcp      *mcp.Server
	log      *slog.Logger

	signatures *reqsign.Verifier
}

// New returns a Server for cfg. Zero durations and limits get the
// defaults documented on [Config].
func New(cfg Config) *Server {
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.InFlightLease <= 0 {
		cfg.InFlightLease = time.Minute
	}
	if cfg.SignatureSkew <= 0 {
		cfg.SignatureSkew = 5 * time.Minute
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = func(r *http.Request) string { return ratelimit.ClientAddr(r, false) }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, codecs: map[string]acp.Codec{}, log: cfg.Logger, keys: cfg.Keys}
	if s.keys == nil {
		s.keys = apikey.NewCache(cfg.Store, 0, cfg.Now)
	}
	s.signatures = cfg.Signatures
	if s.signatures == nil {
		s.signatures = reqsign.NewVerifier(cfg.SignatureSkew, 0, cfg.Now)
	}
	s.idem = acp.NewIdempotency(cfg.Store, cfg.Logger, cfg.Now, cfg.IdempotencyTTL, cfg.InFlightLease)
	for _, c := range cfg.Codecs {
		s.codecs[c.Version()] = c
		s.versions = append(s.versions, c.Version())
	}
	slices.Sort(s.versions)
	slices.Reverse(s.versions)

	s.mcp = mcp.NewServer(&mcp.Implementation{
		Name:    "agentshop-acp",
		Title:   "Agentic Commerce Protocol checkout (MCP binding)",
		Version: "2026-04-17",
	}, &mcp.ServerOptions{
		Logger: cfg.Logger,
		// The SDK's default (logging) plus prompts: the SDK answers
		// prompts/list whether or not there are prompts, and a 2026-07-28
		// server must declare what it handles (conformance
		// server-stateless). Logging is deprecated from 2026-07-28 but kept
		// for legacy clients, as before.
		//lint:ignore SA1019 the SDK's default capability, kept unchanged
		Capabilities: &mcp.ServerCapabilities{Logging: &mcp.LoggingCapabilities{}, Prompts: &mcp.PromptCapabilities{}},
		Instructions: "ACP checkout over MCP. Every tool takes {meta, id, payload}: meta.api_version " +
			"selects the ACP version, meta.idempotency_key makes retries safe, payload is the ACP REST request body.",
	})
	s.mcp.AddReceivingMiddleware(cfg.ToolCalls.Middleware("acp"))
	for _, t := range tools {
		s.mcp.AddTool(t.descriptor(), s.toolHandler(t))
	}
	return s
}

// Handler returns the HTTP handler to mount at /acp/mcp: bearer API key
// authentication in front of the SDK's stateless streamable HTTP transport.
func (s *Server) Handler() http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Stateless:                  true,
		JSONResponse:               true,
		Logger:                     s.log,
		DisableLocalhostProtection: s.cfg.DisableLocalhostProtection,
		MaxRequestBodyBytes:        s.cfg.MaxBodyBytes,
	})
	return s.authenticate(h)
}
