#!/bin/bash
# hvview.sh - the viewer without a human: key scripts (tests/system/hvview/*.keys) played
# headless against an 80x24 grid, the screen after each step compared with the saved screens
# (*.screens), the way tig tests itself. UPDATE=1 rewrites the saved screens (check the diff).
#
# A script's first line "#! ARGS" gives hvview's arguments: @DEMO@, @PINGPONG@ (two VMs), @ASYNC@
# (timer interrupts injected) and @LONG64@ are recorded traces of replay/testdata, @DIVERGED@ the
# demo trace with one IN result changed (the replay diverges at the next exit), @DIVERGED64@ the
# long64 trace with one RDMSR result changed, @TRUNC@ an exit-storm trace cut in the middle
# (recorded here with hvrun; skipped without Bochs). Also: the divergence screen's table against
# the trace and hvreplay, bad files, --help against docs/viewer.md.
. "$(dirname "$0")/lib.sh"
D=tests/system/hvview
VDIR="$OUT/hvview"
CORRUPT=${CORRUPT:-$(dirname "$BIN")/tests/trace_corrupt}
mkdir -p "$VDIR"

# the diverging trace: event 286 is an IN from the UART's line status register; clearing bit 5
# (THR empty) of its result makes the guest poll again where the recording went on to the OUT
"$CORRUPT" replay/testdata/demo.hvt "$VDIR/diverged.hvt" 286 0 0x20 2>"$VDIR/corrupt.log"
check $? "made a diverging copy of the demo trace" "$VDIR/corrupt.log"
"$BIN/hvreplay" verify "$VDIR/diverged.hvt" >"$VDIR/verify.log" 2>&1
[ $? = 1 ] && grep -q 'open it with: hvview --divergence' "$VDIR/verify.log"
check $? "hvreplay verify diverges and names hvview --divergence" "$VDIR/verify.log"
# event 249 is the RDMSR of EFER in long mode; setting high bits of its RDX survives the 16-bit
# `mov dx, 0x3fd` before the next IN, whose registers then differ in RDX alone
"$CORRUPT" replay/testdata/long64.hvt "$VDIR/diverged64.hvt" 249 2 0xabcd000000000000 2>"$VDIR/corrupt64.log"
check $? "made a diverging copy of the long64 trace" "$VDIR/corrupt64.log"
"$BIN/hvreplay" verify "$VDIR/diverged64.hvt" >"$VDIR/verify64.log" 2>&1
[ $? = 1 ] && grep -q 'RDX 0x3fd recorded, 0xabcd0000000003fd replayed' "$VDIR/verify64.log" &&
	grep -q 'open it with: hvview --divergence' "$VDIR/verify64.log"
check $? "hvreplay verify: RDX differs at the next exit, and it names hvview --divergence" "$VDIR/verify64.log"

trunc=""
if "$BIN/hvrun" -q --timeout 120 -o "$VDIR/storm.hvt" "$GUESTS/exit-storm.bin" >"$VDIR/storm.log" 2>&1; then
	size=$(stat -c %s "$VDIR/storm.hvt")
	head -c $((size / 2)) "$VDIR/storm.hvt" >"$VDIR/storm-cut.hvt"
	trunc="$VDIR/storm-cut.hvt"
fi

for keys in "$D"/*.keys; do
	name=$(basename "$keys" .keys)
	args=$(head -n1 "$keys" | sed -n 's/^#! //p')
	if [[ $args == *@TRUNC@* && -z $trunc ]]; then
		ok "# SKIP $name: no exit-storm recording (Bochs)"
		continue
	fi
	args=${args//@DEMO@/replay/testdata/demo.hvt}
	args=${args//@PINGPONG@/replay/testdata/pingpong.hvt}
	args=${args//@ASYNC@/replay/testdata/async.hvt}
	args=${args//@LONG64@/replay/testdata/long64.hvt}
	args=${args//@DIVERGED@/$VDIR/diverged.hvt}
	args=${args//@DIVERGED64@/$VDIR/diverged64.hvt}
	args=${args//@TRUNC@/$trunc}
	# shellcheck disable=SC2086
	"$BIN/hvview" --script "$keys" --size 80x24 $args >"$VDIR/$name.screens" 2>"$VDIR/$name.err"
	rc=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$VDIR/$name.screens" "$D/$name.screens"
	fi
	[ $rc = 0 ] && diff -u "$D/$name.screens" "$VDIR/$name.screens" >"$VDIR/$name.diff"
	check $? "hvview $name: every screen as saved ($D/$name.screens)" "$VDIR/$name.diff"
done

# The divergence screen read for itself (the saved screens could be regenerated without either
# column): a recorded and a replayed column; the recorded side's values are the trace's (hvtrace
# dump), the replayed side's the engine's (what hvreplay verify reports), a register that differs
# is marked with '*', not only coloured, and the last instructions are there (scrolled to).
# screens NAME N: the text of screens 0 .. N - 1 of the script NAME
screens() { sed -n "/^--- 0:/,/^--- $2:/p" "$VDIR/$1.screens" | sed '$d'; }
screens divergence 2 >"$VDIR/div0.txt"
rip=$("$BIN/hvtrace" dump "$VDIR/diverged.hvt" | awk '$1 == 287 { sub(/rip=0x/, "", $5); print $5 }')
grep -q 'recorded (the trace) *replayed (the engine)' "$VDIR/div0.txt" && [ -n "$rip" ] &&
	grep -Eq "^\*rip +0*$rip +0*[0-9a-f]+ " "$VDIR/div0.txt" && ! grep -Eq "^\*rip +0*$rip +0*$rip " "$VDIR/div0.txt" &&
	grep -Eq '^ +[0-9]+ +[0-9a-f]{8}  [a-z]' "$VDIR/div0.txt"
check $? "divergence screen: recorded | replayed columns, the trace's RIP ($rip) against another, marked *" "$VDIR/div0.txt"
screens divergence-wide 1 >"$VDIR/div64.txt"
grep -q 'recorded (the trace) *replayed (the engine)' "$VDIR/div64.txt" &&
	grep -Eq '^\*rdx +00000000000003fd +abcd0000000003fd ' "$VDIR/div64.txt" &&
	[ "$(grep -Ec '^\*|  \*' "$VDIR/div64.txt")" = 1 ] && grep -q '1 of 18 registers differ' "$VDIR/div64.txt"
check $? "divergence screen: RDX alone differs and is marked, with hvreplay's two values" "$VDIR/div64.txt"

# bad files: a clear message and the status of retrovisor/exit_status.h
printf 'q\n' >"$VDIR/q.keys"
"$BIN/hvview" --script "$VDIR/q.keys" "$VDIR/no-such.hvt" >/dev/null 2>"$VDIR/missing.err"
[ $? = 64 ] && grep -q 'no-such.hvt' "$VDIR/missing.err"
check $? "a missing file: exit 64 and its name" "$VDIR/missing.err"
printf 'not a trace at all\n' >"$VDIR/text.hvt"
"$BIN/hvview" --script "$VDIR/q.keys" "$VDIR/text.hvt" >/dev/null 2>"$VDIR/text.err"
[ $? = 2 ] && grep -q 'text.hvt' "$VDIR/text.err"
check $? "a file that is not a trace: exit 2 and why" "$VDIR/text.err"
head -c 3000 replay/testdata/demo.hvt >"$VDIR/stub.hvt"
"$BIN/hvview" --script "$VDIR/q.keys" "$VDIR/stub.hvt" >/dev/null 2>"$VDIR/stub.err"
[ $? = 2 ] && [ -s "$VDIR/stub.err" ]
check $? "a trace cut before its first event: exit 2 and why" "$VDIR/stub.err"
if [ -n "$trunc" ]; then
	"$BIN/hvview" --script "$VDIR/q.keys" "$trunc" >/dev/null 2>"$VDIR/trunc.err"
	[ $? = 0 ] && grep -q 'truncated' "$VDIR/trunc.err"
	check $? "a truncated trace opens and says so on standard error too" "$VDIR/trunc.err"
fi
"$BIN/hvview" replay/testdata/demo.hvt </dev/null >"$VDIR/notty.out" 2>&1
[ $? = 64 ] && grep -q 'terminal' "$VDIR/notty.out"
check $? "without a terminal (and no --script): exit 64, says why" "$VDIR/notty.out"
"$BIN/hvview" --bogus >/dev/null 2>&1
check $([ $? = 64 ]; echo $?) "an unknown option: exit 64"

# --help, the ? screen and docs/viewer.md come from one key table
"$BIN/hvview" --keys-markdown >"$VDIR/keys.md"
grep -qxFf "$VDIR/keys.md" docs/viewer.md && [ "$(grep -cxFf "$VDIR/keys.md" docs/viewer.md)" = "$(wc -l <"$VDIR/keys.md")" ]
check $? "docs/viewer.md holds the key table hvview --keys-markdown prints" "$VDIR/keys.md"
"$BIN/hvview" --help >"$VDIR/help.txt"
n=0
while IFS='|' read -r _ key what _; do
	key=$(echo "$key" | tr -d '` ' | sed 's/,/, /g')
	what=$(echo "$what" | sed 's/^ *//; s/ *$//')
	grep -qF -- "$what" "$VDIR/help.txt" || { echo "missing in --help: $key $what"; n=1; }
done < <(tail -n +3 "$VDIR/keys.md") >"$VDIR/help.diff"
check $n "hvview --help lists every key of the table" "$VDIR/help.diff"
