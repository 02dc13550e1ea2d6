#!/usr/bin/env bash
# Soak test (not in CI): builds agentshop, starts `agentshop serve` on a
# loopback port in a temporary directory, drives it with `agentshop bench
# --scenario full` for SOAK_DURATION, samples the server's resident memory
# (/proc/PID/status VmRSS) and goroutines (/metrics go_goroutines) every
# SOAK_INTERVAL into a CSV, and then says whether memory and goroutines
# stayed flat (see analyze below) and whether bench saw no errors and
# verified every order. Exits non-zero when any check fails.
#
#   SOAK_DURATION        bench duration (default 10m)
#   SOAK_INTERVAL        sampling interval (default 30s; use 5s for a 1m run)
#   SOAK_CONCURRENCY     bench agents (default 4: moderate load on 2 cores)
#   SOAK_DATABASE        a postgres:// URL whose first search_path schema exists
#                        (default: SQLite in the temporary directory)
#   SOAK_CSV             where to write the samples (default: soak-<time>.csv in the temp dir, kept)
#   SOAK_MAX_HEAP_GROWTH       allowed growth of the Go heap in use, percent (default 25)
#   SOAK_MAX_RSS_GROWTH        allowed growth of RSS, first to last third, percent (default 50)
#   SOAK_MAX_RSS_LATE_GROWTH   allowed growth of RSS within the last third, percent (default 5)
#   SOAK_MAX_GOROUTINE_GROWTH  allowed growth of goroutines, absolute (default 5)
#
# `scripts/soak.sh --analyze FILE.csv` prints the verdict on earlier samples.
#
# The server's rate limit is lifted (bench uses one API key) and it sells a
# digital item with stock for any run length, so neither shows up as errors.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${SOAK_DURATION:-10m}
interval=${SOAK_INTERVAL:-30s}
concurrency=${SOAK_CONCURRENCY:-4}
max_rss=${SOAK_MAX_RSS_GROWTH:-50}
max_rss_late=${SOAK_MAX_RSS_LATE_GROWTH:-5}
max_heap=${SOAK_MAX_HEAP_GROWTH:-25}
max_gor=${SOAK_MAX_GOROUTINE_GROWTH:-5}

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

# analyze prints the verdict on a samples CSV. Under load it compares the
# last third of the samples with the first third (the first sample is
# warm-up and left out): the Go heap in use must stay flat; RSS may grow
# while bounded caches (SQLite's page cache) fill, but must have levelled
# off within the last third; the median goroutine count (in-flight
# requests make it noisy) must stay flat. Idle goroutines after the run
# must match those before it (no leak).
analyze() {
	awk -F, -v max_rss="$max_rss" -v max_rss_late="$max_rss_late" -v max_heap="$max_heap" -v max_gor="$max_gor" '
	function median(a, lo, hi,   m, i, j, x, b) {
		m = 0
		for (i = lo; i < hi; i++) b[m++] = a[i]
		for (i = 1; i < m; i++) { x = b[i]; for (j = i - 1; j >= 0 && b[j] > x; j--) b[j+1] = b[j]; b[j+1] = x }
		return m % 2 ? b[int(m/2)] : (b[m/2-1] + b[m/2]) / 2
	}
	function mean(a, lo, hi,   i, s) { for (i = lo; i < hi; i++) s += a[i]; return s / (hi - lo) }
	function verdict(ok) { return ok ? "PASS" : "FAIL" }
	BEGIN { n = 0; skipped = 0 }
	$1 == "idle" && !seen_idle { idle0 = $4; seen_idle = 1; next }
	$1 == "idle" { idle1 = $4; next }
	$1 == "load" && !skipped { skipped = 1; next }
	$1 == "load" { r[n] = $3; g[n] = $4; h[n] = $5; n++ }
	END {
		if (n < 6) { print "FAIL too few load samples (" n "); lower SOAK_INTERVAL"; exit }
		k = int(n / 3)
		r1 = mean(r, 0, k); r3 = mean(r, n - k, n)
		h1 = mean(h, 0, k); h3 = mean(h, n - k, n)
		half = int(k / 2)
		late = (mean(r, n - half, n) - mean(r, n - k, n - k + half)) * 100 / mean(r, n - k, n - k + half)
		g1 = median(g, 0, k); g3 = median(g, n - k, n)
		growth = (r3 - r1) * 100 / r1
		hgrowth = (h3 - h1) * 100 / h1
		printf "%s heap in use under load: first third %.1f MB, last third %.1f MB (%+.1f%%, limit %d%%)\n", verdict(hgrowth <= max_heap), h1 / 1048576, h3 / 1048576, hgrowth, max_heap
		printf "%s rss under load: first third %.1f MB, last third %.1f MB (%+.1f%%, limit %d%%)\n", verdict(growth <= max_rss), r1 / 1024, r3 / 1024, growth, max_rss
		printf "%s rss levelled off: second half of the last third %+.1f%% over its first half (limit %d%%)\n", verdict(late <= max_rss_late), late, max_rss_late
		printf "%s goroutines under load (median): first third %g, last third %g (limit +%d)\n", verdict(g3 - g1 <= max_gor), g1, g3, max_gor
		printf "%s goroutines idle: before %d, after %d (limit +%d)\n", verdict(idle1 - idle0 <= max_gor), idle0, idle1, max_gor
	}' "$1"
}

if [ "${1:-}" = "--analyze" ]; then
	analyze "$2"
	exit
fi

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

verdict=$(analyze "$csv")
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
