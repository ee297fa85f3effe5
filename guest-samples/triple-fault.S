/*
 * triple-fault - real mode: makes the CPU shut down on purpose; the hypervisor must stop this
 * VM (exit reason 2, SDM Vol. 3C, "Other Causes of VM Exits") and report it, not crash.
 *
 * In real mode the IDTR still locates the interrupt table: vector n's 4-byte entry must lie
 * within IDTR.limit, else delivery raises #GP (SDM Vol. 3B, 8086 emulation chapter,
 * "Interrupt and Exception Handling"). With a limit of 0 no entry fits: INT3 (vector 3) ->
 * #GP (13) -> the #GP cannot be delivered either, which is a double fault (8) -> which cannot
 * be delivered: triple fault, the CPU enters shutdown.
 * Exits: UART I/O, then the triple-fault exit; nothing after it runs.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "triple-fault: about to fault\n"
	lidtl empty_idt
	int3
	/* Not reached: a CPU that got here delivered vector 3 through an empty table. */
	FAIL "INT3 returned through an IDT with limit 0"

	.section .rodata
	.balign 4
	.word 0
empty_idt:
	.word 0				/* limit: not even one 4-byte entry */
	.long 0				/* base */

	GUEST_END
