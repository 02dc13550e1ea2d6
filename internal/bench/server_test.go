package bench

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	// 100 requests: 50 within 1 ms, 90 within 2 ms, 99 within 4 ms, all
	// within 8 ms.
	h := histogram{0.001: 50, 0.002: 90, 0.004: 99, 0.008: 100, math.Inf(1): 100}
	tail := histogram{0.001: 10, 0.002: 10, math.Inf(1): 20} // half beyond the last bound
	for _, tt := range []struct {
		h    histogram
		q    float64
		want time.Duration
	}{
		{h, 0.25, 500 * time.Microsecond}, // halfway into the first bucket, from 0
		{h, 0.50, 1 * time.Millisecond},
		{h, 0.70, 1500 * time.Microsecond},
		{h, 0.90, 2 * time.Millisecond},
		{h, 0.99, 4 * time.Millisecond},
		{h, 0.995, 6 * time.Millisecond},
		{tail, 0.25, 500 * time.Microsecond},
		{tail, 0.99, 2 * time.Millisecond}, // in +Inf: the highest finite bound
		{histogram{}, 0.5, 0},
	} {
		if got := tt.h.quantile(tt.q); (got - tt.want).Abs() > time.Microsecond {
			t.Errorf("quantile(%v) of %v = %v, want %v", tt.q, tt.h, got, tt.want)
		}
	}
}

func TestServerLatencies(t *testing.T) {
	const before = `# TYPE agentshop_acp_request_duration_seconds histogram
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2026-04-17",le="0.001"} 5
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2026-04-17",le="0.01"} 10
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2026-04-17",le="+Inf"} 10
agentshop_acp_request_duration_seconds_sum{endpoint="create",version="2026-04-17"} 0.02
agentshop_acp_request_duration_seconds_count{endpoint="create",version="2026-04-17"} 10
`
	// After: 100 more creates on 2026-04-17 (all between 1 and 10 ms) and
	// 100 on 2025-09-29 (all under 1 ms), plus a get.
	const after = `# TYPE agentshop_acp_request_duration_seconds histogram
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2026-04-17",le="0.001"} 5
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2026-04-17",le="0.01"} 110
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2026-04-17",le="+Inf"} 110
agentshop_acp_request_duration_seconds_sum{endpoint="create",version="2026-04-17"} 0.6
agentshop_acp_request_duration_seconds_count{endpoint="create",version="2026-04-17"} 110
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2025-09-29",le="0.001"} 100
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2025-09-29",le="0.01"} 100
agentshop_acp_request_duration_seconds_bucket{endpoint="create",version="2025-09-29",le="+Inf"} 100
agentshop_acp_request_duration_seconds_sum{endpoint="create",version="2025-09-29"} 0.05
agentshop_acp_request_duration_seconds_count{endpoint="create",version="2025-09-29"} 100
agentshop_acp_request_duration_seconds_bucket{endpoint="get",version="2026-04-17",le="0.001"} 1
agentshop_acp_request_duration_seconds_bucket{endpoint="get",version="2026-04-17",le="0.01"} 1
agentshop_acp_request_duration_seconds_bucket{endpoint="get",version="2026-04-17",le="+Inf"} 1
agentshop_acp_request_duration_seconds_sum{endpoint="get",version="2026-04-17"} 0.0005
agentshop_acp_request_duration_seconds_count{endpoint="get",version="2026-04-17"} 1
# TYPE other_metric counter
other_metric 3
`
	t0 := time.Unix(1000, 0)
	b, err := parseServer(strings.NewReader(before), t0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseServer(strings.NewReader(after), t0.Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := serverLatencies(b, a, []string{EndpointCreate, EndpointUpdate})
	if len(got) != 1 {
		t.Fatalf("server latencies = %+v, want create only", got)
	}
	c := got[0]
	// 200 new creates: 100 under 1 ms (both versions summed), 100 in (1, 10].
	if c.Endpoint != EndpointCreate || c.Count != 200 {
		t.Fatalf("create = %+v, want 200 requests", c)
	}
	if want := time.Millisecond; (c.P50 - want).Abs() > time.Microsecond {
		t.Errorf("p50 = %v, want %v", c.P50, want)
	}
	if want := 1*time.Millisecond + 9*time.Millisecond*98/100; (c.P99 - want).Abs() > time.Microsecond {
		t.Errorf("p99 = %v, want %v", c.P99, want)
	}
	if u := writerUse(b, a); u != nil {
		t.Errorf("writer use %+v from a merchant without writer counters", u)
	}
	if _, err := parseServer(strings.NewReader("not { metrics"), t0); err == nil {
		t.Error("malformed exposition parsed without error")
	}
}

func TestWriterUse(t *testing.T) {
	scrape := func(busy, commit, batches, jobs float64) string {
		return fmt.Sprintf(`# TYPE agentshop_sqlite_writer_busy_seconds_total counter
agentshop_sqlite_writer_busy_seconds_total %g
# TYPE agentshop_sqlite_writer_commit_seconds_total counter
agentshop_sqlite_writer_commit_seconds_total %g
# TYPE agentshop_sqlite_writer_batches_total counter
agentshop_sqlite_writer_batches_total %g
# TYPE agentshop_sqlite_writer_jobs_total counter
agentshop_sqlite_writer_jobs_total %g
`, busy, commit, batches, jobs)
	}
	t0 := time.Unix(1000, 0)
	b, err := parseServer(strings.NewReader(scrape(1, 0.5, 10, 10)), t0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseServer(strings.NewReader(scrape(19, 10.5, 3010, 21010)), t0.Add(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := WriterUse{Busy: 0.9, Commit: 0.5, Batches: 3000, JobsPerBatch: 7}
	if u := writerUse(b, a); u == nil || *u != want {
		t.Errorf("writer use = %+v, want %+v", u, want)
	}
}
