package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unitFile is a systemd unit: section → key → values, in order (a key
// may repeat, as Environment= does).
type unitFile map[string]map[string][]string

// parseUnit reads the INI syntax of systemd.syntax(7): [Section] headers,
// Key=Value lines, comments starting with # or ;. It does not join
// continuation lines, which the unit does not use.
func parseUnit(src string) (unitFile, error) {
	u := unitFile{}
	section := ""
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				return nil, fmt.Errorf("line %d: want Key=Value in a [Section], got %q", i+1, line)
			}
			k = strings.TrimSpace(k)
			u[section][k] = append(u[section][k], strings.TrimSpace(v))
		}
	}
	return u, nil
}

// unitRules are the settings README "Deploy" promises of the unit: each
// key of the section must have one of the values ("*" for any value).
var unitRules = []struct {
	section, key string
	values       []string
}{
	{"Service", "ExecStart", []string{"/usr/local/bin/agentshop serve"}},
	{"Service", "DynamicUser", []string{"yes"}},
	{"Service", "StateDirectory", []string{"agentshop"}},
	{"Service", "EnvironmentFile", []string{"/etc/agentshop/agentshop.env"}},
	{"Service", "Restart", []string{"on-failure"}},
	{"Service", "NoNewPrivileges", []string{"yes"}},
	{"Service", "ProtectSystem", []string{"strict"}},
	{"Service", "ProtectHome", []string{"yes"}},
	{"Service", "PrivateTmp", []string{"yes"}},
	{"Service", "CapabilityBoundingSet", []string{""}},
	{"Service", "SystemCallFilter", []string{"@system-service"}},
	{"Install", "WantedBy", []string{"multi-user.target"}},
}

// checkUnit returns what is wrong with the unit file src.
func checkUnit(src string) []string {
	u, err := parseUnit(src)
	if err != nil {
		return []string{err.Error()}
	}
	var bad []string
	for _, r := range unitRules {
		got := u[r.section][r.key]
		if !slices.ContainsFunc(got, func(v string) bool { return slices.Contains(r.values, v) }) {
			bad = append(bad, fmt.Sprintf("[%s] %s=%q, want %s=%q", r.section, r.key, got, r.key, r.values))
		}
	}
	// Secrets belong in the env file, not in Environment= lines, which
	// `systemctl show` prints to any local user.
	for _, kv := range u["Service"]["Environment"] {
		for _, secret := range []string{"AGENTSHOP_AGENT_API_KEY", "AGENTSHOP_CSRF_KEY", "AGENTSHOP_WEBHOOK_SECRET", "AGENTSHOP_STRIPE_SECRET_KEY", "AGENTSHOP_DATABASE"} {
			if strings.HasPrefix(kv, secret+"=") {
				bad = append(bad, fmt.Sprintf("Environment=%s: secrets go in the EnvironmentFile", secret))
			}
		}
	}
	return bad
}

func TestUnit(t *testing.T) {
	for _, msg := range checkUnit(readFile(t, "agentshop.service")) {
		t.Error(msg)
	}
}

// TestCheckUnit shows that each check fails on a unit that breaks it.
func TestCheckUnit(t *testing.T) {
	good := readFile(t, "agentshop.service")
	tests := []struct{ name, old, new, want string }{
		{name: "good"},
		{"root", "DynamicUser=yes", "DynamicUser=no", "DynamicUser"},
		{"writable system", "ProtectSystem=strict", "ProtectSystem=full", "ProtectSystem"},
		{"no env file", "EnvironmentFile=/etc/agentshop/agentshop.env\n", "", "EnvironmentFile"},
		{"restart always", "Restart=on-failure", "Restart=always", "Restart"},
		{"secret in unit", "Environment=AGENTSHOP_ADDR=", "Environment=AGENTSHOP_CSRF_KEY=x\nEnvironment=AGENTSHOP_ADDR=", "secrets go in the EnvironmentFile"},
		{"outside a section", "[Unit]\n", "", "want Key=Value in a [Section]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.old, tt.new, 1)
			if tt.old != "" && src == good {
				t.Fatalf("%q is not in the unit", tt.old)
			}
			got := checkUnit(src)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("checkUnit = %q, want nothing", got)
			case tt.want != "" && !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, tt.want) }):
				t.Errorf("checkUnit = %q, want a message containing %q", got, tt.want)
			}
		})
	}
}

// systemdVerify runs `systemd-analyze verify` on the unit src, with its
// ExecStart pointed at a stub (verify insists the binary exists), and
// returns what it printed. verify exits 0 on unknown keys and bad values
// (it only warns), so anything printed is a failure.
func systemdVerify(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	stub := filepath.Join(dir, "agentshop")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(dir, "agentshop.service")
	src = strings.ReplaceAll(src, "/usr/local/bin/agentshop", stub)
	if err := os.WriteFile(unit, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command("systemd-analyze", "verify", "--man=no", unit)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(&out, "systemd-analyze verify: %v", err)
	}
	return out.String()
}

// TestSystemdAnalyzeVerify checks the unit with systemd's own parser. CI
// installs systemd-analyze (.ci/run); elsewhere the test skips without it.
func TestSystemdAnalyzeVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is not installed; .ci/run installs Debian's systemd package")
		}
		t.Skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
	}
	good := readFile(t, "agentshop.service")
	if out := systemdVerify(t, good); out != "" {
		t.Errorf("systemd-analyze verify:\n%s", out)
	}
	// And it does fail: a misspelt key and a bad value.
	for _, bad := range []struct{ old, new string }{
		{"ProtectSystem=strict", "ProtectSytem=strict"},
		{"Restart=on-failure", "Restart=sometimes"},
	} {
		if out := systemdVerify(t, strings.Replace(good, bad.old, bad.new, 1)); out == "" {
			t.Errorf("systemd-analyze verify accepted %s", bad.new)
		}
	}
}
