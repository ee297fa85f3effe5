/*
 * hostile-irqstorm - 50,000 timer interrupts at the PIT's highest rate (count 2: an edge every
 * two input clocks, about 168 guest instructions), each taken, counted and acknowledged, as a
 * guest that wants to keep the hypervisor busy injecting would.
 *
 * Every edge is an interrupt the hypervisor injects (SDM Vol. 3C, 27.6) and every EOI an I/O
 * exit; the guest must see them all in order and end, its neighbour must still run to PASS, and
 * the trace must replay every injection at its instruction. Needs --timer. Real mode: the IVT.
 * Exits: about 50,000 injected IRQ 0s and 50,000 EOI writes, PIC/PIT setup, UART I/O, shutdown.
 */
#include "guest.h"
#include "i8254.h"
#include "i8259.h"
#include "vectors.h"

	.equ TIMER_VECTOR, 0x20
	.equ TICKS, 50000

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	IVT_FILL_UNEXPECTED
	IVT_SET TIMER_VECTOR, tick
	PIC_INIT 0x20, 0x28, 0xFE, 0xFF
	PIT_START PIT_MODE2, 2
	sti
1:	cmpl $TICKS, ticks
	jb 1b
	cli
	PRINT "hostile-irqstorm: 50000 timer interrupts taken and acknowledged\n"
	PASS

tick:
	incl ticks
	push %ax
	PIC_EOI
	pop %ax
	iret

	VECTORS16

	.data
	.balign 4
ticks:	.long 0

	GUEST_END
