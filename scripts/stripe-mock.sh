#!/usr/bin/env bash
# Starts stripe-mock (github.com/stripe/stripe-mock, pinned) for the Stripe
# provider's request-shape test: installs it into DIR, patches its beta
# OpenAPI spec so that it accepts Shared Payment Token charges
# (scripts/stripemockspec.go says why), starts it on 127.0.0.1:PORT in the
# background and waits until it answers. Prints the URL to put in
# AGENTSHOP_STRIPE_MOCK_URL and the pid, as "URL PID".
#
#   scripts/stripe-mock.sh DIR [PORT]     (default port 12111; PORT+1 is its HTTPS port)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?directory for the binary, spec and log}
port=${2:-12111}
version=v0.203.0
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
GOBIN=$dir go install "github.com/stripe/stripe-mock@$version"
spec=$(go env GOMODCACHE)/github.com/stripe/stripe-mock@$version/embedded/openapi/spec3.beta.sdk.json
go run scripts/stripemockspec.go "$spec" "$dir/spec.json" >&2
"$dir/stripe-mock" -beta -spec "$dir/spec.json" -http-addr "127.0.0.1:$port" -https-addr "127.0.0.1:$((port + 1))" >"$dir/stripe-mock.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	# bash's /dev/tcp, not curl: nothing else to install on a fresh machine.
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "http://127.0.0.1:$port $pid"
		exit 0
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
echo "stripe-mock did not start:" >&2
cat "$dir/stripe-mock.log" >&2
exit 1
