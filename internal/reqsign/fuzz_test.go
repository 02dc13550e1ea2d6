package reqsign

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"agentshop/internal/canonjson"
)

// canonicalSeeds are bodies that exercise key order, numbers, escapes and
// nesting (the same as internal/idempotency's FuzzCanonical seeds).
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

// FuzzVerifySignature checks request-signature verification on any
// signature, timestamp and body: it never panics; it accepts a request
// only when the Signature is the one Sign computes for that secret,
// timestamp and body; a request signed now is accepted, also with its keys
// reordered, and refused the second time; and a signature with one
// character changed is refused.
func FuzzVerifySignature(f *testing.F) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ts := now.Format(time.RFC3339)
	msg := func(stamp string, body []byte) Message {
		return REST("POST", "/checkout_sessions", "2026-04-17", "idem-1", stamp, body)
	}
	for _, s := range canonicalSeeds {
		f.Add([]byte(s), "whsec_test", Sign("whsec_test", msg(ts, []byte(s))), ts)
	}
	f.Add([]byte(`{"a":1}`), "", "", "")
	f.Add([]byte(`{"a":1}`), "s", "AAAA==", "2026-05-01T12:04:59+00:00")
	f.Add([]byte(`{"a":1}`), "s", "x", "2026-05-01T11:54:59Z")
	f.Add([]byte(`{"a":1}`), "s", "x", "not a time")
	const skew = 5 * time.Minute
	verifier := func() *Verifier { return NewVerifier(skew, 0, func() time.Time { return now }) }
	f.Fuzz(func(t *testing.T, body []byte, secret, sig, stamp string) {
		if err := verifier().Verify(secret, msg(stamp, body), sig); err == nil {
			if want := Sign(secret, msg(stamp, body)); strings.TrimRight(sig, "=") != want {
				t.Fatalf("accepted signature %q, want %q", sig, want)
			}
		}
		good := Sign(secret, msg(ts, body))
		v := verifier()
		if err := v.Verify(secret, msg(ts, body), good); err != nil {
			t.Fatalf("genuine signature refused: %v", err)
		}
		if err := v.Verify(secret, msg(ts, body), good); !errors.Is(err, ErrReplayed) {
			t.Fatalf("genuine signature used twice: %v, want ErrReplayed", err)
		}
		bad := []byte(good)
		bad[len(bad)/2] ^= 1
		if err := verifier().Verify(secret, msg(ts, body), string(bad)); err == nil {
			t.Fatalf("changed signature %q accepted (genuine %q)", bad, good)
		}
		if _, err := canonjson.Canonical(body); err != nil || len(bytes.TrimSpace(body)) == 0 {
			return
		}
		var val any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&val) != nil {
			return
		}
		var reordered bytes.Buffer
		writeReordered(&reordered, val)
		if err := verifier().Verify(secret, msg(ts, reordered.Bytes()), good); err != nil {
			t.Fatalf("signature of %q refused for the same document reordered %q: %v", body, reordered.Bytes(), err)
		}
	})
}
