package reqsign

import (
	"errors"
	"testing"
	"time"
)

// TestBase pins the signed string README.md documents, byte for byte.
func TestBase(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"REST", REST("POST", "/checkout_sessions/cs_1/cancel", "2026-04-17", "idem-1", "2026-12-07T10:00:00.5Z", []byte(`{ "b": 1.0, "a": "x" }`)),
			"agentshop-rest-v1\nPOST\n/checkout_sessions/cs_1/cancel\n2026-04-17\nidem-1\n2026-12-07T10:00:00.5Z\n{\"a\":\"x\",\"b\":1}"},
		{"RESTGet", REST("GET", "/checkout_sessions/cs_1", "2025-09-29", "", "2026-12-07T10:00:00Z", nil),
			"agentshop-rest-v1\nGET\n/checkout_sessions/cs_1\n2025-09-29\n\n2026-12-07T10:00:00Z\n"},
		{"MCP", MCP("cancel_checkout_session", "cs_1", "2026-04-17", "k", "2026-12-07T10:00:00Z", []byte(`{}`)),
			"agentshop-mcp-v1\ncancel_checkout_session\ncs_1\n2026-04-17\nk\n2026-12-07T10:00:00Z\n{}"},
		{"NotJSON", REST("POST", "/x", "v", "", "t", []byte("not json")),
			"agentshop-rest-v1\nPOST\n/x\nv\n\nt\nnot json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.m.Base()); got != tt.want {
				t.Errorf("Base()\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestVerify: a signature is good for its own message only, once, inside
// the window.
func TestVerify(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ts := now.Format(time.RFC3339Nano)
	base := REST("POST", "/checkout_sessions/cs_A/cancel", "2026-04-17", "idem-1", ts, []byte(`{}`))
	sig := Sign("s3cret", base)
	change := func(f func(*Message)) Message { m := base; f(&m); return m }
	tests := []struct {
		name string
		m    Message
		sig  string
		want error
	}{
		{"Genuine", base, sig, nil},
		{"Padded", base, sig + "=", nil},
		{"OtherSession", change(func(m *Message) { m.Target = "/checkout_sessions/cs_B/cancel" }), sig, ErrMismatch},
		{"OtherMethod", change(func(m *Message) { m.Method = "GET" }), sig, ErrMismatch},
		{"OtherIdempotencyKey", change(func(m *Message) { m.IdempotencyKey = "idem-2" }), sig, ErrMismatch},
		{"OtherVersion", change(func(m *Message) { m.APIVersion = "2025-09-29" }), sig, ErrMismatch},
		{"OtherBody", change(func(m *Message) { m.Body = []byte(`{"x":1}`) }), sig, ErrMismatch},
		{"OtherSurface", change(func(m *Message) { m.Label = LabelMCP }), sig, ErrMismatch},
		{"OtherSecret", base, Sign("other", base), ErrMismatch},
		{"Stale", change(func(m *Message) { m.Timestamp = now.Add(-6 * time.Minute).Format(time.RFC3339) }), "", ErrStale},
		{"Future", change(func(m *Message) { m.Timestamp = now.Add(6 * time.Minute).Format(time.RFC3339) }), "", ErrStale},
		{"NotATime", change(func(m *Message) { m.Timestamp = "yesterday" }), "", ErrTimestamp},
		{"LineBreak", change(func(m *Message) { m.Target = "cs_A\n2026-04-17" }), "", ErrLineBreak},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier(5*time.Minute, 0, func() time.Time { return now })
			s := tt.sig
			if s == "" {
				s = Sign("s3cret", tt.m) // genuine, so only the named check can refuse it
			}
			if err := v.Verify("s3cret", tt.m, s); !errors.Is(err, tt.want) {
				t.Errorf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReplay: the same signature twice is refused while its timestamp is
// in the window, whatever was added to it; the verifier forgets it once
// the window has passed (the timestamp check refuses it then), and when
// it is full it refuses rather than forget a live one.
func TestReplay(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	clock := now
	v := NewVerifier(5*time.Minute, 2, func() time.Time { return clock })
	m := func(ts time.Time, key string) Message {
		return REST("GET", "/checkout_sessions/cs_A", "2026-04-17", key, ts.Format(time.RFC3339Nano), nil)
	}
	a := m(now, "")
	if err := v.Verify("s", a, Sign("s", a)); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify("s", a, Sign("s", a)+"="); !errors.Is(err, ErrReplayed) {
		t.Errorf("exact replay: %v, want ErrReplayed", err)
	}
	b := m(now.Add(time.Nanosecond), "") // the same request a nanosecond later is a new one
	if err := v.Verify("s", b, Sign("s", b)); err != nil {
		t.Errorf("fresh timestamp: %v", err)
	}
	c := m(now, "other")
	if err := v.Verify("s", c, Sign("s", c)); !errors.Is(err, ErrBusy) {
		t.Errorf("third live signature with room for two: %v, want ErrBusy", err)
	}
	// Past the window the first two are forgotten and the set has room.
	clock = now.Add(5*time.Minute + time.Second)
	d := m(clock, "")
	if err := v.Verify("s", d, Sign("s", d)); err != nil {
		t.Errorf("after the window: %v", err)
	}
	if n := len(v.seen); n != 1 {
		t.Errorf("remembered %d signatures after the window, want 1", n)
	}
	if err := v.Verify("s", a, Sign("s", a)); !errors.Is(err, ErrStale) {
		t.Errorf("old signature after the window: %v, want ErrStale", err)
	}
}
