#!/bin/bash
# timechart.sh - `hvtrace timechart`: a well-formed, self-contained SVG with one row per VM, a
# legend of exactly the reasons present whose counts are those of `hvtrace stat`, a bounded size
# on a million exits, and the usual statuses on bad input (retrovisor/exit_status.h).
. "$(dirname "$0")/lib.sh"
OUT="$OUT/timechart" # synthetic traces: not replayable, kept apart from the recorded ones
mkdir -p "$OUT"
H="$BIN/hvtrace"
LOG="$OUT/timechart.log"

# xpath EXPR FILE: the SVG's elements are in the SVG namespace, hence local-name().
xpath() { xmllint --xpath "$1" "$2" 2>/dev/null; }

"$H" timechart --help 2>&1 | grep -q "usage: hvtrace timechart"
check $? "hvtrace timechart --help prints its usage"
"$H" --help | grep -q "timechart"
check $? "hvtrace --help lists timechart"

T="$OUT/three.hvt"
S="$OUT/three.svg"
"$H" synth --exits 20000 --vms 3 --seed 11 --chunk 65536 -o "$T" >"$LOG" 2>&1
"$H" timechart "$T" -o "$S" >"$LOG" 2>&1
check $? "hvtrace timechart FILE -o OUT.svg on a 3-VM trace: status 0" "$LOG"
xmllint --noout "$S" >"$LOG" 2>&1
check $? "the chart is well-formed XML" "$LOG"
[ "$(xpath "namespace-uri(/*)" "$S")" = "http://www.w3.org/2000/svg" ] &&
	xpath "string(/*[local-name()='svg']/*[local-name()='title'])" "$S" | grep -q "three.hvt"
check $? "an SVG document whose title names the trace"
! grep -q "xlink:href\|href=\"http\|<image\|<script" "$S"
check $? "self-contained: no external reference, image or script"

# Greyscale: every reason's fill differs from every other's in colour and pattern together, so
# two reasons of the same grey still differ on paper.
n=$(xpath "count(//*[local-name()='pattern'])" "$S")
d=$(grep -o '<pattern id="p[0-9]*"[^>]*>.*</pattern>' "$S" | sed 's/id="p[0-9]*"//' | sort -u | wc -l)
p=$(grep -o '<pattern id="p[0-9]*"[^>]*>.*</pattern>' "$S" | grep -o 'd="[^"]*"' | sort -u | wc -l)
[ "$n" -ge 2 ] && [ "$d" = "$n" ] && [ "$p" -ge 2 ]
check $? "each reason has its own fill ($d distinct of $n), and the fills differ in pattern too ($p patterns)"

rows=$(xpath "count(//*[local-name()='g'][@class='vm'])" "$S")
[ "$rows" = 3 ]
check $? "one row per VM (3, got $rows)"

# The legend against `hvtrace stat`: the same reasons, the same counts, overall and per VM.
"$H" stat "$T" >"$OUT/stat.txt" 2>"$LOG"
awk '/^Analyze events for all VMs/ {on=1; next} /^Analyze/ {on=0} on && NF == 4 && $1 != "VM-EXIT" && $1 != "Total" {print $1, $2}' \
	"$OUT/stat.txt" | sort >"$OUT/stat-reasons.txt"
for g in $(seq 1 "$(xpath "count(//*[@class='legend-reason'])" "$S")"); do
	echo "$(xpath "string((//*[@class='legend-reason'])[$g]/@data-reason)" "$S")" \
		"$(xpath "string((//*[@class='legend-reason'])[$g]/@data-count)" "$S")"
done | sort >"$OUT/chart-reasons.txt"
[ -s "$OUT/stat-reasons.txt" ] && diff "$OUT/stat-reasons.txt" "$OUT/chart-reasons.txt" >"$LOG" 2>&1
check $? "the legend lists exactly the reasons of hvtrace stat, with its counts ($(wc -l <"$OUT/stat-reasons.txt") reasons)" "$LOG"
ok=0
for v in 0 1 2; do
	want=$(sed -n "s/^Analyze events for VM $v: \([0-9]*\) exits.*/\1/p" "$OUT/stat.txt")
	got=$(xpath "string(//*[@class='vm'][@data-vm='$v']/@data-exits)" "$S")
	[ -n "$want" ] && [ "$want" = "$got" ] || { echo "VM $v: stat $want, chart $got"; ok=1; }
done >"$LOG"
check $ok "each VM's row counts its exits as hvtrace stat does" "$LOG"
sw=$(xpath "sum(//*[@class='vm']/@data-switches)" "$S")
want_sw=$("$H" dump "$T" | grep -c " SWITCH ")
[ "$sw" = "$want_sw" ] && [ "$(xpath "count(//*[@class='sw'])" "$S")" -gt 0 ] &&
	[ "$(xpath "count(//*[@class='inj'])" "$S")" -gt 0 ]
check $? "switches ($sw of $want_sw) and injections are marked"

# Bounded size: a million exits go into pixel columns, never one element per exit.
"$H" synth --exits 1000000 --vms 1 -o "$OUT/big.hvt" >"$LOG" 2>&1
"$H" timechart "$OUT/big.hvt" -o "$OUT/big.svg" >"$LOG" 2>&1
size=$(stat -c %s "$OUT/big.svg" 2>/dev/null || echo 0)
[ "$size" -gt 0 ] && [ "$size" -lt 1000000 ] && xmllint --noout "$OUT/big.svg" 2>>"$LOG"
check $? "a 1,000,000-exit trace gives a well-formed chart under 1 MB ($size bytes)" "$LOG"
"$H" timechart --width 200 "$T" -o "$OUT/narrow.svg" >"$LOG" 2>&1 && xmllint --noout "$OUT/narrow.svg" 2>>"$LOG" &&
	[ "$(stat -c %s "$OUT/narrow.svg")" -lt "$(stat -c %s "$S")" ]
check $? "--width 200 draws a narrower, smaller chart" "$LOG"
"$H" timechart "$T" >"$OUT/stdout.svg" 2>"$LOG" && cmp -s "$OUT/stdout.svg" "$S"
check $? "without -o the same chart goes to stdout" "$LOG"

# Bad input.
expect() { # expect STATUS 'PATTERN' WHAT ARGS...
	local want=$1 pat=$2 what=$3 rc
	shift 3
	"$H" timechart "$@" >"$LOG" 2>&1
	rc=$?
	[ "$rc" = "$want" ] && grep -q -- "$pat" "$LOG"
	check $? "$what: status $want (got $rc)" "$LOG"
}
expect 64 "usage: hvtrace timechart" "no FILE"
expect 64 "usage: hvtrace timechart" "two FILEs" "$T" "$T"
expect 64 "unrecognized option\|usage" "an unknown option" --colour "$T"
expect 64 "'wide' is not a number" "--width wide" --width wide "$T"
expect 64 "50 is too narrow" "--width 50" --width 50 "$T"
expect 64 "20000" "--width 20000 (over 10000)" --width 20000 "$T"
expect 64 "No such file" "a missing file" "$OUT/absent.hvt"
expect 64 "also an input" "-o naming the input" "$T" -o "$T"
printf 'not a trace at all' >"$OUT/junk.hvt"
expect 2 "junk.hvt" "a file that is not a trace" "$OUT/junk.hvt" -o "$OUT/junk.svg"
[ ! -e "$OUT/junk.svg" ]
check $? "no chart is left behind for a file that is not a trace"
size=$(stat -c %s "$T")
cp "$T" "$OUT/flip.hvt"
printf '\xff' | dd of="$OUT/flip.hvt" bs=1 seek=$((size / 2)) conv=notrunc status=none
rm -f "$OUT/flip.svg"
expect 2 "offset" "a corrupt trace (a flipped byte)" "$OUT/flip.hvt" -o "$OUT/flip.svg"
[ ! -e "$OUT/flip.svg" ]
check $? "no half chart is left behind for a corrupt trace"
head -c $((size * 2 / 3)) "$T" >"$OUT/cut.hvt"
"$H" timechart "$OUT/cut.hvt" -o "$OUT/cut.svg" >"$LOG" 2>&1 && grep -qi "warning" "$LOG" &&
	xmllint --noout "$OUT/cut.svg" 2>>"$LOG"
check $? "a truncated trace: a warning, and the chart of what is readable" "$LOG"
"$H" timechart "$T" >/dev/full 2>"$LOG"
rc=$?
[ "$rc" = 4 ] && grep -q "standard output" "$LOG"
check $? "a chart to a full disk (/dev/full): status 4 (got $rc)" "$LOG"
