// Package commercemetrics exports what the commerce core tells its
// observers as Prometheus metrics:
//
//	agentshop_order_changes_total{change="refund"|"cancel", outcome}
//	agentshop_provider_events_total{provider, type, result}
//	agentshop_provider_refunds_total{outcome}
//	agentshop_disputes_total{status}
//
// counts [commerce.Service.RefundOrder] and [commerce.Service.CancelOrder]
// calls by how they were answered (the commerce.Outcome* constants:
// succeeded, refused, pending, in_progress, rejected, error), whichever
// surface asked (today `agentshop orders`; later the admin API and the
// operations MCP server). Every change and outcome is exported from the
// start, at zero, so that rates and alerts need no "absent" handling.
//
//	agentshop_payments_by_facilitator_total{provider, facilitator}
//
// counts the payments charged (one per order placed) by the provider that
// charged and the facilitator that presented the credential, as the
// provider reports it ("ChatGPT" on Braintree; "none" when the provider
// reports none, as the sandbox and Stripe do). A series appears with its
// first payment.
//
// The core imports no metrics library (internal/deptest); the wiring
// assigns [Metrics.ObserveOrderChange] to Service.ObserveOrderChange and
// [Metrics.ObservePayment] to Service.ObservePayment.
// This package imports only commerce and the Prometheus client.
package commercemetrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"agentshop/internal/commerce"
)

// Metrics are the collectors. A nil *Metrics records nothing.
type Metrics struct {
	orderChanges   *prometheus.CounterVec
	payments       *prometheus.CounterVec
	providerEvents *prometheus.CounterVec
	providerRefund *prometheus.CounterVec
	disputes       *prometheus.CounterVec
}

// maxFacilitator bounds a facilitator label value, in bytes: the name
// comes from the payment provider.
const maxFacilitator = 64

// New registers the collectors on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{orderChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_order_changes_total",
		Help: "Order refunds and cancellations by change (refund, cancel) and outcome (succeeded, refused by the provider, pending: the provider did not answer, in_progress, rejected before any money moved, error).",
	}, []string{"change", "outcome"})}
	for _, c := range []commerce.OrderChange{commerce.ChangeRefund, commerce.ChangeCancel} {
		for _, o := range []string{commerce.OutcomeSucceeded, commerce.OutcomeRefused, commerce.OutcomePending,
			commerce.OutcomeInProgress, commerce.OutcomeRejected, commerce.OutcomeError} {
			m.orderChanges.WithLabelValues(string(c), o)
		}
	}
	m.payments = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_payments_by_facilitator_total",
		Help: "Payments charged (orders placed) by provider and facilitator: the platform that presented the payment credential for the buyer as the provider reports it (ChatGPT on Braintree), none when it reports none.",
	}, []string{"provider", "facilitator"})
	m.providerEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_provider_events_total",
		Help: "Payment provider webhook deliveries by provider, event type (those agentshop handles; other, unknown) and result (applied, ignored, unmatched, duplicate, ignored_type, bad_signature, too_large, invalid, error).",
	}, []string{"provider", "type", "result"})
	m.providerRefund = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_provider_refunds_total",
		Help: "Refunds that provider events recorded or changed on orders (made at the provider, or agentshop's settled by the event), by outcome (succeeded, failed).",
	}, []string{"outcome"})
	m.disputes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_disputes_total",
		Help: "Dispute changes applied from provider events, by the status reached (needs_response, under_review, won, lost, closed).",
	}, []string{"status"})
	for _, o := range []commerce.RefundStatus{commerce.RefundSucceeded, commerce.RefundFailed} {
		m.providerRefund.WithLabelValues(string(o))
	}
	for _, st := range []commerce.DisputeStatus{commerce.DisputeNeedsResponse, commerce.DisputeUnderReview,
		commerce.DisputeWon, commerce.DisputeLost, commerce.DisputeClosed} {
		m.disputes.WithLabelValues(string(st))
	}
	reg.MustRegister(m.orderChanges, m.payments, m.providerEvents, m.providerRefund, m.disputes)
	return m
}

// ObserveProviderEvent returns the counter of provider's webhook
// deliveries by event type and result, for the provider's webhook
// handler (its Observe). The handler keeps type to a bounded set.
func (m *Metrics) ObserveProviderEvent(provider string) func(typ, result string) {
	return func(typ, result string) {
		if m != nil {
			m.providerEvents.WithLabelValues(provider, typ, result).Inc()
		}
	}
}

// ObservePaymentEvent counts the refunds and disputes an applied provider
// event changed; assign it to commerce.Service.ObservePaymentEvent.
func (m *Metrics) ObservePaymentEvent(_ commerce.PaymentEvent, out commerce.EventOutcome) {
	if m == nil || out.Result != commerce.EventApplied {
		return
	}
	if out.Refund != nil {
		m.providerRefund.WithLabelValues(string(out.Refund.Status)).Inc()
	}
	if out.Dispute != nil {
		m.disputes.WithLabelValues(string(out.Dispute.Status)).Inc()
	}
}

// ObservePayment counts one payment charged; assign it to
// commerce.Service.ObservePayment.
func (m *Metrics) ObservePayment(provider string, f *commerce.Facilitator) {
	if m == nil {
		return
	}
	name := "none"
	if f != nil && f.Name != "" {
		name = f.Name
		if len(name) > maxFacilitator {
			name = strings.ToValidUTF8(name[:maxFacilitator], "")
		}
	}
	m.payments.WithLabelValues(provider, name).Inc()
}

// ObserveOrderChange counts one answered order change; assign it to
// commerce.Service.ObserveOrderChange.
func (m *Metrics) ObserveOrderChange(change commerce.OrderChange, outcome string) {
	if m == nil {
		return
	}
	m.orderChanges.WithLabelValues(string(change), outcome).Inc()
}
