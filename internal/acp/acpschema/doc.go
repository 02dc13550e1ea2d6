// Package acpschema validates JSON documents against the official ACP JSON
// Schema bundles, one set per protocol version, for tests and for the
// conformance checker.
//
// The bundles are read at run time from a directory laid out like
// shared/spec/acp: <dir>/<version>/json-schema/*.json, plus the
// components.schemas of
// <dir>/<version>/openapi/openapi.agentic_checkout_webhook.yaml as a bundle
// named "webhook" (converted from YAML, with its references pointed at the
// JSON bundles). They are never copied into this repository. Known bugs in
// the published schemas are patched in memory, all in patches.go, each with
// a comment naming the bug; nothing is patched to make our own output pass.
//
// Tests get a [Validator] from the schematest package, which skips the test
// when AGENTSHOP_ACP_SPEC_DIR ([EnvSpecDir]) is not set; this package does
// not import testing, so the conformance checker can use it.
package acpschema
