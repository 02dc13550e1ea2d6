package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"agentshop/internal/acpclient"
	"agentshop/internal/agent"
)

// cliResult is what one run of the command line gave.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command line in-process with env (nil: empty).
func runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut, func(k string) string { return env[k] })
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// TestCLIUsage checks help, exit statuses and flag handling of the
// command line, without a database.
func TestCLIUsage(t *testing.T) {
	t.Parallel()
	empty := filepath.Join(t.TempDir(), "not-a-data-dir")
	tests := []struct {
		args       []string
		code       int
		stdout     []string // substrings of stdout
		stderr     []string // substrings of stderr
		notStdout  []string
		stdoutOnly bool // nothing on stderr
	}{
		{args: []string{"--help"}, stdout: []string{"Available Commands:", "serve", "keys", "orders", "events", "catalog", "completion"}, stdoutOnly: true},
		{args: []string{"-h"}, stdout: []string{"Available Commands:"}, stdoutOnly: true},
		{args: []string{"help", "orders"}, stdout: []string{"refund", "cancel", "show"}, stdoutOnly: true},
		{args: nil, code: 2, stderr: []string{"Available Commands:", "agentshop needs a command"}},
		{args: []string{"serve", "-h"}, stdout: []string{"--addr", "--tls-cert", "--tls-key", "--log-format", "AGENTSHOP_ADDR"}, stdoutOnly: true},
		{args: []string{"keys", "-h"}, stdout: []string{"create", "list", "revoke"}, stdoutOnly: true},
		{args: []string{"admin", "tokens", "-h"}, stdout: []string{"create", "list", "revoke"}, stdoutOnly: true},
		{args: []string{"admin", "tokens", "create", "-h"}, stdout: []string{"--name", "--expires-in", "--output", "--data"}, notStdout: []string{"--addr"}, stdoutOnly: true},
		{args: []string{"keys", "list", "-h"}, stdout: []string{"--data", "--database", "--config", "--output"},
			notStdout: []string{"--addr", "--webhook-url", "--behind-proxy", "--name", "--signing"}, stdoutOnly: true},
		{args: []string{"keys", "create", "--help"}, stdout: []string{"--name", "--signing", "--data"}, notStdout: []string{"--addr"}, stdoutOnly: true},
		{args: []string{"orders", "-h"}, stdout: []string{"ship", "deliver", "refund", "cancel", "show", "list"}, stdoutOnly: true},
		{args: []string{"orders", "list", "-h"}, stdout: []string{"--limit"}, notStdout: []string{"--amount", "--carrier", "--tracking", "--key"}, stdoutOnly: true},
		{args: []string{"orders", "ship", "-h"}, stdout: []string{"--carrier", "--tracking"}, notStdout: []string{"--amount"}, stdoutOnly: true},
		{args: []string{"events", "-h"}, stdout: []string{"--status", "requeue"}, notStdout: []string{"--addr"}, stdoutOnly: true},
		{args: []string{"events", "requeue", "-h"}, stdout: []string{"requeue EVENT"}, stdoutOnly: true},
		{args: []string{"agent", "-h"}, stdout: []string{"buy", "webhooks"}, stdoutOnly: true},
		{args: []string{"agent", "buy", "-h"}, stdout: []string{"--merchant", "--ship-to", "4242424242424242"}, stdoutOnly: true},
		{args: []string{"conformance", "-h"}, stdout: []string{"--spec-dir", "--no-schema"}, stdoutOnly: true},
		{args: []string{"bench", "-h"}, stdout: []string{"--concurrency"}, notStdout: []string{"serve-noop"}, stdoutOnly: true},
		{args: []string{"catalog", "-h"}, stdout: []string{"list", "validate"}, stdoutOnly: true},
		{args: []string{"version", "-h"}, stdout: []string{"--output"}, stdoutOnly: true},
		{args: []string{"bogus"}, code: 2, stderr: []string{`unknown command "bogus"`, "Run 'agentshop --help'"}},
		{args: []string{"serv"}, code: 2, stderr: []string{"did you mean serve?"}},
		{args: []string{"keys", "bogus"}, code: 2, stderr: []string{`unknown command "bogus" for "agentshop keys"`}},
		{args: []string{"keys"}, code: 2, stderr: []string{"agentshop keys needs a command"}},
		{args: []string{"serve", "--port", "9000"}, code: 2, stderr: []string{"unknown flag: --port", "Run 'agentshop serve --help' for usage."}},
		{args: []string{"serve", "extra-arg"}, code: 2, stderr: []string{`unknown command "extra-arg"`}},
		{args: []string{"keys", "revoke"}, code: 2, stderr: []string{"accepts 1 arg(s), received 0"}},
		{args: []string{"orders", "ship"}, code: 2, stderr: []string{"accepts 1 arg(s)"}},
		{args: []string{"orders", "list", "--limit", "0"}, code: 2, stderr: []string{"--limit must be positive"}},
		{args: []string{"events", "--status", "lost"}, code: 2, stderr: []string{`unknown status "lost"`}},
		{args: []string{"keys", "list", "--output", "yaml"}, code: 2, stderr: []string{`--output "yaml": want table or json`}},
		{args: []string{"agent", "buy", "--item", "x"}, code: 2, stderr: []string{"--merchant is required"}},
		{args: []string{"serve", "--log-format", "yaml"}, code: 1, stderr: []string{"agentshop: starting…", `log format "yaml": want text or json`}},
		{args: []string{"serve", "--log-level", "bogus"}, code: 1, stderr: []string{`log level "bogus"`}},
		{args: []string{"serve", "--tls-cert", "cert.pem"}, code: 1, stderr: []string{"--tls-key"}},
		{args: []string{"serve", "--tls-cert", "none.pem", "--tls-key", "none.key", "--data", empty}, code: 1, stderr: []string{"tls: open none.pem"}},
		// Admin commands refuse a directory without a database, with the
		// flag honoured after the positional argument, and create nothing.
		{args: []string{"keys", "list", "--data", empty}, code: 1, stderr: []string{"no agentshop database at " + empty}},
		{args: []string{"keys", "revoke", "key_x", "--data", empty}, code: 1, stderr: []string{"no agentshop database at " + empty}},
		{args: []string{"orders", "show", "ord_x", "--data", empty}, code: 1, stderr: []string{"no agentshop database"}},
		{args: []string{"events", "--data", empty}, code: 1, stderr: []string{"no agentshop database"}},
		{args: []string{"--version"}, stdout: []string{"agentshop ", "revision ", "built ", "go1."}, stdoutOnly: true},
		{args: []string{"version"}, stdout: []string{"agentshop ", "revision ", "go1."}, stdoutOnly: true},
		{args: []string{"completion", "bash"}, stdout: []string{"bash completion", "__agentshop"}, stdoutOnly: true},
		{args: []string{"completion", "zsh"}, stdout: []string{"#compdef agentshop"}, stdoutOnly: true},
		{args: []string{"completion", "fish"}, stdout: []string{"complete -c agentshop"}, stdoutOnly: true},
		{args: []string{"catalog", "validate", "../../internal/catalog/demo.json"}, stdout: []string{"ok,", "items in usd"}, stdoutOnly: true},
		{args: []string{"catalog", "validate", "no-such-file.json"}, code: 1, stderr: []string{"no-such-file.json"}},
		{args: []string{"catalog", "list"}, stdout: []string{"gift-card-25", "PRICE"}, stdoutOnly: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.notStdout {
				if strings.Contains(r.stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if tt.stdoutOnly && r.stderr != "" {
				t.Errorf("stderr not empty:\n%s", r.stderr)
			}
		})
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("a refused admin command created %s: %v", empty, err)
	}
}

// Upper-case log values are accepted (the check runs before serving: the
// same configuration with a busy address fails on listen, not on them).
func TestCLILogValuesCaseInsensitive(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "serve", "--log-format", "JSON", "--log-level", "WARN", "--addr", "256.0.0.1:1", "--data", t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "listen") || strings.Contains(r.stderr, "log ") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestCLIOutputJSON checks the documented JSON shapes of the list and
// show commands against a server with one order.
func TestCLIOutputJSON(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	cfg.AgentAPIKey = "ask_cli_test_fixed_key_0123456789"
	cfg.LogLevel = "error"
	m := runMain(t, cfg)
	ship, err := agent.ParseAddress("Ada Lovelace, 1 Main St, San Francisco, CA 94103, US")
	if err != nil {
		t.Fatal(err)
	}
	err = agent.Buy(t.Context(), agent.BuyOptions{Merchant: m.URL(), APIKey: cfg.AgentAPIKey, Items: []string{"head-padel-pro-s-3pack"},
		Quantity: 1, ShipTo: &ship, Version: acpclient.Version20260417, Card: "4242424242424242", Auth3DS: "authenticated"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	data := []string{"--data", cfg.Data}
	jsonOf := func(args ...string) any {
		t.Helper()
		r := runCLI(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		var v any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatalf("%v: not JSON (%v):\n%s", args, err, r.stdout)
		}
		return v
	}
	keys := func(v any) []string {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object", v)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	one := func(v any) any {
		a, ok := v.([]any)
		if !ok || len(a) != 1 {
			t.Fatalf("want an array of one, got %v", v)
		}
		return a[0]
	}
	want := func(name string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s fields %v, want %v", name, got, want)
		}
	}
	orderFields := []string{"created_at", "currency", "discount", "disputes", "id", "lines", "mode", "refunded", "refunds", "session_id", "shipments", "shipping", "status", "subtotal", "tax", "total", "updated_at"}
	want("keys list", keys(one(jsonOf("keys", "list", "-o", "json", "--data", cfg.Data))), []string{"created_at", "id", "name", "prefix", "signed"})
	order := one(jsonOf("orders", "list", "--output", "json", "--data", cfg.Data)).(map[string]any)
	want("orders list", keys(order), orderFields)
	id := order["id"].(string)
	shown := jsonOf("orders", "show", id, "-o", "json", "--data", cfg.Data).(map[string]any)
	want("orders show", keys(shown), orderFields)
	want("orders show line", keys(one(shown["lines"])), []string{"item_id", "quantity", "total"})
	if shown["status"] != "confirmed" || shown["currency"] != "usd" || shown["total"].(float64) <= 0 {
		t.Errorf("orders show: %v", shown)
	}
	if events, ok := jsonOf("events", "-o", "json", "--data", cfg.Data).([]any); !ok || len(events) != 0 {
		t.Errorf("events without webhooks: %v, want []", events)
	}
	for _, args := range [][]string{{"orders", "disputes"}, {"events", "inbound"}, {"events", "inbound", "--unmatched"}} {
		if got, ok := jsonOf(append(args, "-o", "json", "--data", cfg.Data)...).([]any); !ok || len(got) != 0 {
			t.Errorf("%v with no provider events: %v, want []", args, got)
		}
	}
	if d, ok := shown["disputes"].([]any); !ok || len(d) != 0 {
		t.Errorf("orders show disputes = %v, want []", shown["disputes"])
	}
	want("catalog list", keys(jsonOf("catalog", "list", "-o", "json").([]any)[0]), []string{"currency", "digital", "id", "initial_stock", "price", "title"})
	want("version", keys(jsonOf("version", "-o", "json")), []string{"go_version", "revision", "time", "version"})

	if r := runCLI(t, nil, append([]string{"orders", "show", id}, data...)...); r.code != 0 || !strings.Contains(r.stdout, "head-padel-pro-s-3pack") {
		t.Errorf("orders show: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, nil, append([]string{"orders", "show", "ord_missing"}, data...)...); r.code != 1 || !strings.Contains(r.stderr, `No order "ord_missing"`) {
		t.Errorf("orders show ord_missing: exit %d\n%s", r.code, r.stderr)
	}
}
