package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"agentshop/internal/app"
	"agentshop/internal/ops"
)

// TestOpsCLI: ops accounts add reads the key from the named variable and
// takes its mode from it; servers create prints {id, url, token} once
// (with --require-token a bearer secret too) and refuses a filter that
// matches no tool or an expiry under 60 s; list, revoke, audit and
// accounts remove work on the same database.
func TestOpsCLI(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(t.Context(), cfg, app.Options{Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	data := []string{"--data", cfg.Data, "--public-url", "https://shop.example"}
	env := map[string]string{"STRIPE_SUPPORT_KEY": "rk_test_51abcdefghijklmnop1234"}
	run := func(want int, args ...string) cliResult {
		t.Helper()
		r := runCLI(t, env, append(args, data...)...)
		if r.code != want {
			t.Fatalf("%s: exit %d, want %d\n%s%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
		}
		return r
	}

	r := run(0, "ops", "accounts", "add", "--name", "main", "--stripe-key-env", "STRIPE_SUPPORT_KEY", "-o", "json")
	var acc ops.AccountView
	if err := json.Unmarshal([]byte(r.stdout), &acc); err != nil {
		t.Fatalf("accounts add -o json: %v\n%s", err, r.stdout)
	}
	if acc.Mode != ops.ModeTest || acc.Name != "main" || strings.Contains(r.stdout, env["STRIPE_SUPPORT_KEY"]) {
		t.Fatalf("accounts add printed %s", r.stdout)
	}
	run(1, "ops", "accounts", "add", "--name", "main", "--stripe-key-env", "STRIPE_SUPPORT_KEY") // name in use
	run(1, "ops", "accounts", "add", "--name", "other", "--stripe-key-env", "UNSET_VARIABLE")    // no key
	run(2, "ops", "accounts", "add", "--name", "other")                                          // no --stripe-key-env
	if r = run(0, "ops", "accounts", "list"); strings.Contains(r.stdout, env["STRIPE_SUPPORT_KEY"]) || !strings.Contains(r.stdout, "rk_test_…1234") {
		t.Fatalf("accounts list:\n%s", r.stdout)
	}

	r = run(0, "ops", "servers", "create", "--account", "main", "--name", "disputes", "--tags", "disputes", "--methods", "read,write",
		"--require-token", "--expires-in", "1h", "-o", "json")
	var created ops.NewServerCreatedView
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil {
		t.Fatalf("servers create -o json: %v\n%s", err, r.stdout)
	}
	if !strings.HasPrefix(created.URL, "https://shop.example/ops/mcp/ops_") || !strings.HasSuffix(created.URL, created.Token) || !strings.HasPrefix(created.Bearer, ops.BearerPrefix) {
		t.Fatalf("servers create printed %+v", created)
	}
	r = run(1, "ops", "servers", "create", "--account", "main", "--name", "none", "--tags", "orders", "--tools", "stripe_list_disputes")
	if !strings.Contains(r.stderr, "matches no tool") {
		t.Fatalf("an empty filter: %s", r.stderr)
	}
	r = run(1, "ops", "servers", "create", "--account", "main", "--name", "soon", "--expires-in", "30s")
	if !strings.Contains(r.stderr, "at least 1m0s ahead") {
		t.Fatalf("a near expiry: %s", r.stderr)
	}
	run(1, "ops", "servers", "create", "--account", "nope", "--name", "x")
	run(2, "ops", "servers", "create", "--account", "main", "--name", "x", "--expires-in", "1h", "--expires-at", "2030-01-01T00:00:00Z")

	r = run(0, "ops", "servers", "list", "-o", "json")
	var servers []ops.ServerView
	if err := json.Unmarshal([]byte(r.stdout), &servers); err != nil {
		t.Fatalf("servers list: %v\n%s", err, r.stdout)
	}
	want := []string{"stripe_list_disputes", "stripe_get_dispute", "stripe_update_dispute_evidence", "stripe_close_dispute"}
	if len(servers) != 1 || servers[0].ID != created.ID || !servers[0].RequireToken || strings.Join(servers[0].Exposes, ",") != strings.Join(want, ",") {
		t.Fatalf("servers list = %+v", servers)
	}
	if strings.Contains(r.stdout, created.Token) || strings.Contains(r.stdout, created.Bearer) {
		t.Fatalf("servers list shows a secret:\n%s", r.stdout)
	}
	run(0, "ops", "servers", "revoke", created.ID)
	run(1, "ops", "servers", "revoke", "osv_unknown")
	if r = run(0, "ops", "audit", "-o", "json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("audit of no call = %s", r.stdout)
	}
	run(2, "ops", "audit", "--since", "yesterday")
	run(0, "ops", "accounts", "remove", "main")
	run(1, "ops", "accounts", "remove", "main")
	if r = run(0, "ops", "servers", "list", "-o", "json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("servers after the account was removed = %s", r.stdout)
	}
}
