package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

func TestAllowBurstThenRate(t *testing.T) {
	t.Parallel()
	l := New(2, 3, time.Minute) // 2/s, bursts of 3
	for i := range 3 {
		if d := l.Allow("k", t0); !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("request %d: %+v, want allowed with %d left", i, d, 2-i)
		}
	}
	d := l.Allow("k", t0)
	if d.Allowed || d.RetryAfter != 500*time.Millisecond || d.Remaining != 0 || d.Limit != 3 {
		t.Fatalf("4th request: %+v, want denied, retry in 500ms", d)
	}
	if d := l.Allow("other", t0); !d.Allowed {
		t.Fatalf("another key is throttled: %+v", d)
	}
	if d := l.Allow("k", t0.Add(500*time.Millisecond)); !d.Allowed {
		t.Fatalf("after 500ms: %+v, want allowed", d)
	}
}

func TestCheckTakesNothing(t *testing.T) {
	t.Parallel()
	l := New(1, 1, time.Minute)
	for range 5 {
		if d := l.Check("a", t0); !d.Allowed {
			t.Fatalf("Check took a token: %+v", d)
		}
	}
	l.Allow("a", t0)
	if d := l.Check("a", t0); d.Allowed {
		t.Fatalf("Check after the only token was taken: %+v", d)
	}
}

func TestNilLimiter(t *testing.T) {
	t.Parallel()
	l := New(0, 10, 0)
	if l != nil {
		t.Fatal("New(0, …) is a limiter, want nil (no limit)")
	}
	d := l.Allow("k", t0)
	h := http.Header{}
	d.WriteHeaders(h)
	if !d.Allowed || len(h) != 0 {
		t.Fatalf("nil limiter: %+v, headers %v", d, h)
	}
}

func TestLogOncePerInterval(t *testing.T) {
	t.Parallel()
	l := New(1, 1, time.Minute)
	l.Allow("k", t0)
	var logged, suppressed int
	for i := range 1000 {
		// 1000 denials within one second: one log line.
		d := l.Allow("k", t0.Add(time.Duration(i)*time.Microsecond))
		if d.Allowed {
			t.Fatalf("denial %d allowed", i)
		}
		if d.Log {
			logged++
		}
	}
	if logged != 1 {
		t.Fatalf("logged %d times in one interval, want 1", logged)
	}
	// A minute later the next denial is logged with the count suppressed.
	at := t0.Add(time.Minute)
	l.Allow("k", at) // refilled: allowed
	d := l.Allow("k", at)
	suppressed = d.Suppressed
	if !d.Log || suppressed != 999 {
		t.Fatalf("next interval: %+v, want logged with 999 suppressed", d)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	l := New(0.5, 2, time.Minute) // one token every 2 s
	h := http.Header{}
	l.Allow("k", t0).WriteHeaders(h)
	if got := [3]string{h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset")}; got != [3]string{"2", "1", "2"} {
		t.Fatalf("allowed: limit/remaining/reset = %v, want [2 1 2]", got)
	}
	if h.Get("Retry-After") != "" {
		t.Fatalf("allowed request has Retry-After %q", h.Get("Retry-After"))
	}
	l.Allow("k", t0)
	h = http.Header{}
	l.Allow("k", t0).WriteHeaders(h)
	if got := [4]string{h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"), h.Get("Retry-After")}; got != [4]string{"2", "0", "4", "2"} {
		t.Fatalf("denied: limit/remaining/reset/retry-after = %v, want [2 0 4 2]", got)
	}
}

func TestSweepDropsIdleBuckets(t *testing.T) {
	t.Parallel()
	l := New(10, 10, time.Minute)
	for _, k := range []string{"a", "b", "c"} {
		l.Allow(k, t0)
	}
	if l.Len() != 3 {
		t.Fatalf("Len = %d, want 3", l.Len())
	}
	l.Allow("d", t0.Add(2*time.Minute)) // a, b, c are full again
	if l.Len() != 1 {
		t.Fatalf("after the sweep Len = %d, want 1", l.Len())
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		remote      string
		xff         []string
		behindProxy bool
		want        string
	}{
		{"remote v4", "192.0.2.7:5555", nil, false, "192.0.2.7"},
		{"forwarded header ignored without behind-proxy", "192.0.2.7:5555", []string{"203.0.113.9"}, false, "192.0.2.7"},
		{"behind proxy: the proxy's entry", "127.0.0.1:5555", []string{"203.0.113.9"}, true, "203.0.113.9"},
		{"behind proxy: forged entries before it are ignored", "127.0.0.1:5555", []string{"1.1.1.1, 2.2.2.2, 203.0.113.9"}, true, "203.0.113.9"},
		{"behind proxy: last header line wins", "127.0.0.1:5555", []string{"1.1.1.1", "198.51.100.4"}, true, "198.51.100.4"},
		{"behind proxy: garbage falls back to remote", "127.0.0.1:5555", []string{"not-an-ip"}, true, "127.0.0.1"},
		{"behind proxy: no header", "127.0.0.1:5555", nil, true, "127.0.0.1"},
		{"v6 counts by /64", "[2001:db8:1:2:aaaa::1]:443", nil, false, "2001:db8:1:2::/64"},
		{"v6 neighbour in the same /64", "[2001:db8:1:2:bbbb::9]:443", nil, false, "2001:db8:1:2::/64"},
		{"v4-mapped v6 is v4", "[::ffff:192.0.2.7]:1", nil, false, "192.0.2.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientAddr(r, tt.behindProxy); got != tt.want {
				t.Fatalf("ClientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}
