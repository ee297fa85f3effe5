/*
 * hog - CPU-bound forever, for the scheduler: after one banner line, a two-instruction loop that
 * increments a counter in memory and never exits to the hypervisor.
 *
 * Only the VMX preemption timer takes the CPU away from it, so the instructions it retires
 * measure the CPU share the scheduler gave it: two hogs with weights 1 and 3 must retire
 * instructions in a ratio within 10% of 1:3. The run ends by an instruction limit (the system's
 * or --insn-limit, as in hog.opts), never by the guest.
 * Exits: vm_id, UART I/O for the banner, then only preemption-timer exits.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	HYPERCALL HC_VM_ID
	PRINT "hog: VM "
	PRINT_DEC %eax
	PRINT " spins until the instruction limit, printing nothing more\n"
1:	incl spins
	jmp 1b

	.data
	.balign 4
spins:	.long 0

	GUEST_END
