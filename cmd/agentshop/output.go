package main

import (
	"encoding/json"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// outputFlag is --output (-o) of the list and show commands: a table for
// people, or JSON whose shape README.md documents ("CLI").
type outputFlag struct{ format string }

func (o *outputFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.format, "output", "o", "table", "output format: table or json")
	prev := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		o.format = strings.ToLower(o.format)
		if o.format != "table" && o.format != "json" {
			return usageErrorf("--output %q: want table or json", o.format)
		}
		if prev != nil {
			return prev(cmd, args)
		}
		return nil
	}
}

// print writes v as indented JSON, or calls table with a tabwriter that
// it flushes.
func (o *outputFlag) print(w io.Writer, v any, table func(w io.Writer)) error {
	if o.format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}
