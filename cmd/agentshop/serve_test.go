package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// runMain runs the server in-process with cfg, its output discarded, and
// closes it when the test ends.
func runMain(t *testing.T, cfg Config) *Main {
	t.Helper()
	m := &Main{Config: cfg, Stdout: io.Discard, Stderr: io.Discard}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// --debug-addr serves pprof on its own listener and nowhere else.
func TestDebugAddr(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DebugAddr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	m := runMain(t, cfg)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	debugURL := "http://" + m.App.DebugAddr()
	if code, body := get(debugURL + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("debug listener /debug/pprof/: %d %.80q", code, body)
	}
	if code, body := get(debugURL + "/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(body, "goroutine profile") {
		t.Errorf("debug listener goroutine profile: %d %.80q", code, body)
	}
	if code, _ := get(m.URL() + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("public listener /debug/pprof/: %d, want 404", code)
	}
}

// --metrics-addr (and AGENTSHOP_METRICS_ADDR) serves /metrics on its own
// listener, and the main listener no longer does; without it /metrics is
// on the main listener as before.
func TestMetricsAddr(t *testing.T) {
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{name: "Flag", args: []string{"--metrics-addr", "127.0.0.1:0"}},
		{name: "Env", env: map[string]string{"AGENTSHOP_METRICS_ADDR": "127.0.0.1:0"}},
		{name: "Off"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			flags := addConfigFlags(fs)
			if err := fs.Parse(append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-level", "error"}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			cfg, err := flags.load(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			m := runMain(t, cfg)
			mainCode, _ := get(m.URL() + "/metrics")
			if m.App.MetricsAddr() == "" {
				if tt.name != "Off" {
					t.Fatalf("no metrics listener for %v %v", tt.args, tt.env)
				}
				if mainCode != http.StatusOK {
					t.Errorf("main listener /metrics without --metrics-addr: %d, want 200", mainCode)
				}
				return
			}
			if code, body := get("http://" + m.App.MetricsAddr() + "/metrics"); code != http.StatusOK || !strings.Contains(body, "agentshop_build_info") {
				t.Errorf("metrics listener /metrics: %d %.80q", code, body)
			}
			if mainCode != http.StatusNotFound {
				t.Errorf("main listener /metrics with a metrics listener: %d, want 404", mainCode)
			}
		})
	}
}

// serve and bench raise GOGC to gcPercent, unless GOGC is set.
func TestTuneGC(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  string
		want int
	}{
		{name: "Unset", env: "", want: gcPercent},
		{name: "Set", env: "150", want: 123}, // left as it was
	} {
		t.Run(tt.name, func(t *testing.T) {
			old := debug.SetGCPercent(123)
			defer debug.SetGCPercent(old)
			tuneGC(func(k string) string {
				if k == "GOGC" {
					return tt.env
				}
				return ""
			})
			if got := debug.SetGCPercent(123); got != tt.want {
				t.Errorf("GC percent = %d, want %d", got, tt.want)
			}
		})
	}
}

// A start that fails, on a busy address or a bad configuration, creates
// no first-start key: the next start that succeeds prints one.
func TestFailedStartKeepsFirstKey(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	start := func(cfg Config) (string, error) {
		t.Helper()
		var out bytes.Buffer
		m := &Main{Config: cfg, Stdout: &out, Stderr: io.Discard}
		err := m.Run(t.Context())
		if cerr := m.Close(); cerr != nil {
			t.Error(cerr)
		}
		return out.String(), err
	}
	for _, tt := range []struct {
		name    string
		set     func(*Config)
		wantErr string
	}{
		{name: "AddressInUse", set: func(c *Config) { c.Addr = busy.Addr().String() }, wantErr: "address already in use"},
		{name: "StripeWithoutKey", set: func(c *Config) { c.Addr = "127.0.0.1:0"; c.Shop.PaymentProvider = "stripe" }, wantErr: "AGENTSHOP_STRIPE_SECRET_KEY"},
		{name: "WebhookWithoutSecret", set: func(c *Config) { c.Addr = "127.0.0.1:0"; c.Webhook.URL = "http://127.0.0.1:1/hook" }, wantErr: "AGENTSHOP_WEBHOOK_SECRET"},
	} {
		c := cfg
		tt.set(&c)
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		out, err := start(c)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Fatalf("%s: Run = %v, want an error with %q", tt.name, err, tt.wantErr)
		}
		if strings.Contains(out, "ask_") {
			t.Errorf("%s: a failed start printed a key:\n%s", tt.name, out)
		}
	}
	cfg.Addr = "127.0.0.1:0"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := start(cfg)
	if err != nil || !regexp.MustCompile(`ask_[A-Za-z0-9_-]{20,}`).MatchString(out) {
		t.Fatalf("first successful start: %v, printed:\n%s", err, out)
	}
}
