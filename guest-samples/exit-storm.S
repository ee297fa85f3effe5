/*
 * exit-storm - real mode: exactly 100,000 CPUID instructions in a loop, for benchmarks.
 *
 * CPUID always exits (SDM Vol. 3C, "Instructions That Cause VM Exits Unconditionally"), so
 * this guest measures the round trip guest -> hypervisor -> guest. exit-storm-nop.S includes
 * this file with STORM_NOP defined: the same loop with a register move in place of CPUID, the
 * baseline to subtract. Their output differs by a few bytes (a few UART exits); the 100,000
 * CPUID exits are the difference that matters.
 */
#include "guest.h"

	.equ ITERATIONS, 100000

	.text
	.globl _start
	CODE16
_start:
#ifdef STORM_NOP
	PRINT "exit-storm-nop: 100000 loop iterations, no exit\n"
#else
	PRINT "exit-storm: 100000 loop iterations, one CPUID exit each\n"
#endif
	mov $ITERATIONS, %edi
1:	xor %eax, %eax			/* leaf 0 */
#ifdef STORM_NOP
	mov %eax, %ebx			/* a register op that does not exit */
#else
	cpuid
#endif
	dec %edi
	jnz 1b
	PASS

	GUEST_END
