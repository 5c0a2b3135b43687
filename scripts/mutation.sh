#!/usr/bin/env bash
# Source mutation testing of expiry's packages with gremlins
# (github.com/go-gremlins/gremlins). See docs/MUTATION.md.
#
# Usage: scripts/mutation.sh [splay] [model]      (default: splay)
#
# The tool is installed at a pinned version into a temporary GOBIN with
# `go install pkg@version`, which does not touch go.mod. For each package the
# script prints killed, lived, not covered and the efficacy
# killed / (killed + lived), and exits non-zero if any package is below its
# threshold (splay 90 %, model 80 %).
#
# Environment:
#   GREMLINS_VERSION  tool version (default v0.6.0, the newest on the proxy)
#   WORKERS           parallel mutant runs (default 2)
#   MODEL_SKIP        go test -skip pattern for model (default
#                     TestOracleCatchesBugs: the one slow test, ~8 s of the
#                     ~9 s suite; set to '' to run the full suite)
#   KEEP_OUTPUT       directory to keep gremlins' JSON reports in
set -euo pipefail

GREMLINS_VERSION=${GREMLINS_VERSION:-v0.6.0}
WORKERS=${WORKERS:-2}
MODEL_SKIP=${MODEL_SKIP-TestOracleCatchesBugs}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(splay)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${KEEP_OUTPUT:-$tmp}
mkdir -p "$out"

echo "installing gremlins $GREMLINS_VERSION into $tmp/bin"
GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
gremlins="$tmp/bin/gremlins"

threshold() {
	case "$1" in
	splay) echo 90 ;;
	model) echo 80 ;;
	*) echo 0 ;;
	esac
}

status=0
summary=()
for pkg in "${pkgs[@]}"; do
	[ -d "./$pkg" ] || { echo "no package ./$pkg" >&2; exit 2; }
	goflags=${GOFLAGS:-}
	if [ "$pkg" = model ] && [ -n "$MODEL_SKIP" ]; then
		goflags="$goflags -skip=$MODEL_SKIP"
	fi
	echo "== gremlins unleash ./$pkg (workers $WORKERS, GOFLAGS='$goflags')"
	start=$(date +%s)
	# Default mutator set; coverage-guided: only covered mutants are run.
	# gremlins mutates a copy of the module, never the working tree, and
	# runs only the mutated package's tests. Do not pass --test-cpu: v0.6.0
	# hands `go test` the single argument "-cpu N", which go test rejects
	# with exit status 1, so every mutant is then reported KILLED.
	GOFLAGS="$goflags" "$gremlins" unleash "./$pkg" \
		--workers "$WORKERS" --timeout-coefficient 10 \
		--output-statuses klt --output "$out/$pkg.json"
	secs=$(($(date +%s) - start))
	read -r killed lived notcov < <(jq -r '"\(.mutants_killed) \(.mutants_lived) \(.mutants_not_covered)"' "$out/$pkg.json")
	timedout=$(jq '[.files[].mutations[] | select(.status == "TIMED OUT")] | length' "$out/$pkg.json")
	min=$(threshold "$pkg")
	# efficacy in hundredths of a percent, integer arithmetic
	if [ $((killed + lived)) -eq 0 ]; then
		eff=0
	else
		eff=$((killed * 10000 / (killed + lived)))
	fi
	line=$(printf '%s: killed %d, lived %d, timed out %d, not covered %d, efficacy %d.%02d %% (threshold %d %%), %d s' \
		"$pkg" "$killed" "$lived" "$timedout" "$notcov" $((eff / 100)) $((eff % 100)) "$min" "$secs")
	summary+=("$line")
	if [ "$eff" -lt $((min * 100)) ]; then
		status=1
		summary+=("  FAIL: $pkg efficacy below $min %")
	fi
done

echo
echo "== mutation summary (gremlins $GREMLINS_VERSION)"
printf '%s\n' "${summary[@]}"
exit $status
