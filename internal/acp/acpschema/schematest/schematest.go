// Package schematest gives tests an acpschema.Validator for the spec
// directory named by AGENTSHOP_ACP_SPEC_DIR, skipping them when it is unset.
// It is separate from acpschema so that production code (the conformance
// checker) does not link the testing package.
package schematest

import (
	"os"
	"testing"

	"agentshop/internal/acp/acpschema"
)

// FromEnv returns a Validator for the spec directory named by
// acpschema.EnvSpecDir. It skips the test when the variable is unset and
// fails it when the directory cannot be loaded.
func FromEnv(t testing.TB) *acpschema.Validator {
	t.Helper()
	dir := os.Getenv(acpschema.EnvSpecDir)
	if dir == "" {
		t.Skip(acpschema.EnvSpecDir + " not set; set it to the ACP spec directory (e.g. ../shared/spec/acp) to validate against the official JSON Schemas")
	}
	v, err := acpschema.Load(dir)
	if err != nil {
		t.Fatalf("acpschema: %v", err)
	}
	return v
}
