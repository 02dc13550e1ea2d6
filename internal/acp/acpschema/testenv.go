package acpschema

import (
	"os"
	"testing"
)

// EnvSpecDir names the environment variable holding the spec directory
// (the one with 2025-09-29/ and 2026-04-17/ in it).
const EnvSpecDir = "AGENTSHOP_ACP_SPEC_DIR"

// FromEnv returns a Validator for the spec directory named by
// AGENTSHOP_ACP_SPEC_DIR. It skips the test when the variable is unset and
// fails it when the directory cannot be loaded.
func FromEnv(t testing.TB) *Validator {
	t.Helper()
	dir := os.Getenv(EnvSpecDir)
	if dir == "" {
		t.Skip(EnvSpecDir + " not set; set it to the ACP spec directory (e.g. /work/shared/spec/acp) to validate against the official JSON Schemas")
	}
	v, err := Load(dir)
	if err != nil {
		t.Fatalf("acpschema: %v", err)
	}
	return v
}
