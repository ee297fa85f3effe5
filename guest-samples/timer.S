/*
 * timer - interrupt-driven tick counting with the VM's own 8254 PIT and 8259A PIC, first in real
 * mode, then in 32-bit protected mode.
 *
 * There is no BIOS: the guest initialises the PIC itself (IRQ 0-7 at vectors 0x20-0x27, only
 * IRQ 0 unmasked), installs its handlers (IVT in real mode, IDT in protected mode; every other
 * vector FAILs with its number) and programs PIT channel 0. Each handler counts a tick and sends
 * a non-specific EOI. Three waits, each checked against virtual time (100 M instructions/s, one
 * PIT clock = 83.8 instructions):
 *   real mode, mode 2 at 1000 Hz: 10 ticks waited with HLT; RDTSC may not run ahead of them
 *   protected mode, mode 3 at 10 kHz: 10 ticks waited in a 3-instruction loop, whose iterations
 *     measure the tick period in instructions (about 9,973 each)
 *   protected mode, mode 0 (one-shot): exactly one tick, and none in the 5 periods after it
 * Then OCW3 reads: no IRQ left in service (every EOI arrived) and the mask as written.
 * The checks against instruction counts hold when timer runs alone; beside other VMs (CPUID
 * leaf 0x40000001 says how many) virtual time is shared and only the tick counts are checked.
 * The waits use CLI; test; STI; HLT: STI delays interrupts by one instruction (SDM Vol. 3A,
 * "Masking Maskable Hardware Interrupts"), so a tick cannot slip in between the test and the HLT
 * and leave the guest halted for one period too many.
 * Exits: PIC/PIT port I/O, HLT, RDTSC, CR0, the injected IRQ 0s, UART I/O, the shutdown hypercall.
 * Needs a timer: hvrun --timer (the .opts), or <timer model="pit"/> in a VM definition.
 */
#include "guest.h"
#include "i8259.h"
#include "i8254.h"
#include "vectors.h"

	.equ TIMER_VECTOR, 0x20		/* IRQ 0 with the master's base at 0x20 */
	.equ TICKS, 10
	.equ RM_COUNT, 1193		/* 1193182 / 1193 = 1000.15 Hz */
	.equ PM_COUNT, 119		/* 10,027 Hz */
	.equ ONESHOT_COUNT, 597		/* about 2 kHz: 50,034 instructions */
	.equ RM_PERIOD, PIT_INSNS(RM_COUNT)		/* 99,984 instructions */
	.equ PM_PERIOD, PIT_INSNS(PM_COUNT)		/* 9,973 */
	.equ ONESHOT_PERIOD, PIT_INSNS(ONESHOT_COUNT)	/* 50,034 */

/* Wait with HLT until `ticks` reaches n; returns with interrupts disabled. */
.macro WAIT_TICKS n
.Lwait\@:
	cli
	cmpl $\n, ticks
	jae .Ldone\@
	sti
	hlt			/* in STI's shadow: no tick between the CMP and here */
	jmp .Lwait\@
.Ldone\@:
.endm

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	IVT_FILL_UNEXPECTED
	IVT_SET TIMER_VECTOR, tick16
	PIC_INIT 0x20, 0x28, 0xFE, 0xFF
	in $PIC1_DATA, %al
	cmp $0xFE, %al
	EXPECT je, "the master PIC's IMR does not read back 0xFE"
	PRINT "timer: PIC initialised (vectors 0x20 and 0x28, only IRQ 0 unmasked)\n"
	VM_COUNT
	mov %eax, nvms
	cmp $1, %eax
	je 1f
	PRINT "timer: "
	PRINT_DEC %eax
	PRINT " VMs share virtual time: tick periods in instructions are not checked\n"
1:

	/* Real mode, mode 2 at 1000 Hz, waited with HLT. */
	PIT_START PIT_MODE2, RM_COUNT
	rdtsc
	mov %eax, tsc_start
	WAIT_TICKS TICKS
	rdtsc
	sub tsc_start, %eax
	mov %eax, %esi
	mov ticks, %eax
	PRINT "timer: real mode: "
	PRINT_DEC %eax
	PRINT " ticks of PIT mode 2 at 1000 Hz, waited with HLT\n"
	cmp $TICKS, %eax
	EXPECT je, "the real-mode wait did not end at exactly 10 ticks"
	PRINT "timer: real mode: RDTSC advanced by "
	PRINT_DEC %esi
	PRINT " over them\n"
	test %esi, %esi
	EXPECT jnz, "RDTSC did not advance over 10 ticks"
	cmpl $1, nvms
	jne 1f
	cmp $(TICKS * RM_PERIOD + RM_PERIOD / 2), %esi
	EXPECT jbe, "RDTSC ran ahead of virtual time (more than 10.5 periods of 99,984 instructions)"
1:

	PRINT "timer: switching to protected mode\n"
	PM32_START
	IDT_FILL_UNEXPECTED
	IDT_SET TIMER_VECTOR, tick32

	/* Protected mode, mode 3 at 10 kHz, waited in a loop of 3 instructions: 10 periods of
	 * 9,973 instructions, less the handlers' few, make about 33,200 iterations. */
	movl $0, ticks
	PIT_START PIT_MODE3, PM_COUNT
	xor %ecx, %ecx
	sti
1:	inc %ecx
	cmpl $TICKS, ticks
	jb 1b
	cli
	mov ticks, %eax
	PRINT "timer: protected mode: "
	PRINT_DEC %eax
	PRINT " ticks of PIT mode 3 at 10 kHz, waited in a loop\n"
	cmp $TICKS, %eax
	EXPECT je, "the protected-mode wait did not end at exactly 10 ticks"
	PRINT "timer: protected mode: the loop ran "
	PRINT_DEC %ecx
	PRINT " times (3 instructions each; 10 periods are 99,730 instructions)\n"
	cmpl $1, nvms
	jne 1f
	cmp $((TICKS - 1) * PM_PERIOD / 3), %ecx
	EXPECT jae, "ticks came too fast for 10 kHz at 100 M instructions/s"
	cmp $((TICKS * PM_PERIOD + PM_PERIOD / 2) / 3), %ecx
	EXPECT jbe, "ticks came too slowly for 10 kHz at 100 M instructions/s"
1:

	/* Mode 0: one tick, then 5 periods (a 2-instruction loop) with interrupts on and no more. */
	movl $0, ticks
	PIT_START PIT_MODE0, ONESHOT_COUNT
	WAIT_TICKS 1
	sti
	mov $(5 * ONESHOT_PERIOD / 2), %ecx
1:	dec %ecx
	jnz 1b
	cli
	mov ticks, %eax
	PRINT "timer: protected mode: one-shot (mode 0) gave "
	PRINT_DEC %eax
	PRINT " tick in 6 periods\n"
	cmp $1, %eax
	EXPECT je, "mode 0 did not give exactly one tick"

	/* OCW3: the in-service register must be empty (each tick's EOI arrived); OCW1 as written. */
	PIC_READ PIC_OCW3_ISR
	movzbl %al, %eax
	PRINT "timer: PIC ISR "
	PRINT_HEXN %eax, 2
	test %eax, %eax
	EXPECT jz, "an IRQ is still in service after its EOI"
	in $PIC1_DATA, %al
	PRINT ", IMR "
	PRINT_HEXN %eax, 2
	PRINT "\n"
	cmp $0xFE, %al
	EXPECT je, "the master PIC's IMR changed"
	PASS

/* IRQ 0 in real mode: the CPU pushed FLAGS, CS, IP and cleared IF. */
	CODE16
tick16:
	incl ticks
	push %ax
	PIC_EOI
	pop %ax
	iret
	VECTORS16

/* IRQ 0 through the 32-bit interrupt gate: EFLAGS, CS, EIP pushed, IF cleared. */
	CODE32
tick32:
	incl ticks
	push %eax
	PIC_EOI
	pop %eax
	iret
	VECTORS32

	.data
	.balign 4
ticks:		.long 0
tsc_start:	.long 0
nvms:		.long 1		/* VMs running: alone, virtual time is this VM's own */

	GUEST_END
