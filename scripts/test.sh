#!/usr/bin/env bash
# Runs every check and test of agentshop: gofmt, go vet, staticcheck and
# `go test -race` over all packages, against real SQLite files and, when
# reachable, the real PostgreSQL server.
#
#   AGENTSHOP_ACP_SPEC_DIR        official ACP specs (default: ../shared/spec/acp when present)
#   AGENTSHOP_TEST_POSTGRES_URL   PostgreSQL for the store contract suite
#                                 (default: postgres://postgres@127.0.0.1:5432/test when it answers)
#   AGENTSHOP_STRIPE_MOCK_URL     a stripe-mock for the Stripe provider's request shapes
#                                 (CI starts one with scripts/stripe-mock.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AGENTSHOP_ACP_SPEC_DIR:-}" ] && [ -d ../shared/spec/acp ]; then
  AGENTSHOP_ACP_SPEC_DIR=$(cd ../shared/spec/acp && pwd)
fi
if [ -z "${AGENTSHOP_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  AGENTSHOP_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
fi
export AGENTSHOP_ACP_SPEC_DIR="${AGENTSHOP_ACP_SPEC_DIR:-}" AGENTSHOP_TEST_POSTGRES_URL="${AGENTSHOP_TEST_POSTGRES_URL:-}"
echo "ACP specs:  ${AGENTSHOP_ACP_SPEC_DIR:-<unset: schema tests skip>}"
echo "PostgreSQL: ${AGENTSHOP_TEST_POSTGRES_URL:-<unset: PostgreSQL tests skip>}"
echo "stripe-mock: ${AGENTSHOP_STRIPE_MOCK_URL:-<unset: the Stripe request-shape test skips; scripts/stripe-mock.sh starts one>}"

unformatted=$(gofmt -l cmd internal deploy)
if [ -n "$unformatted" ]; then
  echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 -timeout 15m ./...
