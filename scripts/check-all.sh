#!/bin/bash
# check-all.sh - every test of `make check`, and one summary line at the end:
#   unit tests (Check), the same under ASan+UBSan, the fuzzers of the reader, the capture converter and replay (bounded), system tests.
# Each suite's own output is kept in out/check/<suite>.log and shown when the suite fails.
set -u
cd "$(dirname "$0")/.."
mkdir -p out/check
passed=0
failed=0
start=$(date +%s)

count_check() { # Check's summary lines: "100%: Checks: 12, Failures: 0, Errors: 0"
	local log=$1 c f e
	while read -r c f e; do
		passed=$((passed + c - f - e))
		failed=$((failed + f + e))
	done < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log")
}

count_tap() { # the system tests' "ok - ..." / "not ok - ..." lines
	local log=$1 o n
	o=$(grep -c '^ok - ' "$log")
	n=$(grep -c '^not ok - ' "$log")
	passed=$((passed + o))
	failed=$((failed + n))
	grep '^not ok - ' -A15 "$log" | grep -v '^ok - ' | head -n 60
}

suite() { # NAME COUNTER COMMAND...
	local name=$1 counter=$2
	shift 2
	local log=out/check/$name.log t0 rc
	t0=$(date +%s)
	echo "== $name: $*"
	"$@" >"$log" 2>&1
	rc=$?
	local before=$failed
	$counter "$log"
	if [ $rc != 0 ] && [ $failed = "$before" ]; then
		# the suite failed without a failing test to show for it (build error, crash)
		failed=$((failed + 1))
		echo "   $name failed (status $rc):"
		tail -n 25 "$log" | sed 's/^/   | /'
	fi
	echo "   $name: done in $(($(date +%s) - t0)) s"
}

none() { :; }

suite build none make -j2 all
suite unit count_check make check-unit
suite unit-asan-ubsan count_check make SAN=1 check-unit
suite fuzz none make check-fuzz
suite examples count_tap make check-examples
suite system count_tap make check-system
suite tools-asan-ubsan count_tap sh -c 'make SAN=1 host >/dev/null && scripts/check-san-tools.sh'
echo "make check took $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
