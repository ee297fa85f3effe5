#!/bin/bash
# panic.sh - a hypervisor PANIC keeps the trace (hv/panic.c): the chunk being filled is written
# out, then a NOTE saying where and why, VM_STOP "hypervisor error" for every running VM and END.
# hvrun exits 4 (the hypervisor failed), hvtrace shows the NOTE, the trace checks and replays up
# to the panic. The panic is the test-only one (hvrun --hv-test-panic-insns), which fires inside
# an exit handler like a real one would: nothing a guest can do panics the hypervisor any more.
. "$(dirname "$0")/lib.sh"

G=$(cd "$GUESTS" && pwd)
# panic_run NAME NVMS HVRUN-ARGS...
panic_run() {
	local name=$1 nvms=$2 base="$OUT/panic-$1"
	shift 2
	rm -f "$base.hvt"
	"$BIN/hvrun" --timeout 120 --hv-test-panic-insns 20000 -o "$base.hvt" "$@" >"$base.log" 2>&1
	rc=$?
	[ "$rc" = 4 ]
	check $? "panic ($name): hvrun exits 4, the hypervisor failed (got $rc)" "$base.log"
	[ "$(grep -c 'stopped: hypervisor error' "$base.log")" -ge "$nvms" ] && grep -q '^PANIC hv/' "$base.log"
	check $? "panic ($name): the PANIC line and 'hypervisor error' for each of $nvms VMs" "$base.log"
	grep -q 'incomplete\|0 events' "$base.log"
	[ $? != 0 ]
	check $? "panic ($name): hvrun imported a complete, non-empty trace" "$base.log"
	trace_check "panic ($name)" "$base.hvt"
	"$BIN/hvtrace" dump "$base.hvt" >"$base.dump" 2>&1
	grep -q 'NOTE *"PANIC at hv/vm_run.c:[0-9]*: test panic' "$base.dump" &&
		[ "$(grep -c 'VM_STOP *HV_ERROR' "$base.dump")" = "$nvms" ] && grep -q 'END *status=0x2' "$base.dump"
	check $? "panic ($name): the trace ends NOTE 'PANIC at ...', $nvms VM_STOP HV_ERROR, END status 2" "$base.dump"
	[ "$(grep -c ' CPUID ' "$base.dump")" -gt 1000 ]
	check $? "panic ($name): the exits before the panic are in the trace" "$base.dump"
	trace_verify "panic ($name)" "$base.hvt" "up to the panic"
}

panic_run alone 1 "$GUESTS/exit-storm.bin"
{
	echo '<system>'
	printf '  <domain><name>storm</name><memory unit="MiB">1</memory>\n'
	printf '    <os><image>%s/exit-storm.bin</image></os></domain>\n' "$G"
	printf '  <domain><name>hog</name><memory unit="MiB">1</memory>\n'
	printf '    <os><image>%s/hog.bin</image></os></domain>\n' "$G"
	echo '</system>'
} >"$OUT/panic-two.xml"
panic_run two 2 "$OUT/panic-two.xml"

# The option is refused outside 1..2^32-1, and without it nothing panics (the same guest passes).
"$BIN/hvrun" --hv-test-panic-insns 0 "$GUESTS/exit-storm.bin" >"$OUT/panic-usage.log" 2>&1
[ $? = 64 ]
check $? "panic: --hv-test-panic-insns 0 is bad usage (64)" "$OUT/panic-usage.log"

# A panic while the first panic writes the trace out (test-only: the flush panics) must not
# recurse: the second only prints and ends the machine. hvrun still exits 4, and whatever
# reached the disk before is a trace that checks and replays to its end.
base="$OUT/panic-twice"
"$BIN/hvrun" --timeout 120 --hv-test-panic-insns 20000 --hv-test-panic-twice -o "$base.hvt" \
	"$GUESTS/exit-storm.bin" >"$base.log" 2>&1
rc=$?
[ "$rc" = 4 ] && grep -q 'PANIC hv/trace.c:[0-9]*: test panic in the trace flush' "$base.log" &&
	grep -q 'PANIC while handling a PANIC' "$base.log"
check $? "panic twice: the second panic ends the machine at once, hvrun exits 4 (got $rc)" "$base.log"
# what reached the disk is a healthy trace that replays to its end
trace_check "panic twice" "$base.hvt"
trace_verify "panic twice" "$base.hvt"
