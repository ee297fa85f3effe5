#!/bin/bash
# gdb-replay.sh - the replay stub (`hvreplay gdb`) driven by the real gdb in batch mode, on the
# recorded traces of replay/testdata (no Bochs needed): long64 goes real -> protected -> long
# mode, demo real -> protected. Connect without setup, registers against the trace (hvtrace
# dump, hvreplay itrace), breakpoints, continue, step, memory, the CPU mode followed by
# gdb/retrovisor.py, reverse-stepi across an exit, reverse-continue to a breakpoint, a
# watchpoint running backward to the writing instruction, the start of history, monitor
# commands. Every gdb run is bounded by `timeout`; the stub binds port 0 and prints its port.
. "$(dirname "$0")/lib.sh"
GDIR="$OUT/gdb-replay"
mkdir -p "$GDIR"
TD=replay/testdata
PY=gdb/retrovisor.py

if ! command -v gdb >/dev/null; then
	echo "ok - SKIP gdb-replay: no gdb installed"
	exit 0
fi

STUB_PID=
# start_stub TRACE [options]: sets PORT; the stub serves until stop_stub
start_stub() {
	local log="$GDIR/stub.out"
	rm -f "$log"
	"$BIN/hvreplay" gdb "$@" >"$log" 2>"$GDIR/stub.err" &
	STUB_PID=$!
	PORT=$(stub_port "$log" "$STUB_PID")
}
stop_stub() {
	[ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null && wait "$STUB_PID" 2>/dev/null
	STUB_PID=
}
trap stop_stub EXIT

# g NAME gdb-commands...: one batch gdb against the running stub, output in $GDIR/NAME.log
g() {
	local name=$1
	shift
	local args=()
	for c in "$@"; do args+=(-ex "$c"); done
	timeout 60 gdb -batch -nx -x "$PY" -ex "target remote 127.0.0.1:$PORT" "${args[@]}" \
		>"$GDIR/$name.log" 2>&1 </dev/null
}
# has NAME REGEX WHAT: the log of run NAME has a line matching REGEX
has() { grep -Eq "$2" "$GDIR/$1.log"; check $? "$3" "$GDIR/$1.log"; }

# ---- long64: real -> protected -> long mode ------------------------------------------------
trace=$TD/long64.hvt
dump=$("$BIN/hvtrace" dump "$trace")
itrace=$("$BIN/hvreplay" itrace "$trace" 2>/dev/null)
start_stub "$trace"
check $? "long64: hvreplay gdb listens on 127.0.0.1 and prints its port" "$GDIR/stub.err"

# the start: no manual setup, real mode disassembled as 16-bit code
start_rip=$(echo "$dump" | awk '$4 == "VM_START" { sub("rip=", "", $5); print $5; exit }')
g connect "info registers eip" "show architecture" "x/2i \$pc" "x/6xb \$pc" "monitor where"
has connect "^eip +$start_rip " "long64: connected without setup at the trace's first RIP ($start_rip)"
has connect 'currently "i8086"' "long64: real mode: gdb's architecture is i8086 (gdb/retrovisor.py)"
# the first instruction as hvreplay itrace decodes it (bytes and mnemonic)
first_bytes=$(echo "$itrace" | awk 'NR == 1 { for (i = 3; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) printf "0x%s ", $i }')
mem=$(grep -E "^0x[0-9a-f]+:" "$GDIR/connect.log" | grep -v "=>" | head -1 | cut -d: -f2 | tr -s '\t ' ' ')
case " $mem " in *" ${first_bytes% } "*) st=0 ;; *) st=1 ;; esac
check $st "long64: memory at the PC is the first instruction's bytes ($first_bytes)" "$GDIR/connect.log"
has connect "=> 0x7c00:.*push +%esi" "long64: x/i decodes the 16-bit instruction (66 56 = push esi)"
has connect "at exit 0 of|after exit 0 of" "long64: monitor where at the start"

# registers at an exit against the trace: exit 2 is an OUT of AL
read -r ex_rip ex_al < <(echo "$dump" | awk '$1 == 2 { sub("rip=", "", $5); for (i = 6; i <= NF; i++) if ($i ~ /^al=/) { sub("al=", "", $i); a = $i } print $5, a; exit }')
g regs "monitor goto exit 2" "info registers eip" "p/x \$eax & 0xff"
has regs "^eip +$ex_rip " "long64: at exit 2, EIP is the trace's ($ex_rip)"
has regs "^\\\$1 = $ex_al\$" "long64: at exit 2, AL is the value the trace says was written ($ex_al)"

# stepi forward, and back across that exit
g step "monitor goto exit 2" "stepi" "info registers eip" "reverse-stepi" "info registers eip" "reverse-stepi" \
	"info registers eip" "monitor where"
next_rip=$(printf '0x%x' $((ex_rip + 1)))
has step "^eip +$next_rip " "long64: stepi applies the exit (OUT, rip+=1: $next_rip)"
n=$(grep -cE "^eip +$ex_rip " "$GDIR/step.log")
[ "$n" = 1 ]
check $? "long64: reverse-stepi goes back across the exit to the OUT ($ex_rip)" "$GDIR/step.log"
prev_icount=$(echo "$dump" | awk '$1 == 2 { print $3 - 2 }')
has step "icount $prev_icount of" "long64: a second reverse-stepi is one instruction earlier (icount $prev_icount)"

# break at an address, continue; reverse-continue back to it
g brk "break *$ex_rip" "continue" "info registers eip" "monitor where" "continue" "monitor where" \
	"reverse-continue" "monitor where"
has brk "Breakpoint 1, 0x0*${ex_rip#0x} in" "long64: break *$ex_rip, continue: stops there"
first_hit=$(echo "$dump" | awk -v r="$ex_rip" '$4 == "IO_INSTRUCTION" && $5 == "rip=" r { print $3 - 1; exit }')
second_hit=$(echo "$dump" | awk -v r="$ex_rip" '$4 == "IO_INSTRUCTION" && $5 == "rip=" r { if (++k == 2) { print $3 - 1; exit } }')
has brk "icount $first_hit of" "long64: the first hit is at the first exit there (icount $first_hit)"
has brk "icount $second_hit of" "long64: continue: the next hit (icount $second_hit)"
n=$(grep -c "icount $first_hit of" "$GDIR/brk.log")
[ "$n" = 2 ]
check $? "long64: reverse-continue returns to the earlier hit, skipping the starting point" "$GDIR/brk.log"

# the stop at the start of history, and at its end (replaylog, never an exit)
g ends "stepi 3" "reverse-continue" "info registers eip" "continue" "monitor where" "reverse-stepi" "monitor where"
has ends "No more reverse-execution history" "long64: reverse-continue stops at the start of the trace"
has ends "^eip +$start_rip " "long64: ... at the first instruction"
end_icount=$(echo "$itrace" | awk '$1 ~ /^[0-9]+$/ { t = $1 } END { print t }')
has ends "icount $end_icount of $end_icount" "long64: continue runs to the end of history (icount $end_icount)"
has ends "icount $((end_icount - 1)) of" "long64: and gdb can still go back from there"

# protected and long mode: the architecture follows
cr0_ev=$(echo "$dump" | awk '$4 == "CR_ACCESS" && /cr0=0x11 / { print $1; exit }')
g modes "monitor goto exit $((cr0_ev + 0))" "stepi 2" "monitor mode" "show architecture" \
	"monitor goto 100%" "monitor mode" "show architecture" "info registers rip cs" "x/2i \$pc"
has modes "^mode: protected i386" "long64: after CR0.PE: protected mode (monitor mode)"
has modes 'currently "i386"' "long64: protected mode: gdb's architecture is i386"
has modes "^mode: long i386:x86-64" "long64: at the end: long mode"
has modes 'currently "i386:x86-64"' "long64: long mode: gdb's architecture is i386:x86-64"
end_pc=$(sed -n 's/.*icount [0-9]* of [0-9]* (100.00%), pc \(0x[0-9a-f]*\),.*/\1/p' "$GDIR/modes.log" | head -1)
has modes "^rip +$end_pc " "long64: at the end, RIP is where the VM stopped ($end_pc)"
has modes "=> 0x0*${end_pc#0x}:.*cli" "long64: 64-bit x/i there"

# break, continue, step and memory in protected and in long mode: the first OUT after CR0.PE
# (32-bit code) and the first OUT after the switch to 64-bit code, from the trace
read -r pm_ev pm_rip pm_al < <(echo "$dump" | awk -v c="$cr0_ev" '$1 > c && $4 == "IO_INSTRUCTION" && $6 == "out" { sub("rip=", "", $5); for (i = 6; i <= NF; i++) if ($i ~ /^al=/) { sub("al=", "", $i); a = $i } print $1, $5, a; exit }')
lm_ev=$(echo "$dump" | awk '$4 == "CR_ACCESS" && /cr0=0x8/ { print $1; exit }')
read -r lm_rip lm_al < <(echo "$dump" | awk -v c="$lm_ev" '$1 > c + 2 && $4 == "IO_INSTRUCTION" && $6 == "out" { sub("rip=", "", $5); for (i = 6; i <= NF; i++) if ($i ~ /^al=/) { sub("al=", "", $i); a = $i } print $5, a; exit }')
g pm "monitor goto exit $cr0_ev" "break *$pm_rip" "continue" "monitor mode" "info registers eip" "p/x \$eax & 0xff" \
	"x/1xb \$pc" "stepi" "info registers eip" "delete" "break *$lm_rip" "continue" "monitor mode" \
	"info registers rip" "p/x \$rax & 0xff" "x/1xb \$pc" "stepi" "info registers rip"
has pm "Breakpoint 1, 0x0*${pm_rip#0x} in" "long64: protected mode: break *$pm_rip, continue: stops there"
has pm "^mode: protected i386 i386" "long64: ... in protected mode, gdb in i386"
has pm "^\\\$1 = $pm_al\$" "long64: ... AL is the trace's ($pm_al at exit $pm_ev)"
has pm "^0x0*${pm_rip#0x}:[[:space:]]+0xee" "long64: ... memory at the PC: EE (out dx, al)"
has pm "^eip +$(printf '0x%x' $((pm_rip + 1))) " "long64: ... stepi applies the OUT"
has pm "Breakpoint 2, 0x0*${lm_rip#0x} in" "long64: long mode: break *$lm_rip, continue: stops there"
has pm "^mode: long i386:x86-64 i386:x86-64" "long64: ... in long mode, gdb in i386:x86-64"
has pm "^\\\$2 = $lm_al\$" "long64: ... AL is the trace's ($lm_al)"
has pm "^rip +$(printf '0x%x' $((lm_rip + 1))) " "long64: ... stepi applies the OUT"

# read and access watchpoints forward: the push at the start writes the slot, a pop reads it
g rw "rwatch *(int *)0x7bfc" "continue" "monitor where" "delete" "awatch *(int *)0x7bfc" "reverse-continue" "monitor where"
has rw "Hardware read watchpoint 1: \\*\\(int \\*\\)0x7bfc" "long64: rwatch: a read of the slot stops (rwatch reason)"
has rw "Hardware access \\(read/write\\) watchpoint 2: \\*\\(int \\*\\)0x7bfc" "long64: awatch backward: the access stops (awatch reason)"

# a watchpoint running backward stops before the instruction that wrote (gdb itself skips writes
# that leave the value unchanged). The stack slot 0x7bfc from the end of the trace: the stop at
# icount X with RIP = P; one stepi later, rp_last_write (monitor last-write) must name the
# instruction at P retiring as X + 1: the write was P's.
slot=0x7bfc
g watch "monitor goto 100%" "watch *(int *)$slot" "reverse-continue" "monitor where" "info registers rip" \
	"stepi" "monitor last-write $slot" "reverse-stepi" "monitor where"
has watch "atchpoint 1: \\*\\(int \\*\\)$slot" "long64: reverse-continue stops at the watchpoint on $slot"
read -r wx wp < <(sed -n 's/.*icount \([0-9]*\) of [0-9]* ([0-9.]*%), pc \(0x[0-9a-f]*\),.*/\1 \2/p' "$GDIR/watch.log" | sed -n 2p)
[ -n "$wx" ] && [ "$wx" != "$(sed -n 's/.*icount \([0-9]*\) of.*/\1/p' "$GDIR/watch.log" | head -1)" ]
check $? "long64: ... earlier in time (icount $wx, pc $wp)" "$GDIR/watch.log"
has watch "^rip +$wp " "long64: ... gdb's PC is that position's"
has watch "^$slot last written at icount $((wx + 1)) by $wp:" "long64: ... before the writing instruction: one step forward, the last write is $wp's"
has watch "icount $wx of" "long64: reverse-stepi over the write returns there"

# monitor commands
g mon "monitor help" "monitor next-exit CR_ACCESS" "monitor explain" "monitor prev-exit" "monitor vm" \
	"monitor bogus"
has mon "goto exit N" "long64: monitor help lists the commands"
has mon "at exit $cr0_ev of" "long64: monitor next-exit CR_ACCESS goes to the first CR access (exit $cr0_ev)"
has mon "reason CR_ACCESS" "long64: monitor explain names the exit"
has mon "^\\* VM 0 \\(long64\\)" "long64: monitor vm lists the VM"
has mon "unknown monitor command 'bogus'" "long64: an unknown monitor command says so"

# writes are refused: the past is read-only
g ro "set var \$eax = 1" "set {char}0x7c00 = 1"
has ro "Could not write register|E01|error" "long64: writing a register is refused"
stop_stub

# ---- demo: real -> protected mode, breakpoints and memory -------------------------------------
trace=$TD/demo.hvt
dump=$("$BIN/hvtrace" dump "$trace")
start_stub "$trace"
cpuid_rip=$(echo "$dump" | awk '$4 == "CPUID" { sub("rip=", "", $5); print $5; exit }')
cpuid_t=$(echo "$dump" | awk '$4 == "CPUID" { print $3 - 1; exit }')
g demo "break *$cpuid_rip" "continue" "monitor where" "x/2i \$pc" "stepi" "info registers eip"
has demo "Breakpoint 1, 0x0*${cpuid_rip#0x} in" "demo: break at the first CPUID ($cpuid_rip), continue"
has demo "icount $cpuid_t of" "demo: ... at its exit (icount $cpuid_t)"
has demo "=> 0x0*${cpuid_rip#0x}:.*cpuid" "demo: x/i shows the CPUID"
g democon "continue"
has democon "^PASS demo" "demo: continue: gdb shows the guest's console output on the way (O packets)"
stop_stub

# ---- pingpong: two VMs, two threads ----------------------------------------------------------
trace=$TD/pingpong.hvt
start_stub "$trace"
g threads "info threads" "thread 2" "monitor vm" "monitor where" "stepi" "monitor where" "thread 1" "monitor where"
has threads "^\\* 1 +Thread 1 \\(VM 0 ping\\)" "pingpong: thread 1 is VM 0 (ping)"
has threads "^ +2 +Thread 2 \\(VM 1 pong\\)" "pingpong: thread 2 is VM 1 (pong)"
has threads "^\\* VM 1 \\(pong\\)" "pingpong: thread 2: monitor vm shows VM 1 as the current one"
has threads "^VM 1 \\(pong\\): .*icount 1 of" "pingpong: stepi moves VM 1"
has threads "^VM 0 \\(ping\\): .*icount 0 of" "pingpong: ... and not VM 0 (each VM has its own position)"
stop_stub

# ---- make replay-gdb: the stub and gdb in one command ------------------------------------------
printf 'monitor where\nquit\n' | timeout 60 scripts/replay-gdb.sh "$BIN/hvreplay" $TD/demo.hvt >"$GDIR/make.log" 2>&1
has make "VM 0 \\(demo\\): (at|after) exit 0 of" "scripts/replay-gdb.sh (make replay-gdb) starts the stub and an attached gdb"

# ---- usage --------------------------------------------------------------------------------------
"$BIN/hvreplay" gdb --help >"$GDIR/help.log" 2>&1
check $? "hvreplay gdb --help exits 0" "$GDIR/help.log"
"$BIN/hvreplay" gdb >"$GDIR/usage.log" 2>&1
[ $? = 64 ]
check $? "hvreplay gdb without a file: exit 64" "$GDIR/usage.log"
"$BIN/hvreplay" gdb --port 99999 $TD/demo.hvt >"$GDIR/usage.log" 2>&1
[ $? = 64 ]
check $? "hvreplay gdb --port 99999: exit 64" "$GDIR/usage.log"
"$BIN/hvreplay" gdb --vm 9 $TD/demo.hvt >"$GDIR/usage.log" 2>&1
[ $? = 64 ] && grep -q "no VM 9" "$GDIR/usage.log"
check $? "hvreplay gdb --vm 9 on a one-VM trace: exit 64, says so" "$GDIR/usage.log"
"$BIN/hvreplay" gdb /nonexistent.hvt >"$GDIR/usage.log" 2>&1
[ $? = 2 ]
check $? "hvreplay gdb on a missing trace: exit 2" "$GDIR/usage.log"
