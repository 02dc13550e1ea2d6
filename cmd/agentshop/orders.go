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
       agentshop orders deliver ORDER
       agentshop orders refund ORDER --amount MINOR_UNITS [--reason TEXT]
       agentshop orders cancel ORDER [--reason TEXT]`

// runOrders lists orders and records what happens to them: shipping,
// delivery, refunds (through the payment provider) and cancellation. Each
// change of an order whose order_create was queued (the server had a
// webhook endpoint) queues an order_update; a running server sends it
// within its poll interval.
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
	amount := fs.Int64("amount", 0, "amount to refund in minor units, e.g. 500 for $5.00 (refund)")
	reason := fs.String("reason", "", "why, shown to the agent (refund, cancel)")
	key := fs.String("key", "", "idempotency key of the refund: run again with the same key after an error to finish that refund rather than make another (refund; default: a new one, printed on error)")
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
	a, err := openAdmin(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st, svc := a.Store, a.Service
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
		fmt.Fprintln(tw, "ID\tSESSION\tSTATUS\tTOTAL\tREFUNDED\tCREATED\tTRACKING")
		for _, o := range orders {
			track := "-"
			if n := len(o.Shipments); n > 0 {
				track = o.Shipments[n-1].Carrier + " " + o.Shipments[n-1].TrackingNumber
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.SessionID, o.Status,
				o.Currency.Format(o.Totals.Total), o.Currency.Format(o.Refunded()), o.CreatedAt.Format(time.RFC3339), track)
		}
		return tw.Flush()
	case "ship":
		o, err = svc.ShipOrder(ctx, id, commerce.ShipInput{Carrier: *carrier, TrackingNumber: *tracking, TrackingURL: *trackingURL}, nil)
	case "deliver":
		o, err = svc.DeliverOrder(ctx, id, nil)
	case "refund":
		if *key == "" {
			*key = commerce.NewID("rk")
		}
		o, err = svc.RefundOrder(ctx, id, commerce.RefundInput{Amount: *amount, Reason: *reason, Key: *key}, nil)
		if e, ok := errors.AsType[*commerce.Error](err); ok && (e.Code == commerce.EUNAVAILABLE || e.Code == commerce.EINPROGRESS) {
			return fmt.Errorf("%s\nrun again with --key %s to finish this refund rather than start another", e.Message, *key)
		}
	case "cancel":
		o, err = svc.CancelOrder(ctx, id, *reason, nil)
	default:
		return fmt.Errorf("unknown orders command %q\n%s", sub, ordersUsage)
	}
	if err != nil {
		if e, ok := errors.AsType[*commerce.Error](err); ok && e.Code != commerce.EINTERNAL && e.Code != commerce.EUNAVAILABLE {
			return errors.New(e.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "order %s is %s", o.ID, o.Status)
	if n := o.Refunded(); n > 0 {
		fmt.Fprintf(stdout, "; refunded %s of %s", o.Currency.Format(n), o.Currency.Format(o.Totals.Total))
	}
	fmt.Fprintln(stdout)
	return nil
}
