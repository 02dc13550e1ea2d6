package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"agentshop/internal/app"
)

// openAdmin opens the application on an existing database for an admin
// command: no surfaces, no workers, logs to stderr.
func openAdmin(ctx context.Context, cfg Config, stderr io.Writer) (*app.App, error) {
	return app.New(ctx, cfg, app.Options{Logs: stderr, Existing: true})
}

// runKeys manages agent API keys: create, list, revoke.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: agentshop keys create [--name NAME] [--signing] | list | revoke ID")
		return flag.ErrHelp
	}
	sub := args[0]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "agent", "a name for the key (create)")
	signing := fs.Bool("signing", false, "also require HMAC request signatures with a generated signing secret (create)")
	cfg, err := loadConfig(fs, args[1:], os.Getenv)
	if err != nil {
		return err
	}
	a, err := openAdmin(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.Store
	switch sub {
	case "create":
		secret, k, err := a.CreateAPIKey(ctx, *name, *signing)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "id:      %s\nname:    %s\napi key: %s\n", k.ID, k.Name, secret)
		if k.SigningSecret != "" {
			fmt.Fprintf(stdout, "signing secret: %s\n", k.SigningSecret)
		}
		fmt.Fprintln(stdout, "The key is shown once; only its SHA-256 is stored.")
	case "list":
		keys, err := st.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tSIGNED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%t\t%s\n", k.ID, k.Name, k.Prefix, k.CreatedAt.Format(time.RFC3339), k.SigningSecret != "", revoked)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("usage: agentshop keys revoke ID")
		}
		if err := a.RevokeAPIKey(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
	default:
		return fmt.Errorf("unknown keys command %q (create, list, revoke)", sub)
	}
	return nil
}
