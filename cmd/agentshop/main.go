// Command agentshop lets a merchant sell to AI agents: it serves the Agentic
// Commerce Protocol checkout API with a built-in sandbox payment provider,
// manages agent API keys, and plays the agent for testing.
//
//	agentshop serve            run the merchant server
//	agentshop keys create|list|revoke
//	agentshop agent buy        play the agent against any ACP merchant
//	agentshop conformance      check any ACP merchant against the spec
//	agentshop bench            load-test an ACP merchant
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"agentshop/internal/buildinfo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "agentshop:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: agentshop <command> [flags]

commands:
  serve     run the merchant server (ACP checkout API, sandbox payments)
  keys      manage agent API keys: create | list | revoke ID
  orders    list orders; record shipping and delivery: list | ship ID | deliver ID
  events    list the order-webhook outbox (delivered, pending, dead); requeue ID
  agent     play the agent: buy, or receive order webhooks
  conformance  check any ACP merchant against the spec and its JSON Schemas
  bench     drive concurrent agents through purchases and report latency
  version   print the version

Run 'agentshop <command> -h' for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], stdout, stderr)
	case "orders":
		return runOrders(ctx, args[1:], stdout, stderr)
	case "events":
		return runEvents(ctx, args[1:], stdout, stderr)
	case "agent":
		return runAgent(ctx, args[1:], stdout, stderr)
	case "conformance":
		return runConformance(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, buildinfo.Read())
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
