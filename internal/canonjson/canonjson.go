// Package canonjson writes a JSON document in one canonical form, in the
// spirit of RFC 8785 (JCS), so that two encodings of the same document
// compare equal byte for byte. Both sides of agentshop use it: the
// merchant to compare request bodies for idempotency (internal/idempotency)
// and to check request signatures, the agent side (internal/reqsign) to
// make them. It imports only the standard library.
package canonjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
)

// Canonical returns body in a canonical JSON form in the spirit of RFC 8785
// (JCS): object keys sorted, no insignificant whitespace, numbers in
// shortest form so that 1.0 and 1 are equal. An empty body canonicalizes
// to the empty string; a body that is not one JSON value is an error.
func Canonical(body []byte) ([]byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("canonjson: data after the JSON value")
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // UTF-8 byte order; JCS uses UTF-16 order, equal for BMP text
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, x)
	case json.Number:
		if integer.MatchString(string(x)) {
			// Integers keep their digits: through float64, amounts above
			// 2^53 would collapse into their neighbours.
			if x == "-0" {
				x = "0"
			}
			buf.WriteString(string(x))
			return nil
		}
		f, err := x.Float64()
		if err != nil {
			return err
		}
		if f == 0 {
			f = 0 // -0 is written as 0 (RFC 8785 §3.2.2.3)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e21 {
			buf.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
		} else {
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case nil:
		buf.WriteString("null")
	}
	return nil
}

// writeString writes s as a JSON string, escaping what JSON requires
// (quote, backslash, control characters) and nothing else, as JCS does.
func writeString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case c == '\n':
			buf.WriteString(`\n`)
		case c == '\r':
			buf.WriteString(`\r`)
		case c == '\t':
			buf.WriteString(`\t`)
		case c == '\b':
			buf.WriteString(`\b`)
		case c == '\f':
			buf.WriteString(`\f`)
		case c < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte(hex[c>>4])
			buf.WriteByte(hex[c&0xf])
		default:
			buf.WriteByte(c)
		}
	}
	buf.WriteByte('"')
}

// integer matches a JSON integer literal.
var integer = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
