package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"agentshop/internal/app"
	"agentshop/internal/commerce"
	"agentshop/internal/store"
)

func (c *shell) serveCmd() *cobra.Command {
	var flags *configFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the merchant server (ACP checkout API, MCP, hosted pages, sandbox payments)",
		Long: `Run the merchant server. Settings come from defaults, the JSON config file
(--config), AGENTSHOP_* environment variables and flags, later ones winning.
On first start it creates the database and prints an agent API key.`,
		Args: checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(c.stderr, "agentshop: starting…")
			cfg, err := flags.load(c.env)
			if err != nil {
				return err
			}
			tuneGC(c.env)
			m := &Main{Config: cfg, Stdout: c.stdout, Stderr: c.stderr}
			if err := m.Run(cmd.Context()); err != nil {
				m.Close()
				return err
			}
			<-cmd.Context().Done()
			m.Logger.Info("shutting down: draining in-flight requests")
			return m.Close()
		},
	}
	flags = addConfigFlags(cmd.Flags())
	return cmd
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
	App     *app.App
}

// Run builds the application, binds the listener, makes sure an agent API
// key exists (printing the first one) and starts serving. It returns once
// the listener is open.
func (m *Main) Run(ctx context.Context) error {
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	if m.Stdout == nil {
		m.Stdout = os.Stdout
	}
	a, err := app.New(ctx, m.Config, app.Options{Logs: m.Stderr})
	if err != nil {
		return err
	}
	m.App, m.Logger, m.Store, m.Service = a, a.Logger, a.Store, a.Service
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w (choose another address with --addr)", err)
	}
	// Only now: a start that fails above uses up no first-start key.
	if err := a.EnsureAPIKey(ctx, m.Stdout); err != nil {
		_ = ln.Close()
		return err
	}
	return a.Run(ctx, ln)
}

// URL is the server's base URL (useful when listening on port 0).
func (m *Main) URL() string { return m.App.URL() }

// Close stops the server (see [app.App.Close]).
func (m *Main) Close() error {
	if m.App == nil {
		return nil
	}
	return m.App.Close()
}
