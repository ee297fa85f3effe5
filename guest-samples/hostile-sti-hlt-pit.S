/*
 * hostile-sti-hlt-pit - has a timer, masks IRQ 0 in its PIC, then halts with interrupts
 * enabled: the interrupt can never come (the scheduler sees no event for it), and the stop must
 * say "waiting for an event that can never come", not "halted with interrupts disabled".
 * Needs --timer.
 */
#include "guest.h"
#include "i8259.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "hostile-sti-hlt-pit: IRQ 0 masked, sti; hlt\n"
	mov $0xFF, %al
	out %al, $0x21			/* OCW1: mask every IRQ of the master PIC */
	sti
	hlt
	FAIL "HLT returned with every IRQ masked"

	GUEST_END
