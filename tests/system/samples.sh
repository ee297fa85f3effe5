#!/bin/bash
# samples.sh - boot every guest sample under Bochs and check what its .test file expects:
# hvrun's exit status, lines on the console, the reason the VM stopped, and a healthy trace.
. "$(dirname "$0")/lib.sh"

for t in guest-samples/*.test; do
	name=$(basename "$t" .test)
	# the .opts line is shell words, quotes included (echo.opts: --input 'hello retrovisor\n')
	eval "set -- $(cat "guest-samples/$name.opts" 2>/dev/null)"
	log="$OUT/$name.log"
	trace="$OUT/$name.hvt"
	rm -f "$trace"
	"$BIN/hvrun" --timeout 120 -o "$trace" "$@" "$GUESTS/$name.bin" >"$log" 2>&1
	rc=$?
	want=$(sed -n 's/^exit: *//p' "$t")
	[ "$rc" = "${want:-0}" ]
	check $? "$name: hvrun exits $rc (want ${want:-0})" "$log"
	while IFS= read -r line; do
		grep -qF -- "$line" "$log"
		check $? "$name: console shows '$line'" "$log"
	done < <(sed -n 's/^expect: //p' "$t")
	stop=$(sed -n 's/^stop: *//p' "$t")
	if [ -n "$stop" ]; then
		grep -q "VM 0 ($name) stopped: $stop" "$log"
		check $? "$name: stopped because of '$stop'" "$log"
	fi
	[ -s "$trace" ]
	check $? "$name: trace written" "$log"
	if [ -s "$trace" ]; then
		"$BIN/hvtrace" check "$trace" >"$OUT/$name.check" 2>&1
		check $? "$name: hvtrace check says the trace is healthy" "$OUT/$name.check"
		"$BIN/hvtrace" dump "$trace" >"$OUT/$name.dump" 2>&1
		grep -q "VM_STOP" "$OUT/$name.dump" && grep -q "VM_START" "$OUT/$name.dump"
		check $? "$name: trace holds the VM's start and stop" "$OUT/$name.dump"
	fi
done
