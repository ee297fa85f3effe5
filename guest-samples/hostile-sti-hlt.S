/*
 * hostile-sti-hlt - halts with interrupts enabled and no interrupt source (no timer): it waits
 * for an event that can never come, and the stop must say that, not "halted with interrupts
 * disabled".
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "hostile-sti-hlt: sti; hlt with no timer\n"
	sti
	hlt
	FAIL "HLT returned without an interrupt source"

	GUEST_END
