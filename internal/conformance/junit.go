package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: one test suite per API
// version (and one named "acp" for version-independent cases), one test
// case per check. Warnings pass, with the detail in system-out, since
// JUnit has no such outcome.
func (r *Report) WriteJUnit(w io.Writer) error {
	all := junitSuites{Name: "acp conformance " + r.Merchant}
	index := map[string]int{}
	for _, res := range r.Results {
		suite := res.Version
		if suite == "" {
			suite = "acp"
		}
		i, ok := index[suite]
		if !ok {
			i = len(all.Suites)
			index[suite] = i
			all.Suites = append(all.Suites, junitSuite{Name: suite})
		}
		s := &all.Suites[i]
		tc := junitCase{
			Name:      res.Group + "/" + res.Name,
			Classname: "conformance." + suite + "." + res.Group,
			Time:      fmt.Sprintf("%.3f", res.Duration.Seconds()),
		}
		switch res.Status {
		case Fail:
			tc.Failure = &junitMessage{Message: oneLine(res.Detail), Text: res.Detail}
			s.Failures++
			all.Failures++
		case Skip:
			tc.Skipped = &junitMessage{Message: oneLine(res.Detail)}
			s.Skipped++
			all.Skipped++
		case Warn:
			tc.SystemOut = "warning (SHOULD): " + res.Detail
		default:
			tc.SystemOut = res.Detail
		}
		s.Tests++
		all.Tests++
		s.Cases = append(s.Cases, tc)
		var secs float64
		fmt.Sscanf(s.Time, "%g", &secs)
		s.Time = fmt.Sprintf("%.3f", secs+res.Duration.Seconds())
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteJUnitFile writes [Report.WriteJUnit]'s XML to path, creating its
// directory if needed.
func (r *Report) WriteJUnitFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("conformance: junit: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("conformance: junit: %w", err)
	}
	if err := r.WriteJUnit(f); err != nil {
		f.Close()
		return fmt.Errorf("conformance: junit: %w", err)
	}
	return f.Close()
}
