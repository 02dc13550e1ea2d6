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

func (c *shell) keysCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "keys",
		Short: "Manage agent API keys: create, list, revoke; rotate the master key",
	})
	flags := addConfigFlags(cmd.PersistentFlags(), "data", "database", "master-key-file")

	var in admin.KeyInput
	create := &cobra.Command{
		Use:   "create [--name NAME] [--signing]",
		Short: "Create an agent API key (shown once; only its hash is stored)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			secret, k, err := a.Admin.CreateAPIKey(ctx, in, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "id:      %s\nname:    %s\napi key: %s\n", k.ID, k.Name, secret)
			if k.SigningSecret != "" {
				fmt.Fprintf(c.stdout, "signing secret: %s\n", k.SigningSecret)
			}
			fmt.Fprintln(c.stdout, "The key is shown once; only its SHA-256 is stored.")
			return nil
		}),
	}
	create.Flags().StringVar(&in.Name, "name", "agent", "a name for the key")
	create.Flags().BoolVar(&in.Signing, "signing", false, "also require HMAC request signatures with a generated signing secret")

	var out outputFlag
	list := &cobra.Command{
		Use:   "list",
		Short: "List the agent API keys (never their secrets)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			keys, err := a.Admin.ListAPIKeys(ctx)
			if err != nil {
				return err
			}
			return out.print(c.stdout, admin.Views(keys, admin.NewKeyView), func(w io.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tPREFIX\tCREATED\tSIGNED\tREVOKED")
				for _, k := range keys {
					revoked := "-"
					if k.RevokedAt != nil {
						revoked = k.RevokedAt.Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%s\t%s\t%s…\t%s\t%t\t%s\n", k.ID, k.Name, k.Prefix, k.CreatedAt.Format(time.RFC3339), k.SigningSecret != "", revoked)
				}
			})
		}),
	}
	out.register(list)

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an agent API key",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
			if _, err := a.Admin.RevokeAPIKey(ctx, args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "revoked %s\n", args[0])
			return nil
		}),
	}
	var newKeyFile string
	rotate := &cobra.Command{
		Use:   "rotate-master [--new-master-key-file FILE]",
		Short: "Re-encrypt every secret in the database under a new master key (one transaction; safe to run again)",
		Long: `Re-encrypt every secret the database keeps (API keys' signing secrets) under a new
master key, in one transaction. The new key is AGENTSHOP_NEW_MASTER_KEY, or the file
--new-master-key-file (generated, 0600, when it does not exist). With the current key in a
file and no new key given, a key is generated into FILE.new, which replaces FILE once the
secrets are re-encrypted. Interrupted, run it again with the same arguments.`,
		Args: checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			res, err := a.RotateMasterKey(ctx, newKeyFile)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "re-encrypted %d secrets under master key %s\n", res.Resealed, res.KeyID)
			switch {
			case res.Replaced:
				fmt.Fprintf(c.stdout, "%s now holds the new key; the old key is gone\n", res.File)
			case res.File != "":
				fmt.Fprintf(c.stdout, "start agentshop with --master-key-file %s (AGENTSHOP_MASTER_KEY_FILE) from now on\n", res.File)
			default:
				fmt.Fprintln(c.stdout, "set AGENTSHOP_MASTER_KEY to the new key (AGENTSHOP_NEW_MASTER_KEY) from now on")
			}
			return nil
		}),
	}
	rotate.Flags().StringVar(&newKeyFile, "new-master-key-file", "", "file holding the new master key (generated when absent)")
	cmd.AddCommand(create, list, revoke, rotate)
	return cmd
}
