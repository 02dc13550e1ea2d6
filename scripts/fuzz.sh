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
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}
read -r -a pkgs <<<"${FUZZ_PKGS:-./...}"

failed=()
count=0
while read -r pkg dir; do
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	targets=$(go test -list '^Fuzz' -run '^$' "$pkg" | grep '^Fuzz' || true)
	for target in $targets; do
		count=$((count + 1))
		echo "== $pkg $target ($fuzztime)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			failed+=("$pkg $target")
			echo "fuzz: $target failed; new inputs in $dir/testdata/fuzz/$target:"
			git status --short --untracked-files=all -- "$dir/testdata/fuzz/$target" || true
		fi
	done
done < <(go list -f '{{.ImportPath}} {{.Dir}}' "${pkgs[@]}")

echo "fuzz: $count targets, ${#failed[@]} failed"
if [ "${#failed[@]}" -gt 0 ]; then
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
