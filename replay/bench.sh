#!/bin/bash
# bench.sh - replay performance (make bench-replay), three figures of issue 5:
#   1. `hvreplay verify` against the Bochs recording of the same guest, side by side;
#   2. seeks to random exits of a trace of at least a million exits: median and worst;
#   3. memory: peak RSS against the guest's memory and the checkpoint budget.
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
