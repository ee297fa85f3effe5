/*
 * async - for record and replay: timer interrupts that land inside loops whose register state
 * repeats, so that only an exact instruction count can say where each one landed.
 *
 * Loop 1 is `incw counter; jmp`: no general register changes (only the arithmetic flags do),
 * but the counter in memory does. Loop 2 is `notw toggle; jmp`: NOT changes no flag, so every
 * register, EFLAGS included, is the same at every iteration, and memory alternates between two
 * states. A replay that injects an interrupt where the registers match, rather than after the
 * recorded number of instructions, lands it in the wrong iteration: the counter or the toggle
 * the handler records differs, and so does the console.
 * The PIT (mode 2, count 239) ticks every 20,030 instructions of virtual time. The IRQ 0 handler
 * records the interrupted IP (it must be one of the loop's two instructions) and the counter or
 * toggle, and after 8 ticks rewrites the IP on its stack so that IRET leaves the loop: nothing
 * in the loops tests anything. Between two ticks of loop 1 the counter must advance by half a
 * period (two instructions per iteration), within 5%, when async runs alone.
 * Exits: PIC/PIT port I/O, 16 injected IRQ 0s, UART I/O, the shutdown hypercall.
 * Needs a timer: hvrun --timer (the .opts), or <timer model="pit"/> in a VM definition.
 */
#include "guest.h"
#include "i8259.h"
#include "i8254.h"
#include "vectors.h"

	.equ TIMER_VECTOR, 0x20
	.equ COUNT, 239				/* 4,992 Hz */
	.equ PERIOD, PIT_INSNS(COUNT)		/* 20,030 instructions */
	.equ STEP_MIN, (PERIOD - PERIOD / 20) / 2	/* counter steps per tick, -5% */
	.equ STEP_MAX, (PERIOD + PERIOD / 20) / 2	/* +5% */
	.equ PHASE_TICKS, 8

/* Arm the handler for one loop: record *\watched, leave through \exit after PHASE_TICKS ticks,
 * accept interrupted IPs \first and \second. */
.macro PHASE watched, exit, first, second
	movw $\watched, watch
	movw $\exit, exit_ip
	movw $\first, loop_ip1
	movw $\second, loop_ip2
	movw $0, ticks
.endm

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	IVT_FILL_UNEXPECTED
	IVT_SET TIMER_VECTOR, tick
	PIC_INIT 0x20, 0x28, 0xFE, 0xFF
	in $PIC1_DATA, %al		/* without a PIC the loops below would never end */
	cmp $0xFE, %al
	EXPECT je, "no PIC: the master's IMR does not read back 0xFE (run with --timer)"
	PRINT "async: PIT mode 2, count 239: a tick every 20,030 instructions\n"

	PHASE counter, loop1_exit, loop1, loop1_jmp
	PIT_START PIT_MODE2, COUNT
	sti
loop1:	incw counter
loop1_jmp:
	jmp loop1
loop1_exit:
	cli
	PRINT "async: loop 1 (incw counter; jmp), counter at each tick:\n"
	call report
	/* Alone, virtual time is this VM's own instruction count (plus halts); beside other VMs
	 * it is shared, and the steps say how the scheduler interleaved them: not checked. */
	VM_COUNT
	cmp $1, %eax
	je check_steps
	PRINT "async: loop 1: "
	PRINT_DEC %eax
	PRINT " VMs share virtual time: the counter's steps are not checked\n"
	jmp loop1_checked
	/* The counter's steps between ticks 1..8 (16-bit, so wrapping does no harm). */
check_steps:
	mov $1, %esi
1:	mov vals(,%esi,2), %ax
	sub vals-2(,%esi,2), %ax
	movzwl %ax, %eax
	cmp $STEP_MIN, %eax
	EXPECT jae, "the counter stepped less than half a tick period between two ticks"
	cmp $STEP_MAX, %eax
	EXPECT jbe, "the counter stepped more than half a tick period between two ticks"
	inc %esi
	cmp $PHASE_TICKS, %esi
	jb 1b
	PRINT "async: loop 1: the counter stepped by half a tick period (9,514 to 10,515) each time\n"
loop1_checked:

	PHASE toggle, loop2_exit, loop2, loop2_jmp
	sti
loop2:	notw toggle		/* NOT leaves EFLAGS alone */
loop2_jmp:
	jmp loop2
loop2_exit:
	cli
	PRINT "async: loop 2 (notw toggle; jmp), toggle at each tick:\n"
	call report
	PASS

/* Print each tick's interrupted IP and recorded value; FAIL unless every IP is in the loop. */
report:
	xor %esi, %esi
1:	lea 1(%esi), %eax
	PRINT "async:   tick "
	PRINT_DEC %eax
	movzwl ips(,%esi,2), %eax
	PRINT " at IP "
	PRINT_HEXN %eax, 4
	cmp loop_ip1, %ax
	je 2f
	cmp loop_ip2, %ax
	EXPECT je, "a tick interrupted an instruction outside the loop"
2:	movzwl vals(,%esi,2), %eax
	PRINT ", value "
	PRINT_HEXN %eax, 4
	PRINT "\n"
	inc %esi
	cmp $PHASE_TICKS, %esi
	jb 1b
	cmpw $PHASE_TICKS, ticks
	EXPECT je, "the loop ended after a number of ticks other than 8"
	ret

/* IRQ 0. Stack: [BP] saved BP, [BP+2] interrupted IP, [BP+4] CS, [BP+6] FLAGS. */
tick:
	push %bp
	mov %sp, %bp
	push %ax
	push %bx
	mov ticks, %bx
	cmp $PHASE_TICKS, %bx
	jae 1f				/* never, unless the loop failed to end */
	add %bx, %bx
	mov 2(%bp), %ax
	mov %ax, ips(%bx)
	mov watch, %ax
	xchg %ax, %bx
	mov (%bx), %bx			/* the watched word */
	xchg %ax, %bx
	mov %ax, vals(%bx)
	incw ticks
	cmpw $PHASE_TICKS, ticks
	jb 1f
	mov exit_ip, %ax
	mov %ax, 2(%bp)			/* IRET to the loop's exit, not back into it */
1:	PIC_EOI
	pop %bx
	pop %ax
	pop %bp
	iret

	VECTORS16

	.data
	.balign 2
counter:	.word 0
toggle:		.word 0
ticks:		.word 0
watch:		.word 0		/* address of the word the handler records */
exit_ip:	.word 0
loop_ip1:	.word 0
loop_ip2:	.word 0
ips:		.fill PHASE_TICKS, 2, 0
vals:		.fill PHASE_TICKS, 2, 0

	GUEST_END
