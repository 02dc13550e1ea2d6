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

// runEvents lists the order-webhook outbox: what was delivered, what is
// waiting for a retry and what was dead-lettered; `events requeue ID`
// sends a dead event again.
func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "requeue" {
		return requeueEvent(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	order := fs.String("order", "", "only this order's events")
	status := fs.String("status", "", "only events in this status: pending, delivered or dead")
	limit := fs.Int("limit", 100, "at most this many events, oldest first")
	cfg, err := loadConfig(fs, args, os.Getenv)
	if err != nil {
		return err
	}
	switch commerce.EventStatus(*status) {
	case "", commerce.EventPending, commerce.EventDelivered, commerce.EventDead:
	default:
		return fmt.Errorf("unknown status %q (pending, delivered, dead)", *status)
	}
	if *limit <= 0 {
		return fmt.Errorf("limit must be positive, not %d", *limit)
	}
	a, err := openAdmin(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.Store
	events, err := st.ListEvents(ctx, commerce.EventFilter{OrderID: *order, Status: commerce.EventStatus(*status), Limit: *limit})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tORDER\tSTATUS\tATTEMPTS\tCREATED\tNEXT/DELIVERED\tLAST ERROR")
	for _, e := range events {
		when := e.NextAttemptAt.Format(time.RFC3339)
		switch {
		case e.DeliveredAt != nil:
			when = e.DeliveredAt.Format(time.RFC3339)
		case e.Status == commerce.EventDead:
			when = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.Type, e.OrderID, e.Status, e.Attempts,
			e.CreatedAt.Format(time.RFC3339), when, e.LastError)
	}
	return tw.Flush()
}

// requeueEvent puts a dead event back in the queue: a running server sends
// it within its poll interval, with a full set of attempts.
func requeueEvent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return errors.New("usage: agentshop events requeue EVENT_ID")
	}
	id := args[0]
	fs := flag.NewFlagSet("events requeue", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	switch err := st.RequeueEvent(ctx, id, time.Now()); {
	case errors.Is(err, commerce.ErrNotFound):
		return fmt.Errorf("no event %q", id)
	case errors.Is(err, commerce.ErrConflict):
		return fmt.Errorf("event %s is not dead: only dead events are requeued", id)
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "event %s requeued; a running server sends it within a second\n", id)
	return nil
}
