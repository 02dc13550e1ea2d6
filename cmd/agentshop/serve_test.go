package main

import (
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"
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
