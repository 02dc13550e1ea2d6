package mcpapp

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/commerce"
	"agentshop/internal/mcpmetrics"
	"agentshop/internal/ratelimit"
)

// Config configures a [Server]. Service, Catalog and Merchant are required;
// everything else has a working default.
type Config struct {
	Service *commerce.Service
	// Catalog is the catalog search_products searches and line item names
	// come from; it must be the one Service prices with.
	Catalog  *commerce.Catalog
	Merchant commerce.Merchant
	Payment  Payment
	Logger   *slog.Logger
	// Version is reported as the server version in initialize.
	Version string
	// ToolCalls, when set, counts tool calls (server="app").
	ToolCalls *mcpmetrics.ToolCalls

	// WidgetDomain is the widget's dedicated origin (ui.domain and
	// openai/widgetDomain). Default: Merchant.BaseURL.
	WidgetDomain string

	// DNS-rebinding protection (on by default). A request that arrives on a
	// loopback address must carry a loopback Host or one in AllowedHosts,
	// and a request with an Origin header must come from a loopback origin,
	// the request's own host or one in AllowedOrigins; others get 403.
	//
	// Behind a tunnel or reverse proxy that forwards to 127.0.0.1, requests
	// carry the public hostname: list it in AllowedHosts (for example
	// "shop.example.ngrok.app"), or set DisableRebindingProtection.
	AllowedHosts   []string
	AllowedOrigins []string // full origins, e.g. "https://chatgpt.com"
	// DisableRebindingProtection turns both checks off.
	DisableRebindingProtection bool

	// Limiter, when set, limits requests per client address (ClientAddr).
	Limiter *ratelimit.Limiter
	// ClientAddr names a request's client (default [ratelimit.ClientAddr]
	// without --behind-proxy).
	ClientAddr func(*http.Request) string
	// MaxOpenSessions caps the checkout sessions one client may create
	// within the session TTL (0: no cap).
	MaxOpenSessions int
	// MaxBodyBytes caps request bodies (default 64 KiB: a tool call is a
	// few hundred bytes; the SDK's own default is 4 MiB).
	MaxBodyBytes int64
	// Now returns the current time for the limits; tests replace it.
	Now func() time.Time
}

// Payment overrides how the app declares the payment handler to ChatGPT.
// Without it a session declares the default payment handler of its mode
// ([commerce.Payments.DefaultHandler]); complete_checkout charges through
// the handler its payment_data names (by provider or handler_id), which
// the Service checks is one the session offers.
type Payment struct {
	// Provider, when set, is the payment_provider.provider declared in
	// every session instead of the default handler's PSP.
	Provider string
	// MerchantID is the PSP-specific merchant id declared in
	// payment_provider.merchant_id. Default: the handler's, or Merchant.ID.
	MerchantID string
	// SupportedPaymentMethods is declared as is. Default: the handler's
	// methods in its PSP's shape ([commerce.PaymentHandler.DeclaredMethods]).
	SupportedPaymentMethods []any
	// Mode, when set, is the payment_mode declared instead of the
	// session's.
	Mode string
}

// Server is the ChatGPT App MCP server. It is safe for concurrent use.
type Server struct {
	cfg          Config
	codec        *acp20250929.Codec
	mcp          *mcp.Server
	openSessions *sessionCap
}

// New returns a Server for cfg. It panics if Service, its default payment
// provider or Catalog is nil, or Payment.Mode is not "test" or "live": those are
// wiring mistakes.
func New(cfg Config) *Server {
	if cfg.Service == nil || cfg.Service.Payments.Default() == nil || cfg.Catalog == nil {
		panic("mcpapp: New needs Service (with a default payment provider) and Catalog")
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	cfg.Version = cmp.Or(cfg.Version, "dev")
	cfg.WidgetDomain = cmp.Or(cfg.WidgetDomain, origin(cfg.Merchant.BaseURL))
	if p := cfg.Payment.Mode; p != "" && p != "test" && p != "live" {
		panic(fmt.Sprintf("mcpapp: Payment.Mode %q is neither test nor live", p))
	}

	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = func(r *http.Request) string { return ratelimit.ClientAddr(r, false) }
	}
	ttl := cfg.Service.SessionTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	s := &Server{cfg: cfg, codec: acp20250929.New(cfg.Merchant), openSessions: newSessionCap(cfg.MaxOpenSessions, ttl)}
	// The SDK answers prompts/list whether or not there are prompts, so
	// declare the (empty) capability: a 2026-07-28 server must declare
	// what it handles (conformance server-stateless).
	caps := &mcp.ServerCapabilities{Prompts: &mcp.PromptCapabilities{}}
	caps.AddExtension(uiExtension, map[string]any{"mimeTypes": []string{widgetMIME}})
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "agentshop", Title: cfg.Merchant.Name, Version: cfg.Version}, &mcp.ServerOptions{
		Instructions: instructions(cfg.Merchant.Name),
		Logger:       cfg.Logger,
		Capabilities: caps,
	})
	s.mcp.AddReceivingMiddleware(cfg.ToolCalls.Middleware("app"), s.refuseNUL)
	s.addProductTools()
	s.addCheckoutTools()
	s.addCompleteTool()
	s.addOrderTool()
	s.addWidget()
	return s
}

// instructions tell the model how the tools fit together.
func instructions(shop string) string {
	return strings.TrimSpace(fmt.Sprintf(`
This is %s. Use search_products to find items; show the buyer a few matches.
When the buyer wants to buy, call show_checkout with the item ids and quantities: it opens a
checkout widget where the buyer enters the address, picks shipping and pays. Never ask for card
details in the chat. Prices, taxes and totals come from the server; do not compute them.
Use get_order to answer questions about an order.`, cmp.Or(shop, "the shop")))
}

// Handler returns the streamable HTTP handler to mount at /mcp. It is
// stateless: every POST is answered on its own, so replicas need no
// session affinity.
func (s *Server) Handler() http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: true,
		Logger:       s.cfg.Logger,
		// The go-sdk check cannot be told about allowed hosts; ours
		// (rebinding.go) does the same and more.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        s.cfg.MaxBodyBytes,
	})
	if s.cfg.DisableRebindingProtection {
		return s.limitRequests(h)
	}
	return s.limitRequests(&rebindingGuard{next: h, hosts: s.cfg.AllowedHosts, origins: s.cfg.AllowedOrigins, logger: s.cfg.Logger})
}
