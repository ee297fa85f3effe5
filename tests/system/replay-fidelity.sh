#!/bin/bash
# replay-fidelity.sh - what the CPU did without an exit is replayed too (issue 12). replay.sh
# records and verifies every sample, these among them; here, what a verify alone does not show:
# the replayer survives code that makes Unicorn abort, RDRAND answers reproduce across
# recordings, the start state carries the x87/SSE words, and EPT violations are reported at the
# guest-physical address the CPU reported; and a guest whose paging the replay CPU cannot follow
# is reported as such, never as a match.
. "$(dirname "$0")/lib.sh"
RDIR="$OUT/replay-fidelity"
mkdir -p "$RDIR"

record() { # record NAME TRACE
	rm -f "$2"
	"$BIN/hvrun" --timeout 120 -o "$2" "$GUESTS/$1.bin" >"$2.log" 2>&1
	[ -s "$2" ]
}

# native-faults runs JMP FAR AX and CALL FAR EAX (register forms), on which QEMU's code
# generator aborts: hvreplay must not die of SIGABRT, and every exit must match.
if record native-faults "$RDIR/nf.hvt"; then
	"$BIN/hvreplay" verify "$RDIR/nf.hvt" >"$RDIR/nf.log" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q 'exits match' "$RDIR/nf.log"
	check $? "native-faults: #UD, #GP (error codes), #NP, #PF (CR2), #DF replayed; exit status $rc" "$RDIR/nf.log"
else
	not_ok "native-faults: recorded"
fi

# RDRAND/RDSEED: two recordings of the same guest read the same numbers, and replay agrees.
if record rdrand "$RDIR/rd1.hvt" && record rdrand "$RDIR/rd2.hvt"; then
	grep 'rdrand: RD' "$RDIR/rd1.hvt.log" >"$RDIR/rd1.vals"
	grep 'rdrand: RD' "$RDIR/rd2.hvt.log" >"$RDIR/rd2.vals"
	[ -s "$RDIR/rd1.vals" ] && cmp -s "$RDIR/rd1.vals" "$RDIR/rd2.vals"
	check $? "rdrand: two recordings read the same RDRAND/RDSEED values" "$RDIR/rd2.hvt.log"
	n=$("$BIN/hvtrace" dump "$RDIR/rd1.hvt" | grep -c 'RDRAND\|RDSEED')
	"$BIN/hvreplay" verify "$RDIR/rd1.hvt" >"$RDIR/rd.log" 2>&1 && [ "$n" = 4 ]
	check $? "rdrand: $n RDRAND/RDSEED exits in the trace, replayed" "$RDIR/rd.log"
else
	not_ok "rdrand: recorded twice"
fi

# The start state holds the x87/SSE control words (trace minor 2).
if record sse "$RDIR/sse.hvt"; then
	"$BIN/hvtrace" dump "$RDIR/sse.hvt" | grep -m1 VM_START >"$RDIR/sse.start"
	grep -q 'fcw=0x37f .*mxcsr=0x1f80' "$RDIR/sse.start"
	check $? "sse: VM_START carries FCW and MXCSR" "$RDIR/sse.start"
else
	not_ok "sse: recorded"
fi

# Under guest paging the EPT violation's address is guest-physical 0x80000010 (the linear one is
# 0x400010); replay must reach the same one.
if record outside-paging "$RDIR/op.hvt"; then
	"$BIN/hvtrace" dump "$RDIR/op.hvt" | grep -q 'EPT_VIOLATION .*gpa=0x80000010' &&
		"$BIN/hvreplay" verify "$RDIR/op.hvt" >"$RDIR/op.log" 2>&1
	check $? "outside-paging: EPT violation at guest-physical 0x80000010, replayed there" "$RDIR/op.log"
else
	not_ok "outside-paging: recorded"
fi

# Paging that is not an identity map: the CPU runs code-alias (PASS), the replay CPU cannot
# (Unicorn 2.0.1 takes linear addresses for physical ones). Verify must fail (status 1) and name
# the cause, for a linear address inside the VM's memory and for one beyond it.
for v in "code-alias:likely cause: the guest's paging maps linear 0x50000 to guest-physical 0x30000" \
	 "code-alias-high:write at linear 0x400000 = guest-physical 0x30000: Unicorn 2.0.1 follows only identity paging"; do
	g=${v%%:*} want=${v#*:}
	rm -f "$RDIR/$g.hvt"
	"$BIN/hvrun" --timeout 120 --name AAAA -o "$RDIR/$g.hvt" "$GUESTS/$g.bin" >"$RDIR/$g.hvt.log" 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q "PASS $g" "$RDIR/$g.hvt.log"
	check $? "$g: the CPU follows the guest's non-identity paging (hvrun status $rc)" "$RDIR/$g.hvt.log"
	"$BIN/hvreplay" verify "$RDIR/$g.hvt" >"$RDIR/$g.log" 2>&1
	rc=$?
	[ $rc = 1 ] && grep -qF "$want" "$RDIR/$g.log"
	check $? "$g: replay reports a divergence (status $rc) and names the paging limit" "$RDIR/$g.log"
done
