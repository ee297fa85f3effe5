/*
 * rdtsc - real mode: the time stamp counter a Retrovisor guest sees counts its own instructions.
 *
 * RDTSC and RDTSCP exit when "RDTSC exiting" is on (SDM Vol. 3C, "Instructions That Cause VM
 * Exits Conditionally"); Retrovisor answers with the number of guest instructions retired, so
 * the counter is deterministic: the same guest reads the same values on every run and replay.
 * Between two reads this guest runs a loop of exactly 2 * LOOPS instructions (DEC, JNZ), so the
 * difference must be at least that, and not much more.
 * Exits: 2 RDTSC, up to 2 CPUID and 1 RDTSCP, UART I/O, the shutdown hypercall.
 */
#include "guest.h"

	.equ LOOPS, 10000
	.equ SLACK, 1000		/* the few instructions around the loop, generously */
	.equ UD_VECTOR, 6		/* #UD, invalid opcode: IVT entry at 0:0x18 */

	.text
	.globl _start
	CODE16
_start:
	rdtsc
	mov %eax, %esi
	mov %edx, %edi
	mov $LOOPS, %ecx
1:	dec %ecx
	jnz 1b
	rdtsc
	mov %eax, tsc_last
	sub %esi, %eax
	sbb %edi, %edx
	EXPECT jnc, "the TSC went backwards"
	EXPECT jz, "the TSC went up by 2^32 or more across a short loop"
	PRINT "rdtsc: a loop of "
	PRINT_DEC $2*LOOPS
	PRINT " instructions took "
	PRINT_DEC %eax
	PRINT " TSC ticks\n"
	cmp $2*LOOPS, %eax
	EXPECT jae, "the TSC advanced less than the instructions the loop retired"
	cmp $2*LOOPS + SLACK, %eax
	EXPECT jb, "the TSC advanced far more than the instructions the loop retired"
	PRINT "rdtsc: the TSC counts guest instructions\n"

	/* RDTSCP if CPUID offers it (leaf 0x80000001 EDX bit 27). In case the CPUID bit is
	 * there but RDTSCP is not enabled for the guest (it then raises #UD, SDM Vol. 3C,
	 * "Enable RDTSCP"), a #UD handler turns the fault into a FAIL instead of a jump to 0:0. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_rdtscp
	mov $0x80000001, %eax
	cpuid
	bt $27, %edx
	jnc no_rdtscp
	movw $ud_handler, UD_VECTOR * 4
	movw $0, UD_VECTOR * 4 + 2
	rdtscp
	sub tsc_last, %eax
	EXPECT jns, "RDTSCP returned less than the RDTSC before it"
	PRINT "rdtsc: RDTSCP works, TSC_AUX = "
	PRINT_HEX %ecx
	PRINT "\n"
	PASS
no_rdtscp:
	PRINT "rdtsc: RDTSCP not offered by CPUID, skipped\n"
	PASS

/* Real-mode #UD handler: the only instruction that can fault here is RDTSCP. */
ud_handler:
	FAIL "RDTSCP raised #UD although CPUID offers it"

	.data
	.balign 4
tsc_last:	.long 0

	GUEST_END
