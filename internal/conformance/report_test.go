package conformance

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	t.Parallel()
	rep := &Report{Merchant: "http://127.0.0.1:1", Results: []Result{
		{Group: "discovery", Name: "doc", Status: Pass},
		{Version: "2026-04-17", Group: "totals", Name: "session sums", Status: Fail, Detail: "total 1001 ≠ 1000\nand more"},
		{Version: "2026-04-17", Group: "payment", Name: "cards", Status: Skip, Detail: "no sandbox"},
		{Version: "2026-04-17", Group: "discovery", Name: "Cache-Control", Status: Warn, Detail: "none"},
	}}
	if got, want := rep.Summary(), "1 passed, 1 failed, 1 skipped, 1 warnings"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if !rep.Failed() {
		t.Error("Failed() = false")
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 6 || lines[5] != rep.Summary() || !strings.Contains(lines[2], "FAIL") || !strings.Contains(lines[2], "total 1001 ≠ 1000; and more") {
		t.Errorf("table:\n%s", table.String())
	}

	var junit bytes.Buffer
	if err := rep.WriteJUnit(&junit); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &got); err != nil {
		t.Fatalf("junit: %v\n%s", err, junit.String())
	}
	if got.Tests != 4 || got.Failures != 1 || got.Skipped != 1 || len(got.Suites) != 2 || got.Suites[1].Cases[0].Failure == nil {
		t.Errorf("junit: %+v", got)
	}
}
