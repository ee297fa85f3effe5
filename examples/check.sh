#!/bin/bash
# check.sh - run the examples on recorded traces and check what they say ("ok - " / "not ok - "
# lines, counted by scripts/check-all.sh). Run by `make check-examples`.
set -u
cd "$(dirname "$0")/.."
EXAMPLES=${EXAMPLES:-build/examples}
TESTS=${TESTS:-build/tests}
OUT=${OUT:-out/examples}
mkdir -p "$OUT"
. tests/system/lib.sh

# exit_grader on the demo guest's recorded trace: its exits counted per reason, both CPUIDs pass.
"$EXAMPLES/exit_grader" replay/testdata/demo.hvt >"$OUT/grader-demo.txt" 2>&1
st=$?
grep -q '^vm0 demo: 570 exits$' "$OUT/grader-demo.txt" &&
	grep -q '^  IO_INSTRUCTION *551$' "$OUT/grader-demo.txt" &&
	grep -q '^  CPUID *2$' "$OUT/grader-demo.txt" &&
	grep -q '^PASS every CPUID exit advances RIP by 2$' "$OUT/grader-demo.txt"
check $(($? + st)) "exit_grader on demo.hvt: 570 exits, 551 I/O, 2 CPUID, PASS, status 0" "$OUT/grader-demo.txt"

# The same trace with its second CPUID recorded as 3 bytes long (event 560): the grader names it.
"$TESTS/trace_hostile" cpuid-len=2:3 replay/testdata/demo.hvt "$OUT/demo-cpuid3.hvt" &&
	"$EXAMPLES/exit_grader" "$OUT/demo-cpuid3.hvt" >"$OUT/grader-bad.txt" 2>&1
st=$?
[ "$st" = 1 ] && grep -q '^FAIL exit 560 (vm0, CPUID at rip=0x7d61): RIP advanced by 3, CPUID is 2 bytes$' "$OUT/grader-bad.txt" &&
	! grep -q '^PASS' "$OUT/grader-bad.txt"
check $? "exit_grader names exit 560 when that CPUID advances RIP by 3 (status 1, was $st)" "$OUT/grader-bad.txt"

# Several VMs (a synthetic trace of three): each VM counted on its own, in its own step iterator.
"$BIN/hvtrace" synth --exits 300 --vms 3 --seed 7 -o "$OUT/synth3.hvt" &&
	"$EXAMPLES/exit_grader" "$OUT/synth3.hvt" >"$OUT/grader-synth3.txt" 2>&1
st=$?
[ "$(grep -c '^vm[0-2] synth[0-2]: [0-9]* exits$' "$OUT/grader-synth3.txt")" = 3 ] && grep -q '^PASS' "$OUT/grader-synth3.txt"
check $(($? + st)) "exit_grader on a trace of three VMs: three counts, PASS" "$OUT/grader-synth3.txt"

# replay-last-write (the replay engine's public header): demo's last write to the stack word at
# 0x7bfe is the PUSH ESI at 0x7e49 (a 4-byte push at 0x7bfc), found going backward from the end.
"$EXAMPLES/replay-last-write" replay/testdata/demo.hvt 0x7bfe >"$OUT/last-write-demo.txt" 2>&1
st=$?
[ "$st" = 0 ] && grep -q '^last write to 0x7bfe: by the instruction at 0x7e49, t=16903 (access at 0x7bfc)' "$OUT/last-write-demo.txt" &&
	grep -q '^=>   0x7e49: push     esi$' "$OUT/last-write-demo.txt" &&
	[ "$(grep -c '^     0x' "$OUT/last-write-demo.txt")" = 5 ] &&
	grep -q '^stepped back over it: byte 0 again at t=16903$' "$OUT/last-write-demo.txt"
check $? "replay-last-write on demo.hvt: 0x7bfe last written by push esi at 0x7e49, t=16903 (status $st)" "$OUT/last-write-demo.txt"
"$EXAMPLES/replay-last-write" replay/testdata/demo.hvt 0x90000 >"$OUT/last-write-none.txt" 2>&1
check $(($? != 1)) "replay-last-write: a byte never written says so, status 1" "$OUT/last-write-none.txt"

# replay-vms-at: both VMs of pingpong.hvt as of event 1000 (ping's IN from the UART status port).
"$EXAMPLES/replay-vms-at" replay/testdata/pingpong.hvt 1000 >"$OUT/vms-at-1000.txt" 2>&1
st=$?
[ "$st" = 0 ] &&
	grep -q '^  ping     t=7560     rip=0x7ef4  at exit 1000: IO_INSTRUCTION in port 0x3fd, resumes at rip=0x7ef5$' "$OUT/vms-at-1000.txt" &&
	grep -q '^  pong     t=6188     rip=0x7cb3$' "$OUT/vms-at-1000.txt"
check $(($? + st)) "replay-vms-at pingpong.hvt 1000: ping at its IN exit, pong after its last exit before" "$OUT/vms-at-1000.txt"
