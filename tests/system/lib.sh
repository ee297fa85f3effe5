# lib.sh - helpers for the system tests (sourced). Each test prints "ok - what" or
# "not ok - what" lines; run-all.sh counts them.
BIN=${BIN:-build/bin}
GUESTS=${GUESTS:-build/guests}
OUT=${OUT:-out/system}
mkdir -p "$OUT"

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check COND_STATUS WHAT [LOG]: report, and on failure show the tail of LOG.
check() {
	local st=$1 what=$2 log=${3:-}
	if [ "$st" = 0 ]; then
		ok "$what"
	else
		not_ok "$what"
		[ -n "$log" ] && [ -f "$log" ] && sed 's/^/    | /' "$log" | tail -n 15
	fi
}

# ---- traces and stubs ----------------------------------------------------------------------------
# trace_check WHAT TRACE: `hvtrace check` says TRACE (x.hvt) is healthy; its output in x.check.
trace_check() {
	local what=$1 trace=$2
	"$BIN/hvtrace" check "$trace" >"${trace%.hvt}.check" 2>&1
	check $? "$what: hvtrace check says the trace is healthy" "${trace%.hvt}.check"
}
# trace_verify WHAT TRACE [MORE]: `hvreplay verify` replays TRACE matching every exit (MORE is
# appended to the line, "up to the panic"); its output in x.replay.
trace_verify() {
	local what=$1 trace=$2 more=${3:-}
	"$BIN/hvreplay" verify "$trace" >"${trace%.hvt}.replay" 2>&1
	check $? "$what: hvreplay verify matches every exit${more:+ $more}" "${trace%.hvt}.replay"
}
# stub_port LOG [PID]: wait (up to 10 s, or until PID ends) until a gdb stub's standard output
# LOG says "listening on 127.0.0.1:PORT"; print PORT. Status 1 if it never does.
stub_port() {
	local log=$1 pid=${2:-} port
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log" 2>/dev/null)
		[ -n "$port" ] && echo "$port" && return 0
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

# ---- hostile guests (tests/system/hostile-*.sh) -------------------------------------------------
# hostile NAME WANT_RC 'WANT_STOP' ['EXPECT_LINE'...]
#   Runs guest-samples/NAME twice, as an attacker would: alone, then as VM 0 beside a well-behaved
#   neighbour (`cpuid`, which must still print PASS). Each run: hvrun's exit status,
#   the stop line "VM 0 (NAME) stopped: WANT_STOP" (skipped when WANT_STOP is empty), the console
#   lines, a healthy trace (hvtrace check) and a replay that verifies every exit (hvreplay verify).
#   NAME.opts may hold --mode/--load/--timer/--insn-limit; they become XML attributes beside the
#   neighbour. HOSTILE_REPLAY_GAP="why" skips hvreplay verify (reported as SKIP with the reason)
#   for a guest whose replay waits for a known replay gap; every other check still runs, and its
#   traces go to $OUT/replay-gap/, out of the way of the sweeps that replay every trace in $OUT.
hostile() {
	local name=$1 want=$2 stop=$3 rc log trace
	shift 3
	eval "set -- $(cat "guest-samples/$name.opts" 2>/dev/null) -- \"\$@\""
	local opts=() mode=real load="" timer="" limit=""
	while [ "$1" != -- ]; do
		opts+=("$1")
		case $1 in
		--mode) mode=$2; opts+=("$2"); shift ;;
		--load) load=$2; opts+=("$2"); shift ;;
		--insn-limit) limit=$2; opts+=("$2"); shift ;;
		--timer) timer=1 ;;
		esac
		shift
	done
	shift
	for run in alone neighbour; do
		log="$OUT/hostile-$name-$run.log"
		trace="$OUT/hostile-$name-$run.hvt"
		if [ -n "${HOSTILE_REPLAY_GAP:-}" ]; then
			mkdir -p "$OUT/replay-gap"
			trace="$OUT/replay-gap/hostile-$name-$run.hvt"
		fi
		rm -f "$trace"
		if [ $run = alone ]; then
			"$BIN/hvrun" --timeout 120 -o "$trace" "${opts[@]}" "$GUESTS/$name.bin" >"$log" 2>&1
		else
			local g xml="$OUT/hostile-$name.xml"
			g=$(cd "$GUESTS" && pwd)
			{
				printf '<system%s>\n' "${limit:+ instructions=\"$((limit * 4))\"}"
				printf '  <domain><name>%s</name><memory unit="MiB">1</memory>\n' "$name"
				printf '    <os><image%s>%s/%s.bin</image><entry mode="%s"/></os>\n' \
					"${load:+ load=\"$load\"}" "$g" "$name" "$mode"
				[ -n "$timer" ] && printf '    <devices><timer model="pit"/></devices>\n'
				printf '  </domain>\n'
				printf '  <domain><name>cpuid</name><memory unit="MiB">1</memory>\n'
				printf '    <os><image>%s/cpuid.bin</image></os></domain>\n' "$g"
				echo '</system>'
			} >"$xml"
			"$BIN/hvrun" --timeout 120 -o "$trace" "$xml" >"$log" 2>&1
		fi
		rc=$?
		[ "$rc" = "$want" ]
		check $? "hostile $name ($run): hvrun exits $rc (want $want)" "$log"
		if [ -n "$stop" ]; then
			grep -qF "VM 0 ($name) stopped: $stop" "$log"
			check $? "hostile $name ($run): stopped because '$stop'" "$log"
		fi
		local line
		for line in "$@"; do
			grep -qF -- "$line" "$log"
			check $? "hostile $name ($run): console shows '$line'" "$log"
		done
		if [ $run = neighbour ]; then
			grep -q '^\[cpuid\] PASS cpuid' "$log"
			check $? "hostile $name ($run): the neighbour still PASSes" "$log"
		fi
		trace_check "hostile $name ($run)" "$trace"
		if [ -n "${HOSTILE_REPLAY_GAP:-}" ]; then
			ok "hostile $name ($run): hvreplay verify # SKIP $HOSTILE_REPLAY_GAP"
			continue
		fi
		trace_verify "hostile $name ($run)" "$trace"
	done
}
