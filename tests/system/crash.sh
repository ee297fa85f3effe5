#!/bin/bash
# crash.sh - a recording cut short is readable up to its last complete chunk: Bochs is stopped
# (hvrun --timeout) in the middle of a guest that exits forever; the trace is still written,
# hvtrace says it is truncated and where, and replay checks every exit it holds.
. "$(dirname "$0")/lib.sh"

T="$OUT/crash.hvt"
rm -f "$T"
"$BIN/hvrun" --timeout 6 -o "$T" "$GUESTS/storm-forever.bin" >"$OUT/crash.log" 2>&1
rc=$?
[ "$rc" = 3 ] && grep -q "timeout" "$OUT/crash.log"
check $? "crash: hvrun stops Bochs at the timeout with status 3 (got $rc)" "$OUT/crash.log"
[ -s "$T" ] && grep -q "incomplete" "$OUT/crash.log"
check $? "crash: the trace of the interrupted run is written and called incomplete" "$OUT/crash.log"
"$BIN/hvtrace" check "$T" >"$OUT/crash.check" 2>&1
rc=$?
{ [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && "$BIN/hvtrace" info "$T" >"$OUT/crash.info" 2>&1
check $? "crash: hvtrace check finds no corruption (status $rc: healthy or truncated)" "$OUT/crash.check"
exits=$(awk '/^exits:/ {print $2}' "$OUT/crash.info")
[ -n "$exits" ] && [ "$exits" -gt 1000 ]
check $? "crash: the complete chunks hold the exits before the stop ($exits)" "$OUT/crash.info"
"$BIN/hvreplay" verify "$T" >"$OUT/crash.replay" 2>&1
rc=$?
grep -qi "end of the trace\|truncated\|incomplete\|ends before" "$OUT/crash.replay" && ! grep -q "diverged" "$OUT/crash.replay"
check $? "crash: replay checks every recorded exit and says the trace ends early (status $rc)" "$OUT/crash.replay"
