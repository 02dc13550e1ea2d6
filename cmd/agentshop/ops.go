package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"agentshop/internal/app"
	"agentshop/internal/ops"
)

// opsCmd is `agentshop ops`: the operations MCP gateway's Stripe
// accounts, servers and audit log, through the application layer
// (ops.Admin) that the admin API calls too.
func (c *shell) opsCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "ops",
		Short: "Operations MCP gateway: Stripe accounts, ops servers, audit log",
	})
	flags := addConfigFlags(cmd.PersistentFlags(), "data", "database", "master-key-file", "public-url")

	accounts := group(&cobra.Command{Use: "accounts", Short: "Stripe accounts the ops servers reach (keys stored encrypted)"})
	var in ops.AccountInput
	var keyEnv string
	var addOut outputFlag
	add := &cobra.Command{
		Use:   "add --name NAME --stripe-key-env VAR [--stripe-base-url URL]",
		Short: "Add a Stripe account; its secret or restricted key is read from the environment variable VAR",
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyEnv == "" {
				return usageErrorf("--stripe-key-env is required: the name of the environment variable holding the key")
			}
			if in.StripeKey = c.env(keyEnv); in.StripeKey == "" {
				return fmt.Errorf("environment variable %s is empty or unset", keyEnv)
			}
			a, err := c.openAdmin(cmd.Context(), flags)
			if err != nil {
				return err
			}
			defer a.Close()
			acc, err := a.Ops().AddAccount(cmd.Context(), in)
			if err != nil {
				return err
			}
			return addOut.print(c.stdout, ops.NewAccountView(acc), func(w io.Writer) {
				fmt.Fprintf(w, "added account %s (%s, %s mode, key %s)\n", acc.Name, acc.ID, acc.Mode, acc.KeyHint())
			})
		},
	}
	add.Flags().StringVar(&in.Name, "name", "", "the account's name")
	add.Flags().StringVar(&keyEnv, "stripe-key-env", "", "environment variable holding the sk_… or rk_… key")
	add.Flags().StringVar(&in.BaseURL, "stripe-base-url", "", "another Stripe API origin (stripe-mock, a test double)")
	addOut.register(add)

	var listOut outputFlag
	list := &cobra.Command{
		Use:   "list",
		Short: "List the Stripe accounts (never their keys)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			accs, err := a.Ops().Accounts(ctx)
			if err != nil {
				return err
			}
			views := make([]ops.AccountView, 0, len(accs))
			for _, acc := range accs {
				views = append(views, ops.NewAccountView(acc))
			}
			return listOut.print(c.stdout, views, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tMODE\tKEY\tBASE URL\tCREATED")
				for _, v := range views {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Name, v.Mode, v.Key, dash(v.BaseURL), v.CreatedAt.Format(time.RFC3339))
				}
			})
		}),
	}
	listOut.register(list)
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a Stripe account and its servers",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
			if err := a.Ops().RemoveAccount(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "removed account %s and its servers\n", args[0])
			return nil
		}),
	}
	accounts.AddCommand(add, list, remove)

	cmd.AddCommand(accounts, c.opsServersCmd(flags), c.opsAuditCmd(flags))
	return cmd
}

func (c *shell) opsServersCmd(flags *configFlags) *cobra.Command {
	servers := group(&cobra.Command{Use: "servers", Short: "Ops MCP servers: a secret URL with a filtered set of tools over one account"})
	var (
		in                   ops.ServerInput
		methods, tools, tags string
		expiresIn            time.Duration
		expiresAt            string
		createOut            outputFlag
	)
	create := &cobra.Command{
		Use:   "create --account NAME --name NAME [--methods read|write|read,write] [--tools t1,t2] [--tags a,b] [--expires-in D | --expires-at T] [--require-token] [--allow-live-writes] [--api-read]",
		Short: "Create an ops server; prints its URL and token once (only a hash is stored)",
		Long: `Create an ops MCP server over a Stripe account. Its tools are the catalogue's tools
that match every filter given (AND): --methods (read: list, get and search; write: refunds,
dispute evidence and closing; default read), --tools (exact names) and --tags (resources such
as customers, disputes, orders). A filter that matches no tool is refused. --api-read adds the
generic stripe_api_read tool (GET of allowlisted paths). The URL <public-url>/ops/mcp/<token>
and, with --require-token, a bearer secret are printed once.`,
		Args: checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, m := range splitList(methods) {
				in.Filter.Methods = append(in.Filter.Methods, ops.Method(m))
			}
			in.Filter.Tools, in.Filter.Tags = splitList(tools), splitList(tags)
			switch {
			case expiresIn != 0 && expiresAt != "":
				return usageErrorf("give --expires-in or --expires-at, not both")
			case expiresIn != 0:
				in.ExpiresAt = new(time.Now().Add(expiresIn))
			case expiresAt != "":
				t, err := time.Parse(time.RFC3339, expiresAt)
				if err != nil {
					return usageErrorf("--expires-at %q: want RFC 3339, such as 2026-12-31T23:00:00Z", expiresAt)
				}
				in.ExpiresAt = &t
			}
			a, err := c.openAdmin(cmd.Context(), flags)
			if err != nil {
				return err
			}
			defer a.Close()
			n, err := a.Ops().CreateServer(cmd.Context(), in)
			if err != nil {
				return err
			}
			return createOut.print(c.stdout, ops.NewCreatedView(n), func(w io.Writer) {
				fmt.Fprintf(w, "id:\t%s\nurl:\t%s\ntoken:\t%s\n", n.Server.ID, n.URL, n.Token)
				if n.Bearer != "" {
					fmt.Fprintf(w, "bearer token:\t%s\n", n.Bearer)
				}
				exposes := []string{}
				for _, t := range n.Server.Filter.Allowed() {
					exposes = append(exposes, t.Name)
				}
				fmt.Fprintf(w, "tools:\t%s\n", strings.Join(exposes, ", "))
				fmt.Fprintln(w, "The URL, token and bearer token are shown once; only their SHA-256 is stored.")
			})
		},
	}
	f := create.Flags()
	f.StringVar(&in.Account, "account", "", "the Stripe account's name")
	f.StringVar(&in.Name, "name", "", "the server's name")
	f.StringVar(&methods, "methods", "read", "read, write, or read,write")
	f.StringVar(&tools, "tools", "", "only these tools (comma-separated names)")
	f.StringVar(&tags, "tags", "", "only tools with one of these tags (comma-separated)")
	f.DurationVar(&expiresIn, "expires-in", 0, "expire this long from now (at least 60s)")
	f.StringVar(&expiresAt, "expires-at", "", "expire at this RFC 3339 time (at least 60 s ahead)")
	f.BoolVar(&in.RequireToken, "require-token", false, "also require Authorization: Bearer <a second secret, printed once>")
	f.BoolVar(&in.AllowLiveWrites, "allow-live-writes", false, "let write tools act on a live-mode account")
	f.BoolVar(&in.Filter.APIRead, "api-read", false, "add the generic stripe_api_read tool (GET of allowlisted paths)")
	createOut.register(create)

	var listOut outputFlag
	list := &cobra.Command{
		Use:   "list",
		Short: "List the ops servers (never their tokens)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			ss, err := a.Ops().Servers(ctx)
			if err != nil {
				return err
			}
			views := make([]ops.ServerView, 0, len(ss))
			for _, s := range ss {
				views = append(views, ops.NewServerView(s))
			}
			return listOut.print(c.stdout, views, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tACCOUNT\tMETHODS\tTOOLS\tBEARER\tLIVE WRITES\tEXPIRES\tREVOKED")
				for _, v := range views {
					ms := make([]string, len(v.Methods))
					for i, m := range v.Methods {
						ms[i] = string(m)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%t\t%t\t%s\t%s\n", v.ID, v.Name, v.AccountID, strings.Join(ms, ","), len(v.Exposes),
						v.RequireToken, v.AllowLiveWrites, timeOrDash(v.ExpiresAt), timeOrDash(v.RevokedAt))
				}
			})
		}),
	}
	listOut.register(list)
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an ops server: its URL answers 404 from now on",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
			if err := a.Ops().RevokeServer(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "revoked %s\n", args[0])
			return nil
		}),
	}
	servers.AddCommand(create, list, revoke)
	return servers
}

func (c *shell) opsAuditCmd(flags *configFlags) *cobra.Command {
	var (
		f     ops.AuditFilter
		since string
		out   outputFlag
	)
	cmd := &cobra.Command{
		Use:   "audit [--server ID] [--since T] [--limit N]",
		Short: "The ops servers' tool calls, newest first (arguments with secrets masked)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since != "" {
				t, err := time.Parse(time.RFC3339, since)
				if err != nil {
					d, derr := time.ParseDuration(since)
					if derr != nil {
						return usageErrorf("--since %q: want an RFC 3339 time or a duration such as 24h", since)
					}
					t = time.Now().Add(-d)
				}
				f.Since = t
			}
			a, err := c.openAdmin(cmd.Context(), flags)
			if err != nil {
				return err
			}
			defer a.Close()
			es, err := a.Ops().Audit(cmd.Context(), f)
			if err != nil {
				return err
			}
			views := make([]ops.AuditView, 0, len(es))
			for _, e := range es {
				views = append(views, ops.NewAuditView(e))
			}
			return out.print(c.stdout, views, func(w io.Writer) {
				fmt.Fprintln(w, "TIME\tSERVER\tTOOL\tOUTCOME\tMS\tSTRIPE REQUEST\tARGS\tERROR")
				for _, v := range views {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n", v.CreatedAt.Format(time.RFC3339), v.ServerID, v.Tool, v.Outcome,
						v.DurationMS, dash(v.StripeRequestID), v.Args, v.Error)
				}
			})
		},
	}
	cmd.Flags().StringVar(&f.ServerID, "server", "", "only this server's calls")
	cmd.Flags().StringVar(&since, "since", "", "only calls since this RFC 3339 time, or this long ago (24h)")
	cmd.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries")
	out.register(cmd)
	return cmd
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
