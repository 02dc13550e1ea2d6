package bench

import (
	"slices"
	"time"
)

// Endpoint names used in reports, in flow order.
const (
	EndpointCreate   = "create"
	EndpointUpdate   = "update"
	EndpointDelegate = "delegate_payment"
	EndpointComplete = "complete"
	EndpointGet      = "get"
	EndpointNoop     = "noop"
)

// endpointOrder is the order endpoints are printed in.
var endpointOrder = []string{EndpointCreate, EndpointUpdate, EndpointDelegate, EndpointComplete, EndpointGet, EndpointNoop}

// recorder holds one agent's observations. Each agent has its own, so
// recording takes no lock; [merge] combines them at the end.
type recorder struct {
	samples  map[string][]time.Duration // 2xx latencies per endpoint
	errors   map[string]int             // "endpoint: kind" → count
	requests int
}

func newRecorder() *recorder {
	return &recorder{samples: map[string][]time.Duration{}, errors: map[string]int{}}
}

func (r *recorder) ok(endpoint string, d time.Duration) {
	r.requests++
	r.samples[endpoint] = append(r.samples[endpoint], d)
}

// fail counts an error; sent says whether a request went out (it counts
// towards requests/s) or the flow stopped before sending one.
func (r *recorder) fail(endpoint, kind string, sent bool) {
	if sent {
		r.requests++
	}
	r.errors[endpoint+": "+kind]++
}

func merge(rs []*recorder) *recorder {
	out := newRecorder()
	for _, r := range rs {
		out.requests += r.requests
		for e, s := range r.samples {
			out.samples[e] = append(out.samples[e], s...)
		}
		for k, n := range r.errors {
			out.errors[k] += n
		}
	}
	return out
}

// Latency summarizes one endpoint's successful requests.
type Latency struct {
	Endpoint string
	Count    int
	Mean     time.Duration
	P50      time.Duration
	P90      time.Duration
	P99      time.Duration
	Max      time.Duration
}

// summarize sorts samples in place and returns their percentiles, by the
// nearest-rank method (p99 of 100 samples is the 99th smallest).
func summarize(endpoint string, samples []time.Duration) Latency {
	l := Latency{Endpoint: endpoint, Count: len(samples)}
	if len(samples) == 0 {
		return l
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	l.Mean = sum / time.Duration(len(samples))
	l.P50 = rank(samples, 50)
	l.P90 = rank(samples, 90)
	l.P99 = rank(samples, 99)
	l.Max = samples[len(samples)-1]
	return l
}

func rank(sorted []time.Duration, p int) time.Duration {
	i := (p*len(sorted) + 99) / 100 // ceil(p/100 · n), 1-based
	return sorted[max(i, 1)-1]
}
