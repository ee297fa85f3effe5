#!/bin/bash
# multivm.sh - several VMs side by side: the message bus (ping/pong), fair sharing by weight
# (two CPU-bound hogs, 1:3), and isolation (an intruder stopped while its neighbours finish).
. "$(dirname "$0")/lib.sh"

G=$(cd "$GUESTS" && pwd)

domain() { # NAME IMAGE [WEIGHT] [extra XML]
	printf '  <domain><name>%s</name><memory unit="MiB">1</memory><cpu weight="%s"/>\n' "$1" "${3:-1}"
	printf '    <os><image>%s/%s.bin</image></os>%s</domain>\n' "$G" "$2" "${4:-}"
}

# --- ping and pong exchange five messages over the bus -----------------------------------------
{
	echo '<system>'
	domain ping ping
	domain pong pong
	echo '</system>'
} >"$OUT/pingpong.xml"
"$BIN/hvrun" -o "$OUT/pingpong.hvt" "$OUT/pingpong.xml" >"$OUT/pingpong.log" 2>&1
check $? "ping/pong: both VMs end normally" "$OUT/pingpong.log"
grep -q '^\[ping\] PASS ping' "$OUT/pingpong.log" && grep -q '^\[pong\] PASS pong' "$OUT/pingpong.log"
check $? "ping/pong: both consoles, labelled, say PASS" "$OUT/pingpong.log"
"$BIN/hvtrace" dump "$OUT/pingpong.hvt" >"$OUT/pingpong.dump" 2>&1
grep -q 'SWITCH' "$OUT/pingpong.dump" && grep -q 'MEMWRITE' "$OUT/pingpong.dump"
check $? "ping/pong: the trace has the switches and the delivered messages" "$OUT/pingpong.dump"

# --- two CPU-bound guests with weights 1 and 3 share the CPU 1:3 ---------------------------------
{
	echo '<system instructions="8000000">'
	domain light hog 1
	domain heavy hog 3
	echo '</system>'
} >"$OUT/hogs.xml"
"$BIN/hvrun" -o "$OUT/hogs.hvt" "$OUT/hogs.xml" >"$OUT/hogs.log" 2>&1
check $? "hogs: the run ends at the system instruction limit with status 0" "$OUT/hogs.log"
"$BIN/hvtrace" stat "$OUT/hogs.hvt" >"$OUT/hogs.stat" 2>&1
light=$(sed -n 's/^Analyze events for VM 0: .*, \([0-9]*\) instructions$/\1/p' "$OUT/hogs.stat")
heavy=$(sed -n 's/^Analyze events for VM 1: .*, \([0-9]*\) instructions$/\1/p' "$OUT/hogs.stat")
echo "hogs: light $light, heavy $heavy instructions" >>"$OUT/hogs.stat"
[ -n "$light" ] && [ -n "$heavy" ] && [ "$light" -gt 0 ] &&
	awk -v l="$light" -v h="$heavy" 'BEGIN { r = h / l; exit !(r >= 2.7 && r <= 3.3) }'
check $? "hogs: weights 1:3 give instruction counts within 10% of 1:3 ($light : $heavy)" "$OUT/hogs.stat"

# --- four VMs at once: ping, pong, timer, and an intruder that must be stopped -------------------
{
	echo '<system>'
	domain ping ping
	domain pong pong
	domain timer timer 1 '<devices><timer model="pit"/></devices>'
	domain intruder intruder
	echo '</system>'
} >"$OUT/four.xml"
"$BIN/hvrun" -o "$OUT/four.hvt" "$OUT/four.xml" >"$OUT/four.log" 2>&1
rc=$?
[ "$rc" = 2 ]
check $? "four VMs: hvrun exits 2 (the hypervisor stopped a guest), got $rc" "$OUT/four.log"
for vm in ping pong timer; do
	grep -q "^\[$vm\] PASS $vm" "$OUT/four.log"
	check $? "four VMs: $vm finishes with PASS next to the intruder" "$OUT/four.log"
done
grep -q "VM 3 (intruder) stopped: access outside its memory" "$OUT/four.log"
check $? "four VMs: the intruder is stopped for its access outside its memory" "$OUT/four.log"
"$BIN/hvtrace" check "$OUT/four.hvt" >"$OUT/four.check" 2>&1
check $? "four VMs: the trace is healthy" "$OUT/four.check"
"$BIN/hvtrace" dump "$OUT/four.hvt" >"$OUT/four.dump" 2>&1
n=$(grep -c 'VM_STOP' "$OUT/four.dump")
[ "$n" = 4 ] && grep -q 'INJECT' "$OUT/four.dump"
check $? "four VMs: the trace holds all four stops ($n) and the timer's interrupts" "$OUT/four.dump"

# --- the bus's queues are bounded: 16 messages to a VM that never receives, then HC_EAGAIN -------
{
	echo '<system instructions="3000000">'
	domain flood flood
	domain sink hog
	echo '</system>'
} >"$OUT/flood.xml"
"$BIN/hvrun" -o "$OUT/flood.hvt" "$OUT/flood.xml" >"$OUT/flood.log" 2>&1
check $? "flood: the run ends normally" "$OUT/flood.log"
grep -q '^\[flood\] flood: 16 messages queued, then HC_EAGAIN' "$OUT/flood.log" && grep -q '^\[flood\] PASS flood' "$OUT/flood.log"
check $? "flood: the 17th message to a full queue gets HC_EAGAIN" "$OUT/flood.log"

# --- replay re-executes every VM of these multi-VM traces, wake-ups and injections included ------
for t in pingpong hogs four flood; do
	"$BIN/hvreplay" verify -q "$OUT/$t.hvt" >"$OUT/$t.replay" 2>&1
	check $? "replay: every VM of the $t trace verifies" "$OUT/$t.replay"
done
