#!/bin/bash
# bench.sh - replay performance (make bench-replay), the figures of issues 5 and 13:
#   1. `hvreplay verify` against the Bochs recording of the same guest, side by side;
#   2. seeks to random exits of a trace of at least a million exits: median and worst;
#   3. memory: peak RSS against the guest's memory and the checkpoint budget.
#   4. compute-bound guests: replay speed against Unicorn's own and the recording, with a
#      watchpoint set, seeks to random positions and steps back (section 4 below).
# Recordings go to out/bench-replay/. BIN, GUESTS as for the system tests.
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
GUESTS=${GUESTS:-build/guests}
OUT=out/bench-replay
SAMPLES=${SAMPLES:-"hello demo long64 async exit-storm"}
mkdir -p "$OUT"

secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }

echo "== verify vs recording (wall seconds; recording = hvrun under Bochs, boot included)"
printf '%-16s %10s %10s %8s %10s\n' guest exits record verify speedup
for name in $SAMPLES replay-storm1m; do
	bin="$GUESTS/$name.bin"
	opts=$(cat "guest-samples/$name.opts" 2>/dev/null)
	[ -f "$bin" ] || { echo "$name: $bin missing (make guests replay-guests)"; continue; }
	# shellcheck disable=SC2086
	rec=$(secs "$BIN/hvrun" -q --timeout 600 -o "$OUT/$name.hvt" $opts "$bin")
	ver=$(secs "$BIN/hvreplay" verify -q "$OUT/$name.hvt")
	exits=$("$BIN/hvreplay" verify "$OUT/$name.hvt" 2>/dev/null | sed -n 's/.*: \([0-9]*\) exits match.*/\1/p')
	printf '%-16s %10s %10s %8s %9.0fx\n' "$name" "${exits:-?}" "$rec" "$ver" \
		"$(echo "$rec $ver" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')"
done

echo
echo "== seeks to random exits of the $(basename "$OUT/replay-storm1m.hvt") trace"
"$BIN/hvreplay" seek --count "${SEEKS:-500}" "$OUT/replay-storm1m.hvt"
echo
echo "== the same with a 4 MiB checkpoint budget"
"$BIN/hvreplay" seek --count "${SEEKS:-500}" --budget 4 "$OUT/replay-storm1m.hvt"

# 4. Compute-bound guests (issue 13): 50 M instructions of hog (a two-instruction loop storing on
#    its code page) and mix (computation, stores on their own page, a CPUID every ~5,000
#    instructions). Unicorn's own speed on the same code (replay/tools/uc-speed: Unicorn with its
#    exact count and nothing of replay) is the yardstick; then replay/tools/rp-bench: the same
#    replay through rp_run and through rp_resume with a watchpoint set, seeks to random positions,
#    steps back. docs/performance.md explains the figures. Last, replay/tools/uc-count: the
#    ways of counting in Unicorn alone, the yardstick for replay's counting by blocks
#    (docs/performance.md, "Counting by blocks").
INSNS=${INSNS:-50000000}
TOOLS=build/bench
mkdir -p "$TOOLS"
cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$TOOLS/uc-speed" replay/tools/uc-speed.c -lunicorn ||
	exit 1
cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$TOOLS/uc-count" replay/tools/uc-count.c -lunicorn -lcapstone ||
	exit 1
cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -o "$TOOLS/rp-bench" replay/tools/rp-bench.c \
	build/lib/libhvreplay.a build/lib/libhvdev.a build/lib/libhvtrace.a -lzstd -lz -pthread -lunicorn -lcapstone ||
	exit 1
echo
echo "== compute-bound replay: $INSNS instructions (wall seconds; M = million guest instructions)"
printf '%-6s %8s %8s %10s %10s %14s %14s\n' guest record verify "replay M/s" "unicorn M/s" "replay/unicorn" "verify/record"
for name in hog mix; do
	bin="$GUESTS/$name.bin"
	[ -f "$bin" ] || { echo "$name: $bin missing (make guests)"; continue; }
	rec=$(secs "$BIN/hvrun" -q --timeout 600 --insn-limit "$INSNS" -o "$OUT/$name-50m.hvt" "$bin")
	ver=$(secs "$BIN/hvreplay" verify -q "$OUT/$name-50m.hvt")
	uc=$("$TOOLS/uc-speed" "$bin" "$INSNS" | awk '{ print $3 }')
	printf '%-6s %8s %8s %10.1f %10s %14.2f %14.2f\n' "$name" "$rec" "$ver" \
		"$(echo "$INSNS $ver" | awk '{ print ($2 > 0 ? $1 / $2 / 1e6 : 0) }')" "$uc" \
		"$(echo "$INSNS $ver $uc" | awk '{ print ($2 > 0 && $3 > 0 ? $1 / $2 / 1e6 / $3 : 0) }')" \
		"$(echo "$ver $rec" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')"
done
for t in hog-50m mix-50m replay-storm1m; do
	echo
	echo "== $t: rp_run, rp_resume with a write watchpoint at 0x500 (never written), seeks, steps back"
	"$TOOLS/rp-bench" "$OUT/$t.hvt" 0x500 "${SEEKS:-500}"
done
echo
echo "== counting mix's $INSNS instructions in Unicorn alone: its own count, a code hook, a block hook (not exact), block hook with a kept landing hook (replay's way, rp_block.c)"
for m in count code block cpuid-keep; do
	# shellcheck disable=SC2086
	"$TOOLS/uc-count" "$GUESTS/mix.bin" "$INSNS" $m
done
