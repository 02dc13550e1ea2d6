package acp

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the ACP surface's Prometheus collectors. A nil *Metrics
// records nothing.
type Metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	completes   *prometheus.CounterVec
	provider    *prometheus.HistogramVec
	idempotency *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentshop_acp_requests_total",
			Help: "ACP REST requests by endpoint, API version and HTTP status.",
		}, []string{"endpoint", "version", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "agentshop_acp_request_duration_seconds",
			Help: "ACP REST request latency by endpoint and API version.",
			// Fine below 25 ms, where the latency targets are, so that
			// `agentshop bench --metrics` can interpolate p99s from it.
			Buckets: []float64{.0005, .001, .002, .003, .004, .005, .006, .008, .01, .0125, .015, .02, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint", "version"}),
		completes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentshop_checkout_completes_total",
			Help: "Checkout completes that reached the payment provider, by outcome (succeeded, declined, requires_3ds, error). Payment success rate = succeeded / sum.",
		}, []string{"outcome"}),
		provider: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "agentshop_payment_provider_duration_seconds",
			Help:    "Payment provider charge call latency.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"provider"}),
		idempotency: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentshop_idempotency_total",
			Help: "Idempotency-Key outcomes other than first use: replayed, conflict, in_flight.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.completes, m.provider, m.idempotency)
	return m
}

func (m *Metrics) observeRequest(endpoint, version string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(endpoint, version, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(endpoint, version).Observe(d.Seconds())
}

// ObserveComplete records a complete's payment outcome and the provider
// call's duration; assign it to commerce.Service.Observe.
func (m *Metrics) ObserveComplete(provider string) func(outcome string, d time.Duration) {
	return func(outcome string, d time.Duration) {
		if m == nil {
			return
		}
		m.completes.WithLabelValues(outcome).Inc()
		m.provider.WithLabelValues(provider).Observe(d.Seconds())
	}
}

func (m *Metrics) idempotencyEvent(result string) {
	if m != nil {
		m.idempotency.WithLabelValues(result).Inc()
	}
}
