package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"agentshop/internal/acp/acpschema"
	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
	"agentshop/internal/conformance"
)

// errConformanceFailed is returned when a check failed; the table says
// which.
var errConformanceFailed = errors.New("conformance: checks failed")

const conformanceLong = `Checks any ACP merchant against the spec and the official JSON Schemas:
create/update/get/complete/cancel, status rules, totals arithmetic, message
params, error shapes, auth, API-Version, idempotency, discovery, and
delegated-payment allowances and test cards when the merchant hosts a
sandbox /agentic_commerce/delegate_payment. Prints a pass/fail table and
exits non-zero when a check fails.

The first --item must be a physical item in stock (about eight units per
version are bought); an optional second --item is a digital item.
Schemas are read from --spec-dir (default $AGENTSHOP_ACP_SPEC_DIR), a
directory with <version>/json-schema/*.json; --no-schema runs without.`

// conformanceOptions are the flags of `agentshop conformance`.
type conformanceOptions struct {
	cfg      conformance.Config
	specDir  string
	noSchema bool
	junit    string
	items    []string
	version  string
	shipTo   string
}

func (c *shell) conformanceCmd() *cobra.Command {
	var o conformanceOptions
	cmd := &cobra.Command{
		Use:   "conformance --merchant URL --api-key KEY --item SKU [--item DIGITAL_SKU] [flags]",
		Short: "Check any ACP merchant against the spec and its JSON Schemas",
		Long:  conformanceLong,
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return &usageError{msg: err.Error()}
			}
			return o.run(cmd.Context(), c.stdout)
		},
	}
	o.register(cmd.Flags(), c.env)
	return cmd
}

func (o *conformanceOptions) register(fs *pflag.FlagSet, env func(string) string) {
	fs.StringVar(&o.cfg.Merchant, "merchant", "", "the merchant's ACP base URL (required)")
	fs.StringVar(&o.cfg.APIKey, "api-key", env("AGENTSHOP_AGENT_API_KEY"), "the agent's API key at the merchant (default $AGENTSHOP_AGENT_API_KEY)")
	fs.StringVar(&o.cfg.SigningSecret, "signing-secret", env("AGENTSHOP_AGENT_SIGNING_SECRET"), "sign requests with this secret (keys made with 'keys create --signing'; default $AGENTSHOP_AGENT_SIGNING_SECRET)")
	fs.StringVar(&o.version, "api-version", "", "check only this API version ("+strings.Join(acpclient.Versions, " or ")+"); default: every one the merchant supports")
	fs.StringArrayVar(&o.items, "item", nil, "an item id: first a physical in-stock item (required), then optionally a digital one")
	fs.StringVar(&o.specDir, "spec-dir", env(acpschema.EnvSpecDir), "directory of the official ACP JSON Schemas (default $"+acpschema.EnvSpecDir+")")
	fs.BoolVar(&o.noSchema, "no-schema", false, "run without the JSON Schemas (responses are not validated; the report says so)")
	fs.StringVar(&o.junit, "junit", "", "also write the results as JUnit XML to this file")
	fs.StringVar(&o.shipTo, "ship-to", "", `shipping address, "Name, Line 1, City, State Postal, Country" (default a San Francisco, CA, US address)`)
	fs.StringVar(&o.cfg.Currency, "currency", "", "2026-04-17 session currency (default: discovery's first, else usd)")
	fs.StringVar(&o.cfg.MerchantID, "merchant-id", "", "merchant id for delegated-payment allowances (default: the one the session declares)")
}

// check checks the flags and fills in the checker's configuration.
func (o *conformanceOptions) check() error {
	switch {
	case o.cfg.Merchant == "":
		return errors.New("conformance: --merchant is required")
	case len(o.items) == 0:
		return errors.New("conformance: --item is required: ACP has no product API, so name a physical in-stock item")
	case len(o.items) > 2:
		return errors.New("conformance: at most two --item: a physical item, then a digital one")
	case o.version != "" && !slices.Contains(acpclient.Versions, o.version):
		return fmt.Errorf("conformance: --api-version %q is not supported (use %s)", o.version, strings.Join(acpclient.Versions, " or "))
	case o.specDir == "" && !o.noSchema:
		return fmt.Errorf("conformance: the official ACP JSON Schemas are required: pass --spec-dir or set %s (a directory with <version>/json-schema/*.json), or run with --no-schema", acpschema.EnvSpecDir)
	}
	o.cfg.Item = o.items[0]
	if len(o.items) == 2 {
		o.cfg.DigitalItem = o.items[1]
	}
	if o.version != "" {
		o.cfg.Versions = []string{o.version}
	}
	if o.shipTo != "" {
		a, err := agent.ParseAddress(o.shipTo)
		if err != nil {
			return fmt.Errorf("conformance: --ship-to: %w", err)
		}
		o.cfg.Address = &a
	}
	return nil
}

// run checks the merchant and prints the table. It returns
// errConformanceFailed when a check failed.
func (o *conformanceOptions) run(ctx context.Context, stdout io.Writer) error {
	if !o.noSchema {
		v, err := acpschema.Load(o.specDir)
		if err != nil {
			return fmt.Errorf("conformance: load schemas: %w", err)
		}
		o.cfg.Schemas = v
	}
	rep, runErr := conformance.Run(ctx, o.cfg)
	if rep != nil {
		if err := rep.WriteTable(stdout); err != nil {
			return err
		}
		if o.junit != "" {
			if err := rep.WriteJUnitFile(o.junit); err != nil {
				return err
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	if rep.Failed() {
		return errConformanceFailed
	}
	return nil
}
