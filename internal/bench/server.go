package bench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serverMetric is the histogram agentshop's ACP handler keeps of its own
// request latency, labelled by endpoint with the names the bench uses.
const serverMetric = "agentshop_acp_request_duration_seconds"

// ServerLatency is an endpoint's latency as the merchant measured it: the
// difference of its latency histogram between the start and the end of the
// run. Quantiles are interpolated linearly inside a bucket, as PromQL's
// histogram_quantile does, so they are only as fine as the buckets.
type ServerLatency struct {
	Endpoint      string
	Count         uint64
	P50, P90, P99 time.Duration
}

// WriterUse is how busy the merchant's SQLite writer was during the run,
// from agentshop's agentshop_sqlite_writer_* counters (absent on other
// stores and merchants).
type WriterUse struct {
	// Busy and Commit are the fractions of the run the writer spent
	// running batches and, of that, in COMMIT.
	Busy, Commit float64
	// Batches is the group commits; JobsPerBatch their mean size.
	Batches      int64
	JobsPerBatch float64
}

// writerCounters are the counters [WriterUse] comes from.
var writerCounters = []string{
	"agentshop_sqlite_writer_busy_seconds_total",
	"agentshop_sqlite_writer_commit_seconds_total",
	"agentshop_sqlite_writer_batches_total",
	"agentshop_sqlite_writer_jobs_total",
}

// serverState is one scrape of the merchant's metrics.
type serverState struct {
	at      time.Time
	latency map[string]histogram
	writer  map[string]float64
}

// histogram is one endpoint's cumulative bucket counts by upper bound
// (seconds), summed over the metric's other labels.
type histogram map[float64]uint64

// scrapeServer reads serverMetric from the Prometheus text exposition at
// url, by endpoint.
func scrapeServer(ctx context.Context, c *http.Client, url string) (*serverState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("bench: scrape %s: %s", url, resp.Status)
	}
	return parseServer(resp.Body, time.Now())
}

func parseServer(r io.Reader, at time.Time) (*serverState, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("bench: parse metrics: %w", err)
	}
	st := &serverState{at: at, latency: map[string]histogram{}, writer: map[string]float64{}}
	for _, name := range writerCounters {
		if f, ok := fams[name]; ok && f.GetType() == dto.MetricType_COUNTER && len(f.GetMetric()) == 1 {
			st.writer[name] = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	out := st.latency
	fam, ok := fams[serverMetric]
	if !ok || fam.GetType() != dto.MetricType_HISTOGRAM {
		return st, nil
	}
	for _, m := range fam.GetMetric() {
		ep := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == "endpoint" {
				ep = l.GetValue()
			}
		}
		h := out[ep]
		if h == nil {
			h = histogram{}
			out[ep] = h
		}
		for _, b := range m.GetHistogram().GetBucket() {
			if ub := b.GetUpperBound(); !math.IsInf(ub, 1) { // +Inf is the count, below
				h[ub] += b.GetCumulativeCount()
			}
		}
		h[math.Inf(1)] += m.GetHistogram().GetSampleCount()
	}
	return st, nil
}

// writerUse is the writer's use between two scrapes; nil when the
// merchant does not export the counters.
func writerUse(before, after *serverState) *WriterUse {
	d := map[string]float64{}
	for _, name := range writerCounters {
		a, ok1 := after.writer[name]
		b, ok2 := before.writer[name]
		if !ok1 || !ok2 {
			return nil
		}
		d[name] = a - b
	}
	wall := after.at.Sub(before.at).Seconds()
	if wall <= 0 {
		return nil
	}
	u := &WriterUse{
		Busy:    d[writerCounters[0]] / wall,
		Commit:  d[writerCounters[1]] / wall,
		Batches: int64(d[writerCounters[2]]),
	}
	if u.Batches > 0 {
		u.JobsPerBatch = d[writerCounters[3]] / d[writerCounters[2]]
	}
	return u
}

// serverLatencies summarizes after − before for the endpoints in order.
func serverLatencies(before, after *serverState, order []string) []ServerLatency {
	var out []ServerLatency
	for _, ep := range order {
		a, ok := after.latency[ep]
		if !ok {
			continue
		}
		d := histogram{}
		for ub, n := range a {
			d[ub] = n - min(n, before.latency[ep][ub])
		}
		total := d[math.Inf(1)]
		if total == 0 {
			continue
		}
		out = append(out, ServerLatency{Endpoint: ep, Count: total,
			P50: d.quantile(0.50), P90: d.quantile(0.90), P99: d.quantile(0.99)})
	}
	return out
}

// quantile is histogram_quantile(q): the upper bound of the bucket holding
// rank q × count, interpolated linearly from the bucket below. A rank in
// the +Inf bucket answers the highest finite bound.
func (h histogram) quantile(q float64) time.Duration {
	bounds := slices.Sorted(maps.Keys(h))
	total := h[math.Inf(1)]
	if total == 0 || len(bounds) == 0 {
		return 0
	}
	rank := q * float64(total)
	lower, below := 0.0, uint64(0)
	for _, ub := range bounds {
		n := h[ub]
		if float64(n) >= rank {
			if math.IsInf(ub, 1) {
				return seconds(lower)
			}
			if n == below {
				return seconds(ub)
			}
			return seconds(lower + (ub-lower)*(rank-float64(below))/float64(n-below))
		}
		lower, below = ub, n
	}
	return seconds(lower)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
