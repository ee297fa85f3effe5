#!/bin/bash
# gdb-live.sh - the live GDB stub inside the hypervisor (hvrun --gdb, docs/debugger-live.md),
# driven by the real gdb in batch mode: connect with no setup, registers compared with the
# trace, breakpoints, continue, stepi and memory in real mode, protected mode and long mode
# (guest-samples/gdb-modes), a memory write that the guest sees and the trace replays; then a
# breakpoint in one VM while another keeps printing. Every run is bounded by `timeout`.
. "$(dirname "$0")/lib.sh"

if ! command -v gdb >/dev/null 2>&1; then
	ok "# SKIP gdb-live: no gdb installed"
	exit 0
fi

# A free TCP port on 127.0.0.1 (the kernel picks it; Bochs binds it a moment later).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The guest's symbols: its object linked as guests.mk links the image, but as ELF.
ELF=$OUT/gdb-modes.elf
ld -m elf_i386 -T guest-samples/guest.ld --defsym=LOAD_ADDR=0x7C00 -o "$ELF" "$GUESTS/gdb-modes.o" 2>/dev/null
sym() { printf '%#x' "0x$(nm "$ELF" | awk -v s="$1" '$3 == s { print $1 }')"; }
MARK_REAL=$(sym mark_real) MARK_PM=$(sym mark_pm) MARK_LM=$(sym mark_lm) DATA=$(sym gdb_data) STEP_FROM=$(sym step_from)
PRINT_DATA=$(sym print_data)
# the 8 instructions after step_from (32-bit code up to the far jump into 64-bit code at the 8th)
STEPS=$(objdump -D -b binary -m i386 --adjust-vma=0x7c00 --start-address="$STEP_FROM" "$GUESTS/gdb-modes.bin" |
	sed -n 's/^ *\([0-9a-f]*\):.*/0x\1/p' | sed -n 2,9p | xargs printf 'S %#x\n')

# gdb prints the registers in the trace's own format (hvtrace dump --regs), so the two compare as text.
REGS='printf "REGS rax=%#lx rcx=%#lx rdx=%#lx rbx=%#lx rsp=%#lx rbp=%#lx rsi=%#lx rdi=%#lx r8=%#lx r9=%#lx r10=%#lx r11=%#lx r12=%#lx r13=%#lx r14=%#lx r15=%#lx rip=%#lx rflags=%#lx\n", $rax, $rcx, $rdx, $rbx, $rsp, $rbp, $rsi, $rdi, $r8, $r9, $r10, $r11, $r12, $r13, $r14, $r15, $rip, (long)$eflags'

gdb_prelude() { # PORT
	printf 'set pagination off\nset confirm off\nset tcp connect-timeout 60\nset remotetimeout 60\ntarget remote 127.0.0.1:%s\n' "$1"
}

# ---- one VM through three modes ---------------------------------------------------------------
PORT=$(free_port)
T=$OUT/gdb-live-modes
rm -f "$T.hvt"
{
	gdb_prelude "$PORT"
	echo 'printf "START rip=%#lx rsp=%#lx rdx=%#lx rflags=%#lx\n", $rip, $rsp, $rdx, (long)$eflags'
	echo "break *$MARK_REAL"
	echo 'continue'
	echo "$REGS"
	echo 'stepi'
	echo 'printf "STEP rip=%#lx rax=%#lx\n", $rip, $rax'
	echo "printf \"MEM %#x\\n\", *(unsigned int *)$DATA"
	echo "break *$MARK_PM"
	echo 'continue'
	echo "$REGS"
	echo 'stepi'
	echo 'printf "STEP rip=%#lx rax=%#lx\n", $rip, $rax'
	echo "break *$MARK_LM"
	echo 'continue'
	echo "$REGS"
	echo 'stepi'
	echo 'printf "STEP rip=%#lx rax=%#lx\n", $rip, $rax'
	echo 'printf "EFER %#lx\n", $efer'
	echo "set {long}$DATA = 0x1122334455667788"
	echo "printf \"MEM %#lx\\n\", *(long *)$DATA"
	echo 'detach'
} >"$T.gdb"
timeout 200 "$BIN/hvrun" --timeout 180 --gdb "$PORT" -o "$T.hvt" "$GUESTS/gdb-modes.bin" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 gdb -nx -batch -x "$T.gdb" >"$T.gdbout" 2>&1
check $? "modes: gdb connects with no setup and runs its script" "$T.gdbout"
wait $HVRUN
check $? "modes: the run ends normally after gdb detaches" "$T.log"
grep -q 'gdb-modes: data 0x1122334455667788' "$T.log" && grep -q 'PASS gdb-modes' "$T.log"
check $? "modes: the guest reads what gdb wrote into its memory, and passes" "$T.log"

"$BIN/hvtrace" dump --regs "$T.hvt" >"$T.dump" 2>&1
start=$(sed -n 's/.* VM_START *\(rip=[^ ]*\) \(rflags=[^ ]*\).*/\1 \2/p' "$T.dump")
[ -n "$start" ] && grep -q "^START ${start% *} rsp=0x7c00 rdx=0x80 ${start#* }$" "$T.gdbout"
check $? "modes: at the start gdb shows the trace's VM_START state ($start)" "$T.gdbout"
# The three breakpoint stops are the trace's three #DB exits: every register the same.
grep '^REGS ' "$T.gdbout" | sed 's/^REGS //' >"$T.gdbregs"
grep -A1 ' EXCEPTION_NMI ' "$T.dump" | grep 'rax=' | sed 's/^ *//' >"$T.traceregs"
[ "$(wc -l <"$T.gdbregs")" = 3 ] && cmp -s "$T.gdbregs" "$T.traceregs"
check $? "modes: registers at the breakpoints in real, protected and long mode equal the trace's" "$T.traceregs"
diff <(grep '^STEP ' "$T.gdbout") <(printf 'STEP rip=%#x rax=0x1212\nSTEP rip=%#x rax=0x32323233\nSTEP rip=%#x rax=0x6464646400000001\n' \
	$((MARK_REAL + 6)) $((MARK_PM + 1)) $((MARK_LM + 3))) >"$T.stepdiff" 2>&1
check $? "modes: stepi executes exactly one instruction in each mode" "$T.stepdiff"
grep -q '^MEM 0x89abcdef$' "$T.gdbout" && grep -q '^MEM 0x1122334455667788$' "$T.gdbout" && grep -q '^EFER 0x500$' "$T.gdbout"
check $? "modes: memory reads and writes at linear addresses, EFER in long mode" "$T.gdbout"
grep -q "MEMWRITE *gpa=$DATA len=8 8877665544332211" "$T.dump"
check $? "modes: the trace records gdb's memory write" "$T.dump"
"$BIN/hvtrace" check "$T.hvt" >"$T.check" 2>&1
check $? "modes: the debugged run's trace is whole (hvtrace check)" "$T.check"
"$BIN/hvreplay" verify "$T.hvt" >"$T.verify" 2>&1
check $? "modes: the debugged run's trace verifies (hvreplay verify)" "$T.verify"

# ---- register writes while tracing (POST records) ----------------------------------------------
# At mark_lm, RIP is moved past the load of gdb_data to print_data and RAX set: the guest prints
# gdb's RAX (not the data pattern), the trace holds the writes as POST records and replays. A
# segment register is refused.
PORT=$(free_port)
T=$OUT/gdb-live-regs
rm -f "$T.hvt"
{
	gdb_prelude "$PORT"
	echo "break *$MARK_LM"
	echo 'continue'
	echo 'delete'
	echo "set \$pc = $PRINT_DATA"
	echo 'set $rax = 0x1234567890abcdef'
	echo 'set $r9 = 0x99'
	echo 'printf "SET rip=%#lx rax=%#lx\n", $rip, $rax'
	printf 'python\ntry:\n    gdb.execute("set $cs = 0x10")\nexcept gdb.error as e:\n    print("REFUSED", e)\nend\n'
	echo 'continue'
} >"$T.gdb"
timeout 200 "$BIN/hvrun" --timeout 180 --gdb "$PORT" -o "$T.hvt" "$GUESTS/gdb-modes.bin" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 gdb -nx -batch -x "$T.gdb" >"$T.gdbout" 2>&1
wait $HVRUN
grep -q "^SET rip=$PRINT_DATA rax=0x1234567890abcdef$" "$T.gdbout" &&
	grep -q 'gdb-modes: data 0x1234567890ABCDEF' "$T.log" && grep -q 'PASS gdb-modes' "$T.log"
check $? "regs: gdb sets RIP and RAX while tracing; the guest runs on with them" "$T.log"
grep -q '^REFUSED' "$T.gdbout"
check $? "regs: a segment register write is refused with an error" "$T.gdbout"
"$BIN/hvtrace" dump "$T.hvt" >"$T.dump" 2>&1
grep -q "POST *  -> rip=$PRINT_DATA" "$T.dump" && grep -q "POST *  -> rax=0x1234567890abcdef" "$T.dump" &&
	grep -q "POST *  -> r9=0x99" "$T.dump"
check $? "regs: the trace records each register write as a POST record" "$T.dump"
"$BIN/hvtrace" check "$T.hvt" >"$T.check" 2>&1 && "$BIN/hvreplay" verify "$T.hvt" >"$T.verify" 2>&1
check $? "regs: the trace of the run gdb changed registers in verifies (hvreplay verify)" "$T.verify"

# ---- gdb follows the modes (gdb/retrovisor.py: monitor mode, monitor arch) ----------------------
PORT=$(free_port)
T=$OUT/gdb-live-arch
{
	gdb_prelude "$PORT"
	echo 'rv-sync'
	echo 'monitor mode'
	for m in "$MARK_REAL" "$MARK_PM" "$MARK_LM"; do
		echo "break *$m"
		echo 'continue'
		echo 'monitor mode'
		echo 'x/i $pc'
	done
	echo 'detach'
} >"$T.gdb"
timeout 200 "$BIN/hvrun" --no-trace --timeout 180 --gdb "$PORT" "$GUESTS/gdb-modes.bin" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 gdb -nx -batch -x gdb/retrovisor.py -x "$T.gdb" >"$T.gdbout" 2>&1
wait $HVRUN
st=$?
[ $st = 0 ] && [ "$(grep -c '^mode: ' "$T.gdbout")" = 4 ] &&
	grep -q '^mode: real i8086 i8086 ' "$T.gdbout" && grep -q '^mode: protected i386 i386 ' "$T.gdbout" &&
	grep -q '^mode: long i386:x86-64 i386:x86-64 ' "$T.gdbout" &&
	grep -q "=> $MARK_REAL:.*add *\$0x101,%eax" "$T.gdbout" && grep -q "=> $MARK_PM:.*inc *%eax" "$T.gdbout" &&
	grep -q "=> $MARK_LM:.*inc *%rax" "$T.gdbout"
check $? "arch: with gdb/retrovisor.py gdb decodes real-mode, 32-bit and 64-bit code at the breakpoints" "$T.gdbout"

# ---- watchpoints and steps across emulated instructions ------------------------------------------
# A write watchpoint (after a rep stos that leaves the value alone), then stepi over RDMSR, WRMSR,
# the MOV to CR0 that enters long mode and the far jump (each exits to the hypervisor or changes
# mode, each is one step), then an access watchpoint.
PORT=$(free_port)
T=$OUT/gdb-live-watch
rm -f "$T.hvt"
{
	gdb_prelude "$PORT"
	echo "break *$MARK_REAL"
	echo 'continue'
	echo 'watch *(int *)0x1000'
	echo 'continue'
	echo 'printf "WATCH val=%#x\n", *(int *)0x1000'
	echo 'delete'
	echo "break *$STEP_FROM"
	echo 'continue'
	echo 'delete'
	for i in 1 2 3 4 5 6 7 8; do
		echo 'stepi'
		echo 'printf "S %#lx\n", $rip'
	done
	echo "break *$MARK_LM"
	echo 'continue'
	echo 'delete'
	echo "awatch *(long *)$DATA"
	echo 'continue'
	echo 'printf "AWATCH rax=%#lx\n", $rax'
	echo 'delete'
	echo 'detach'
} >"$T.gdb"
timeout 200 "$BIN/hvrun" --timeout 180 --gdb "$PORT" -o "$T.hvt" "$GUESTS/gdb-modes.bin" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 gdb -nx -batch -x "$T.gdb" >"$T.gdbout" 2>&1
wait $HVRUN
st=$?
[ $st = 0 ] && grep -q '^Hardware watchpoint 2: \*(int \*)0x1000' "$T.gdbout" && grep -q '^New value = 8195$' "$T.gdbout" &&
	grep -q '^WATCH val=0x2003$' "$T.gdbout" && grep -q '^AWATCH rax=0x123456789abcdef$' "$T.gdbout"
check $? "watch: a write watchpoint stops after the write that changed the value, an access watchpoint after the read" "$T.gdbout"
diff <(grep '^S ' "$T.gdbout") <(echo "$STEPS") >"$T.stepdiff" 2>&1
check $? "watch: stepi over RDMSR, WRMSR, MOV to CR0 and a far jump: one instruction each" "$T.stepdiff"
"$BIN/hvreplay" verify "$T.hvt" >"$T.verify" 2>&1
check $? "watch: the trace verifies" "$T.verify"

# ---- a breakpoint in one VM while another keeps printing ----------------------------------------
PORT=$(free_port)
T=$OUT/gdb-live-multi
G=$(cd "$GUESTS" && pwd)
rm -f "$T.hvt"
cat >"$T.xml" <<EOF
<system>
  <domain><name>held</name><memory unit="MiB">1</memory><os><image>$G/gdb-modes.bin</image></os></domain>
  <domain><name>ticker</name><memory unit="MiB">1</memory><os><image>$G/gdb-ticker.bin</image></os></domain>
</system>
EOF
{
	gdb_prelude "$PORT"
	echo "break *$MARK_REAL"
	echo 'continue'
	echo 'printf "HELD rip=%#lx\n", $rip'
	# held at the breakpoint: wait (bounded) until the other VM has printed everything
	echo "shell for i in \$(seq 600); do grep -q '^\\[ticker\\] PASS' $T.log && break; sleep 0.2; done"
	echo 'printf "HELD rip=%#lx\n", $rip'
	echo 'delete'
	echo 'detach'
} >"$T.gdb"
timeout 200 "$BIN/hvrun" --timeout 180 --gdb "$PORT" --gdb-vm 0 -o "$T.hvt" "$T.xml" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 gdb -nx -batch -x "$T.gdb" >"$T.gdbout" 2>&1
check $? "multi: gdb holds VM 0 at a breakpoint" "$T.gdbout"
wait $HVRUN
check $? "multi: both VMs end normally" "$T.log"
[ "$(grep -c "^HELD rip=$MARK_REAL$" "$T.gdbout")" = 2 ] &&
	awk '/^\[ticker\] PASS/ { t = NR } /^\[held\] gdb-modes: protected mode/ { h = NR } END { exit !(t && h && t < h) }' "$T.log" &&
	[ "$(grep -c '^\[ticker\] tick' "$T.log")" = 8 ]
check $? "multi: the other VM printed all its ticks and passed while VM 0 was held" "$T.log"
"$BIN/hvreplay" verify "$T.hvt" >"$T.verify" 2>&1
check $? "multi: the trace of both VMs verifies" "$T.verify"

# ---- nothing on the network; a debugger that vanished, and the next one -------------------------
# While gdb is attached (Bochs booted, its VNC display up), no socket of the run's processes
# listens anywhere but on 127.0.0.1 (Bochs is in a private network namespace, runner/run_gdb.c).
# Then that gdb is killed (it vanished: the VM stays held) and a second one attaches and ends it.
PORT=$(free_port)
T=$OUT/gdb-live-net
tree() { local p; for p in "$@"; do echo "$p"; tree $(pgrep -P "$p"); done; }
{
	gdb_prelude "$PORT"
	echo 'printf "G1 rip=%#lx\n", $rip'
	echo 'shell sleep 170'
} >"$T.gdb1"
{
	gdb_prelude "$PORT"
	echo 'printf "G2 rip=%#lx\n", $rip'
	echo 'continue'
} >"$T.gdb2"
timeout 200 "$BIN/hvrun" --no-trace --timeout 180 --gdb "$PORT" "$GUESTS/gdb-modes.bin" >"$T.log" 2>&1 &
HVRUN=$!
gdb -nx -batch -x "$T.gdb1" >"$T.gdbout1" 2>&1 &
GDB1=$!
for _ in $(seq 1800); do grep -q '^G1 ' "$T.gdbout1" && break; kill -0 $GDB1 2>/dev/null || break; sleep 0.1; done
pids=$(tree "$HVRUN" | paste -sd'|')
ss -ltnpH >"$T.ss" 2>&1
grep -E "pid=($pids)," "$T.ss" >"$T.ours"
grep -q "^G1 rip=0x7c00$" "$T.gdbout1" && grep -q "127.0.0.1:$PORT " "$T.ours" &&
	! awk '$4 !~ /^127\.0\.0\.1:/' "$T.ours" | grep -q . && ! grep -q bochs "$T.ours"
check $? "net: during an hvrun --gdb run its processes listen only on 127.0.0.1 (Bochs's VNC display is not reachable)" "$T.ss"
kill -9 $GDB1
wait $GDB1 2>/dev/null
timeout 180 gdb -nx -batch -x "$T.gdb2" >"$T.gdbout2" 2>&1
wait $HVRUN
st=$?
[ $st = 0 ] && grep -q "^G2 rip=0x7c00$" "$T.gdbout2" && grep -q 'exited normally' "$T.gdbout2" &&
	grep -q 'PASS gdb-modes' "$T.log"
check $? "net: after a gdb vanished, another attaches to the held VM and runs it to its end" "$T.gdbout2"

# ---- the VM ends under the debugger; bad options -------------------------------------------------
PORT=$(free_port)
T=$OUT/gdb-live-end
{
	gdb_prelude "$PORT"
	echo 'continue'
} >"$T.gdb"
timeout 200 "$BIN/hvrun" --no-trace --timeout 180 --gdb "$PORT" "$GUESTS/hello.bin" >"$T.log" 2>&1 &
HVRUN=$!
timeout 180 gdb -nx -batch -x "$T.gdb" >"$T.gdbout" 2>&1
wait $HVRUN
st=$?
[ $st = 0 ] && grep -q 'exited normally' "$T.gdbout"
check $? "end: a VM that ends while gdb waits is reported as exited, the run ends normally" "$T.gdbout"
"$BIN/hvrun" --gdb 0 "$GUESTS/hello.bin" >"$T.usage" 2>&1
st1=$?
"$BIN/hvrun" --gdb 1234 --gdb-vm 1 "$GUESTS/hello.bin" >>"$T.usage" 2>&1
st2=$?
[ $st1 = 64 ] && [ $st2 = 64 ] && grep -q -- '--gdb-vm 1: there are 1 VMs' "$T.usage"
check $? "usage: a bad --gdb port or --gdb-vm index is refused before any run" "$T.usage"
