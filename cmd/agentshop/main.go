// Command agentshop lets a merchant sell to AI agents: it serves the Agentic
// Commerce Protocol checkout API with a built-in sandbox payment provider,
// manages agent API keys and orders, and plays the agent for testing.
//
//	agentshop serve            run the merchant server
//	agentshop admin|keys|orders|events|catalog   administer it
//	agentshop agent buy        play the agent against any ACP merchant
//	agentshop conformance      check any ACP merchant against the spec
//	agentshop bench            load-test an ACP merchant
//
// The commands are built with cobra; the application itself is built by
// internal/app. Exit status: 0 on success and for --help, 1 when the
// command fails, 2 for a usage error (unknown command or flag, missing or
// extra argument, no command at all).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"agentshop/internal/buildinfo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitFailure = 1
	exitUsage   = 2
)

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	cmd, err := execute(ctx, args, stdout, stderr, env)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "agentshop:", err)
	if _, ok := errors.AsType[*usageError](err); ok {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	}
	return exitFailure
}

// execute runs args through the command tree and returns the command that
// ran (or failed to parse) and its error.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) (*cobra.Command, error) {
	root := newRoot(&shell{stdout: stdout, stderr: stderr, env: env})
	root.SetArgs(args)
	return root.ExecuteContextC(ctx)
}

// shell is what every command writes to and reads its environment from.
type shell struct {
	stdout, stderr io.Writer
	env            func(string) string
}

// usageError is a mistake in the command line: exit status 2, with a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// checkArgs makes an argument rule's error a usage error.
func checkArgs(rule cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := rule(cmd, args); err != nil {
			return &usageError{msg: err.Error()}
		}
		return nil
	}
}

func newRoot(c *shell) *cobra.Command {
	bi := buildinfo.Read()
	root := &cobra.Command{
		Use:   "agentshop",
		Short: "Sell to AI agents: an Agentic Commerce Protocol merchant server and its tools",
		Long: `agentshop serves the Agentic Commerce Protocol (ACP) checkout API, the ACP MCP
binding, a ChatGPT App and hosted checkout pages, with a sandbox payment
provider or Stripe. Its other commands administer a shop (keys, orders,
events, catalog) and play the agent against any ACP merchant.`,
		Version:       strings.TrimPrefix(bi.String(), "agentshop "),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	group(root)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetVersionTemplate("agentshop {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.AddCommand(c.serveCmd(), c.adminCmd(), c.keysCmd(), c.opsCmd(), c.ordersCmd(), c.eventsCmd(), c.catalogCmd(),
		c.agentCmd(), c.conformanceCmd(), c.benchCmd(), c.versionCmd())
	return root
}

// group makes cmd a command that only holds subcommands: run bare, it
// prints its help and fails with a usage error, as does an unknown
// subcommand (with suggestions).
func group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return &usageError{msg: msg}
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cmd.SetOut(cmd.ErrOrStderr())
		_ = cmd.Help()
		return usageErrorf("%s needs a command", cmd.CommandPath())
	}
	return cmd
}

func (c *shell) versionCmd() *cobra.Command {
	var out outputFlag
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and build time",
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			bi := buildinfo.Read()
			return out.print(c.stdout, bi, func(w io.Writer) { fmt.Fprintln(w, bi) })
		},
	}
	out.register(cmd)
	return cmd
}
