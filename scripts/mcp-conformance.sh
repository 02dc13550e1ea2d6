#!/usr/bin/env bash
# Checks the ChatGPT App MCP server (/mcp, internal/mcpapp) with the MCP
# tools from npm, pinned in internal/mcpapp/npm_test.go:
#
#   - the MCP inspector CLI (@modelcontextprotocol/inspector 2.12.0, --cli):
#     tools/list (plus its --strict schema portability check and --app-info
#     MCP Apps probe), tools/call show_checkout with ChatGPT-style request
#     _meta, resources/read of the widget;
#   - the MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, the
#     newest that runs on Node 20): server scenarios server-initialize, ping,
#     tools-list, resources-list, dns-rebinding-protection.
#
# The Go tests start the app on 127.0.0.1 (httptest, real SQLite + sandbox
# stack) and run the tools against it, so no `agentshop serve` is needed.
# The packages are installed into AGENTSHOP_NPM_DIR (default: a temporary
# directory removed afterwards), never globally.
#
#   AGENTSHOP_NPM_DIR   where to install the npm packages (kept when set)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "node is required (Node 20 or later)"; exit 1; }
command -v npm >/dev/null || { echo "npm is required"; exit 1; }
echo "node $(node --version), npm $(npm --version 2>/dev/null)"

if [ -z "${AGENTSHOP_NPM_DIR:-}" ]; then
  AGENTSHOP_NPM_DIR=$(mktemp -d)
  trap 'rm -rf "$AGENTSHOP_NPM_DIR"' EXIT
fi
export AGENTSHOP_NPM_DIR AGENTSHOP_NPM_TESTS=1
echo "npm packages in $AGENTSHOP_NPM_DIR"

go test -count=1 -timeout 10m -v -run '^(TestInspectorCLI|TestConformance)$' ./internal/mcpapp/
