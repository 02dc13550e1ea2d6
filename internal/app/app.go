// Package app is agentshop's composition root. [New] builds, once, from a
// [Config], everything a process needs: the store, the payment provider,
// the [commerce.Service], the HTTP surfaces (ACP REST, ACP MCP, the
// ChatGPT App, the hosted pages, the admin API, health and metrics) and
// the background workers (order webhooks, the janitor). `agentshop serve`
// runs it; the admin commands (admin, keys, orders, events) call the same
// administration ([App.Admin], internal/admin) as the admin API, on the
// same store and service, configured the same way, without the surfaces
// or workers.
//
// Config is read here in layers (defaults, file, environment); the flags
// belong to cmd/agentshop, which applies them before [Config.Validate].
// Only cmd/agentshop imports this package, and it links no test code.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acpmcp"
	"agentshop/internal/admin"
	"agentshop/internal/adminapi"
	"agentshop/internal/apikey"
	"agentshop/internal/buildinfo"
	"agentshop/internal/commerce"
	"agentshop/internal/commercemetrics"
	"agentshop/internal/mcpapp"
	"agentshop/internal/mcpmetrics"
	"agentshop/internal/opsmcp"
	"agentshop/internal/ratelimit"
	"agentshop/internal/reqsign"
	"agentshop/internal/store"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/web"
	"agentshop/internal/webhook"
)

// Options say what [New] builds.
type Options struct {
	// Logs receives the logs (default os.Stderr).
	Logs io.Writer
	// Existing opens only a database that already has agentshop's schema
	// (an error wrapping [ErrNoSchema] otherwise) and builds neither the
	// HTTP surfaces nor the workers: the admin commands' mode. Without it
	// the database is created and migrated, and stock seeded.
	Existing bool
	// Janitor, when set, drives the janitor instead of its hourly ticker
	// and clock (tests).
	Janitor *JanitorControl
}

// JanitorControl drives an [App]'s janitor from a test, as river's
// TestSignals do: a run starts when [App.Run] starts the janitor, as
// always, and then at each receive from Tick instead of every hour; it
// reads the time from Now; and Ran is told what each run deleted, once it
// has.
type JanitorControl struct {
	Tick <-chan struct{}
	Now  func() time.Time
	// Ran must not block for long: the next run waits for it.
	Ran func(JanitorRun)
}

// JanitorRun is what one janitor run deleted.
type JanitorRun struct {
	IdempotencyRecords int64 // expired ones
	DeliveredEvents    int64 // delivered longer ago than webhook.keep_delivered
	AbandonedSessions  int64 // with the idempotency records that name them
}

// App is one built agentshop: its store and service, and, unless built
// with [Options.Existing], its HTTP handler and workers, which [App.Run]
// starts.
type App struct {
	Config  Config
	Logger  *slog.Logger
	Store   store.Store
	Service *commerce.Service
	Catalog *commerce.Catalog
	// Admin is the administration (admin tokens, API keys, orders,
	// events) that the admin commands and the admin API both call.
	Admin *admin.Service

	provider string
	master   masterKey // seals the store's secrets; its key may be nil
	handler  http.Handler
	tls      *tls.Config // nil: plain HTTP

	server  *http.Server
	ln      net.Listener
	done    chan error
	debug   *http.Server // pprof, when Config.DebugAddr is set
	debugLn net.Listener

	metrics   http.Handler // served on Config.MetricsAddr when set
	metricsSv *http.Server
	metricsLn net.Listener

	stopJanitor, janitorDone chan struct{}
	janitorCtl               *JanitorControl

	webhooks     *webhook.Worker // nil when no endpoint is configured
	stopWebhooks context.CancelFunc
	webhooksDone chan struct{}
}

// New builds the application from cfg, which must have passed
// [Config.Validate]. On error nothing is left open.
func New(ctx context.Context, cfg Config, o Options) (*App, error) {
	if o.Logs == nil {
		o.Logs = os.Stderr
	}
	log, err := NewLogger(o.Logs, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Logger: log, provider: cfg.Shop.PaymentProvider, janitorCtl: o.Janitor}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		a.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if a.Catalog, err = LoadCatalog(cfg); err != nil {
		return nil, err
	}
	if a.Store, a.master, err = openStore(ctx, cfg, o.Existing, log); err != nil {
		return nil, err
	}
	if err := a.build(ctx, o); err != nil {
		_ = a.Store.Close()
		return nil, err
	}
	return a, nil
}

// build makes the service and, unless o.Existing, the surfaces.
func (a *App) build(ctx context.Context, o Options) error {
	cfg, st := a.Config, a.Store
	if !o.Existing {
		if err := st.SeedStock(ctx, a.Catalog.InitialStock()); err != nil {
			return fmt.Errorf("seed stock: %w", err)
		}
	}
	merchant := cfg.Shop.merchant()
	payments, sb, err := paymentHandlers(cfg, st, a.Logger)
	if err != nil {
		return err
	}
	provider := payments.Default()
	a.provider = provider.Name()
	// The modes declared to agents are the handlers', which their
	// credentials confirmed.
	merchant.Provider = provider.Name()
	merchant.LiveMode = payments.DefaultMode() == commerce.ModeLive
	merchant.DefaultMode = payments.DefaultMode()
	for _, h := range payments.All() {
		merchant.Handlers = append(merchant.Handlers, h.PaymentHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfoGauge())
	metrics := acp.NewMetrics(reg)
	toolCalls := mcpmetrics.New(reg)
	if b, ok := st.(webhook.Backlog); ok {
		reg.MustRegister(&webhook.BacklogCollector{Backlog: b, Logger: a.Logger})
	}
	if db, ok := st.(*sqlite.DB); ok {
		registerWriterMetrics(reg, db)
	}
	orderMetrics := commercemetrics.New(reg)
	a.Service = &commerce.Service{
		Store:        st,
		Pricer:       &commerce.Pricer{Catalog: a.Catalog, Config: cfg.Shop.pricing()},
		Payments:     payments,
		Logger:       a.Logger,
		SessionTTL:   time.Duration(cfg.Shop.SessionTTL),
		PaymentLease: time.Duration(cfg.Shop.PaymentLease),
		Observe:      metrics.ObserveComplete(provider.Name()),

		ObserveOrderChange:  orderMetrics.ObserveOrderChange,
		ObservePayment:      orderMetrics.ObservePayment,
		ObservePaymentEvent: orderMetrics.ObservePaymentEvent,
		// With an endpoint, orders get events; an admin process queues
		// them too, and the running server sends them.
		OrderEvents: cfg.Webhook.URL != "" || cfg.Webhook.TestURL != "",
	}
	a.Admin = &admin.Service{Store: st, Commerce: a.Service}
	if a.master.key == nil {
		a.Admin.NoSealing = ErrNoMasterKey
	}
	// Test orders' webhooks go to webhook.test_url only. A shop with no
	// live handler has only test orders: webhook.url is their endpoint
	// unless test_url is set. A shop with live handlers and no test_url
	// queues no events for test orders.
	hook := webhookDestinations(cfg.Webhook, hasLive(payments))
	a.Service.SkipTestOrderEvents = hook.TestURL == ""
	if o.Existing {
		return nil
	}
	codecs := []acp.Codec{acp20250929.New(merchant), acp20260417.New(merchant)}
	if w := hook; w.URL != "" || w.TestURL != "" {
		if w.URL != "" && w.Secret == "" {
			return errors.New("webhook url set but AGENTSHOP_WEBHOOK_SECRET is empty: order webhooks must be signed")
		}
		if w.TestURL != "" && w.TestSecret == "" {
			return errors.New("webhook test_url set but AGENTSHOP_WEBHOOK_TEST_SECRET is empty: order webhooks must be signed")
		}
		var enc webhook.Encoder // the codec of the webhook's version
		for _, c := range codecs {
			if e, ok := c.(webhook.Encoder); ok && c.Version() == w.APIVersion {
				enc = e
			}
		}
		a.webhooks, err = webhook.New(webhook.Config{
			URL:         w.URL,
			Secret:      w.Secret,
			TestURL:     w.TestURL,
			TestSecret:  w.TestSecret,
			Store:       st,
			Encoder:     enc,
			Client:      &http.Client{Timeout: time.Duration(w.Timeout)},
			Logger:      a.Logger.With("surface", "webhook"),
			Metrics:     webhook.NewMetrics(reg),
			Lease:       time.Duration(w.Lease),
			MaxAttempts: w.MaxAttempts,
		})
		if err != nil {
			return err
		}
		a.Service.EventsQueued = a.webhooks.Wake
	}
	// One API key cache for both surfaces that take the keys, so that a
	// revoked key stops working on both at the same moment.
	keys := apikey.NewCache(st, time.Duration(cfg.Shop.APIKeyCache), time.Now)
	// One signature verifier too: a signature accepted on one surface is
	// remembered for both (the signed strings differ, so this is memory
	// bounded once per process rather than once per surface).
	signatures := reqsign.NewVerifier(0, 0, time.Now)
	// Likewise one per-key limiter and one failed-authentication limiter:
	// a key, or an address guessing keys, has one budget on both.
	perKey := ratelimit.New(cfg.Shop.RateLimit, cfg.Shop.RateBurst, 0)
	authFailures := ratelimit.New(cfg.Shop.AuthFailureLimit, cfg.Shop.AuthFailureBurst, 0)
	behindProxy := cfg.Shop.BehindProxy
	clientAddr := func(r *http.Request) string { return ratelimit.ClientAddr(r, behindProxy) }
	api := acp.NewHandler(acp.Config{
		Service:        a.Service,
		Store:          st,
		Keys:           keys,
		Signatures:     signatures,
		Codecs:         codecs,
		Merchant:       merchant,
		Delegate:       delegate(sb),
		Logger:         a.Logger,
		Metrics:        metrics,
		MaxBodyBytes:   cfg.Shop.MaxBodyBytes,
		Limiter:        perKey,
		AuthFailures:   authFailures,
		ClientAddr:     clientAddr,
		InFlightLease:  time.Duration(cfg.Shop.IdempotencyInFlight),
		IdempotencyTTL: idempotencyTTL,
	})

	acpMCP := acpmcp.New(acpmcp.Config{
		Service:                    a.Service,
		Store:                      st,
		Keys:                       keys,
		Signatures:                 signatures,
		Codecs:                     codecs,
		Logger:                     a.Logger,
		Metrics:                    metrics,
		ToolCalls:                  toolCalls,
		MaxBodyBytes:               cfg.Shop.MaxBodyBytes,
		InFlightLease:              time.Duration(cfg.Shop.IdempotencyInFlight),
		IdempotencyTTL:             idempotencyTTL,
		Limiter:                    perKey,
		AuthFailures:               authFailures,
		ClientAddr:                 clientAddr,
		DisableLocalhostProtection: cfg.Shop.BehindProxy,
	})

	// The ChatGPT App. A tunnel URL given as --public-url passes the
	// DNS-rebinding check; --behind-proxy turns the check off.
	var allowedHosts []string
	if u, err := url.Parse(merchant.BaseURL); err == nil && u.Host != "" {
		allowedHosts = append(allowedHosts, u.Host)
	}
	chatApp := mcpapp.New(mcpapp.Config{
		Service:                    a.Service,
		Catalog:                    a.Catalog,
		Merchant:                   merchant,
		Logger:                     a.Logger.With("surface", "mcp"),
		Version:                    buildinfo.Read().Version,
		ToolCalls:                  toolCalls,
		AllowedHosts:               allowedHosts,
		DisableRebindingProtection: cfg.Shop.BehindProxy,
		Limiter:                    ratelimit.New(cfg.Shop.MCPRateLimit, cfg.Shop.MCPRateBurst, 0),
		ClientAddr:                 clientAddr,
		MaxOpenSessions:            cfg.Shop.MCPMaxOpenSessions,
		MaxBodyBytes:               cfg.Shop.MCPMaxBodyBytes,
	})

	mux := http.NewServeMux()
	// The operations MCP gateway: per-server limits, and token guessing
	// counted with the other failed authentications of an address.
	opsmcp.New(opsmcp.Config{
		Store:                      st,
		Service:                    a.Service,
		Logger:                     a.Logger,
		Limiter:                    ratelimit.New(opsRatePerSecond, opsRateBurst, 0),
		NotFound:                   authFailures,
		ClientAddr:                 clientAddr,
		DisableLocalhostProtection: cfg.Shop.BehindProxy,
		Version:                    buildinfo.Read().Version,
	}).Register(mux)

	api.Register(mux)
	// The admin API shares the failed-authentication budget: an address
	// guessing admin tokens is the one guessing API keys.
	adminapi.New(adminapi.Config{
		Admin:        a.Admin,
		Ops:          a.Ops(),
		Idempotency:  st,
		Logger:       a.Logger,
		AuthFailures: authFailures,
		ClientAddr:   clientAddr,
		InFlight:     time.Duration(cfg.Shop.IdempotencyInFlight),
	}).Register(mux)
	mux.Handle("/mcp", chatApp.Handler())
	// No method in the pattern: the MCP SDK answers GET and DELETE itself.
	mux.Handle("/acp/mcp", acpMCP.Handler())
	if cfg.CSRFKey == "" {
		a.Logger.Info("no AGENTSHOP_CSRF_KEY: hosted checkout forms are signed with a per-process key (set one shared key when running several replicas)")
	}
	(&web.Handler{
		Store:    st,
		Merchant: merchant,
		Logger:   a.Logger,
		Checkout: a.Service,
		PaySteps: paySteps(sb, merchant.ID),
		CSRFKey:  []byte(cfg.CSRFKey),
		Metrics:  web.NewMetrics(reg),
		// Its own buckets: a buyer's page loads do not use up the App's
		// budget of the same address, nor the other way round.
		Limiter:    ratelimit.New(cfg.Shop.WebRateLimit, cfg.Shop.WebRateBurst, 0),
		ClientAddr: clientAddr,
	}).Register(mux)
	a.providerWebhooks(mux, orderMetrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /readyz", &readiness{store: st, every: time.Second, now: time.Now, log: a.Logger})
	a.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", a.metrics)
	}
	a.handler = mux
	return nil
}

// buildInfoGauge is agentshop_build_info, 1, labelled with the build.
func buildInfoGauge() prometheus.Collector {
	bi := buildinfo.Read()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "agentshop_build_info",
		Help:        "Always 1; its labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "revision": bi.Revision, "goversion": bi.GoVersion},
	})
	g.Set(1)
	return g
}

// Handler is the HTTP handler of every surface; nil for an app built with
// [Options.Existing].
func (a *App) Handler() http.Handler { return a.handler }

// Run serves [App.Handler] on ln (HTTPS when the config names a
// certificate) and starts the workers. It returns once they run; [App.Close]
// stops them.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	if a.handler == nil {
		return errors.New("app: run: built without its HTTP surfaces")
	}
	cfg := a.Config
	if a.tls != nil {
		ln = tls.NewListener(ln, a.tls)
	}
	a.ln = ln
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
		TLSConfig:         a.tls,
	}
	a.done = make(chan error, 1)
	go func() { a.done <- a.server.Serve(ln) }()
	a.stopJanitor = make(chan struct{})
	a.janitorDone = make(chan struct{})
	go a.janitor(time.Hour)
	if a.webhooks != nil {
		ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.stopWebhooks = cancel
		a.webhooksDone = make(chan struct{})
		go func() {
			defer close(a.webhooksDone)
			a.webhooks.Run(ctx)
		}()
	}
	if cfg.DebugAddr != "" {
		if err := a.serveDebug(cfg.DebugAddr); err != nil {
			return err
		}
	}
	if cfg.MetricsAddr != "" {
		if err := a.serveMetrics(cfg.MetricsAddr); err != nil {
			return err
		}
	}
	a.Logger.Info("agentshop serving", "addr", ln.Addr().String(), "public_url", cfg.Shop.PublicURL,
		"store", storeKind(cfg), "provider", a.provider, "items", len(a.Catalog.Items()), "tls", a.tls != nil)
	return nil
}

// URL is the base URL of the listener [App.Run] serves (useful on port 0).
func (a *App) URL() string {
	if a.tls != nil {
		return "https://" + a.ln.Addr().String()
	}
	return "http://" + a.ln.Addr().String()
}

// DebugAddr is the address pprof is served on; "" when it is off.
func (a *App) DebugAddr() string {
	if a.debugLn == nil {
		return ""
	}
	return a.debugLn.Addr().String()
}

// MetricsAddr is the address /metrics is served on apart from the main
// listener; "" when it is served on the main one.
func (a *App) MetricsAddr() string {
	if a.metricsLn == nil {
		return ""
	}
	return a.metricsLn.Addr().String()
}

// janitor deletes expired idempotency records, order events delivered
// longer ago than webhook.keep_delivered, and sessions that never became
// orders once they have been expired for shop.session_retention, every
// interval. Several replicas
// may run it at once; the deletes are idempotent.
func (a *App) janitor(every time.Duration) {
	defer close(a.janitorDone)
	now, ctl := time.Now, a.janitorCtl
	var tick <-chan struct{}
	var ticker <-chan time.Time
	if ctl != nil && ctl.Now != nil {
		now = ctl.Now
	}
	if ctl != nil && ctl.Tick != nil {
		tick = ctl.Tick
	} else {
		t := time.NewTicker(every)
		defer t.Stop()
		ticker = t.C
	}
	for {
		run := a.janitorRun(context.Background(), now())
		if ctl != nil && ctl.Ran != nil {
			ctl.Ran(run)
		}
		select {
		case <-a.stopJanitor:
			return
		case <-ticker:
		case <-tick:
		}
	}
}

// idempotencyTTL is how long REST and /acp/mcp keep answers for replay
// (ACP §6: at least 24 h).
const idempotencyTTL = 24 * time.Hour

// janitorRun is one run of the janitor at now.
func (a *App) janitorRun(ctx context.Context, now time.Time) JanitorRun {
	var run JanitorRun
	var err error
	if run.IdempotencyRecords, err = a.Store.DeleteExpiredIdempotencyKeys(ctx, now); err != nil {
		a.Logger.Warn("delete expired idempotency records", "err", err)
	} else if run.IdempotencyRecords > 0 {
		a.Logger.Info("deleted expired idempotency records", "count", run.IdempotencyRecords)
	}
	if run.DeliveredEvents, err = a.Store.DeleteDeliveredEvents(ctx, now.Add(-time.Duration(a.Config.Webhook.KeepDelivered))); err != nil {
		a.Logger.Warn("delete delivered order events", "err", err)
	} else if run.DeliveredEvents > 0 {
		a.Logger.Info("deleted delivered order events", "count", run.DeliveredEvents)
	}
	if n, err := a.Ops().Sweep(ctx); err != nil {
		a.Logger.Warn("delete expired ops servers", "err", err)
	} else if n > 0 {
		a.Logger.Info("deleted expired ops servers", "count", n)
	}
	a.sweepProviderEvents(ctx)
	if keep := time.Duration(a.Config.Shop.SessionRetention); keep > 0 {
		before := now.Add(-keep)
		// A create's idempotency record names no session (its scope is
		// POST /checkout_sessions), so it cannot go with the session: wait
		// until it has expired, idempotencyTTL after the create, so that a
		// replayed create never answers with a deleted session. With the
		// defaults (24 h TTL, 168 h retention) this never binds.
		if created := now.Add(-idempotencyTTL + time.Duration(a.Config.Shop.SessionTTL)); created.Before(before) {
			before = created
		}
		if run.AbandonedSessions, err = a.deleteAbandonedSessions(ctx, before); err != nil {
			a.Logger.Warn("delete abandoned sessions", "err", err)
		} else if run.AbandonedSessions > 0 {
			a.Logger.Info("deleted abandoned sessions", "count", run.AbandonedSessions, "expired_before", before)
		}
	}
	return run
}

// deleteAbandonedSessions deletes the sessions that expired before
// before and never became orders, in batches so that no one transaction
// holds the database for long, at most 100,000 a run.
func (a *App) deleteAbandonedSessions(ctx context.Context, before time.Time) (int64, error) {
	const batch = 1000
	var total int64
	for range 100 {
		n, err := a.Store.DeleteAbandonedSessions(ctx, before, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, nil
}

// serveDebug serves net/http/pprof's handlers on addr, apart from the
// public mux so that they are never reachable through it.
func (a *App) serveDebug(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	a.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	a.debugLn = ln
	go func() { _ = a.debug.Serve(ln) }()
	a.Logger.Info("pprof serving", "addr", ln.Addr().String())
	return nil
}

// serveMetrics serves /metrics on addr, its own listener, so that the
// main listener need not expose it.
func (a *App) serveMetrics(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics)
	a.metricsSv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	a.metricsLn = ln
	go func() { _ = a.metricsSv.Serve(ln) }()
	a.Logger.Info("metrics serving", "addr", ln.Addr().String())
	return nil
}

// Close stops accepting connections, waits up to 20 s for in-flight
// requests, stops the workers, then closes the store.
func (a *App) Close() error {
	var errs []error
	if a.stopJanitor != nil {
		close(a.stopJanitor)
		<-a.janitorDone
		a.stopJanitor = nil
	}
	if a.debug != nil {
		_ = a.debug.Close()
	}
	if a.metricsSv != nil {
		_ = a.metricsSv.Close()
	}
	if a.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := a.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
		if err := <-a.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		a.server = nil
	}
	// After the server: a complete finishing during Shutdown may still
	// wake the worker. Attempts in flight are finished and recorded.
	if a.stopWebhooks != nil {
		a.stopWebhooks()
		<-a.webhooksDone
		a.stopWebhooks = nil
	}
	if a.Store != nil {
		if err := a.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		a.Store = nil
	}
	return errors.Join(errs...)
}

// hasLive reports whether any handler, enabled or not, is live: a shop
// that has ever been configured for live orders keeps test ones apart.
func hasLive(p *commerce.Payments) bool {
	for _, h := range p.All() {
		if h.Mode == commerce.ModeLive {
			return true
		}
	}
	return false
}

// webhookDestinations is where order webhooks go: live orders to
// webhook.url, test orders to webhook.test_url. In a shop without live
// handlers every order is a test order and webhook.url, when test_url is
// not set, is their endpoint.
func webhookDestinations(w Webhook, live bool) Webhook {
	if !live && w.TestURL == "" {
		w.TestURL, w.TestSecret = w.URL, w.Secret
	}
	return w
}
