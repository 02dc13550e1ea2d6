package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Print writes the report as text: throughput, a latency table per
// endpoint and the errors by kind.
func (r *Report) Print(w io.Writer) {
	cfg := r.Config
	fmt.Fprintf(w, "scenario %s, API-Version %s, concurrency %d, item %s ×%d, %s against %s\n",
		cfg.Scenario, cfg.Version, cfg.Concurrency, cfg.Item, cfg.Quantity, r.Elapsed.Round(time.Millisecond), cfg.Merchant)
	unit := "flows"
	if cfg.Scenario != ScenarioFull {
		unit = cfg.Scenario + "s"
	}
	fmt.Fprintf(w, "%s: %d ok of %d, %.1f/s; requests: %d, %.1f/s\n\n",
		unit, r.OK, r.Flows, r.FlowsPerSecond(), r.Requests, r.RequestsPerSecond())
	fmt.Fprintf(w, "%-17s %8s %9s %9s %9s %9s %9s\n", "endpoint", "count", "mean", "p50", "p90", "p99", "max")
	for _, l := range r.Latencies {
		fmt.Fprintf(w, "%-17s %8d %9s %9s %9s %9s %9s\n", l.Endpoint, l.Count, ms(l.Mean), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
	}
	if len(r.Server) > 0 {
		fmt.Fprintf(w, "\nserver-side, from its %s histogram:\n", serverMetric)
		fmt.Fprintf(w, "%-17s %8s %9s %9s %9s\n", "endpoint", "count", "p50", "p90", "p99")
		for _, l := range r.Server {
			fmt.Fprintf(w, "%-17s %8d %9s %9s %9s\n", l.Endpoint, l.Count, ms(l.P50), ms(l.P90), ms(l.P99))
		}
	}
	if u := r.Writer; u != nil {
		fmt.Fprintf(w, "SQLite writer: busy %.0f%% of the run (COMMIT %.0f%%), %d group commits of %.1f transactions\n",
			100*u.Busy, 100*u.Commit, u.Batches, u.JobsPerBatch)
	}
	if r.ServerErr != "" {
		fmt.Fprintf(w, "\nserver-side latency: %s\n", r.ServerErr)
	}
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "\nerrors: none")
		return
	}
	fmt.Fprintln(w, "\nerrors:")
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, "  %6d  %s\n", r.Errors[k], k)
	}
}

// ms formats d in milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// Print writes the verification as text.
func (v *Verification) Print(w io.Writer) {
	fmt.Fprintf(w, "\nverification: re-read %d of %d successful sessions and their order pages; %d distinct order ids\n",
		v.Checked, v.Successful, v.DistinctOrders)
	if lc := v.Ledger; lc != nil {
		fmt.Fprintf(w, "ledger: %d sessions, %d charged (%d unseen by the agent), %d double-charged, %d pending; stock %d → %d (expected %d)\n",
			lc.Sessions, lc.Charged, lc.Unseen, lc.DoubleCharged, lc.Pending, lc.StockBefore, lc.StockAfter, lc.StockExpected)
	} else {
		fmt.Fprintln(w, "ledger: not checked (no --data or --database: charges and stock are not visible through the API)")
	}
	if v.OK() {
		fmt.Fprintln(w, "verification: PASS")
		return
	}
	fmt.Fprintf(w, "verification: FAIL, %d problems:\n  %s\n", v.ProblemCount, strings.Join(v.Problems, "\n  "))
}
