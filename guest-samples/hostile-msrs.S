/*
 * hostile-msrs - a sweep of 22,528 MSR numbers, as an attacker looking for one that reaches the
 * real machine would: the architectural range 0-0x2FFF, 0x40000000-0x400007FF (where
 * hypervisors put theirs) and 0xC0000000-0xC0001FFF (the AMD/long-mode range).
 *
 * Every MSR exits (no MSR bitmap) and the hypervisor knows a short allow-list; every other RDMSR
 * and WRMSR must raise #GP(0) and change nothing (SDM Vol. 2B, RDMSR/WRMSR). For each number:
 * RDMSR; if it faulted, WRMSR 0 must fault too (an MSR the guest cannot read does not exist for
 * it); if it did not, WRMSR of the value just read may fault or not (read-only MSRs such as
 * MTRRCAP refuse it on a CPU too). The guest survives to PASS and prints how many it found. Real mode: #GP through the IVT, the handler steps over the 2-byte
 * instruction.
 * Exits: 22,528 RDMSR and 22,528 WRMSR, most answered with #GP; UART I/O; shutdown.
 */
#include "guest.h"

	.equ GP_VECTOR, 13

/* Sweep MSRs [base, base + count). */
.macro SWEEP base, count
	mov $\base, %edi
	mov $\base + \count, %ebp
	call sweep
.endm

	.text
	.globl _start
	CODE16
_start:
	movw $gp_handler, GP_VECTOR * 4
	movw $0, GP_VECTOR * 4 + 2
	SWEEP 0x00000000, 0x3000
	SWEEP 0x40000000, 0x800
	SWEEP 0xC0000000, 0x2000
	PRINT "hostile-msrs: swept 22528 MSRs, "
	PRINT_DEC present
	PRINT " readable, "
	PRINT_DEC writable
	PRINT " of them writable, the rest #GP on read and on write\n"
	PASS

/* One range, EDI = first MSR, EBP = past the last. */
sweep:
	mov %edi, %ecx
	movb $0, gp_count
	rdmsr
	cmpb $0, gp_count
	jne 1f
	incl present
	wrmsr				/* the value just read */
	cmpb $0, gp_count
	jne 2f
	incl writable
	jmp 2f
1:	xor %eax, %eax
	xor %edx, %edx
	movb $0, gp_count
	wrmsr
	cmpb $1, gp_count
	EXPECT je, "WRMSR to an MSR whose RDMSR faulted did not raise #GP"
2:	inc %edi
	cmp %ebp, %edi
	jne sweep
	ret

gp_handler:
	push %bp
	mov %sp, %bp
	addw $2, 2(%bp)			/* RDMSR 0F 32 and WRMSR 0F 30 are 2 bytes */
	incb gp_count
	pop %bp
	iret

	.data
	.balign 4
present:	.long 0
writable:	.long 0
gp_count:	.byte 0

	GUEST_END
