package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"agentshop/internal/admin"
	"agentshop/internal/app"
	"agentshop/internal/catalog"
	"agentshop/internal/commerce"
)

func (c *shell) catalogCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "catalog",
		Short: "List the catalog serve sells, or check a catalog file before serving it",
	})
	var out outputFlag
	var flags *configFlags
	list := &cobra.Command{
		Use:   "list [--catalog FILE]",
		Short: "List the items of the configured catalog (the embedded demo shop by default)",
		Args:  checkArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			cfg, err := flags.load(c.env)
			if err != nil {
				return err
			}
			cat, err := app.LoadCatalog(cfg)
			if err != nil {
				return err
			}
			return printCatalog(c.stdout, &out, cat)
		},
	}
	flags = addConfigFlags(list.Flags(), "catalog")
	out.register(list)
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a catalog file (ACP feed Products, JSON or JSONL) as serve would load it",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			cat, err := catalog.LoadFile(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s: ok, %d items in %s\n", args[0], len(cat.Items()), strings.ToLower(string(cat.Currency())))
			return nil
		},
	}
	cmd.AddCommand(list, validate)
	return cmd
}

func printCatalog(w io.Writer, out *outputFlag, cat *commerce.Catalog) error {
	items := cat.Items()
	return out.print(w, admin.Views(items, app.NewItemView), func(w io.Writer) {
		fmt.Fprintln(w, "ID\tTITLE\tPRICE\tSTOCK\tDIGITAL")
		for _, it := range items {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%t\n", it.ID, it.Title, it.Currency.Format(it.Price), it.Stock, it.Digital)
		}
	})
}
