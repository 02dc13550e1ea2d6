package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"agentshop/internal/app"
)

// TestKeysRotateMaster: keys create --signing, rotate-master re-encrypts
// it and replaces the key file; without the key file, keys list fails
// with a clear error.
func TestKeysRotateMaster(t *testing.T) {
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
	r := runCLI(t, nil, append([]string{"keys", "create", "--signing"}, data...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "signing secret: whsec_") {
		t.Fatalf("keys create --signing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, append([]string{"keys", "rotate-master"}, data...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "re-encrypted 1 secrets under master key") || !strings.Contains(r.stdout, "now holds the new key") {
		t.Fatalf("keys rotate-master: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, nil, append([]string{"keys", "list"}, data...)...); r.code != 0 {
		t.Fatalf("keys list after rotation: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.Remove(filepath.Join(cfg.Data, app.MasterKeyFileName)); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, append([]string{"keys", "list"}, data...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "encrypted secrets") {
		t.Errorf("keys list without the master key: exit %d\n%s", r.code, r.stderr)
	}
}
