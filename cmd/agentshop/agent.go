package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
	"agentshop/internal/buildinfo"
)

const agentUsage = `usage: agentshop agent buy --merchant URL --item SKU [--item SKU…] [flags]
       agentshop agent webhooks --secret S [--listen ADDR] [--spec-dir DIR]

Plays the agent (ChatGPT's role) against any ACP merchant. buy: create a
checkout session, set the address, pick the cheapest shipping, delegate a
test card, complete, and print the order. webhooks: receive the merchant's
order webhooks, check their signatures (and, with the spec directory, their
schema) and print them. Run 'agentshop agent buy -h' for the flags.
`

// runAgent implements `agentshop agent`: buy and webhooks.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, agentUsage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "buy":
		o, err := parseBuyFlags(args[1:], stderr, os.Getenv)
		if err != nil {
			return err
		}
		return agent.Buy(ctx, o, stdout, stderr)
	case "webhooks":
		return runAgentWebhooks(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, agentUsage)
		return nil
	}
	fmt.Fprint(stderr, agentUsage)
	return fmt.Errorf("agent: unknown subcommand %q", args[0])
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func parseBuyFlags(args []string, stderr io.Writer, env func(string) string) (agent.BuyOptions, error) {
	o := agent.BuyOptions{UserAgent: "agentshop-agent/" + buildinfo.Read().Version}
	fs := flag.NewFlagSet("agent buy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var items listFlag
	var shipTo string
	fs.StringVar(&o.Merchant, "merchant", "", "the merchant's ACP base URL, e.g. http://localhost:8080 (required)")
	fs.StringVar(&o.APIKey, "api-key", env("AGENTSHOP_AGENT_API_KEY"), "the agent's API key at the merchant (default $AGENTSHOP_AGENT_API_KEY)")
	fs.StringVar(&o.SigningSecret, "signing-secret", env("AGENTSHOP_AGENT_SIGNING_SECRET"), "sign requests with this secret (keys made with 'keys create --signing'; default $AGENTSHOP_AGENT_SIGNING_SECRET)")
	fs.Var(&items, "item", "an item id (SKU) to buy; repeat for several")
	fs.IntVar(&o.Quantity, "quantity", 1, "quantity of each item")
	fs.StringVar(&shipTo, "ship-to", "", `shipping address on one line, comma-separated:
"Name, Line 1[, Line 2], City, State Postal[, Country]"
e.g. "Ada Lovelace, 1 Main St, San Francisco, CA 94103, US".
State and postal code may also be separate parts ("…, CA, 94103, US");
the country (ISO 3166-1 alpha-2) defaults to US. Not needed for a digital-only cart.`)
	fs.StringVar(&o.Email, "email", "", "the buyer's email (sent with the address and as the buyer on complete)")
	fs.StringVar(&o.Version, "api-version", acpclient.Version20260417, "ACP API version: "+strings.Join(acpclient.Versions, " or "))
	fs.StringVar(&o.Currency, "currency", "", "session currency for 2026-04-17 (default: the merchant's first supported currency from discovery, else usd)")
	fs.StringVar(&o.Card, "card", "4242424242424242", "test card number (spaces allowed); against an agentshop sandbox:\n"+agent.TestCardHelp())
	fs.StringVar(&o.MerchantID, "merchant-id", "", "merchant id for the delegated-payment allowance (default: the one the session declares)")
	fs.StringVar(&o.Auth3DS, "auth-3ds", "authenticated", `3-D Secure outcome to report when a 2026-04-17 merchant answers authentication_required
(authenticated, attempt_acknowledged, denied, …); "none" stops there`)
	fs.BoolVar(&o.JSON, "json", false, "print the final session JSON on stdout (the steps go to stderr)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("agent buy: unexpected argument %q", fs.Arg(0))
	}
	o.Items = items
	return o, checkBuyOptions(&o, shipTo)
}

// checkBuyOptions checks the flags of `agent buy` and normalises the card
// number and the address.
func checkBuyOptions(o *agent.BuyOptions, shipTo string) error {
	switch {
	case o.Merchant == "":
		return errors.New("agent buy: --merchant is required")
	case len(o.Items) == 0:
		return errors.New("agent buy: at least one --item is required")
	case o.Quantity < 1:
		return fmt.Errorf("agent buy: --quantity must be at least 1, not %d", o.Quantity)
	case !slices.Contains(acpclient.Versions, o.Version):
		return fmt.Errorf("agent buy: --api-version %q is not supported (use %s)", o.Version, strings.Join(acpclient.Versions, " or "))
	}
	card, err := agent.CardNumber(o.Card)
	if err != nil {
		return fmt.Errorf("agent buy: --card: %w", err)
	}
	o.Card = card
	if shipTo != "" {
		a, err := agent.ParseAddress(shipTo)
		if err != nil {
			return fmt.Errorf("agent buy: --ship-to: %w", err)
		}
		o.ShipTo = &a
	}
	return nil
}

// runAgentWebhooks implements `agentshop agent webhooks`.
func runAgentWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agent webhooks", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o agent.WebhookOptions
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:9090", "address to listen on; point the merchant at http://ADDR"+agent.WebhookPath)
	fs.StringVar(&o.Secret, "secret", os.Getenv("AGENTSHOP_WEBHOOK_SECRET"), "the HMAC secret shared with the merchant (default $AGENTSHOP_WEBHOOK_SECRET)")
	fs.StringVar(&o.SpecDir, "spec-dir", os.Getenv(acpschema.EnvSpecDir), "directory of the official ACP schemas, to validate each body (default $"+acpschema.EnvSpecDir+"; off when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return agent.ReceiveWebhooks(ctx, o, stdout)
}
