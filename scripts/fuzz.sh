#!/usr/bin/env bash
# Runs every Go fuzz target of the module for a bounded time each, for CI.
# Targets are found with `go test -list '^Fuzz'`, so new ones join without
# editing this script. `go test` without -fuzz already runs each target's
# seed corpus (f.Add and testdata/fuzz) as ordinary tests; this script
# explores beyond it.
#
#   FUZZTIME   time per target (default 10s), any -fuzztime value
#   FUZZ_PKGS  packages to search (default ./...)
#
# A failing input is written by Go to <package>/testdata/fuzz/<Target>/;
# the script names it and exits non-zero. Keep it: it becomes a regression
# seed once the bug is fixed.
#
# Go 1.26's fuzzing coordinator can fail a target with a bare "context
# deadline exceeded" when -fuzztime runs out while a worker is busy, most
# often on a loaded machine (golang/go#75804, fixed in Go 1.27). Such a stop
# writes no failing input; it is reported and the target is run once more,
# and a second one is not a failure either (the target fuzzed for its time
# twice and found nothing). Any other failure counts.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}
read -r -a pkgs <<<"${FUZZ_PKGS:-./...}"

failed=()
count=0
flaked=0

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# inputs DIR lists the files of a corpus directory with their sizes.
inputs() { ls -l "$1" 2>/dev/null || true; }
while read -r pkg dir; do
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	targets=$(go test -list '^Fuzz' -run '^$' "$pkg" | grep '^Fuzz' || true)
	for target in $targets; do
		count=$((count + 1))
		for try in 1 2; do
			echo "== $pkg $target ($fuzztime)"
			before=$(inputs "$dir/testdata/fuzz/$target")
			if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$out"; then
				break
			fi
			if [ "$(inputs "$dir/testdata/fuzz/$target")" = "$before" ] &&
				tail -n 5 "$out" | grep -q '^    context deadline exceeded$'; then
				flaked=$((flaked + 1))
				echo "fuzz: $target stopped by golang/go#75804 without a failing input (run $try)"
				continue
			fi
			failed+=("$pkg $target")
			echo "fuzz: $target failed; new inputs in $dir/testdata/fuzz/$target:"
			git status --short --untracked-files=all -- "$dir/testdata/fuzz/$target" || true
			break
		done
	done
done < <(go list -f '{{.ImportPath}} {{.Dir}}' "${pkgs[@]}")

echo "fuzz: $count targets, ${#failed[@]} failed, $flaked runs stopped by golang/go#75804"
if [ "${#failed[@]}" -gt 0 ]; then
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
