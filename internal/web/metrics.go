package web

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pages' Prometheus collectors. A nil *Metrics records
// nothing.
type Metrics struct {
	requests *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "agentshop_web_requests_total",
		Help: `Hosted page requests (checkout, order and policy pages) by route pattern (e.g. "POST /checkout/{id}/pay") and status class (2xx, 3xx, 4xx, 5xx).`,
	}, []string{"route", "status"})}
	reg.MustRegister(m.requests)
	return m
}

// handle registers fn on mux at pattern, under the per-client limit and
// counted under route pattern (a 429 is counted too).
func (h *Handler) handle(mux *http.ServeMux, pattern string, fn http.HandlerFunc) {
	fn = h.limit(fn)
	if h.Metrics == nil {
		mux.HandleFunc(pattern, fn)
		return
	}
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		fn(sw, r)
		h.Metrics.requests.WithLabelValues(pattern, statusClass(sw.status)).Inc()
	})
}

// statusClass is "2xx" for 200 to 299, and so on; a handler that wrote
// nothing answered 200.
func statusClass(status int) string {
	if status == 0 {
		status = http.StatusOK
	}
	return strconv.Itoa(status/100) + "xx"
}

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
