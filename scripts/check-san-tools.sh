#!/bin/bash
# check-san-tools.sh - the host tools built with ASan+UBSan (build/san/bin) on real input:
# the hvtrace command-line test, the corpus of hostile inputs (tests/system/hostile-inputs.sh) and
# the viewer's key scripts (tests/system/hvview.sh: hvview, and hvrun for its truncated trace),
# then every trace the system tests recorded (out/system/*.hvt) through hvtrace
# check/stat/dump/export and hvreplay verify. Any sanitizer report fails it.
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98
SAN=build/san/bin
OUT=out/san
mkdir -p "$OUT"
BIN=$SAN GUESTS=build/guests OUT=$OUT bash tests/system/hvtrace-cli.sh
BIN=$SAN GUESTS=build/guests OUT=$OUT bash tests/system/hostile-inputs.sh
BIN=$SAN GUESTS=build/guests OUT=$OUT bash tests/system/hvview.sh
. tests/system/lib.sh
# hvview.sh checks exit statuses (a report changes them); a report that did not is still one
cat "$OUT"/hvview/*.err "$OUT"/hvview/*.out 2>/dev/null | grep "Sanitizer\|runtime error" >"$OUT/hvview-reports.log"
[ ! -s "$OUT/hvview-reports.log" ]
check $? "sanitized hvview: no sanitizer report in its standard error" "$OUT/hvview-reports.log"
shopt -s nullglob
traces=(out/system/*.hvt)
[ ${#traces[@]} -gt 0 ]
check $? "there are recorded traces to check (run the system tests first)"
for t in "${traces[@]}"; do
	n=$(basename "$t" .hvt)
	{
		"$SAN/hvtrace" check "$t" && "$SAN/hvtrace" stat "$t" >/dev/null && "$SAN/hvtrace" dump "$t" >/dev/null &&
			"$SAN/hvtrace" export --xml "$t" -o "$OUT/$n.xml"
	} >"$OUT/$n.log" 2>&1
	st=$?
	[ $st -lt 3 ] && ! grep -q "Sanitizer\|runtime error" "$OUT/$n.log"
	check $? "sanitized hvtrace check/stat/dump/export on $n" "$OUT/$n.log"
	"$SAN/hvreplay" verify -q "$t" >"$OUT/$n.replay" 2>&1
	st=$?
	{ [ $st = 0 ] || { [ $st = 1 ] && grep -q "diverged\|truncated" "$OUT/$n.replay"; }; } &&
		! grep -q "Sanitizer\|runtime error" "$OUT/$n.replay"
	check $? "sanitized hvreplay verify on $n" "$OUT/$n.replay"
done
