#!/bin/bash
# replay.sh - deterministic replay: record every guest sample under Bochs and replay it with
# `hvreplay verify`; a copy with one corrupted input value must diverge at the right exit; a
# truncated trace replays up to its end; the async sample's timer interrupts, which land in
# loops whose registers never change, must land at the recorded instruction.
. "$(dirname "$0")/lib.sh"
CORRUPT=${CORRUPT:-$(dirname "$BIN")/tests/trace_corrupt}
RDIR="$OUT/replay"
mkdir -p "$RDIR"

for t in guest-samples/*.test; do
	name=$(basename "$t" .test)
	trace="$RDIR/$name.hvt"
	eval "set -- $(cat "guest-samples/$name.opts" 2>/dev/null)" # shell words, as in samples.sh
	rm -f "$trace"
		"$BIN/hvrun" --timeout 120 -o "$trace" "$@" "$GUESTS/$name.bin" >"$RDIR/$name.rec.log" 2>&1
	if [ ! -s "$trace" ]; then
		not_ok "$name: recorded a trace to replay"
		sed 's/^/    | /' "$RDIR/$name.rec.log" | tail -n 5
		continue
	fi
	"$BIN/hvreplay" verify "$trace" >"$RDIR/$name.verify.log" 2>&1
	check $? "$name: hvreplay verify matches every exit" "$RDIR/$name.verify.log"
done

# A corrupted input: the second CPUID of the cpuid sample returns another ECX. The guest keeps
# ECX until its next exit, so verify must report that very exit, field RCX.
src="$RDIR/cpuid.hvt"
ev=$("$BIN/hvreplay" itrace "$src" 2>/dev/null | grep -m2 'exit [0-9]* CPUID' | tail -n1 | sed 's/.*exit \([0-9]*\) CPUID.*/\1/')
if [ -n "$ev" ] && "$CORRUPT" "$src" "$RDIR/cpuid-corrupt.hvt" "$ev" 1 0x100 2>"$RDIR/corrupt.log"; then
	"$BIN/hvreplay" verify "$RDIR/cpuid-corrupt.hvt" >"$RDIR/corrupt.log" 2>&1
	rc=$?
	next=$(grep -o 'diverged at exit event [0-9]*' "$RDIR/corrupt.log" | grep -o '[0-9]*$')
	[ $rc = 1 ] && [ "$next" -gt "$ev" ] && grep -q 'field RCX' "$RDIR/corrupt.log"
	check $? "corrupted CPUID result of exit $ev: verify fails at the next exit ($next), field RCX" "$RDIR/corrupt.log"
	"$CORRUPT" "$src" "$RDIR/cpuid-copy.hvt" 999999999 0 0 2>/dev/null
	"$BIN/hvreplay" verify "$RDIR/cpuid-copy.hvt" >"$RDIR/copy.log" 2>&1
	check $? "the same trace re-encoded without a change still verifies" "$RDIR/copy.log"
else
	not_ok "corrupted a CPUID result of the cpuid trace (exit '$ev')"
fi

# Truncated: the exit-storm trace cut in the middle replays up to its end and says so.
if [ -s "$RDIR/exit-storm.hvt" ]; then
	size=$(stat -c %s "$RDIR/exit-storm.hvt")
	head -c $((size / 2)) "$RDIR/exit-storm.hvt" >"$RDIR/storm-cut.hvt"
	"$BIN/hvreplay" verify "$RDIR/storm-cut.hvt" >"$RDIR/cut.log" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q 'truncated' "$RDIR/cut.log" && grep -q 'exits match' "$RDIR/cut.log"
	check $? "a truncated trace replays up to its end and says so" "$RDIR/cut.log"
fi

# A newer format is refused by name.
if [ -s "$RDIR/hello.hvt" ]; then
	# major version 2 at offset 8, and the header CRC (bytes 0-59) at 60 made right again
	python3 -c 'import sys, zlib, struct
d = bytearray(open(sys.argv[1], "rb").read()); d[8:10] = struct.pack("<H", 2)
d[60:64] = struct.pack("<I", zlib.crc32(bytes(d[:60]))); open(sys.argv[2], "wb").write(d)' \
		"$RDIR/hello.hvt" "$RDIR/newer.hvt"
	"$BIN/hvreplay" verify "$RDIR/newer.hvt" >"$RDIR/newer.log" 2>&1
	rc=$?
	[ $rc = 2 ] && grep -qi 'version 2' "$RDIR/newer.log"
	check $? "a trace from a newer format version is refused" "$RDIR/newer.log"
fi

# Asynchronous events: every timer exit of `async` interrupts `incw counter; jmp` or
# `notw toggle; jmp`, loops whose registers (even EFLAGS) are the same on every iteration; only
# the instruction count says where the interrupt landed, and the guest records where.
if [ -s "$RDIR/async.hvt" ]; then
	n=$("$BIN/hvreplay" itrace "$RDIR/async.hvt" 2>/dev/null | grep -c 'PREEMPTION_TIMER')
	grep -q 'exits match' "$RDIR/async.verify.log" && [ "$n" -gt 0 ]
	check $? "async: $n preemption-timer exits with injected IRQs land at the recorded instruction" "$RDIR/async.verify.log"
fi

"$BIN/hvreplay" --help >/dev/null && "$BIN/hvreplay" verify --help >/dev/null && ! "$BIN/hvreplay" bogus 2>/dev/null
check $? "hvreplay --help, verify --help; an unknown command fails"
