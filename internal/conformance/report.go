package conformance

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Status is the outcome of one case.
type Status string

// Case outcomes. Warn is a failed SHOULD of the spec: it is reported but
// does not fail the run.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	Skip Status = "skip"
	Warn Status = "warn"
)

// Result is one named case.
type Result struct {
	// Version is the API version the case ran with ("" for cases that do
	// not depend on one, such as discovery).
	Version string
	Group   string
	Name    string
	Status  Status
	// Detail says why a case failed, warned or was skipped, or what it saw
	// when it passed.
	Detail   string
	Duration time.Duration
}

// ID is the case's name with its version and group, e.g.
// "2026-04-17 idempotency/replay create".
func (r Result) ID() string {
	id := r.Group + "/" + r.Name
	if r.Version != "" {
		id = r.Version + " " + id
	}
	return id
}

// Report is the outcome of a run, in the order the cases ran.
type Report struct {
	Merchant string
	Results  []Result
}

// Count returns how many cases ended with s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// Failed reports whether any case failed.
func (r *Report) Failed() bool { return r.Count(Fail) > 0 }

// Find returns the result with the given version, group and name.
func (r *Report) Find(version, group, name string) (Result, bool) {
	for _, res := range r.Results {
		if res.Version == version && res.Group == group && res.Name == name {
			return res, true
		}
	}
	return Result{}, false
}

// Summary is "N passed, N failed, N skipped", followed by ", N warnings"
// when a SHOULD failed.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%d passed, %d failed, %d skipped", r.Count(Pass), r.Count(Fail), r.Count(Skip))
	if n := r.Count(Warn); n > 0 {
		s += fmt.Sprintf(", %d warnings", n)
	}
	return s
}

// WriteTable writes one line per case (result, version, check, detail)
// and the summary on its own line.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tVERSION\tCHECK\tDETAIL")
	for _, res := range r.Results {
		v := res.Version
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Status, v, res.Group+"/"+res.Name, oneLine(res.Detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// oneLine keeps a detail on one table row.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
	const max = 300
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
