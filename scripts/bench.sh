#!/bin/bash
# bench.sh - Retrovisor's performance figures (docs/performance.md explains each one).
# Wall-clock figures swing by about 1.6x between runs on a shared machine: each is the median
# of several runs, traced and untraced interleaved so that both see the same machine. Figures
# that must be exact are counted in emulated instructions (the Bochs TSC) instead.
set -u
cd "$(dirname "$0")/.."
BIN=build/bin
G=build/guests
OUT=out/bench
RUNS=${RUNS:-3}
mkdir -p "$OUT"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() { printf '%-58s %14s %12s %s\n' "$1" "$2" "$3" "$4"; }

echo "Retrovisor benchmarks, $(date -u +%Y-%m-%d)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "emulator: $(bochs --help 2>&1 | grep -o 'Bochs x86 Emulator [0-9.]*' | head -1), CPU model corei7_skylake_x"
echo
row "figure" "measured" "target" ""
row "------" "--------" "------" ""

# 1. Trace density on the demo: the whole file (sections with the guest's image, chunks, index)
# as hvrun writes it by default (zstd level 3), and without compression.
$BIN/hvrun -q -o $OUT/demo.hvt $G/demo.bin >/dev/null 2>&1
bpe=$($BIN/hvtrace info $OUT/demo.hvt | awk '/bytes\/exit/ {print $2}')
row "trace density, demo (bytes per exit, whole file)" "$bpe" "<= 16" "(zstd 3, the default)"
$BIN/hvrun -q --zstd 0 -o $OUT/demo-raw.hvt $G/demo.bin >/dev/null 2>&1
bpe=$($BIN/hvtrace info $OUT/demo-raw.hvt | awk '/bytes\/exit/ {print $2}')
row "trace density, demo, uncompressed" "$bpe" "" "(includes the 2 KiB image)"

# 2. Hypervisor instructions per CPUID exit (exact: Bochs's TSC counts instructions).
per_exit() { grep -o 'per_exit=[0-9]*' "$1" | cut -d= -f2; }
$BIN/hvrun -o $OUT/storm.hvt $G/exit-storm.bin >/dev/null 2>$OUT/storm-traced.log
$BIN/hvrun --no-trace $G/exit-storm.bin >/dev/null 2>$OUT/storm-untraced.log
$BIN/hvrun --trace-pio -o $OUT/storm-pio.hvt $G/exit-storm.bin >/dev/null 2>$OUT/storm-pio.log
row "hypervisor instructions per CPUID exit, untraced" "$(per_exit $OUT/storm-untraced.log)" "" ""
row "hypervisor instructions per CPUID exit, traced" "$(per_exit $OUT/storm-traced.log)" "<= 250" "(trace disk by DMA, the default)"
row "hypervisor instructions per CPUID exit, traced, PIO" "$(per_exit $OUT/storm-pio.log)" "" "(hvrun --trace-pio)"
bpe=$($BIN/hvtrace info $OUT/storm.hvt | awk '/bytes\/exit/ {print $2}')
row "trace density, exit storm (bytes per exit)" "$bpe" "" ""

# 2b. The VMs' own CPU state (hv/vm_xstate.c: XSAVE/XRSTOR, CR2, DR0-3, DR6, CR8, SYSCALL MSRs)
# moves only when the VM on the CPU changes: its cost per switch (exact, `hv: stats:`), on two
# CPU-bound VMs that share the CPU slice by slice. The per-exit figures above include its cost
# per exit, which is nothing.
G_ABS=$(cd $G && pwd)
{
	echo '<system instructions="2000000">'
	for n in a b; do
		printf '  <domain><name>hog-%s</name><memory unit="MiB">1</memory>\n' $n
		printf '    <os><image>%s/hog.bin</image></os></domain>\n' "$G_ABS"
	done
	echo '</system>'
} >$OUT/two-hogs.xml
$BIN/hvrun --no-trace $OUT/two-hogs.xml >/dev/null 2>$OUT/two-hogs.log
sw=$(grep -o 'state_switches=[0-9]*' $OUT/two-hogs.log | cut -d= -f2)
row "hypervisor instructions per VM state switch" "$(grep -o 'per_state_switch=[0-9]*' $OUT/two-hogs.log | cut -d= -f2)" "" "($sw switches, two hogs, XSAVE area $(grep -o 'xsave_bytes=[0-9]*' $OUT/two-hogs.log | cut -d= -f2) bytes)"

# 3. Wall time of whole runs, traced / untraced, interleaved.
ratio() { # GUEST
	local g=$1 t u
	: >$OUT/$g.t
	: >$OUT/$g.u
	for _ in $(seq "$RUNS"); do
		t=$(now); $BIN/hvrun -q -o $OUT/$g-r.hvt $G/$g.bin >/dev/null 2>&1; echo "$(now) - $t" | bc >>$OUT/$g.t
		t=$(now); $BIN/hvrun -q --no-trace $G/$g.bin >/dev/null 2>&1; echo "$(now) - $t" | bc >>$OUT/$g.u
	done
	t=$(median <$OUT/$g.t)
	u=$(median <$OUT/$g.u)
	echo "$t $u $(echo "scale=3; $t / $u" | bc)"
}
read -r t u r < <(ratio exit-storm)
row "wall time traced/untraced, exit storm (100,000 exits)" "$r" "<= 1.5" "(${t}s / ${u}s, median of $RUNS)"
read -r t u r < <(ratio demo)
row "wall time traced/untraced, demo" "$r" "<= 1.05" "(${t}s / ${u}s, median of $RUNS)"

# 4. Decoding speed: hvtrace stat over 10 million exits, against reading the file.
if [ ! -s $OUT/synth10m.hvt ]; then
	$BIN/hvtrace synth --exits 10000000 --vms 4 -o $OUT/synth10m.hvt >/dev/null
fi
cat $OUT/synth10m.hvt >/dev/null
: >$OUT/stat.t
: >$OUT/cat.t
for _ in $(seq "$RUNS"); do
	t=$(now); $BIN/hvtrace stat $OUT/synth10m.hvt >/dev/null; echo "$(now) - $t" | bc >>$OUT/stat.t
	t=$(now); cat $OUT/synth10m.hvt | cat >/dev/null; echo "$(now) - $t" | bc >>$OUT/cat.t
done
st=$(median <$OUT/stat.t)
ct=$(median <$OUT/cat.t)
row "hvtrace stat, 10 M exits (M exits/s, one core)" "$(echo "scale=1; 10 / $st" | bc)" ">= 20" "(${st}s)"
row "hvtrace stat / reading the file (cat | cat)" "$(echo "scale=2; $st / $ct" | bc)" "<= 3" "(${ct}s to read $(du -m $OUT/synth10m.hvt | cut -f1) MB)"

# 4b. hvview (docs/viewer.md), headless with --timing: the first screen of a trace of a million
# exits (open + draw), and one step forward or back in its middle (keys + redraw; median of 40),
# the median of RUNS runs each; peak memory of the whole session.
V=$OUT/storm1m.hvt
[ -s $V ] || $BIN/hvrun -q --timeout 900 -o $V $G/replay-storm1m.bin >/dev/null 2>&1
{ echo 'g50%<Enter>'; for _ in $(seq 20); do echo l; echo h; done; } >$OUT/hvview.keys
: >$OUT/hvview-open.t
: >$OUT/hvview-step.t
for _ in $(seq "$RUNS"); do
	/usr/bin/time -f '%M' -o $OUT/hvview.rss $BIN/hvview --timing --script $OUT/hvview.keys $V \
		>/dev/null 2>$OUT/hvview.log
	sed -n 's/^first screen: \([0-9.]*\) ms/\1/p' $OUT/hvview.log >>$OUT/hvview-open.t
	sed -n 's/^step [0-9]*: \([0-9.]*\) ms ([lh])/\1/p' $OUT/hvview.log | median >>$OUT/hvview-step.t
done
printf 'g50%%<Enter>\nrrbp<Enter>\n' >$OUT/hvview-who.keys
$BIN/hvview --timing --script $OUT/hvview-who.keys $V >/dev/null 2>$OUT/hvview-who.log
n=$($BIN/hvtrace info $V | awk '/^events:/ {print $2}')
row "hvview first screen, $n-event trace (ms)" "$(median <$OUT/hvview-open.t)" "< 300" "(median of $RUNS)"
row "hvview step forward/back in its middle (ms, median)" "$(median <$OUT/hvview-step.t)" "< 50" \
	"(peak RSS $(($(cat $OUT/hvview.rss) / 1024)) MiB)"
row "hvview who set rbp, from the middle, unset since the start (ms)" \
	"$(sed -n 's/^step 2: \([0-9.]*\) ms.*/\1/p' $OUT/hvview-who.log)" "" "(scans every instruction back to t=0)"

# hvview's memory stays bounded (docs/performance.md, "hvview's memory"): peak RSS of one session
# that jumps to 50% and steps there, then to 99% and steps there (so the replay really runs
# through the trace and takes its checkpoints), on the million-exit trace and on one of ten
# million exits (guest-samples/storm10m.S: recorded once, about 2.5 minutes of Bochs; kept in
# $OUT like the others). Bounded: ten times the trace is not ten times the memory.
V10=$OUT/storm10m.hvt
if [ ! -s $V10 ]; then
	echo "  (recording $V10: 10 M exits under Bochs, a few minutes)" >&2
	t=$(now)
	$BIN/hvrun -q --timeout 1800 -o $V10 $G/storm10m.bin >/dev/null 2>&1
	echo "  (recorded in $(echo "$(now) - $t" | bc | cut -d. -f1) s)" >&2
fi
{ cat $OUT/hvview.keys; echo 'g99%<Enter>'; for _ in $(seq 20); do echo l; echo h; done; } >$OUT/hvview-mem.keys
for v in $V $V10; do
	/usr/bin/time -f '%M' -o $OUT/hvview-mem.rss $BIN/hvview --timing --script $OUT/hvview-mem.keys $v \
		>/dev/null 2>$OUT/hvview-mem.log
	cat $OUT/hvview-mem.rss
done >$OUT/hvview-mem.t
read -r m1 m10 < <(tr '\n' ' ' <$OUT/hvview-mem.t)
n10=$($BIN/hvtrace info $V10 | awk '/^events:/ {print $2}')
row "hvview peak memory, $n / $n10-event trace (MiB)" \
	"$(echo "scale=1; $m1 / 1024" | bc) / $(echo "scale=1; $m10 / 1024" | bc)" "bounded" \
	"(10M/1M = $(echo "scale=2; $m10 / $m1" | bc); jumps to 50% and 99%, 80 steps)"

# 5. Replay: verify against recording, seeks, memory (replay/bench.sh).
echo
replay/bench.sh

# 6. The gdb replay stub: reverse-stepi and reverse-continue latency at the end of a one-million-
# exit trace (gdb/bench.sh, after replay/bench.sh which records the trace).
echo
gdb/bench.sh
