#!/bin/bash
# hvview.sh - the viewer without a human: key scripts (tests/system/hvview/*.keys) played
# headless against an 80x24 grid, the screen after each step compared with the saved screens
# (*.screens), the way tig tests itself. UPDATE=1 rewrites the saved screens (check the diff).
#
# A script's first line "#! ARGS" gives hvview's arguments: @DEMO@, @PINGPONG@ (two VMs), @ASYNC@
# (timer interrupts injected) and @LONG64@ are recorded traces of replay/testdata, @DIVERGED@ the demo trace with one IN result changed (the replay
# diverges at the next exit), @TRUNC@ an exit-storm trace cut in the middle (recorded here with
# hvrun; skipped without Bochs). Also: bad files, --help against docs/viewer.md.
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
