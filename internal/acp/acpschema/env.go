package acpschema

// EnvSpecDir names the environment variable holding the spec directory
// (the one with 2025-09-29/ and 2026-04-17/ in it). Tests get a Validator
// for it from the schematest package.
const EnvSpecDir = "AGENTSHOP_ACP_SPEC_DIR"
