package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"agentshop/internal/acpclient"
)

// Scenarios [Run] knows.
const (
	ScenarioFull   = "full"
	ScenarioCreate = "create"
	ScenarioGet    = "get"
	ScenarioNoop   = "noop"
)

// Scenarios lists the scenarios of [Config.Scenario].
var Scenarios = []string{ScenarioFull, ScenarioCreate, ScenarioGet, ScenarioNoop}

// Config describes one benchmark run.
type Config struct {
	// Merchant is the ACP base URL; APIKey the agent's key; Version the
	// API-Version sent (default 2026-04-17).
	Merchant string
	APIKey   string
	Version  string
	// Concurrency is the number of agents, each running one flow at a time.
	Concurrency int
	// Duration bounds the run: no flow starts after it. Flows running at
	// that moment finish (within Grace), so the last seconds are not cut.
	Duration time.Duration
	// Grace bounds how long running flows may take after Duration
	// (default 30 s); requests still running then are canceled.
	Grace time.Duration
	// MaxFlows, when positive, stops starting flows after this many.
	MaxFlows int64
	// Scenario is one of [Scenarios] (default full).
	Scenario string
	// Item and Quantity are what each flow buys (default 1).
	Item     string
	Quantity int
	// Card is the test card number to delegate (default 4242…4242).
	Card string
	// Currency is sent on 2026-04-17 creates (default usd).
	Currency string
	// MerchantID binds delegated payments. Empty: the one the session
	// declares (read once through 2026-04-17 when the version is
	// 2025-09-29, which has no field for it).
	MerchantID string
	// HTTP sends the requests. Nil: a client whose transport keeps
	// Concurrency idle connections to the merchant, so that no request
	// pays for a new TCP connection (net/http keeps only 2 by default).
	HTTP *http.Client
	// Ledger, when set, is the merchant's own books; [Verify] then checks
	// charges and stock, not just what the API shows.
	Ledger Ledger
	// VerifyMax caps how many successful flows [Verify] re-reads over HTTP
	// (default 10000); beyond it, an evenly spaced sample.
	VerifyMax int
	// Metrics, when set, is the URL of the merchant's Prometheus metrics
	// (agentshop serves them at /metrics). The report then adds the
	// latency the server measured itself, which leaves out the network and
	// this client.
	Metrics string
}

func (c *Config) defaults() error {
	if c.Merchant == "" {
		return errors.New("bench: merchant URL required")
	}
	if c.Version == "" {
		c.Version = acpclient.Version20260417
	}
	if c.Scenario == "" {
		c.Scenario = ScenarioFull
	}
	if !slices.Contains(Scenarios, c.Scenario) {
		return fmt.Errorf("bench: unknown scenario %q", c.Scenario)
	}
	if !slices.Contains(acpclient.Versions, c.Version) {
		return fmt.Errorf("bench: unsupported API version %q", c.Version)
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("bench: concurrency must be at least 1, not %d", c.Concurrency)
	}
	if c.Duration <= 0 && c.MaxFlows <= 0 {
		return errors.New("bench: a duration or a maximum number of flows is required")
	}
	if c.Scenario != ScenarioNoop && c.Item == "" {
		return errors.New("bench: an item is required")
	}
	if c.Quantity == 0 {
		c.Quantity = 1
	}
	if c.Card == "" {
		c.Card = "4242424242424242"
	}
	if c.Currency == "" {
		c.Currency = "usd"
	}
	if c.Grace <= 0 {
		c.Grace = 30 * time.Second
	}
	if c.VerifyMax <= 0 {
		c.VerifyMax = 10000
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				Proxy:               nil, // loopback benchmarks must not go through a proxy
				MaxIdleConns:        c.Concurrency + 8,
				MaxIdleConnsPerHost: c.Concurrency + 8,
				IdleConnTimeout:     90 * time.Second,
			},
		}
	}
	return nil
}

// Flow is one agent's purchase as the bench saw it.
type Flow struct {
	SessionID string
	OrderID   string
	Total     int64
	// OK is true when complete answered completed with an order.
	OK bool
	// Err says where a failed flow stopped ("" when OK).
	Err string
}

// Report is the outcome of [Run].
type Report struct {
	Config   Config
	Started  time.Time
	Elapsed  time.Duration // first request to last answer
	Flows    int           // flows attempted (scenario iterations)
	OK       int           // flows that succeeded
	Requests int           // requests sent, answered or not
	// Latencies has one entry per endpoint seen, in flow order.
	Latencies []Latency
	// Errors counts failures by "endpoint: kind".
	Errors map[string]int
	// Sessions are the full scenario's flows, in no particular order.
	Sessions []Flow
	// StockBefore is the item's stock from the Ledger before the run
	// (-1 without a Ledger).
	StockBefore int64
	// Server is the server-side latency by endpoint when Config.Metrics
	// is set; ServerErr says why it is missing when scraping failed.
	Server    []ServerLatency
	ServerErr string
	// Writer is how busy the server's SQLite writer was, when it says.
	Writer *WriterUse
}

// FlowsPerSecond is successful flows per second of elapsed time.
func (r *Report) FlowsPerSecond() float64 { return perSecond(r.OK, r.Elapsed) }

// RequestsPerSecond is requests sent per second of elapsed time.
func (r *Report) RequestsPerSecond() float64 { return perSecond(r.Requests, r.Elapsed) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Latency returns the summary for endpoint (zero Count when none).
func (r *Report) Latency(endpoint string) Latency {
	for _, l := range r.Latencies {
		if l.Endpoint == endpoint {
			return l
		}
	}
	return Latency{Endpoint: endpoint}
}

// Run drives cfg.Concurrency agents through cfg.Scenario until
// cfg.Duration has passed or cfg.MaxFlows flows have started, and reports
// what happened. Failed requests are counted, not returned: the error is
// for a configuration the run cannot start with, or a Ledger that fails.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	r := &Report{Config: cfg, StockBefore: -1}
	if cfg.Ledger != nil && cfg.Scenario == ScenarioFull {
		n, err := cfg.Ledger.Stock(ctx, cfg.Item)
		if err != nil {
			return nil, fmt.Errorf("bench: read stock of %s: %w", cfg.Item, err)
		}
		r.StockBefore = n
	}
	a := &agents{cfg: cfg, c: newClient(cfg)}
	var before *serverState
	if cfg.Metrics != "" {
		var err error
		if before, err = scrapeServer(ctx, metricsClient(cfg), cfg.Metrics); err != nil {
			return nil, err
		}
	}

	// Requests in flight at the deadline may finish within Grace.
	hard, cancel := context.WithCancel(ctx)
	defer cancel()
	var deadline time.Time
	r.Started = time.Now()
	if cfg.Duration > 0 {
		deadline = r.Started.Add(cfg.Duration)
		stop := time.AfterFunc(cfg.Duration+cfg.Grace, cancel)
		defer stop.Stop()
	}
	var (
		started atomic.Int64
		wg      sync.WaitGroup
		recs    = make([]*recorder, cfg.Concurrency)
		flows   = make([][]Flow, cfg.Concurrency)
		counts  = make([]int, cfg.Concurrency)
		oks     = make([]int, cfg.Concurrency)
	)
	for i := range cfg.Concurrency {
		recs[i] = newRecorder()
		wg.Go(func() {
			w := &worker{agents: a, rec: recs[i]}
			for ctx.Err() == nil {
				if !deadline.IsZero() && !time.Now().Before(deadline) {
					return
				}
				if cfg.MaxFlows > 0 && started.Add(1) > cfg.MaxFlows {
					return
				}
				counts[i]++
				f := w.iterate(hard)
				if f.OK {
					oks[i]++
				}
				if cfg.Scenario == ScenarioFull {
					flows[i] = append(flows[i], f)
				}
			}
		})
	}
	wg.Wait()
	r.Elapsed = time.Since(r.Started)
	if cfg.Metrics != "" {
		after, err := scrapeServer(ctx, metricsClient(cfg), cfg.Metrics)
		if err != nil {
			r.ServerErr = err.Error()
		} else {
			r.Server = serverLatencies(before, after, endpointOrder)
			r.Writer = writerUse(before, after)
		}
	}

	all := merge(recs)
	r.Requests = all.requests
	r.Errors = all.errors
	for _, e := range endpointOrder {
		if s, ok := all.samples[e]; ok {
			r.Latencies = append(r.Latencies, summarize(e, s))
		}
	}
	for i := range cfg.Concurrency {
		r.Flows += counts[i]
		r.OK += oks[i]
		r.Sessions = append(r.Sessions, flows[i]...)
	}
	return r, nil
}

func metricsClient(cfg Config) *http.Client {
	if cfg.HTTP != nil {
		return cfg.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func newClient(cfg Config) *acpclient.Client {
	return &acpclient.Client{BaseURL: cfg.Merchant, APIKey: cfg.APIKey, Version: cfg.Version, HTTP: cfg.HTTP, UserAgent: "agentshop-bench"}
}
