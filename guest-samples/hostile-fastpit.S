/*
 * hostile-fastpit - its PIT at the highest rate (count 1, an edge every 84 instructions), IRQ 0
 * unmasked, then interrupts off and a spin that never exits. It can never take the interrupt,
 * so its timer edges must not cut anyone's time slice: a neighbour beside it needs about as
 * many exits as alone (tests/system/hostile-sched.sh counts them). Ended by an instruction
 * limit. Needs --timer.
 */
#include "guest.h"
#include "i8259.h"
#include "i8254.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "hostile-fastpit: PIT at count 1, interrupts off, spinning\n"
	cli
	PIC_INIT 0x20, 0x28, 0xFE, 0xFF
	PIT_START PIT_MODE2, 1
1:	incl spins
	jmp 1b

	.data
	.balign 4
spins:	.long 0

	GUEST_END
