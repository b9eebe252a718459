#!/usr/bin/env bash
# Runs every fuzz target of the module (func FuzzXxx(f *testing.F) in a _test.go
# file under internal/), one after the other, each for FUZZTIME (default 60s),
# and fails if any of them finds an input that breaks it.
#
#   scripts/fuzz.sh                       every target
#   scripts/fuzz.sh FuzzDecodeJob ...     only the named targets
#   FUZZTIME=10s scripts/fuzz.sh          shorter runs (any -fuzztime value, also "5000x")
#   FUZZPARALLEL=1 scripts/fuzz.sh        fewer fuzzing workers (default GOMAXPROCS)
#   FUZZ_TIMEOUT=1h scripts/fuzz.sh       go test -timeout of each target (default 30m)
#
# A failing input is written by go test to the package's testdata/fuzz/<FuzzName>/,
# where `go test` (and so `make test`) replays it from then on: commit it with the
# fix as the regression test. Seeds committed there are replayed the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME="${FUZZTIME:-60s}"
GO="${GO:-go}"
parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
	parallel=(-parallel "$FUZZPARALLEL")
fi

# "dir name" per line, sorted, for every fuzz target.
targets="$(grep -rHoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' internal |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*).*$|\1 \2|' | sort -u)"
if [ -z "$targets" ]; then
	echo "fuzz: no fuzz targets found under internal/" >&2
	exit 1
fi
if [ $# -gt 0 ]; then
	wanted=" $* "
	targets="$(while read -r dir name; do
		case "$wanted" in *" $name "*) echo "$dir $name" ;; esac
	done <<<"$targets")"
	for name in "$@"; do
		if ! grep -q " $name\$" <<<"$targets"; then
			echo "fuzz: no fuzz target named $name" >&2
			exit 1
		fi
	done
fi

logdir="$(mktemp -d)"
trap 'rm -rf "$logdir"' EXIT
summary=()
failed=0
while read -r dir name; do
	echo "fuzz: $name in ./$dir for $FUZZTIME" >&2
	log="$logdir/$name.log"
	status=ok
	# -timeout bounds the whole run, fuzzing and the replay of the corpus, so
	# a target that hangs fails with its stack rather than at Go's default.
	if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -timeout "${FUZZ_TIMEOUT:-30m}" \
		"${parallel[@]}" "./$dir" >"$log" 2>&1; then
		status=FAIL
		failed=1
	fi
	# The last progress line carries the total: "fuzz: elapsed: 1m0s, execs: 123 (2/sec), ..."
	execs="$(sed -n 's/^fuzz: elapsed: .*, execs: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)"
	interesting="$(sed -n 's/^fuzz: elapsed: .*new interesting: \([0-9]*\) (total: \([0-9]*\)).*/\1 new, \2 total/p' "$log" | tail -n 1)"
	summary+=("$(printf '%-4s  %-40s %12s execs  corpus: %s' "$status" "$name" "${execs:-?}" "${interesting:-?}")")
	if [ "$status" = FAIL ]; then
		# Show why, and where go test put the input, without the progress noise.
		grep -v '^fuzz: elapsed: ' "$log" | sed 's/^/    /' >&2
	fi
done <<<"$targets"

echo >&2
echo "fuzz summary (FUZZTIME=$FUZZTIME):" >&2
printf '  %s\n' "${summary[@]}" >&2
if [ "$failed" -ne 0 ]; then
	echo "fuzz: FAILED: a failing input is in testdata/fuzz of its package (see above)" >&2
	exit 1
fi
