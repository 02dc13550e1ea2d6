package webhook

import "github.com/prometheus/client_golang/prometheus"

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
