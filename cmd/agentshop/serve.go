package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"agentshop/internal/acp"
	"agentshop/internal/acp/acp20250929"
	"agentshop/internal/acp/acp20260417"
	"agentshop/internal/acpmcp"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
	"agentshop/internal/mcpapp"
	"agentshop/internal/payment/sandbox"
	"agentshop/internal/payment/stripe"
	"agentshop/internal/store"
	"agentshop/internal/store/postgres"
	"agentshop/internal/store/sqlite"
	"agentshop/internal/web"
	"agentshop/internal/webhook"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(fs, args, os.Getenv)
	if err != nil {
		return err
	}
	tuneGC(os.Getenv)
	m := &Main{Config: cfg, Stdout: stdout, Stderr: stderr}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	m.Logger.Info("shutting down: draining in-flight requests")
	return m.Close()
}

// gcPercent is the garbage collector's GOGC for serve and bench when the
// GOGC environment variable is not set. Their live heap is small (a few
// MiB: the data is in the store) and every request allocates, so Go's
// default of 100 runs a collection every few MiB allocated. At 400, on the
// 2-core benchmark machine at 16 agents, serve used 10-25 % less CPU per
// purchase for about 13 MiB more resident memory (57 → 70 MiB), and the
// bench client 15 % less (BENCHMARKS.md); 1000 saved nothing more.
const gcPercent = 400

// tuneGC sets [gcPercent] unless GOGC says otherwise.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// Main is a running agentshop server. Tests start it on 127.0.0.1:0.
type Main struct {
	Config Config
	Stdout io.Writer // where the first API key is printed
	Stderr io.Writer // logs

	Logger  *slog.Logger
	Store   store.Store
	Service *commerce.Service
	server  *http.Server
	ln      net.Listener
	done    chan error
	debug   *http.Server // pprof, when Config.DebugAddr is set
	debugLn net.Listener

	stopJanitor, janitorDone chan struct{}

	webhooks     *webhook.Worker // nil when no endpoint is configured
	stopWebhooks context.CancelFunc
	webhooksDone chan struct{}
}

// janitor deletes expired idempotency records, and order events delivered
// longer ago than webhook.keep_delivered, every interval. Several replicas
// may run it at once; the deletes are idempotent.
func (m *Main) janitor(every time.Duration) {
	defer close(m.janitorDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ctx := context.Background()
		n, err := m.Store.DeleteExpiredIdempotencyKeys(ctx, time.Now())
		if err != nil {
			m.Logger.Warn("delete expired idempotency records", "err", err)
		} else if n > 0 {
			m.Logger.Info("deleted expired idempotency records", "count", n)
		}
		n, err = m.Store.DeleteDeliveredEvents(ctx, time.Now().Add(-time.Duration(m.Config.Webhook.KeepDelivered)))
		if err != nil {
			m.Logger.Warn("delete delivered order events", "err", err)
		} else if n > 0 {
			m.Logger.Info("deleted delivered order events", "count", n)
		}
		select {
		case <-m.stopJanitor:
			return
		case <-t.C:
		}
	}
}

// paymentProvider returns the configured provider and, when it is the
// sandbox, the sandbox itself (for delegate_payment and the hosted page's
// card form, which exist only for it).
func paymentProvider(cfg Config, st commerce.Store, log *slog.Logger) (commerce.PaymentProvider, *sandbox.Provider, error) {
	if cfg.Shop.PaymentProvider == "stripe" {
		if cfg.Stripe.SecretKey == "" {
			return nil, nil, errors.New("payment provider stripe needs AGENTSHOP_STRIPE_SECRET_KEY")
		}
		p, err := stripe.New(stripe.Config{SecretKey: cfg.Stripe.SecretKey, BaseURL: cfg.Stripe.BaseURL,
			APIVersion: cfg.Stripe.APIVersion, Logger: log})
		return p, nil, err
	}
	sb := sandbox.New(st, cfg.Shop.MerchantID, time.Now)
	return sb, sb, nil
}

// delegate is the sandbox's delegate_payment handler, or nil (no endpoint)
// for a real provider: agents bring its tokens (Stripe Shared Payment
// Tokens) from the provider.
func delegate(sb *sandbox.Provider) acp.DelegateFunc {
	if sb == nil {
		return nil
	}
	return sb.HandleDelegate
}

// paySteps are the hosted checkout's payment forms: the sandbox's test
// card form, or none (the page then says payment is not available there).
func paySteps(sb *sandbox.Provider, merchantID string) map[string]web.PayStep {
	if sb == nil {
		return nil
	}
	return map[string]web.PayStep{"sandbox": &web.SandboxCard{Provider: sb, MerchantID: merchantID}}
}

// loadCatalog returns the configured catalog, or the embedded demo shop.
func loadCatalog(cfg Config) (*commerce.Catalog, error) {
	if cfg.Catalog == "" {
		return catalog.Demo(), nil
	}
	return catalog.LoadFile(cfg.Catalog)
}

// Run opens the store, applies migrations, seeds stock, makes sure an
// agent API key exists and starts serving. It returns once the listener is
// open.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	if m.Stdout == nil {
		m.Stdout = os.Stdout
	}
	m.Logger = newLogger(m.Stderr, cfg.LogFormat, cfg.LogLevel)

	cat, err := loadCatalog(cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	m.Store = st
	if err := st.SeedStock(ctx, cat.InitialStock()); err != nil {
		return fmt.Errorf("seed stock: %w", err)
	}
	if err := m.ensureAPIKey(ctx); err != nil {
		return err
	}

	merchant := cfg.Shop.merchant()
	provider, sb, err := paymentProvider(cfg, st, m.Logger.With("provider", cfg.Shop.PaymentProvider))
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := acp.NewMetrics(reg)
	if db, ok := st.(*sqlite.DB); ok {
		registerWriterMetrics(reg, db)
	}
	m.Service = &commerce.Service{
		Store:        st,
		Pricer:       &commerce.Pricer{Catalog: cat, Config: cfg.Shop.pricing()},
		Provider:     provider,
		Logger:       m.Logger,
		SessionTTL:   time.Duration(cfg.Shop.SessionTTL),
		PaymentLease: time.Duration(cfg.Shop.PaymentLease),
		Observe:      metrics.ObserveComplete(provider.Name()),
	}
	codecs := []acp.Codec{acp20250929.New(merchant), acp20260417.New(merchant)}
	if w := cfg.Webhook; w.URL != "" {
		if w.Secret == "" {
			return errors.New("webhook url set but AGENTSHOP_WEBHOOK_SECRET is empty: order webhooks must be signed")
		}
		var enc webhook.Encoder // the codec of the webhook's version
		for _, c := range codecs {
			if e, ok := c.(webhook.Encoder); ok && c.Version() == w.APIVersion {
				enc = e
			}
		}
		m.webhooks, err = webhook.New(webhook.Config{
			URL:         w.URL,
			Secret:      w.Secret,
			Store:       st,
			Encoder:     enc,
			Client:      &http.Client{Timeout: time.Duration(w.Timeout)},
			Logger:      m.Logger.With("surface", "webhook"),
			Metrics:     webhook.NewMetrics(reg),
			Lease:       time.Duration(w.Lease),
			MaxAttempts: w.MaxAttempts,
		})
		if err != nil {
			return err
		}
		m.Service.OrderEvents = true
		m.Service.EventsQueued = m.webhooks.Wake
	}
	api := acp.NewHandler(acp.Config{
		Service:       m.Service,
		Store:         st,
		Codecs:        codecs,
		Merchant:      merchant,
		Delegate:      delegate(sb),
		Logger:        m.Logger,
		Metrics:       metrics,
		MaxBodyBytes:  cfg.Shop.MaxBodyBytes,
		RateLimit:     cfg.Shop.RateLimit,
		RateBurst:     cfg.Shop.RateBurst,
		InFlightLease: time.Duration(cfg.Shop.IdempotencyInFlight),
		KeyCacheTTL:   time.Duration(cfg.Shop.APIKeyCache),
	})

	acpMCP := acpmcp.New(acpmcp.Config{
		Service:                    m.Service,
		Store:                      st,
		Codecs:                     codecs,
		Logger:                     m.Logger,
		Metrics:                    metrics,
		MaxBodyBytes:               cfg.Shop.MaxBodyBytes,
		InFlightLease:              time.Duration(cfg.Shop.IdempotencyInFlight),
		DisableLocalhostProtection: cfg.Shop.BehindProxy,
	})

	// The ChatGPT App. A tunnel URL given as --public-url passes the
	// DNS-rebinding check; --behind-proxy turns the check off.
	var allowedHosts []string
	if u, err := url.Parse(merchant.BaseURL); err == nil && u.Host != "" {
		allowedHosts = append(allowedHosts, u.Host)
	}
	app := mcpapp.New(mcpapp.Config{
		Service:                    m.Service,
		Catalog:                    cat,
		Merchant:                   merchant,
		Logger:                     m.Logger.With("surface", "mcp"),
		Version:                    version,
		AllowedHosts:               allowedHosts,
		DisableRebindingProtection: cfg.Shop.BehindProxy,
	})

	mux := http.NewServeMux()
	api.Register(mux)
	mux.Handle("/mcp", app.Handler())
	// No method in the pattern: the MCP SDK answers GET and DELETE itself.
	mux.Handle("/acp/mcp", acpMCP.Handler())
	if cfg.CSRFKey == "" {
		m.Logger.Info("no AGENTSHOP_CSRF_KEY: hosted checkout forms are signed with a per-process key (set one shared key when running several replicas)")
	}
	(&web.Handler{
		Store:    st,
		Merchant: merchant,
		Logger:   m.Logger,
		Checkout: m.Service,
		PaySteps: paySteps(sb, merchant.ID),
		CSRFKey:  []byte(cfg.CSRFKey),
	}).Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			m.Logger.Warn("not ready", "err", err)
			http.Error(w, "not ready: store unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	m.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.server.Serve(m.ln) }()
	m.stopJanitor = make(chan struct{})
	m.janitorDone = make(chan struct{})
	go m.janitor(time.Hour)
	if m.webhooks != nil {
		ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		m.stopWebhooks = cancel
		m.webhooksDone = make(chan struct{})
		go func() {
			defer close(m.webhooksDone)
			m.webhooks.Run(ctx)
		}()
	}
	if cfg.DebugAddr != "" {
		if err := m.serveDebug(cfg.DebugAddr); err != nil {
			return err
		}
	}
	m.Logger.Info("agentshop serving", "addr", m.ln.Addr().String(), "public_url", merchant.BaseURL,
		"store", storeKind(cfg), "provider", provider.Name(), "items", len(cat.Items()))
	return nil
}

// serveDebug serves net/http/pprof's handlers on addr, apart from the
// public mux so that they are never reachable through it.
func (m *Main) serveDebug(addr string) error {
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
	m.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.debugLn = ln
	go func() { _ = m.debug.Serve(ln) }()
	m.Logger.Info("pprof serving", "addr", ln.Addr().String())
	return nil
}

// URL is the server's base URL (useful when listening on port 0).
func (m *Main) URL() string { return "http://" + m.ln.Addr().String() }

// Close stops accepting connections, waits up to 20 s for in-flight
// requests, then closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.stopJanitor != nil {
		close(m.stopJanitor)
		<-m.janitorDone
	}
	if m.debug != nil {
		_ = m.debug.Close()
	}
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
		if err := <-m.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	// After the server: a complete finishing during Shutdown may still
	// wake the worker. Attempts in flight are finished and recorded.
	if m.stopWebhooks != nil {
		m.stopWebhooks()
		<-m.webhooksDone
	}
	if m.Store != nil {
		if err := m.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	return errors.Join(errs...)
}

// ensureAPIKey installs AGENTSHOP_AGENT_API_KEY, or creates and prints a
// key when the store has none.
func (m *Main) ensureAPIKey(ctx context.Context) error {
	now := time.Now()
	if s := m.Config.AgentAPIKey; s != "" {
		_, err := m.Store.APIKeyByHash(ctx, commerce.HashSecret(s))
		if errors.Is(err, commerce.ErrNotFound) {
			err = m.Store.CreateAPIKey(ctx, commerce.APIKeyFromSecret("AGENTSHOP_AGENT_API_KEY", s, now))
			if errors.Is(err, commerce.ErrConflict) {
				err = nil // another replica starting at the same time stored it
			}
		}
		return err
	}
	keys, err := m.Store.ListAPIKeys(ctx)
	if err != nil || len(keys) > 0 {
		return err
	}
	secret, k := commerce.NewAPIKey("first key", now)
	if err := m.Store.CreateAPIKey(ctx, k); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Created an agent API key (shown once; only its hash is stored):\n\n    %s\n\n", secret)
	return nil
}

func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	if strings.HasPrefix(cfg.Database, "postgres://") || strings.HasPrefix(cfg.Database, "postgresql://") {
		return postgres.Open(ctx, cfg.Database)
	}
	if cfg.Database != "" {
		return nil, fmt.Errorf("--database must be a postgres:// URL (leave it empty for SQLite in --data)")
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(cfg.Data, "agentshop.db"))
}

// registerWriterMetrics exports what SQLite's single writer has done. The
// rate of agentshop_sqlite_writer_busy_seconds_total is its utilization:
// near 1, write latency is its queue (BENCHMARKS.md).
func registerWriterMetrics(reg prometheus.Registerer, db *sqlite.DB) {
	counter := func(name, help string, v func(sqlite.WriterStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return v(db.WriterStats()) })
	}
	reg.MustRegister(
		counter("agentshop_sqlite_writer_batches_total", "Write transactions committed by the SQLite writer (group commits).",
			func(s sqlite.WriterStats) float64 { return float64(s.Batches) }),
		counter("agentshop_sqlite_writer_jobs_total", "Transactions and single writes committed in those batches.",
			func(s sqlite.WriterStats) float64 { return float64(s.Jobs) }),
		counter("agentshop_sqlite_writer_busy_seconds_total", "Time the SQLite writer spent running batches and checkpoint restarts.",
			func(s sqlite.WriterStats) float64 { return s.Busy.Seconds() }),
		counter("agentshop_sqlite_writer_commit_seconds_total", "Part of the busy time spent in COMMIT (WAL writes and fsync).",
			func(s sqlite.WriterStats) float64 { return s.Commit.Seconds() }),
	)
}

func storeKind(cfg Config) string {
	if cfg.Database != "" {
		return "postgres"
	}
	return "sqlite:" + filepath.Join(cfg.Data, "agentshop.db")
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
