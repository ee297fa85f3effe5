#!/bin/bash
# hostile-bus.sh - a flooder beside ping and pong (issue 9, item 6): the bus gives each sender a
# share of every queue (a full share answers HC_EAGAIN to that sender only), and a <bus> policy
# in the VM definition says who may send to whom (refused: HC_EPERM).
. "$(dirname "$0")/lib.sh"

G=$(cd "$GUESTS" && pwd)
dom() { # NAME [XML inside <domain>]
	printf '  <domain><name>%s</name><memory unit="MiB">1</memory>%s\n' "$1" "${2:-}"
	printf '    <os><image>%s/%s.bin</image></os></domain>\n' "$G" "$1"
}
FLOOD_LIMIT='<limit instructions="400000"/>'

# run NAME XML-FILE: hvrun, then the pair's PASS lines, the trace's health and its replay.
run() {
	local name=$1 xml=$2 log="$OUT/$1.log"
	"$BIN/hvrun" --timeout 300 -o "$OUT/$name.hvt" "$xml" >"$log" 2>&1
	[ $? = 0 ] && grep -qF 'VM 2 (hostile-busflood) stopped: instruction limit reached' "$log"
	check $? "$name: the flooder runs until its own limit, a normal end (hvrun exits 0)" "$log"
	grep -q '^\[ping\] PASS ping' "$log" && grep -q '^\[pong\] PASS pong' "$log"
	check $? "$name: ping and pong still PASS" "$log"
	"$BIN/hvtrace" check "$OUT/$name.hvt" >"$log.check" 2>&1
	check $? "$name: hvtrace check says the trace is healthy" "$log.check"
	"$BIN/hvreplay" verify "$OUT/$name.hvt" >"$log.replay" 2>&1
	check $? "$name: hvreplay verify matches every exit" "$log.replay"
}

# Default policy (everyone may send to everyone): the flooder gets its share of each queue,
# 16 / 2 other senders = 8 messages, then HC_EAGAIN (-5); ping and pong skip its noise.
{ echo '<system>'; dom ping; dom pong; dom hostile-busflood "$FLOOD_LIMIT"; echo '</system>'; } >"$OUT/bus-share.xml"
run bus-share "$OUT/bus-share.xml"
for vm in 0 1; do
	grep -qF "[hostile-busflood] hostile-busflood: VM $vm took 8 messages, then refused with 0xFFFFFFFB" \
		"$OUT/bus-share.log"
	check $? "bus-share: VM $vm's queue took only the flooder's share (8), then HC_EAGAIN" "$OUT/bus-share.log"
done

# A policy: ping and pong may send only to each other, the flooder to nobody (HC_EPERM, -7).
{
	echo '<system>'
	dom ping '<bus><send to="pong"/></bus>'
	dom pong '<bus><send to="ping"/></bus>'
	dom hostile-busflood "<bus/>$FLOOD_LIMIT"
	echo '</system>'
} >"$OUT/bus-policy.xml"
run bus-policy "$OUT/bus-policy.xml"
for vm in 0 1; do
	grep -qF "[hostile-busflood] hostile-busflood: VM $vm took 0 messages, then refused with 0xFFFFFFF9" \
		"$OUT/bus-policy.log"
	check $? "bus-policy: the flooder may not send to VM $vm (HC_EPERM)" "$OUT/bus-policy.log"
done
grep -q 'ignored 0 other' "$OUT/bus-policy.log" && grep -q 'ignored 0 others' "$OUT/bus-policy.log"
check $? "bus-policy: ping and pong received no noise at all" "$OUT/bus-policy.log"

# A <send to> that names no VM of the run is refused before anything runs.
{ echo '<system>'; dom ping '<bus><send to="nosuch"/></bus>'; dom pong; echo '</system>'; } >"$OUT/bus-bad.xml"
"$BIN/hvrun" --timeout 60 "$OUT/bus-bad.xml" >"$OUT/bus-bad.log" 2>&1
rc=$?
[ $rc != 0 ] && grep -qF "<bus>: <send to='nosuch'> names no VM of this run" "$OUT/bus-bad.log" &&
	! grep -q '^hv:' "$OUT/bus-bad.log"
check $? "bus-bad: <send to='nosuch'> is refused (exit $rc)" "$OUT/bus-bad.log"
