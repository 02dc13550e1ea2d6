package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"agentshop/internal/admin"
	"agentshop/internal/app"
)

// adminCmd manages the admin tokens of the admin HTTP API (/admin/v1).
func (c *shell) adminCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "admin",
		Short: "Manage the admin HTTP API's tokens",
	})
	tokens := group(&cobra.Command{
		Use:   "tokens",
		Short: "Create, list and revoke admin tokens (Bearer credentials of /admin/v1)",
	})
	flags := addConfigFlags(tokens.PersistentFlags(), "data", "database", "master-key-file")

	var name string
	var expiresIn time.Duration
	var createOut outputFlag
	create := &cobra.Command{
		Use:   "create [--name NAME] [--expires-in DURATION]",
		Short: "Create an admin token (shown once; only its hash is stored)",
		Args:  checkArgs(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if expiresIn < 0 {
				return usageErrorf("--expires-in must be positive, not %s", expiresIn)
			}
			return nil
		},
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			secret, t, err := a.Admin.CreateAdminToken(ctx, name, expiresIn)
			if err != nil {
				return err
			}
			v := struct {
				admin.TokenView
				Token string `json:"token"`
			}{admin.NewTokenView(t), secret}
			return createOut.print(c.stdout, v, func(w io.Writer) {
				fmt.Fprintf(w, "id:\t%s\nname:\t%s\ntoken:\t%s\n", t.ID, t.Name, secret)
				if t.ExpiresAt != nil {
					fmt.Fprintf(w, "expires:\t%s\n", t.ExpiresAt.Format(time.RFC3339))
				}
				fmt.Fprintln(w, "The token is shown once; only its SHA-256 is stored. Send it as Authorization: Bearer <token> to /admin/v1.")
			})
		}),
	}
	create.Flags().StringVar(&name, "name", "admin", "a name for the token")
	create.Flags().DurationVar(&expiresIn, "expires-in", 0, "the token expires this long from now, e.g. 720h (default: never)")
	createOut.register(create)

	var listOut outputFlag
	list := &cobra.Command{
		Use:   "list",
		Short: "List the admin tokens (never their secrets)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			ts, err := a.Admin.ListAdminTokens(ctx)
			if err != nil {
				return err
			}
			return listOut.print(c.stdout, admin.Views(ts, admin.NewTokenView), func(w io.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tPREFIX\tCREATED\tEXPIRES\tREVOKED")
				for _, v := range admin.Views(ts, admin.NewTokenView) {
					fmt.Fprintf(w, "%s\t%s\t%s…\t%s\t%s\t%s\n", v.ID, v.Name, v.Prefix, v.CreatedAt, dash(v.ExpiresAt), dash(v.RevokedAt))
				}
			})
		}),
	}
	listOut.register(list)

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an admin token (at once)",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
			if err := a.Admin.RevokeAdminToken(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "revoked %s\n", args[0])
			return nil
		}),
	}
	tokens.AddCommand(create, list, revoke)
	cmd.AddCommand(tokens)
	return cmd
}

// dash is s, or "-" when it is empty, for a table cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
