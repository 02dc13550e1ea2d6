package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
	"agentshop/internal/buildinfo"
)

func (c *shell) agentCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "agent",
		Short: "Play the agent: buy from any ACP merchant, or receive its order webhooks",
		Long: `Plays the agent (ChatGPT's role) against any ACP merchant. buy: create a
checkout session, set the address, pick the cheapest shipping, delegate a
test card, complete, and print the order. webhooks: receive the merchant's
order webhooks, check their signatures (and, with the spec directory, their
schema) and print them.`,
	})

	var o agent.BuyOptions
	var shipTo string
	buy := &cobra.Command{
		Use:   "buy --merchant URL --item SKU [--item SKU…] [flags]",
		Short: "Buy from an ACP merchant as an agent would, printing each step",
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkBuyOptions(&o, shipTo); err != nil {
				return err
			}
			return agent.Buy(cmd.Context(), o, c.stdout, c.stderr)
		},
	}
	buyFlags(buy.Flags(), &o, &shipTo, c.env)

	var w agent.WebhookOptions
	webhooks := &cobra.Command{
		Use:   "webhooks --secret S [--listen ADDR] [--spec-dir DIR]",
		Short: "Receive a merchant's order webhooks, check their signatures and print them",
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return agent.ReceiveWebhooks(cmd.Context(), w, c.stdout)
		},
	}
	fs := webhooks.Flags()
	fs.StringVar(&w.Listen, "listen", "127.0.0.1:9090", "address to listen on; point the merchant at http://ADDR"+agent.WebhookPath)
	fs.StringVar(&w.Secret, "secret", c.env("AGENTSHOP_WEBHOOK_SECRET"), "the HMAC secret shared with the merchant (default $AGENTSHOP_WEBHOOK_SECRET)")
	fs.StringVar(&w.SpecDir, "spec-dir", c.env(acpschema.EnvSpecDir), "directory of the official ACP schemas, to validate each body (default $"+acpschema.EnvSpecDir+"; off when empty)")
	cmd.AddCommand(buy, webhooks)
	return cmd
}

// buyFlags registers the flags of `agent buy` on fs.
func buyFlags(fs *pflag.FlagSet, o *agent.BuyOptions, shipTo *string, env func(string) string) {
	o.UserAgent = "agentshop-agent/" + buildinfo.Read().Version
	fs.StringVar(&o.Merchant, "merchant", "", "the merchant's ACP base URL, e.g. http://localhost:8080 (required)")
	fs.StringVar(&o.APIKey, "api-key", env("AGENTSHOP_AGENT_API_KEY"), "the agent's API key at the merchant (default $AGENTSHOP_AGENT_API_KEY)")
	fs.StringVar(&o.SigningSecret, "signing-secret", env("AGENTSHOP_AGENT_SIGNING_SECRET"), "sign requests with this secret (keys made with 'keys create --signing'; default $AGENTSHOP_AGENT_SIGNING_SECRET)")
	fs.StringArrayVar(&o.Items, "item", nil, "an item id (SKU) to buy; repeat for several")
	fs.IntVar(&o.Quantity, "quantity", 1, "quantity of each item")
	fs.StringVar(shipTo, "ship-to", "", `shipping address on one line, comma-separated:
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
}

// checkBuyOptions checks the flags of `agent buy` and parses the address.
func checkBuyOptions(o *agent.BuyOptions, shipTo string) error {
	if shipTo != "" {
		a, err := agent.ParseAddress(shipTo)
		if err != nil {
			return usageErrorf("agent buy: --ship-to: %v", err)
		}
		o.ShipTo = &a
	}
	if err := o.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	return nil
}
