/*
 * hostile-paging.h - what the string-I/O protection attacks share (hostile-outs-user,
 * hostile-ins-user, hostile-ins-wp): 32-bit paging over the VM's 1 MiB, a ring-3 world with
 * IOPL 3 (port access without the I/O bitmap), and a #PF handler that checks what the CPU
 * would leave: CR2, the error code, and RCX/RSI/RDI after the elements before the faulting one
 * (REP is restartable, SDM Vol. 2, INS/OUTS and REP). INS and OUTS exit before they touch
 * memory, so every one of these checks is the hypervisor's emulation (hv/exit_io.c).
 *
 * Pages (identity-mapped, user-accessible and writable unless said):
 *   0x2E000 the ring-3 stack     0x2F000 a user page the REP starts in
 *   0x30000 supervisor-only      0x31000 read-only (user)
 *
 *   HP_SETUP           (CODE32, ring 0, flat segments) tables, IDT, GDT with ring-3 segments and
 *                      a TSS, CR0.PG and CR0.WP; clobbers everything
 *   HP_EXPECT cr2, err, ecx, esi, edi   what the #PF handler must find
 *   HP_TO_USER label   iret to ring 3 (IOPL 3) at label
 *   HP_USER_SEGS       (ring 3) DS = ES = the ring-3 data segment
 *   HP_NO_FAULT        the attack came back without a fault: FAIL (from ring 0, through #UD)
 *   HP_END             the handlers, tables and data (before GUEST_END)
 */
#ifndef HOSTILE_PAGING_H
#define HOSTILE_PAGING_H

#include "guest.h"
#include "vectors.h"

	.equ HP_PD, 0x20000
	.equ HP_PT, 0x21000
	.equ HP_USER_STACK, 0x2F000	/* top of the stack page 0x2E000 */
	.equ HP_USER_PAGE, 0x2F000
	.equ HP_SUPER_PAGE, 0x30000
	.equ HP_RO_PAGE, 0x31000
	.equ HP_SEL_UCODE, 0x1B	/* GDT 3, RPL 3 */
	.equ HP_SEL_UDATA, 0x23	/* GDT 4, RPL 3 */
	.equ HP_SEL_TSS, 0x28
	.equ HP_SECRET, 0x5A
	.equ HP_RO_BYTE, 0xA5

.macro HP_SETUP
	IDT_FILL_UNEXPECTED
	IDT_SET 14, hp_pf_handler
	IDT_SET 6, hp_ud_handler
	/* The page table: 256 identity entries for 1 MiB, then the two special pages. */
	mov $HP_PT, %edi
	mov $(PTE_P | PTE_RW | PTE_US), %eax
	mov $256, %ecx
1:	mov %eax, (%edi)
	add $4, %edi
	add $0x1000, %eax
	loop 1b
	movl $(HP_SUPER_PAGE | PTE_P | PTE_RW), HP_PT + (HP_SUPER_PAGE >> 12) * 4
	movl $(HP_RO_PAGE | PTE_P | PTE_US), HP_PT + (HP_RO_PAGE >> 12) * 4
	mov $HP_PD, %edi
	xor %eax, %eax
	mov $1024, %ecx
	rep stosl
	movl $(HP_PT | PTE_P | PTE_RW | PTE_US), HP_PD
	/* The secret and the read-only page's contents. */
	mov $HP_SUPER_PAGE, %edi
	mov $HP_SECRET, %al
	mov $0x1000, %ecx
	rep stosb
	mov $HP_RO_BYTE, %al
	mov $0x1000, %ecx
	rep stosb
	/* GDT with ring-3 segments and a TSS whose SS0:ESP0 the CPU uses for the #PF from ring 3. */
	mov $hp_tss, %eax
	mov %ax, hp_gdt + HP_SEL_TSS + 2
	shr $16, %eax
	mov %al, hp_gdt + HP_SEL_TSS + 4
	mov %ah, hp_gdt + HP_SEL_TSS + 7
	movl $0x7C00, hp_tss + 4
	movl $SEL_DATA, hp_tss + 8
	lgdtl hp_gdt_desc
	mov $HP_SEL_TSS, %ax
	ltr %ax
	mov $HP_PD, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $(CR0_PG | CR0_WP), %eax
	mov %eax, %cr0
.endm

.macro HP_EXPECT cr2, err, ecx, esi, edi
	movl $\cr2, hp_want
	movl $\err, hp_want + 4
	movl $\ecx, hp_want + 8
	movl $\esi, hp_want + 12
	movl $\edi, hp_want + 16
.endm

.macro HP_TO_USER label
	push $HP_SEL_UDATA
	push $HP_USER_STACK
	pushf
	orl $0x3000, (%esp)		/* IOPL 3 */
	push $HP_SEL_UCODE
	push $\label
	iret
.endm

.macro HP_USER_SEGS
	mov $HP_SEL_UDATA, %ax
	mov %ax, %ds
	mov %ax, %es
.endm

.macro HP_NO_FAULT
	movl $1, hp_returned
	ud2
.endm

/* Compare hp_got + \off with hp_want + \off; print both. */
.macro HP_CHECK name, off
	PRINT GUEST_NAME
	PRINT ": \name "
	mov hp_got + \off, %eax
	PRINT_HEX %eax
	PRINT " (want "
	mov hp_want + \off, %ebx
	PRINT_HEX %ebx
	PRINT ")\n"
	cmp %eax, %ebx
	EXPECT je, "\name is not what a CPU leaves"
.endm

.macro HP_END
	CODE32
/* #PF: [ESP] is the error code, then EIP, CS, EFLAGS (and ESP, SS from ring 3). */
hp_pf_handler:
	mov %ecx, %ss:hp_got + 8
	mov %esi, %ss:hp_got + 12
	mov %edi, %ss:hp_got + 16
	mov %cr2, %eax
	mov %eax, %ss:hp_got
	pop %eax
	mov %eax, %ss:hp_got + 4
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	HP_CHECK CR2, 0
	HP_CHECK ERROR_CODE, 4
	HP_CHECK ECX, 8
	HP_CHECK ESI, 12
	HP_CHECK EDI, 16
	cmpb $HP_RO_BYTE, HP_RO_PAGE
	EXPECT je, "the read-only page was written"
	cmpb $HP_SECRET, HP_SUPER_PAGE
	EXPECT je, "the supervisor page was written"
	PASS
hp_ud_handler:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	cmpl $1, hp_returned
	EXPECT jne, "the attack completed without a fault"
	FAIL "#UD"

	VECTORS32

	.data
	.balign 8
hp_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08 ring-0 code (SEL_CODE32) */
	.quad 0x00CF92000000FFFF	/* 0x10 ring-0 data (SEL_DATA) */
	.quad 0x00CFFA000000FFFF	/* 0x18 ring-3 code */
	.quad 0x00CFF2000000FFFF	/* 0x20 ring-3 data */
	.quad 0x0000890000000067	/* 0x28 32-bit TSS, limit 103; base filled in */
hp_gdt_end:
	.balign 4
	.word 0
hp_gdt_desc:
	.word hp_gdt_end - hp_gdt - 1
	.long hp_gdt
	.balign 4
hp_tss:	.fill 104, 1, 0
hp_want:	.fill 5, 4, 0
hp_got:		.fill 5, 4, 0
hp_returned:	.long 0
.endm

#endif
