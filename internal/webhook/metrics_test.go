package webhook_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"agentshop/internal/commerce"
	"agentshop/internal/webhook"
)

// backlogFunc is a webhook.Backlog from a func: the stores' side is the
// contract suite's (storetest EventBacklog); this tests the collector.
type backlogFunc func(ctx context.Context) (int64, int64, error)

func (f backlogFunc) EventBacklog(ctx context.Context) (int64, int64, error) { return f(ctx) }

func TestBacklogCollector(t *testing.T) {
	const gauges = `
# HELP agentshop_outbox_events Order events in the outbox by state: pending (waiting for delivery or in flight) and dead (failed for good; agentshop events requeues them). Read from the store at each scrape.
# TYPE agentshop_outbox_events gauge
agentshop_outbox_events{state="dead"} 2
agentshop_outbox_events{state="pending"} 7
`
	tests := []struct {
		name    string
		backlog backlogFunc
		want    string // the scrape; empty: no gauges
	}{
		{"Counts", func(context.Context) (int64, int64, error) { return 7, 2, nil }, gauges},
		{"StoreError", func(context.Context) (int64, int64, error) { return 0, 0, errors.New("database is locked") }, ""},
		{"Timeout", func(ctx context.Context) (int64, int64, error) {
			if _, ok := ctx.Deadline(); !ok {
				return 1, 1, nil // unbounded: the scrape would show it
			}
			<-ctx.Done()
			return 0, 0, ctx.Err()
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(&webhook.BacklogCollector{Backlog: tt.backlog, Timeout: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tt.want), "agentshop_outbox_events"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestBacklogGauges runs the worker on a real outbox (SQLite) and reads
// the backlog gauges and the attempt counter from the registry: an event
// that failed its only attempt is dead, one not yet tried is pending.
func TestBacklogGauges(t *testing.T) {
	f := newFixture(t)
	f.recv.SetReply(func(_ int, w http.ResponseWriter) bool {
		http.Error(w, "gone fishing", http.StatusServiceUnavailable)
		return true
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&webhook.BacklogCollector{Backlog: f.store})
	w := f.worker(t, func(c *webhook.Config) { c.MaxAttempts = 1; c.Metrics = webhook.NewMetrics(reg) })
	f.order(t, commerce.EventOrderCreate)
	deliverDue(t, w, f.ctx, 1)
	f.order(t, commerce.EventOrderCreate)

	want := `
# HELP agentshop_outbox_events Order events in the outbox by state: pending (waiting for delivery or in flight) and dead (failed for good; agentshop events requeues them). Read from the store at each scrape.
# TYPE agentshop_outbox_events gauge
agentshop_outbox_events{state="dead"} 1
agentshop_outbox_events{state="pending"} 1
# HELP agentshop_webhook_attempts_total Order webhook delivery attempts by outcome: delivered, retry (failed, tried again later) or dead (failed for good; see agentshop events).
# TYPE agentshop_webhook_attempts_total counter
agentshop_webhook_attempts_total{outcome="dead"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "agentshop_outbox_events", "agentshop_webhook_attempts_total"); err != nil {
		t.Error(err)
	}
}
