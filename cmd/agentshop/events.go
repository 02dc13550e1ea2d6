package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"agentshop/internal/admin"
	"agentshop/internal/app"
	"agentshop/internal/commerce"
)

// eventsCmd lists the order-webhook outbox: what was delivered, what is
// waiting for a retry and what was dead-lettered; `events requeue ID`
// sends a dead event again.
func (c *shell) eventsCmd() *cobra.Command {
	var out outputFlag
	var f commerce.EventFilter
	var status string
	cmd := &cobra.Command{
		Use:   "events [--status pending|delivered|dead] [--order ORDER]",
		Short: "List the order-webhook outbox (delivered, pending, dead); requeue a dead event",
		Args:  checkArgs(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			switch f.Status = commerce.EventStatus(status); f.Status {
			case "", commerce.EventPending, commerce.EventDelivered, commerce.EventDead:
			default:
				return usageErrorf("unknown status %q (pending, delivered, dead)", status)
			}
			if f.Limit <= 0 || f.Limit > admin.MaxEventLimit {
				return usageErrorf("--limit must be between 1 and %d, not %d", admin.MaxEventLimit, f.Limit)
			}
			return nil
		},
	}
	flags := addConfigFlags(cmd.PersistentFlags(), "data", "database", "master-key-file")
	cmd.RunE = c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
		page, err := a.Admin.ListEvents(ctx, f)
		if err != nil {
			return err
		}
		events := page.Events
		return out.print(c.stdout, admin.Views(events, admin.NewEventView), func(w io.Writer) {
			fmt.Fprintln(w, "ID\tTYPE\tORDER\tSTATUS\tATTEMPTS\tCREATED\tNEXT/DELIVERED\tLAST ERROR")
			for _, e := range events {
				when := e.NextAttemptAt.Format(time.RFC3339)
				switch {
				case e.DeliveredAt != nil:
					when = e.DeliveredAt.Format(time.RFC3339)
				case e.Status == commerce.EventDead:
					when = "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.Type, e.OrderID, e.Status, e.Attempts,
					e.CreatedAt.Format(time.RFC3339), when, e.LastError)
			}
		})
	})
	cmd.Flags().StringVar(&f.OrderID, "order", "", "only this order's events")
	cmd.Flags().StringVar(&status, "status", "", "only events in this status: pending, delivered or dead")
	cmd.Flags().IntVar(&f.Limit, "limit", 100, "at most this many events (up to 1000), oldest first")
	out.register(cmd)

	requeue := &cobra.Command{
		Use:   "requeue EVENT",
		Short: "Put a dead event back in the queue, with a full set of attempts",
		Args:  checkArgs(cobra.ExactArgs(1)),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, args []string) error {
			if _, err := a.Admin.RequeueEvent(ctx, args[0], nil); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "event %s requeued; a running server sends it within a second\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(requeue, c.eventsInboundCmd(flags))
	return cmd
}

// eventsInboundCmd lists the payment providers' events agentshop received
// (POST /webhooks/…), newest first: what each did, and with --unmatched
// those about payments agentshop has no record of.
func (c *shell) eventsInboundCmd(flags *configFlags) *cobra.Command {
	var out outputFlag
	var f commerce.InboundFilter
	var unmatched bool
	cmd := &cobra.Command{
		Use:   "inbound [--unmatched]",
		Short: "List the payment providers' events received (refunds, disputes, payment results), newest first",
		Args:  checkArgs(cobra.NoArgs),
		RunE: c.withAdmin(flags, func(ctx context.Context, a *app.App, _ []string) error {
			if unmatched {
				f.Result = commerce.EventUnmatched
			}
			events, err := a.Admin.ListInboundEvents(ctx, f)
			if err != nil {
				return err
			}
			return out.print(c.stdout, admin.Views(events, admin.NewInboundEventView), func(w io.Writer) {
				fmt.Fprintln(w, "PROVIDER\tID\tTYPE\tRESULT\tPAYMENT\tOBJECT\tORDER\tAMOUNT\tRECEIVED")
				for _, e := range events {
					amount := "-"
					if e.Currency != "" {
						amount = e.Currency.Format(e.Amount)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Provider, e.ID, e.Type, e.Result, dash(e.PaymentRef),
						dash(e.ObjectRef), dash(e.OrderID), amount, e.ReceivedAt.Format(time.RFC3339))
				}
			})
		}),
	}
	cmd.Flags().BoolVar(&unmatched, "unmatched", false, "only events about payments agentshop does not know")
	cmd.Flags().IntVar(&f.Limit, "limit", admin.MaxListLimit, "at most this many events, newest first")
	out.register(cmd)
	return cmd
}
