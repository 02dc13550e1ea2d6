package agent

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"agentshop/internal/acpclient"
)

func oneLine(a acpclient.Address) string {
	parts := []string{a.Name, a.LineOne}
	if a.LineTwo != "" {
		parts = append(parts, a.LineTwo)
	}
	return strings.Join(append(parts, a.City, strings.TrimSpace(a.State+" "+a.PostalCode), a.Country), ", ")
}

// ParseAddress parses a one-line address:
//
//	Name, Line 1[, Line 2], City, State Postal[, Country]
//
// State and postal code may be one part ("CA 94103", "New York 10001",
// "ON M5V 3L9") or two when the state is a code ("CA, 94103"); a postal
// code alone ("SW1A 1AA") leaves the state empty. The country is a two-letter code, "USA" or "UK",
// and defaults to US. Extra spaces are ignored.
func ParseAddress(s string) (acpclient.Address, error) {
	var a acpclient.Address
	var parts []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			parts = append(parts, p)
		}
	}
	const format = `want "Name, Line 1[, Line 2], City, State Postal[, Country]"`
	if len(parts) < 4 {
		return a, fmt.Errorf("%q has %d parts; %s", s, len(parts), format)
	}
	a.Country = "US"
	if c, ok := countryCode(parts[len(parts)-1]); ok {
		a.Country = c
		parts = parts[:len(parts)-1]
	}
	region := parts[len(parts)-1]
	parts = parts[:len(parts)-1]
	state, postal := splitRegion(region)
	if postal == "" {
		return a, fmt.Errorf("no postal code in %q; %s", region, format)
	}
	// A postal code alone: the part before it is the state if it looks like
	// a state code ("CA", "NSW") and name, line 1 and city remain.
	if prev := parts[len(parts)-1]; state == "" && len(parts) >= 4 && len(prev) <= 3 && !strings.ContainsFunc(prev, func(r rune) bool { return !unicode.IsLetter(r) }) {
		state = parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	a.State, a.PostalCode = state, postal
	switch len(parts) {
	case 3:
		a.Name, a.LineOne, a.City = parts[0], parts[1], parts[2]
	case 4:
		a.Name, a.LineOne, a.LineTwo, a.City = parts[0], parts[1], parts[2], parts[3]
	default:
		return a, fmt.Errorf("%q: expected name, line 1, optional line 2 and city before the state and postal code; %s", s, format)
	}
	return a, nil
}

// splitRegion splits "CA 94103" into state and postal code: the leading
// words without digits are the state, the rest the postal code.
func splitRegion(s string) (state, postal string) {
	words := strings.Fields(s)
	i := slices.IndexFunc(words, func(w string) bool { return strings.ContainsFunc(w, unicode.IsDigit) })
	if i < 0 {
		return s, ""
	}
	return strings.Join(words[:i], " "), strings.Join(words[i:], " ")
}

// countryCode recognises a country part: a two-letter code, or USA/UK.
func countryCode(s string) (string, bool) {
	u := strings.ToUpper(s)
	switch u {
	case "USA", "U.S.A.", "U.S.":
		return "US", true
	case "UK":
		return "GB", true
	}
	if len(u) == 2 && u[0] >= 'A' && u[0] <= 'Z' && u[1] >= 'A' && u[1] <= 'Z' {
		return u, true
	}
	return "", false
}
