package idempotency

import (
	"bytes"
	"encoding/json"
	"testing"
)

// canonicalSeeds are bodies that exercise key order, numbers, escapes and
// nesting; the spec's create example is in testdata/fuzz.
var canonicalSeeds = []string{
	``, ` `, `{}`, `[]`, `null`, `true`, `0`, `-0`, `"x"`,
	`{"b":1,"a":[1,2.0,3e0,-1.5e-7,1e21,12345678901234567890]}`,
	`{"a":{"z":null,"y":false},"a":"dup"}`,
	`{"\u00e9":"\u2028<>&","é":"\ud83d\ude00","e\u0301":"\ud800"}`,
	"{\"x\":\"\xff\xfe\"}",
	`{"line_items":[{"id":"tee","quantity":2}],"currency":"usd"} trailing`,
	`[[[[[[[[[[{}]]]]]]]]]]`,
	`{"n":1e400}`,
}

// FuzzCanonical checks Canonical on any body: it never panics; what it
// returns is valid JSON that canonicalizes to itself; and the same
// document written with its keys in another order and other whitespace
// has the same canonical form (so it has the same fingerprint and the
// same signature).
func FuzzCanonical(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := Canonical(body)
		if err != nil {
			return
		}
		if len(c) == 0 {
			if len(bytes.TrimSpace(body)) != 0 {
				t.Fatalf("non-empty body %q canonicalized to nothing", body)
			}
			return
		}
		if !json.Valid(c) {
			t.Fatalf("canonical form is not JSON: %q", c)
		}
		again, err := Canonical(c)
		if err != nil || !bytes.Equal(again, c) {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", body, c, again, err)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("Canonical accepted what json rejects: %v", err)
		}
		var reordered bytes.Buffer
		writeReordered(&reordered, v)
		rc, err := Canonical(reordered.Bytes())
		if err != nil || !bytes.Equal(rc, c) {
			t.Fatalf("reordered %q canonicalizes to %q, original to %q (%v)", reordered.Bytes(), rc, c, err)
		}
	})
}

// writeReordered writes v as JSON with object keys in reverse sorted
// order, numbers as written and whitespace between tokens.
func writeReordered(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// Reverse of Canonical's order.
		for i := 1; i < len(keys); i++ {
			for j := i; j > 0 && keys[j] > keys[j-1]; j-- {
				keys[j], keys[j-1] = keys[j-1], keys[j]
			}
		}
		buf.WriteString("{ ")
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(" ,\n")
			}
			b, _ := json.Marshal(k)
			buf.Write(b)
			buf.WriteString(" : ")
			writeReordered(buf, x[k])
		}
		buf.WriteString(" }")
	case []any:
		buf.WriteString("[\t")
		for i, e := range x {
			if i > 0 {
				buf.WriteString(", ")
			}
			writeReordered(buf, e)
		}
		buf.WriteString("]")
	case json.Number:
		buf.WriteString(x.String())
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}
