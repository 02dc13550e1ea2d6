package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"agentshop/internal/admin"
	"agentshop/internal/app"
	"agentshop/internal/commerce"
)

// ordersCmd lists and shows orders and records what happens to them:
// shipping, delivery, refunds (through the payment provider) and
// cancellation. Each change of an order whose order_create was queued
// (the server had a webhook endpoint) queues an order_update; a running
// server sends it within its poll interval.
func (c *shell) ordersCmd() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:   "orders",
		Short: "List and show orders; record shipping, delivery, refunds and cancellation",
	})
	flags := addConfigFlags(cmd.PersistentFlags(), "data", "database", "master-key-file")
	// change runs one order change and prints the order's new state.
	change := func(use, short string, fn func(ctx context.Context, a *admin.Service, id string) (*commerce.Order, error)) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: checkArgs(cobra.ExactArgs(1)),
			RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
				o, err := fn(ctx, a.Admin, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "order %s is %s", o.ID, o.Status)
				if n := o.Refunded(); n > 0 {
					fmt.Fprintf(c.stdout, "; refunded %s of %s", o.Currency.Format(n), o.Currency.Format(o.Totals.Total))
				}
				fmt.Fprintln(c.stdout)
				return nil
			})}
	}

	var ship commerce.ShipInput
	shipCmd := change("ship ORDER --carrier CARRIER --tracking NUMBER [--tracking-url URL]", "Record that an order was handed to a carrier",
		func(ctx context.Context, a *admin.Service, id string) (*commerce.Order, error) {
			return a.ShipOrder(ctx, id, ship, nil)
		})
	shipCmd.Flags().StringVar(&ship.Carrier, "carrier", "", "the carrier, e.g. USPS")
	shipCmd.Flags().StringVar(&ship.TrackingNumber, "tracking", "", "the carrier's tracking number")
	shipCmd.Flags().StringVar(&ship.TrackingURL, "tracking-url", "", "where the buyer can track the parcel")

	deliverCmd := change("deliver ORDER", "Record that a shipped order was delivered",
		func(ctx context.Context, a *admin.Service, id string) (*commerce.Order, error) {
			return a.DeliverOrder(ctx, id, nil)
		})

	var refund commerce.RefundInput
	refundCmd := change("refund ORDER --amount MINOR_UNITS [--reason TEXT]", "Refund part or all of an order through the payment provider",
		func(ctx context.Context, a *admin.Service, id string) (*commerce.Order, error) {
			if refund.Key == "" {
				refund.Key = commerce.NewID("rk")
			}
			o, err := a.RefundOrder(ctx, id, refund, nil)
			if e, ok := errors.AsType[*commerce.Error](err); ok && (e.Code == commerce.EUNAVAILABLE || e.Code == commerce.EINPROGRESS) {
				return nil, fmt.Errorf("%s\nrun again with --key %s to finish this refund rather than start another", e.Message, refund.Key)
			}
			return o, err
		})
	refundCmd.Flags().Int64Var(&refund.Amount, "amount", 0, "amount to refund in minor units, e.g. 500 for $5.00")
	refundCmd.Flags().StringVar(&refund.Reason, "reason", "", "why, shown to the agent")
	refundCmd.Flags().StringVar(&refund.Key, "key", "", "idempotency key of the refund: run again with the same key after an error to finish that refund rather than make another (default: a new one, printed on error)")

	var reason string
	cancelCmd := change("cancel ORDER [--reason TEXT]", "Cancel an order that has not shipped, refunding it in full",
		func(ctx context.Context, a *admin.Service, id string) (*commerce.Order, error) {
			return a.CancelOrder(ctx, id, reason, nil)
		})
	cancelCmd.Flags().StringVar(&reason, "reason", "", "why, shown to the agent")

	cmd.AddCommand(c.ordersListCmd(flags), c.ordersShowCmd(flags), c.ordersDisputesCmd(flags), shipCmd, deliverCmd, refundCmd, cancelCmd)
	return cmd
}

// ordersDisputesCmd lists disputes, the open ones by default, soonest
// evidence due date first.
func (c *shell) ordersDisputesCmd(flags *configFlags) *cobra.Command {
	var out outputFlag
	var f commerce.DisputeFilter
	var all bool
	cmd := &cobra.Command{
		Use:   "disputes [--all]",
		Short: "List open disputes of orders' charges, soonest evidence due date first",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			f.Open = !all
			ds, err := a.Admin.ListDisputes(ctx, f)
			if err != nil {
				return err
			}
			return out.print(c.stdout, admin.Views(ds, admin.NewDisputeView), func(w io.Writer) {
				fmt.Fprintln(w, "ORDER\tDISPUTE\tSTATUS\tAMOUNT\tREASON\tEVIDENCE DUE\tOPENED")
				for _, d := range ds {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.OrderID, d.ProviderRef, d.Status, d.Currency.Format(d.Amount),
						d.Reason, evidenceDue(d), d.OpenedAt.Format(time.RFC3339))
				}
			})
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "also won, lost and closed disputes")
	cmd.Flags().IntVar(&f.Limit, "limit", admin.MaxListLimit, "at most this many disputes")
	out.register(cmd)
	return cmd
}

// evidenceDue is when a dispute's evidence is due, "-" when it is not.
func evidenceDue(d *commerce.Dispute) string {
	if d.EvidenceDueBy == nil {
		return "-"
	}
	return d.EvidenceDueBy.Format(time.RFC3339)
}

func (c *shell) ordersListCmd(flags *configFlags) *cobra.Command {
	var out outputFlag
	var limit int
	var status, after, before, mode string
	cmd := &cobra.Command{
		Use:   "list [--limit N] [--status STATUS] [--mode test|live] [--created-after T] [--created-before T]",
		Short: "List orders, newest first",
		Args:  checkArgs(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if limit <= 0 {
				return usageErrorf("--limit must be positive, not %d", limit)
			}
			if mode != "" && mode != "test" && mode != "live" {
				return usageErrorf("--mode %q: want test or live", mode)
			}
			return nil
		},
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			f := commerce.OrderFilter{Status: commerce.OrderStatus(status), Mode: commerce.Mode(mode)}
			for _, t := range []struct {
				flag, v string
				to      *time.Time
			}{{"created-after", after, &f.CreatedFrom}, {"created-before", before, &f.CreatedTo}} {
				if t.v == "" {
					continue
				}
				at, err := time.Parse(time.RFC3339, t.v)
				if err != nil {
					return usageErrorf("--%s %q: want an RFC 3339 time, e.g. 2026-12-01T00:00:00Z", t.flag, t.v)
				}
				*t.to = at
			}
			// Pages of the admin layer's largest, until limit.
			var orders []*commerce.Order
			for len(orders) < limit {
				f.Limit = min(limit-len(orders), admin.MaxListLimit)
				page, err := a.Admin.ListOrders(ctx, f)
				if err != nil {
					return err
				}
				orders = append(orders, page.Orders...)
				if !page.HasMore {
					break
				}
				f.StartingAfter = orders[len(orders)-1].ID
			}
			return out.print(c.stdout, admin.Views(orders, admin.NewOrderView), func(w io.Writer) {
				fmt.Fprintln(w, "ID\tSESSION\tSTATUS\tMODE\tTOTAL\tREFUNDED\tCREATED\tTRACKING")
				for _, o := range orders {
					track := "-"
					if n := len(o.Shipments); n > 0 {
						track = o.Shipments[n-1].Carrier + " " + o.Shipments[n-1].TrackingNumber
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.SessionID, o.Status, cmp.Or(string(o.Mode), "-"),
						o.Currency.Format(o.Totals.Total), o.Currency.Format(o.Refunded()), o.CreatedAt.Format(time.RFC3339), track)
				}
			})
		}),
	}
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many orders, newest first")
	cmd.Flags().StringVar(&status, "status", "", "only orders in this status: confirmed, shipped, completed or canceled")
	cmd.Flags().StringVar(&mode, "mode", "", "only test or only live orders (their payment mode)")
	cmd.Flags().StringVar(&after, "created-after", "", "only orders created at or after this RFC 3339 time")
	cmd.Flags().StringVar(&before, "created-before", "", "only orders created before this RFC 3339 time")
	out.register(cmd)
	return cmd
}

func (c *shell) ordersShowCmd(flags *configFlags) *cobra.Command {
	var out outputFlag
	cmd := &cobra.Command{
		Use:   "show ORDER",
		Short: "Show one order: lines, totals, shipments, refunds and disputes",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
			o, err := a.Admin.GetOrder(ctx, args[0])
			if err != nil {
				return err
			}
			cur := o.Currency.Format
			return out.print(c.stdout, admin.NewOrderView(o), func(w io.Writer) {
				fmt.Fprintf(w, "order\t%s\nsession\t%s\nstatus\t%s\ncreated\t%s\n", o.ID, o.SessionID, o.Status, o.CreatedAt.Format(time.RFC3339))
				for _, l := range o.Lines {
					fmt.Fprintf(w, "line\t%d × %s\t%s\n", l.Quantity, l.ItemID, cur(l.Total))
				}
				fmt.Fprintf(w, "total\t%s (shipping %s, tax %s, discount %s)\nrefunded\t%s\n", cur(o.Totals.Total),
					cur(o.Totals.Fulfillment), cur(o.Totals.Tax), cur(o.Totals.Discount), cur(o.Refunded()))
				for _, s := range o.Shipments {
					fmt.Fprintf(w, "shipment\t%s %s\t%s\n", s.Carrier, s.TrackingNumber, s.ShippedAt.Format(time.RFC3339))
				}
				for _, r := range o.Refunds {
					where := ""
					if r.External {
						where = " (made at the payment provider)"
					}
					fmt.Fprintf(w, "refund\t%s %s%s\t%s\n", cur(r.Amount), r.Status, where, r.Reason)
				}
				for _, d := range o.Disputes {
					fmt.Fprintf(w, "dispute\t%s %s %s\t%s\tevidence due %s\n", cur(d.Amount), d.Status, d.ProviderRef, d.Reason, evidenceDue(&d))
				}
			})
		}),
	}
	out.register(cmd)
	return cmd
}
