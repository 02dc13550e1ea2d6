#!/usr/bin/env bash
# Soak test (not in CI): builds agentshop, starts `agentshop serve` on a
# loopback port in a temporary directory, drives it with `agentshop bench
# --scenario full` for SOAK_DURATION, samples the server's resident memory
# (/proc/PID/status VmRSS) and goroutines (/metrics go_goroutines) every
# SOAK_INTERVAL into a CSV, and then says whether memory and goroutines
# stayed flat (the last third of the samples under load against the first
# third; idle goroutines after the run against before it) and whether bench
# saw no errors and verified every order. Exits non-zero when any check fails.
#
#   SOAK_DURATION        bench duration (default 10m)
#   SOAK_INTERVAL        sampling interval (default 30s; use 5s for a 1m run)
#   SOAK_CONCURRENCY     bench agents (default 4: moderate load on 2 cores)
#   SOAK_DATABASE        a postgres:// URL whose first search_path schema exists
#                        (default: SQLite in the temporary directory)
#   SOAK_CSV             where to write the samples (default: soak-<time>.csv in the temp dir, kept)
#   SOAK_MAX_RSS_GROWTH  allowed growth of mean RSS, percent (default 25)
#   SOAK_MAX_GOROUTINE_GROWTH  allowed growth of mean goroutines, absolute (default 5)
#
# The server's rate limit is lifted (bench uses one API key) and it sells a
# digital item with stock for any run length, so neither shows up as errors.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${SOAK_DURATION:-10m}
interval=${SOAK_INTERVAL:-30s}
concurrency=${SOAK_CONCURRENCY:-4}
max_rss=${SOAK_MAX_RSS_GROWTH:-25}
max_gor=${SOAK_MAX_GOROUTINE_GROWTH:-5}

tmp=$(mktemp -d -t agentshop-soak.XXXXXX)
csv=${SOAK_CSV:-$tmp/soak-$(date +%Y%m%dT%H%M%S).csv}
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT

seconds() { # 10m, 30s, 1h30m → seconds
	local d=$1 total=0 n
	while [[ $d =~ ^([0-9]+)([hms])(.*)$ ]]; do
		n=${BASH_REMATCH[1]}
		case ${BASH_REMATCH[2]} in h) n=$((n * 3600)) ;; m) n=$((n * 60)) ;; esac
		total=$((total + n))
		d=${BASH_REMATCH[3]}
	done
	[ -z "$d" ] || { echo "soak: cannot parse duration $1 (use e.g. 10m, 30s)" >&2; exit 2; }
	echo "$total"
}
run_s=$(seconds "$duration")
every_s=$(seconds "$interval")

echo "soak: building into $tmp"
go build -o "$tmp/agentshop" ./cmd/agentshop

cat >"$tmp/config.json" <<'EOF'
{"shop": {"rate_limit_per_second": 1000000, "rate_limit_burst": 1000000}}
EOF
cat >"$tmp/catalog.json" <<'EOF'
[{"id": "prod_soak", "title": "Soak Gift Card", "description": {"plain": "A digital card for soak tests."},
  "url": "https://shop.agentshop.example/products/soak",
  "variants": [{"id": "soak-card", "title": "$25", "url": "https://shop.agentshop.example/products/soak?v=25",
    "price": {"amount": 2500, "currency": "USD"}, "availability": {"available": true, "status": "in_stock"},
    "agentshop:stock": 1000000000, "agentshop:digital": true}]}]
EOF

key="ask_soak_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
store_args=(--data "$tmp/data")
if [ -n "${SOAK_DATABASE:-}" ]; then
	store_args=(--database "$SOAK_DATABASE")
fi
AGENTSHOP_AGENT_API_KEY=$key "$tmp/agentshop" serve --addr 127.0.0.1:0 "${store_args[@]}" \
	--config "$tmp/config.json" --catalog "$tmp/catalog.json" --log-level info >"$tmp/serve.out" 2>"$tmp/serve.log" &
server_pid=$!

# The server listens on a free loopback port and logs it.
url=""
for _ in $(seq 100); do
	addr=$(sed -n 's/.*agentshop serving.* addr=\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$tmp/serve.log" | head -1)
	if [ -n "$addr" ] && curl -fsS "http://$addr/readyz" >/dev/null 2>&1; then
		url="http://$addr"
		break
	fi
	kill -0 "$server_pid" 2>/dev/null || { echo "soak: serve exited:" >&2; cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$url" ] || { echo "soak: serve did not become ready" >&2; cat "$tmp/serve.log" >&2; exit 1; }
echo "soak: serve pid $server_pid at $url; bench --concurrency $concurrency --duration $duration; sampling every $interval into $csv"

sample() { # phase, elapsed seconds → CSV line
	local rss gor heap metrics
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
	metrics=$(curl -fsS --max-time 5 "$url/metrics")
	gor=$(awk '/^go_goroutines / {print $2}' <<<"$metrics")
	heap=$(awk '/^go_memstats_heap_inuse_bytes / {printf "%d", $2}' <<<"$metrics")
	echo "$1,$2,$rss,$gor,$heap"
}

echo "phase,elapsed_s,rss_kb,goroutines,heap_inuse_bytes" >"$csv"
sample idle 0 | tee -a "$csv"
bench_args=(--merchant "$url" --api-key "$key" --concurrency "$concurrency" --duration "$duration" --scenario full --item soak-card)
if [ -z "${SOAK_DATABASE:-}" ]; then
	bench_args+=(--data "$tmp/data")
else
	bench_args+=(--database "$SOAK_DATABASE")
fi
"$tmp/agentshop" bench "${bench_args[@]}" >"$tmp/bench.out" 2>"$tmp/bench.err" &
bench_pid=$!
start=$(date +%s)
# Bounded: bench stops starting flows after the duration; give running
# flows and its verification a few minutes, then give up.
deadline=$((start + run_s + 300))
next=$((start + every_s))
while kill -0 "$bench_pid" 2>/dev/null; do
	now=$(date +%s)
	if [ "$now" -ge "$next" ] && [ "$now" -le $((start + run_s)) ]; then
		sample load $((now - start)) | tee -a "$csv"
		next=$((next + every_s))
	fi
	if [ "$now" -gt "$deadline" ]; then
		echo "soak: bench did not finish by $((deadline - start)) s; stopping it" >&2
		kill "$bench_pid" 2>/dev/null || true
		break
	fi
	sleep 1
done
bench_rc=0
wait "$bench_pid" || bench_rc=$?
sleep 5 # bench has exited: its connections, and their goroutines, are gone
sample idle $(($(date +%s) - start)) | tee -a "$csv"
cat "$tmp/bench.out"

# Flatness under load: the last third of the load samples against the
# first third (the first sample is warm-up and left out): mean RSS, and
# the median goroutine count, which in-flight requests make noisy. Idle
# goroutines after the run must match those before it (no leak).
verdict=$(awk -F, -v max_rss="$max_rss" -v max_gor="$max_gor" '
	function median(a, lo, hi,   m, i, j, x, b) {
		m = 0
		for (i = lo; i < hi; i++) b[m++] = a[i]
		for (i = 1; i < m; i++) { x = b[i]; for (j = i - 1; j >= 0 && b[j] > x; j--) b[j+1] = b[j]; b[j+1] = x }
		return m % 2 ? b[int(m/2)] : (b[m/2-1] + b[m/2]) / 2
	}
	BEGIN { n = 0; skipped = 0 }
	$1 == "idle" && !seen_idle { idle0 = $4; seen_idle = 1; next }
	$1 == "idle" { idle1 = $4; next }
	$1 == "load" && !skipped { skipped = 1; next }
	$1 == "load" { r[n] = $3; g[n] = $4; n++ }
	END {
		if (n < 3) { print "FAIL too few load samples (" n "); lower SOAK_INTERVAL"; exit }
		k = int(n / 3)
		for (i = 0; i < k; i++) { r1 += r[i]; r3 += r[n-k+i] }
		r1 /= k; r3 /= k
		g1 = median(g, 0, k); g3 = median(g, n - k, n)
		growth = (r3 - r1) * 100 / r1
		printf "%s rss under load: first third %.0f kB, last third %.0f kB (%+.1f%%, limit %d%%)\n", growth <= max_rss ? "PASS" : "FAIL", r1, r3, growth, max_rss
		printf "%s goroutines under load (median): first third %g, last third %g (limit +%d)\n", g3 - g1 <= max_gor ? "PASS" : "FAIL", g1, g3, max_gor
		printf "%s goroutines idle: before %d, after %d (limit +%d)\n", idle1 - idle0 <= max_gor ? "PASS" : "FAIL", idle0, idle1, max_gor
	}' "$csv")
errors=$(awk '/^errors: none/ { print 0; found = 1 } /^errors:$/ { on = 1; next } on && /^ *[0-9]+ / { s += $1 } on && /^$/ { on = 0 } END { if (!found) print s + 0 }' "$tmp/bench.out")

echo
echo "soak summary ($duration at concurrency $concurrency; samples in $csv):"
echo "$verdict"
if [ "$errors" = 0 ]; then echo "PASS bench errors: 0"; else echo "FAIL bench errors: $errors"; fi
if [ "$bench_rc" = 0 ]; then echo "PASS bench verification"; else echo "FAIL bench exited $bench_rc: $(tail -1 "$tmp/bench.err")"; fi
if grep -q '^FAIL' <<<"$verdict" || [ "$errors" != 0 ] || [ "$bench_rc" != 0 ]; then
	echo "soak: FAIL (server log: $tmp/serve.log)"
	exit 1
fi
echo "soak: PASS"
