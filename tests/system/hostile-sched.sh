#!/bin/bash
# hostile-sched.sh - attacks on the CPU share (issue 9, item 7). Exact counts from the traces
# (hvtrace stat), never wall time.
. "$(dirname "$0")/lib.sh"

G=$(cd "$GUESTS" && pwd)

# exits VM TRACE: the exits of one VM in a trace ("Analyze events for VM N: E exits, ..."; a
# one-VM trace has only the "all VMs" line).
exits() {
	"$BIN/hvtrace" stat "$2" | sed -n -e "s/^Analyze events for VM $1: \([0-9]*\) exits.*/\1/p" \
		-e "s/^Analyze events for all VMs: \([0-9]*\) exits.*/all \1/p" | sort | sed -n '1{s/^all //;p}'
}

# Its timer edges must not cut a neighbour's slices: exit-storm-nop (100,000 loop iterations
# without exits) needs as many exits beside it as alone (141 on Bochs; 3,779 when every edge of
# the fast PIT cut the neighbour's slice).
"$BIN/hvrun" --timeout 120 -o "$OUT/sched-nop-alone.hvt" "$GUESTS/exit-storm-nop.bin" >"$OUT/sched-nop-alone.log" 2>&1
check $? "exit-storm-nop alone ends normally" "$OUT/sched-nop-alone.log"
{
	echo '<system>'
	printf '  <domain><name>hostile-fastpit</name><memory unit="MiB">1</memory><limit instructions="2000000"/>\n'
	printf '    <os><image>%s/hostile-fastpit.bin</image></os><devices><timer model="pit"/></devices></domain>\n' "$G"
	printf '  <domain><name>exit-storm-nop</name><memory unit="MiB">1</memory>\n'
	printf '    <os><image>%s/exit-storm-nop.bin</image></os></domain>\n' "$G"
	echo '</system>'
} >"$OUT/sched-fastpit.xml"
"$BIN/hvrun" --timeout 300 -o "$OUT/sched-fastpit.hvt" "$OUT/sched-fastpit.xml" >"$OUT/sched-fastpit.log" 2>&1
grep -q '^\[exit-storm-nop\] PASS exit-storm-nop' "$OUT/sched-fastpit.log"
check $? "exit-storm-nop beside hostile-fastpit PASSes" "$OUT/sched-fastpit.log"
alone=$(exits 0 "$OUT/sched-nop-alone.hvt")
beside=$(exits 1 "$OUT/sched-fastpit.hvt")
echo "# exit-storm-nop exits: alone $alone, beside hostile-fastpit $beside"
[ -n "$alone" ] && [ -n "$beside" ] && [ "$beside" -le $((alone + alone / 10)) ]
check $? "exit-storm-nop's exits beside a fast-PIT IF=0 VM ($beside) stay within 10% of alone ($alone)" \
	"$OUT/sched-fastpit.log"
"$BIN/hvtrace" check "$OUT/sched-fastpit.hvt" >"$OUT/sched-fastpit.check" 2>&1
check $? "the fast-PIT system's trace is healthy" "$OUT/sched-fastpit.check"
"$BIN/hvreplay" verify "$OUT/sched-fastpit.hvt" >"$OUT/sched-fastpit.replay" 2>&1
check $? "the fast-PIT system's trace replays" "$OUT/sched-fastpit.replay"

# A VM that never yields and has no limit keeps the run until hvrun's timeout: the message
# names it and says how to bound it.
"$BIN/hvrun" --timeout 3 "$GUESTS/hog.bin" >"$OUT/sched-timeout.log" 2>&1
rc=$?
[ $rc = 3 ] && grep -qF 'hvrun: timeout: VM 0 (hog) was still running; bound it with <limit instructions="N"/>' \
	"$OUT/sched-timeout.log"
check $? "a timeout (exit $rc) names the VM that kept running" "$OUT/sched-timeout.log"
