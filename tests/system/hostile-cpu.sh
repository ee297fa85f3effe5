#!/bin/bash
# hostile-cpu.sh - guests that attack through the CPU's own state (issue 9, part A): XCR0 values
# the CPU refuses, control-register and EFER changes a CPU answers with #GP. Each runs alone and
# beside a neighbour (hostile() in lib.sh): the guest itself says PASS when it took the fault it
# should, the neighbour still PASSes, and both traces check and replay.
. "$(dirname "$0")/lib.sh"

hostile hostile-xsetbv 0 'shutdown' 'XCR0=0x27 (opmask without ZMM): #GP as expected' \
	'XCR0=0xE7 (AVX-512) accepted' 'PASS hostile-xsetbv'

# --- the CPU state outside the VMCS stays with its VM --------------------------------------------
# hostile-leak sets XMM0, MXCSR, FCW, DR0-3, DR6, KERNEL_GS_BASE (after SWAPGS), STAR, LSTAR, CSTAR
# and FMASK to values of its own, yields, and checks them; hostile-leak-all adds YMM0's upper half
# (AVX), CR2, CR8 and a SYSCALL that must reach its own LSTAR. Each runs alone and beside cpuid,
# then two copies side by side, where each would see the other's values if they leaked.
hostile hostile-leak 0 'shutdown' 'hostile-leak: all of them kept their values' 'PASS hostile-leak'

G=$(cd "$GUESTS" && pwd)
# leak_pair GUEST REPLAY: two VMs of GUEST; REPLAY=0 skips hvreplay verify (a known gap, below).
leak_pair() {
	local g=$1 replay=$2 base="$OUT/$1-pair"
	{
		echo '<system>'
		for n in a b; do
			printf '  <domain><name>%s-%s</name><memory unit="MiB">1</memory>\n' "$g" $n
			printf '    <os><image>%s/%s.bin</image></os></domain>\n' "$G" "$g"
		done
		echo '</system>'
	} >"$base.xml"
	"$BIN/hvrun" --timeout 120 -o "$base.hvt" "$base.xml" >"$base.log" 2>&1
	check $? "$g x2: hvrun exits 0, both VMs end normally" "$base.log"
	for n in a b; do
		grep -q "^\[$g-$n\] PASS $g" "$base.log"
		check $? "$g x2: $g-$n kept its own values (PASS)" "$base.log"
	done
	grep -q 'state_switches=[1-9]' "$base.log"
	check $? "$g x2: the state switched between the VMs" "$base.log"
	"$BIN/hvtrace" check "$base.hvt" >"$base.check" 2>&1
	check $? "$g x2: hvtrace check says the trace is healthy" "$base.check"
	if [ "$replay" = 1 ]; then
		"$BIN/hvreplay" verify "$base.hvt" >"$base.replay" 2>&1
		check $? "$g x2: hvreplay verify matches every exit" "$base.replay"
	fi
}
leak_pair hostile-leak 1

# hostile_unreplayed NAME 'EXPECT'...: hostile() without `hvreplay verify`, for a guest whose
# trace the replay CPU cannot follow yet (each use says why: a known gap, not a hypervisor one).
hostile_unreplayed() {
	local name=$1 run log line
	shift
	for run in alone neighbour; do
		log="$OUT/$name-$run.log"
		if [ $run = alone ]; then
			"$BIN/hvrun" --timeout 120 -o "$OUT/$name-$run.hvt" "$GUESTS/$name.bin" >"$log" 2>&1
		else
			{
				echo '<system>'
				printf '  <domain><name>%s</name><memory unit="MiB">1</memory>\n' "$name"
				printf '    <os><image>%s/%s.bin</image></os></domain>\n' "$G" "$name"
				printf '  <domain><name>cpuid</name><memory unit="MiB">1</memory>\n'
				printf '    <os><image>%s/cpuid.bin</image></os></domain>\n' "$G"
				echo '</system>'
			} >"$OUT/$name.xml"
			"$BIN/hvrun" --timeout 120 -o "$OUT/$name-$run.hvt" "$OUT/$name.xml" >"$log" 2>&1
		fi
		check $? "$name ($run): hvrun exits 0" "$log"
		for line in "$@" "PASS $name"; do
			grep -qF -- "$line" "$log"
			check $? "$name ($run): console shows '$line'" "$log"
		done
		if [ $run = neighbour ]; then
			grep -q '^\[cpuid\] PASS cpuid' "$log"
			check $? "$name ($run): the neighbour still PASSes" "$log"
		fi
		"$BIN/hvtrace" check "$OUT/$name-$run.hvt" >"$log.check" 2>&1
		check $? "$name ($run): hvtrace check says the trace is healthy" "$log.check"
	done
}

# Known gap (issue 12, replay fidelity): hostile-leak-all is not replayed. The replay CPU
# (Unicorn's qemu64 model) has no XSAVE or AVX, and it reads back neither the CR2 nor the CR8 the
# guest wrote. Everything else is checked, alone, beside cpuid and in a pair.
hostile_unreplayed hostile-leak-all 'hostile-leak: started with the reset FPU state' "SYSCALL reached this VM's LSTAR"
leak_pair hostile-leak-all 0

# --- mode switches a CPU refuses with #GP ---------------------------------------------------------
hostile hostile-cr 0 'shutdown' 'hostile-cr: PAE paging with reserved bit 1 in PDPTE 0: #GP as expected' \
	'hostile-cr: EFER.LME set while CR0.PG=1: #GP as expected' \
	'hostile-cr: EFER.LME cleared in 64-bit mode: #GP as expected' \
	'hostile-cr: CR0.PG cleared in 64-bit mode: #GP as expected' \
	'hostile-cr: left long mode from compatibility mode' 'PASS hostile-cr'
# hostile-cr-native: the writes that do not exit (CR4.PAE cleared in long mode, a reserved CR4
# bit, bit 32 of CR0), which Bochs faults in the guest like a CPU; Unicorn accepts them, the
# replay engine raises the #GP itself (docs/replay.md).
hostile hostile-cr-native 0 'shutdown' 'hostile-cr: CR4.PAE cleared in long mode: #GP as expected' \
	'hostile-cr: CR4 reserved bit 63 set: #GP as expected' 'hostile-cr: CR0 bit 32 set: #GP as expected'

# --- classes that held: sweeps of every port and of 22,528 MSR numbers -----------------------------
hostile hostile-ports 0 'shutdown' 'hostile-ports: 65528 ports read 0xFF and ignored writes' 'PASS hostile-ports'
hostile hostile-msrs 0 'shutdown' 'hostile-msrs: swept 22528 MSRs' 'PASS hostile-msrs'
# ... and 20,000 hypercalls with random numbers and arguments.
hostile hostile-hypercalls 0 'shutdown' 'hostile-hypercalls: 20000 random hypercalls' 'PASS hostile-hypercalls'
# ... and a storm of 50,000 timer interrupts at the PIT's highest rate.
hostile hostile-irqstorm 0 'shutdown' 'hostile-irqstorm: 50000 timer interrupts taken and acknowledged' \
	'PASS hostile-irqstorm'
