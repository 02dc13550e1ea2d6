package webhook

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the worker's Prometheus collectors. A nil *Metrics records
// nothing.
type Metrics struct {
	attempts *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentshop_webhook_attempts_total",
			Help: "Order webhook delivery attempts by outcome: delivered, retry (failed, tried again later) or dead (failed for good; see agentshop events).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.attempts)
	return m
}

func (m *Metrics) observe(outcome string) {
	if m == nil {
		return
	}
	m.attempts.WithLabelValues(outcome).Inc()
}

// Backlog is what [BacklogCollector] reads of the outbox. Both stores
// implement it.
type Backlog interface {
	// EventBacklog counts the pending events (waiting for an attempt, or
	// with one in flight) and the dead ones. It is a read, safe for
	// concurrent use; it returns the store's error when it cannot count.
	EventBacklog(ctx context.Context) (pending, dead int64, err error)
}

// backlogDesc is the outbox backlog gauge.
var backlogDesc = prometheus.NewDesc("agentshop_outbox_events",
	"Order events in the outbox by state: pending (waiting for delivery or in flight) and dead (failed for good; agentshop events requeues them). Read from the store at each scrape.",
	[]string{"state"}, nil)

// BacklogCollector is a Prometheus collector that reads the outbox
// backlog from the store when it is scraped, so every replica reports the
// shared outbox (take max, not sum, across replicas). When the store does
// not answer within Timeout, the gauges are left out of that scrape and
// the failure is logged, rather than failing every other metric.
type BacklogCollector struct {
	Backlog Backlog
	// Timeout bounds each read (default 2 s).
	Timeout time.Duration
	Logger  *slog.Logger
}

// Describe implements [prometheus.Collector].
func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- backlogDesc }

// Collect implements [prometheus.Collector].
func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(c.Timeout, 2*time.Second))
	defer cancel()
	pending, dead, err := c.Backlog.EventBacklog(ctx)
	if err != nil {
		if c.Logger != nil {
			c.Logger.Warn("metrics: cannot read the outbox backlog", "err", err)
		}
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(pending), "pending")
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(dead), "dead")
}
