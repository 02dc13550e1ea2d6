package conformance

import (
	"fmt"
	"strconv"
)

// pathSegment is one step of a JSONPath: a member name or an array index.
type pathSegment struct {
	Name    string
	Index   int
	IsIndex bool
}

// parseJSONPath parses the subset of RFC 9535 JSONPath that ACP uses in
// param fields: the root "$" followed by member-name shorthands (".name")
// and non-negative array indexes ("[0]"), e.g.
// "$.line_items[0].item.id". Names follow RFC 9535 member-name-shorthand:
// a letter, "_" or non-ASCII character, then also digits. Indexes have no
// leading zeros. Anything else (wildcards, filters, quoted names, slices,
// a missing "$") is an error: an agent cannot act on it.
func parseJSONPath(s string) ([]pathSegment, error) {
	if s == "" || s[0] != '$' {
		return nil, fmt.Errorf("JSONPath %q does not start with $", s)
	}
	var segs []pathSegment
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && nameChar(s[j], j == i+1) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("JSONPath %q: expected a member name at offset %d", s, i+1)
			}
			segs = append(segs, pathSegment{Name: s[i+1 : j]})
			i = j
		case '[':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			digits := s[i+1 : j]
			if digits == "" || j >= len(s) || s[j] != ']' {
				return nil, fmt.Errorf("JSONPath %q: expected [index] at offset %d", s, i)
			}
			if len(digits) > 1 && digits[0] == '0' {
				return nil, fmt.Errorf("JSONPath %q: index %s has a leading zero", s, digits)
			}
			n, err := strconv.Atoi(digits)
			if err != nil {
				return nil, fmt.Errorf("JSONPath %q: index %s: %w", s, digits, err)
			}
			segs = append(segs, pathSegment{Index: n, IsIndex: true})
			i = j + 1
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q at offset %d", s, s[i], i)
		}
	}
	return segs, nil
}

// nameChar reports whether c may appear in a member-name shorthand; digits
// may not start one. Bytes ≥ 0x80 are parts of non-ASCII characters, which
// RFC 9535 allows.
func nameChar(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= 0x80:
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}
