#!/bin/bash
# hvtrace-cli.sh - the hvtrace command line on good and bad input: every subcommand's --help,
# check's exit status for healthy, truncated and corrupt files, clear errors for bad options.
. "$(dirname "$0")/lib.sh"
OUT="$OUT/cli" # synthetic traces: not replayable, kept apart from the recorded ones
mkdir -p "$OUT"

T="$OUT/cli.hvt"
"$BIN/hvtrace" synth --exits 50000 --vms 2 --chunk 65536 -o "$T" >/dev/null 2>"$OUT/cli.log"
check $? "hvtrace synth writes a 50,000-exit trace" "$OUT/cli.log"

for sub in info dump stat export check diff synth; do
	"$BIN/hvtrace" $sub --help 2>&1 | grep -q "usage: hvtrace $sub"
	check $? "hvtrace $sub --help prints its usage"
done

"$BIN/hvtrace" check "$T" >"$OUT/cli.log" 2>&1
check $? "hvtrace check: a healthy file gives status 0" "$OUT/cli.log"

size=$(stat -c %s "$T")
head -c $((size * 2 / 3)) "$T" >"$OUT/cli-cut.hvt"
"$BIN/hvtrace" check "$OUT/cli-cut.hvt" >"$OUT/cli.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -qi "truncated" "$OUT/cli.log"
check $? "hvtrace check: a file cut at two thirds is 'truncated', status 1 (got $rc)" "$OUT/cli.log"
"$BIN/hvtrace" stat "$OUT/cli-cut.hvt" >"$OUT/cli.log" 2>&1
check $? "hvtrace stat still reads the complete chunks of a cut file" "$OUT/cli.log"

cp "$T" "$OUT/cli-flip.hvt"
printf '\xff' | dd of="$OUT/cli-flip.hvt" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$BIN/hvtrace" check "$OUT/cli-flip.hvt" >"$OUT/cli.log" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "offset" "$OUT/cli.log"
check $? "hvtrace check: a flipped byte is 'corrupt' at a named offset, status 2 (got $rc)" "$OUT/cli.log"

printf 'not a trace at all' >"$OUT/cli-junk.hvt"
"$BIN/hvtrace" info "$OUT/cli-junk.hvt" >"$OUT/cli.log" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q "cli-junk.hvt" "$OUT/cli.log"
check $? "hvtrace info on a file that is not a trace: an error naming it, status $rc" "$OUT/cli.log"

"$BIN/hvtrace" dump --from lots "$T" >"$OUT/cli.log" 2>&1
rc=$?
[ "$rc" = 64 ] && grep -q -- "--from: 'lots' is not a number" "$OUT/cli.log"
check $? "hvtrace dump --from lots: the option is named, status 64" "$OUT/cli.log"

"$BIN/hvtrace" dump --reason NOT_A_REASON "$T" >"$OUT/cli.log" 2>&1
rc=$?
[ "$rc" = 64 ] && grep -q "unknown exit reason" "$OUT/cli.log"
check $? "hvtrace dump --reason with an unknown name: status 64" "$OUT/cli.log"

"$BIN/hvtrace" diff "$T" "$OUT/cli-flip.hvt" >"$OUT/cli.log" 2>&1
rc=$?
[ "$rc" != 0 ]
check $? "hvtrace diff of a file and its damaged copy does not say 'same' (status $rc)" "$OUT/cli.log"
