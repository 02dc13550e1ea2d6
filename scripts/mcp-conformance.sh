#!/usr/bin/env bash
# Checks agentshop's MCP servers with the MCP tools from npm, pinned in
# internal/mcpapp/npm_test.go, all run on Node 22 installed from npm (the
# "node" package; the machine's Node 20 only bootstraps it):
#
#   - the MCP inspector CLI (@modelcontextprotocol/inspector 2.12.0, --cli)
#     on /mcp: tools/list (plus its --strict schema portability check and
#     --app-info MCP Apps probe), tools/call show_checkout with ChatGPT-style
#     request _meta, resources/read of the widget;
#   - the MCP conformance suite 0.1.16, the legacy-protocol baseline, on
#     /mcp: server-initialize, logging-set-level, ping, tools-list,
#     resources-list, prompts-list, dns-rebinding-protection;
#   - the MCP conformance suite 0.2.0-alpha.12, 2026-07-28, on /mcp and
#     /acp/mcp: server-stateless, caching, sep-2164-resource-not-found,
#     http-header-validation. The scenarios not run and the checks that
#     cannot pass without the suite's fixtures are listed, each with its
#     reason, in internal/mcpapp/testdata/conformance-skips.txt.
#
# The Go tests start the servers on 127.0.0.1 (httptest, real SQLite +
# sandbox stack) and run the tools against them, so no `agentshop serve` is
# needed. The packages are installed into AGENTSHOP_NPM_DIR, never
# globally.
#
#   AGENTSHOP_NPM_DIR   where to install the npm packages (about 270 MB;
#                       default: a temporary directory removed afterwards;
#                       the tests alone default to a reused directory in
#                       the user's cache)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "node is required (Node 20 or later, to install Node 22 from npm)"; exit 1; }
command -v npm >/dev/null || { echo "npm is required"; exit 1; }
echo "node $(node --version), npm $(npm --version 2>/dev/null)"

if [ -z "${AGENTSHOP_NPM_DIR:-}" ]; then
  AGENTSHOP_NPM_DIR=$(mktemp -d)
  trap 'rm -rf "$AGENTSHOP_NPM_DIR"' EXIT
fi
export AGENTSHOP_NPM_DIR AGENTSHOP_NPM_TESTS=1
echo "npm packages in $AGENTSHOP_NPM_DIR"

go test -count=1 -timeout 15m -v -run '^(TestInspectorCLI|TestConformance|TestConformanceStateless|TestConformanceSkips)$' ./internal/mcpapp/
