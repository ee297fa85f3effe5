#!/bin/bash
# hostile-cpu.sh - guests that attack through the CPU's own state (issue 9, part A): XCR0 values
# the CPU refuses, control-register and EFER changes a CPU answers with #GP. Each runs alone and
# beside a neighbour (hostile() in lib.sh): the guest itself says PASS when it took the fault it
# should, the neighbour still PASSes, and both traces check and replay.
. "$(dirname "$0")/lib.sh"

[ -z "${ONLY:-}" ] && hostile hostile-xsetbv 0 'shutdown' 'XCR0=0x27 (opmask without ZMM): #GP as expected' \
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

# Known gap (issue 12, replay fidelity): hostile-leak-all is not replayed. The replay CPU drops
# EFER.SCE from the guest's WRMSR (diverges at the CR0 write that enables paging), Unicorn has
# no AVX, and it reads back neither the CR2 nor the CR8 the guest wrote. Everything else is
# checked, alone, beside cpuid and in a pair.
for run in alone neighbour; do
	log="$OUT/hostile-leak-all-$run.log"
	if [ $run = alone ]; then
		"$BIN/hvrun" --timeout 120 -o "$OUT/hostile-leak-all-$run.hvt" "$GUESTS/hostile-leak-all.bin" >"$log" 2>&1
	else
		{
			echo '<system>'
			printf '  <domain><name>hostile-leak-all</name><memory unit="MiB">1</memory>\n'
			printf '    <os><image>%s/hostile-leak-all.bin</image></os></domain>\n' "$G"
			printf '  <domain><name>cpuid</name><memory unit="MiB">1</memory>\n'
			printf '    <os><image>%s/cpuid.bin</image></os></domain>\n' "$G"
			echo '</system>'
		} >"$OUT/hostile-leak-all.xml"
		"$BIN/hvrun" --timeout 120 -o "$OUT/hostile-leak-all-$run.hvt" "$OUT/hostile-leak-all.xml" >"$log" 2>&1
	fi
	check $? "hostile-leak-all ($run): hvrun exits 0" "$log"
	grep -q 'PASS hostile-leak-all' "$log" && grep -q "SYSCALL reached this VM's LSTAR" "$log"
	check $? "hostile-leak-all ($run): PASS, SYSCALL reached its own LSTAR" "$log"
	if [ $run = neighbour ]; then
		grep -q '^\[cpuid\] PASS cpuid' "$log"
		check $? "hostile-leak-all ($run): the neighbour still PASSes" "$log"
	fi
	"$BIN/hvtrace" check "$OUT/hostile-leak-all-$run.hvt" >"$log.check" 2>&1
	check $? "hostile-leak-all ($run): hvtrace check says the trace is healthy" "$log.check"
done
leak_pair hostile-leak-all 0
