#!/bin/bash
# bench.sh - the gdb replay stub's latency at the end of a one-million-exit trace (issue 15):
# reverse-stepi, reverse-continue to the previous loop iteration's CPUID, and a seek by monitor
# command, each as the gdb user waits for it (gdb/retrovisor.py's mode query included); medians
# of RUNS. Wall-clock figures: never pass/fail (the machine is shared). Run by scripts/bench.sh.
# The trace is replay/bench.sh's out/bench-replay/replay-storm1m.hvt (recorded here if missing).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
GUESTS=${GUESTS:-build/guests}
RUNS=${RUNS:-5}
trace=out/bench-replay/replay-storm1m.hvt
row() { printf '%-58s %14s %12s %s\n' "$1" "$2" "$3" "$4"; }

if [ ! -s "$trace" ]; then
	mkdir -p "$(dirname "$trace")"
	"$BIN/hvrun" -q --timeout 900 -o "$trace" "$GUESTS/replay-storm1m.bin" >/dev/null 2>&1
fi
exits=$("$BIN/hvtrace" dump "$trace" | grep -c CPUID)
cpuid_rip=$("$BIN/hvtrace" dump "$trace" | awk '$4 == "CPUID" { sub("rip=", "", $5); r = $5 } END { print r }')
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
t0=$(date +%s.%N)
"$BIN/hvreplay" gdb "$trace" >"$dir/out" 2>"$dir/err" &
pid=$!
port=
for _ in $(seq 1200); do
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/out")
	[ -n "$port" ] && break
	sleep 0.05
done
ready=$(echo "$(date +%s.%N) - $t0" | bc)
cat >"$dir/bench.py" <<PY
import time, gdb
def timed(cmd, n):
    xs = []
    for _ in range(n):
        t = time.time()
        gdb.execute(cmd, to_string=True)
        xs.append(time.time() - t)
    xs.sort()
    return xs[len(xs) // 2]
t = time.time(); gdb.execute("monitor goto 100%", to_string=True); first = time.time() - t
print("BENCH end %.3f" % first)
print("BENCH rsi %.4f" % timed("reverse-stepi", $RUNS))
gdb.execute("break *$cpuid_rip", to_string=True)
print("BENCH rc %.4f" % timed("reverse-continue", $RUNS))
print(gdb.execute("monitor where", to_string=True))
gdb.execute("delete", to_string=True)
print("BENCH half %.4f" % timed("monitor goto 50%", 1))
print("BENCH si %.4f" % timed("stepi", $RUNS))
# Ctrl-C during a reverse-continue with nothing to stop it (the whole trace backward): gdb sends
# 0x03, the stub cancels and returns to where it started; the figure is the wait after Ctrl-C
import threading, os, signal
gdb.execute("monitor goto 100%", to_string=True)
def later():
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=later).start()
t = time.time()
gdb.execute("reverse-continue", to_string=True)
print("BENCH cc %.4f" % (time.time() - t - 0.5))
print("BENCH ccpos " + gdb.execute("monitor where", to_string=True).split("icount ")[1].split(" ")[0])
PY
timeout 600 gdb -batch -nx -x gdb/retrovisor.py -ex "target remote 127.0.0.1:$port" -x "$dir/bench.py" -ex "monitor where" >"$dir/gdb.log" 2>&1
[ -n "${BENCH_LOG:-}" ] && cp "$dir/gdb.log" "$BENCH_LOG"
v() { sed -n "s/^BENCH $1 //p" "$dir/gdb.log"; }
ms() { [ -n "$1" ] && echo "$1 * 1000" | bc | xargs printf '%.1f' || echo "?"; }
row "gdb stub ready on a ${exits}-exit trace (s, exits indexed)" "$(printf '%.2f' "$ready")" "" ""
row "gdb: first monitor goto 100% (s)" "$(v end)" "" "(replays the whole VM once)"
row "gdb: reverse-stepi at the end (ms, median of $RUNS)" "$(ms "$(v rsi)")" "" ""
row "gdb: reverse-continue to the previous CPUID (ms, median)" "$(ms "$(v rc)")" "" "(one loop iteration back, across an exit)"
row "gdb: stepi (ms, median of $RUNS)" "$(ms "$(v si)")" "" ""
row "gdb: monitor goto 50% (ms)" "$(ms "$(v half)")" "" ""
row "gdb: Ctrl-C in a whole-trace reverse-continue: stop (ms)" "$(ms "$(v cc)")" "" "(back at icount $(v ccpos), where it started)"
