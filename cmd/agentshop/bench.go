package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
	"agentshop/internal/app"
	"agentshop/internal/bench"
	"agentshop/internal/commerce"
)

// benchOptions are the flags of `agentshop bench`.
type benchOptions struct {
	cfg       bench.Config
	data      string // SQLite data directory to verify against
	database  string // PostgreSQL URL to verify against
	serveNoop string // hidden: serve bench.NoopHandler on this address
	cpuProf   string // write the client's CPU profile here
}

func (c *shell) benchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench --merchant URL --api-key KEY [flags]",
		Short: "Drive concurrent agents through purchases and report latency",
		Long: `Drives concurrent agents through purchases against an ACP merchant, reports
throughput and latency, and verifies every session afterwards (and, with
--data or --database, the charges and stock in agentshop's own store).
agentshop serve's default per-key limit (5,000 requests/s, bursts of
10,000) is above what one replica serves, so one key is not throttled; a
lower rate_limit_per_second answers 429s, which bench counts as errors.`,
		Args: checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return &usageError{msg: err.Error()}
			}
			return o.run(cmd.Context(), c.stdout, c.stderr, c.env)
		},
	}
	o.register(cmd.Flags(), c.env)
	return cmd
}

func (o *benchOptions) register(fs *pflag.FlagSet, env func(string) string) {
	c := &o.cfg
	fs.StringVar(&c.Merchant, "merchant", "", "the merchant's ACP base URL, e.g. http://127.0.0.1:8080 (required)")
	fs.StringVar(&c.APIKey, "api-key", env("AGENTSHOP_AGENT_API_KEY"), "the agent's API key (default $AGENTSHOP_AGENT_API_KEY)")
	fs.IntVar(&c.Concurrency, "concurrency", 16, "concurrent agents, each running one flow at a time")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "how long to start flows for; running flows then finish")
	fs.StringVar(&c.Scenario, "scenario", bench.ScenarioFull, "full (create → update → delegate_payment → complete), create or get")
	fs.StringVar(&c.Version, "api-version", acpclient.Version20260417, "ACP API version: "+strings.Join(acpclient.Versions, " or "))
	fs.StringVar(&c.Item, "item", "gift-card-25", "item id each flow buys (the demo gift card has stock 10000)")
	fs.IntVar(&c.Quantity, "quantity", 1, "quantity per flow")
	fs.StringVar(&c.Card, "card", "4242424242424242", "test card number to delegate")
	fs.StringVar(&c.MerchantID, "merchant-id", "", "merchant id for payment allowances (default: the one the session declares)")
	fs.Int64Var(&c.MaxFlows, "max-flows", 0, "stop starting flows after this many (0: no limit)")
	fs.IntVar(&c.VerifyMax, "verify-max", 10000, "re-read at most this many successful sessions afterwards (evenly sampled beyond)")
	fs.StringVar(&o.data, "data", "", `the server's SQLite data directory: also verify charges and stock in its
database (same machine only; it is opened like 'serve' opens it and only read)`)
	fs.StringVar(&o.database, "database", "", "the server's PostgreSQL URL: also verify charges and stock there (only read)")
	fs.StringVar(&c.Metrics, "metrics", "", `the merchant's Prometheus metrics URL (agentshop: MERCHANT/metrics): also report
the latency the server measured itself, without the network and this client`)
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write the bench client's own CPU profile (of the load phase) to this file")
	// Hidden: the trivial server for --scenario noop, in its own process.
	fs.StringVar(&o.serveNoop, "serve-noop", "", "serve bench.NoopHandler on this address")
	_ = fs.MarkHidden("serve-noop")
}

// check checks the flags.
func (o *benchOptions) check() error {
	c := &o.cfg
	if o.serveNoop != "" {
		return nil
	}
	switch {
	case c.Merchant == "":
		return errors.New("bench: --merchant is required")
	case !slices.Contains(bench.Scenarios, c.Scenario):
		return fmt.Errorf("bench: --scenario %q: use full, create or get", c.Scenario)
	case c.Concurrency < 1:
		return fmt.Errorf("bench: --concurrency must be at least 1, not %d", c.Concurrency)
	case c.Duration <= 0 && c.MaxFlows <= 0:
		return errors.New("bench: --duration must be positive (or set --max-flows)")
	case c.Quantity < 1:
		return fmt.Errorf("bench: --quantity must be at least 1, not %d", c.Quantity)
	case o.data != "" && o.database != "":
		return errors.New("bench: use --data or --database, not both")
	}
	card, err := agent.CardNumber(c.Card)
	if err != nil {
		return fmt.Errorf("bench: --card: %w", err)
	}
	c.Card = card
	return nil
}

// run load-tests an ACP merchant: it prints the report and the
// verification, and fails when the verification does.
func (o *benchOptions) run(ctx context.Context, stdout, stderr io.Writer, env func(string) string) error {
	tuneGC(env)
	if o.serveNoop != "" {
		return bench.ServeNoop(ctx, o.serveNoop, stdout)
	}
	if o.data != "" || o.database != "" {
		st, err := app.OpenStore(ctx, Config{Data: o.data, Database: o.database}, true)
		if err != nil {
			return fmt.Errorf("bench: open the server's store: %w", err)
		}
		defer st.Close()
		o.cfg.Ledger = storeLedger{st}
	}
	fmt.Fprintf(stderr, "bench: %s for %s with %d agents…\n", o.cfg.Scenario, o.cfg.Duration, o.cfg.Concurrency)
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
	}
	r, err := bench.Run(ctx, o.cfg)
	pprof.StopCPUProfile() // a no-op without --cpuprofile
	if err != nil {
		return err
	}
	r.Print(stdout)
	if r.Config.Scenario != bench.ScenarioFull {
		return nil
	}
	v, err := bench.Verify(context.WithoutCancel(ctx), r)
	if err != nil {
		return err
	}
	v.Print(stdout)
	if !v.OK() {
		return fmt.Errorf("bench: verification failed (%d problems)", v.ProblemCount)
	}
	return nil
}

// storeLedger is [app.StoreLedger] on st.
type storeLedger struct{ st commerce.Store }

func (l storeLedger) Stock(ctx context.Context, itemID string) (int64, error) {
	return app.StoreLedger{Store: l.st}.Stock(ctx, itemID)
}

func (l storeLedger) Session(ctx context.Context, id string) (bench.LedgerSession, error) {
	return app.StoreLedger{Store: l.st}.Session(ctx, id)
}
