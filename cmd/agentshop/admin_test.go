package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"agentshop/internal/admintoken"
	"agentshop/internal/app"
)

// TestAdminTokens: admin tokens create prints the secret once (table and
// JSON), list shows the tokens without it, revoke revokes, and the
// database holds only the hash: the token authenticates until revoked.
func TestAdminTokens(t *testing.T) {
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
	data := []string{"--data", cfg.Data}
	cli := func(args ...string) cliResult {
		t.Helper()
		return runCLI(t, nil, append(append([]string{"admin", "tokens"}, args...), data...)...)
	}

	r := cli("create", "--name", "ops", "--expires-in", "2h", "-o", "json")
	if r.code != 0 {
		t.Fatalf("create: exit %d\n%s", r.code, r.stderr)
	}
	var created struct {
		ID, Name, Prefix, Token string
		RawExpires              string `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil {
		t.Fatalf("create -o json: %v\n%s", err, r.stdout)
	}
	if !strings.HasPrefix(created.Token, admintoken.SecretPrefix) || created.Name != "ops" || created.RawExpires == "" || !strings.HasPrefix(created.Token, created.Prefix) {
		t.Fatalf("created = %+v", created)
	}
	r = cli("create")
	if r.code != 0 || !strings.Contains(r.stdout, "token:") || !strings.Contains(r.stdout, "shown once") {
		t.Fatalf("create (table): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = cli("list", "-o", "json")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &listed); r.code != 0 || err != nil {
		t.Fatalf("list: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(listed) != 2 || listed[0]["id"] != created.ID || listed[0]["expires_at"] != created.RawExpires {
		t.Fatalf("list = %v, want the two tokens, %s first with its expiry", listed, created.ID)
	}
	if strings.Contains(r.stdout, created.Token) || strings.Contains(cli("list").stdout, created.Token) {
		t.Fatal("list shows a token's secret")
	}

	check := func(want error) {
		t.Helper()
		a, err := app.New(t.Context(), cfg, app.Options{Logs: io.Discard, Existing: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if _, err := a.Admin.Authenticate(t.Context(), created.Token); err != want {
			t.Fatalf("authenticate: %v, want %v", err, want)
		}
	}
	check(nil)
	if r = cli("revoke", created.ID); r.code != 0 || !strings.Contains(r.stdout, "revoked "+created.ID) {
		t.Fatalf("revoke: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	check(admintoken.ErrInvalid)
	if r = cli("list"); !strings.Contains(r.stdout, created.ID) || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("list after revoke:\n%s", r.stdout)
	}

	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"revoke", "adm_missing"}, 1, `No admin token "adm_missing"`},
		{[]string{"create", "--expires-in", "-1h"}, 2, "--expires-in must be positive"},
		{[]string{"create", "--expires-in", "soon"}, 2, "invalid argument"},
		{[]string{"revoke"}, 2, "accepts 1 arg(s)"},
	} {
		if r := cli(tt.args...); r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, r.code, r.stderr, tt.code, tt.stderr)
		}
	}
}
