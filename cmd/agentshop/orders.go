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

	"agentshop/internal/commerce"
)

const ordersUsage = `usage: agentshop orders list [--limit N]
       agentshop orders ship ORDER --carrier CARRIER --tracking NUMBER [--tracking-url URL]
       agentshop orders deliver ORDER`

// runOrders lists orders and records their shipping and delivery. With a
// webhook endpoint configured (webhook.url), each change queues an
// order_update for the agent; a running server sends it within its poll
// interval.
func runOrders(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, ordersUsage)
		return flag.ErrHelp
	}
	sub := args[0]
	fs := flag.NewFlagSet("orders "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	limit := fs.Int("limit", 50, "at most this many orders, newest first (list)")
	carrier := fs.String("carrier", "", "the carrier, e.g. USPS (ship)")
	tracking := fs.String("tracking", "", "the carrier's tracking number (ship)")
	trackingURL := fs.String("tracking-url", "", "where the buyer can track the parcel (ship)")
	// The order id comes first; flags follow it.
	rest := args[1:]
	var id string
	if sub != "list" {
		if len(rest) == 0 || rest[0] == "" || rest[0][0] == '-' {
			return fmt.Errorf("orders %s needs an order id first\n%s", sub, ordersUsage)
		}
		id, rest = rest[0], rest[1:]
	}
	cfg, err := loadConfig(fs, rest, os.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), ordersUsage)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &commerce.Service{Store: st, OrderEvents: cfg.Webhook.URL != ""}
	var o *commerce.Order
	switch sub {
	case "list":
		if *limit <= 0 {
			return fmt.Errorf("limit must be positive, not %d", *limit)
		}
		orders, err := st.ListOrders(ctx, *limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSESSION\tSTATUS\tTOTAL\tCREATED\tTRACKING")
		for _, o := range orders {
			track := "-"
			if n := len(o.Shipments); n > 0 {
				track = o.Shipments[n-1].Carrier + " " + o.Shipments[n-1].TrackingNumber
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.SessionID, o.Status,
				o.Currency.Format(o.Totals.Total), o.CreatedAt.Format(time.RFC3339), track)
		}
		return tw.Flush()
	case "ship":
		o, err = svc.ShipOrder(ctx, id, commerce.ShipInput{Carrier: *carrier, TrackingNumber: *tracking, TrackingURL: *trackingURL})
	case "deliver":
		o, err = svc.DeliverOrder(ctx, id)
	default:
		return fmt.Errorf("unknown orders command %q\n%s", sub, ordersUsage)
	}
	if err != nil {
		if e, ok := errors.AsType[*commerce.Error](err); ok && e.Code != commerce.EINTERNAL && e.Code != commerce.EUNAVAILABLE {
			return errors.New(e.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "order %s is %s\n", o.ID, o.Status)
	if svc.OrderEvents {
		fmt.Fprintln(stdout, "order_update queued for the agent's webhook endpoint")
	}
	return nil
}
