/*
 * hostile-cr - mode switches a CPU refuses with #GP(0) must give the guest #GP, not a failed
 * VM entry or 64-bit code run as 16-bit code into a triple fault.
 *
 * CR0 writes that touch PE or PG exit, and so do all WRMSRs: the hypervisor emulates them and
 * must apply every rule the CPU would (SDM Vol. 2B, MOV to CR0 and WRMSR; Vol. 3A, 4.4.1 and
 * 9.8.5). In order, each caught by the guest's own #GP handler, which resumes after the
 * instruction:
 *   protected mode:  CR0.PG = 1 with PE = 0; PAE paging with a reserved bit in PDPTE 0 (CR0.PG
 *                    must stay 0); then valid PAE paging, and EFER.LME set while CR0.PG = 1;
 *   64-bit mode:     EFER.LME cleared; CR0.PG cleared; and with CR_NATIVE (hostile-cr-native),
 *                    what the CPU checks itself without an exit: CR4.PAE cleared, a reserved
 *                    CR4 bit, bit 32 of CR0 (the replay CPU, Unicorn, raises none of these three,
 *                    so they are kept out of the guest whose trace is replayed);
 * then long mode is left the allowed way (compatibility mode, CR0.PG = 0), and EFER.LMA must be 0.
 * Exits: CR0 writes, RDMSR/WRMSR of EFER (the refused ones answered with #GP), UART I/O, shutdown.
 */
#include "guest.h"
#include "vectors.h"

#ifndef CR_NATIVE
#define CR_NATIVE 0
#endif

	.equ GP_VECTOR, 13
	.equ PML4, 0x1000		/* 4-level: PML4 -> PDPT -> PD, one 2 MiB page at 0 */
	.equ PDPT, 0x2000
	.equ PD, 0x3000
	.equ PAE_PDPT, 0x4000		/* PAE: 4 PDPTEs -> PD, one 2 MiB page at 0 */
	.equ BAD_PDPT, 0x4020		/* the same, with reserved bit 1 set in PDPTE 0 */
	.equ PAE_PD, 0x5000

/* GP_BEGIN, the instructions, GP_END "what": they must raise #GP exactly once; the handler
 * resumes at the label GP_END puts after its FAIL (numeric label 2: none in between). */
.macro GP_BEGIN
.if BITS == 64
	lea 2f(%rip), %rax
	mov %rax, resume(%rip)
	mov gp_count(%rip), %ebx
.else
	movl $2f, resume
	mov gp_count, %ebx
.endif
.endm
.macro GP_END name
	FAIL "\name did not raise #GP"
2:	inc %ebx
.if BITS == 64
	cmp gp_count(%rip), %ebx
.else
	cmp gp_count, %ebx
.endif
	EXPECT je, "\name: not exactly one #GP"
	PRINT "hostile-cr: \name: #GP as expected\n"
.endm

	.text
	.globl _start
	CODE16
_start:
	cld
	xor %eax, %eax
	mov $PML4, %di
	mov $5 * 1024, %cx		/* five tables of 1024 dwords */
	rep stosl
	movl $PDPT | PTE_P | PTE_RW, PML4
	movl $PD | PTE_P | PTE_RW, PDPT
	movl $0 | PTE_P | PTE_RW | PTE_PS, PD
	movl $PAE_PD | PTE_P, PAE_PDPT	/* a PAE PDPTE has no R/W bit: bits 2:1 are reserved */
	movl $PAE_PD | PTE_P | PTE_RW, BAD_PDPT
	movl $0 | PTE_P | PTE_RW | PTE_PS, PAE_PD
	PM32_START
	IDT_FILL_UNEXPECTED
	IDT_SET GP_VECTOR, gp32

	GP_BEGIN
	mov %cr0, %eax
	and $~CR0_PE, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	GP_END "CR0.PG=1 with CR0.PE=0"

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $BAD_PDPT, %eax
	mov %eax, %cr3
	GP_BEGIN
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	GP_END "PAE paging with reserved bit 1 in PDPTE 0"
	mov %cr0, %eax
	test $CR0_PG, %eax
	EXPECT jz, "CR0.PG is set after the refused MOV to CR0"

	mov $PAE_PDPT, %eax
	mov %eax, %cr3
	mov gp_count, %ebx
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	cmp gp_count, %ebx
	EXPECT je, "valid PAE PDPTEs raised #GP"
	PRINT "hostile-cr: PAE paging on with valid PDPTEs\n"
	GP_BEGIN
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	GP_END "EFER.LME set while CR0.PG=1"

	/* Into long mode the allowed way: paging off, 4-level tables, LME, paging on. */
	mov %cr0, %eax
	and $~CR0_PG, %eax
	mov %eax, %cr0
	mov $PML4, %eax
	mov %eax, %cr3
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	ljmp $SEL_CODE64, $lm

	CODE64
lm:
	/* A 64-bit IDT (16-byte gates, SDM Vol. 3A, 6.14.1) with the #GP gate only. */
	lea idt64 + GP_VECTOR * 16(%rip), %rdi
	lea gp64(%rip), %rax
	mov %ax, (%rdi)
	movw $SEL_CODE64, 2(%rdi)
	movw $0x8E00, 4(%rdi)		/* present, DPL 0, 64-bit interrupt gate */
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	lidt idt64_desc(%rip)
	PRINT "hostile-cr: in 64-bit mode\n"

	GP_BEGIN
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	and $~EFER_LME, %eax
	wrmsr
	GP_END "EFER.LME cleared in 64-bit mode"
	GP_BEGIN
	mov %cr0, %rax
	btr $31, %rax
	mov %rax, %cr0
	GP_END "CR0.PG cleared in 64-bit mode"
#if CR_NATIVE
	GP_BEGIN
	mov %cr4, %rax
	and $~CR4_PAE, %rax
	mov %rax, %cr4
	GP_END "CR4.PAE cleared in long mode"
	GP_BEGIN
	mov %cr4, %rax
	bts $63, %rax
	mov %rax, %cr4
	GP_END "CR4 reserved bit 63 set"
	GP_BEGIN
	mov %cr0, %rax
	bts $32, %rax
	mov %rax, %cr0
	GP_END "CR0 bit 32 set"
#endif
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	test $EFER_LMA, %eax
	EXPECT jnz, "EFER.LMA is clear: long mode was left by a refused instruction"
	PRINT "hostile-cr: still in 64-bit mode\n"

	/* Leave long mode as the SDM says: compatibility mode, then CR0.PG = 0. */
	push $SEL_CODE32
	lea compat(%rip), %rax
	push %rax
	lretq

	CODE32
compat:
	mov %cr0, %eax
	and $~CR0_PG, %eax
	mov %eax, %cr0
	lidt idt_desc
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	test $EFER_LMA, %eax
	EXPECT jz, "EFER.LMA is still set after CR0.PG = 0 in compatibility mode"
	PRINT "hostile-cr: left long mode from compatibility mode\n"
	PASS

/* #GP handlers: count, drop the error code, resume at `resume`. */
gp32:
	incl gp_count
	push %eax
	mov resume, %eax
	mov %eax, 8(%esp)		/* [ESP] EAX, [ESP+4] error code, [ESP+8] EIP */
	pop %eax
	add $4, %esp
	iret

	CODE64
gp64:
	incl gp_count(%rip)
	push %rax
	mov resume(%rip), %rax
	mov %rax, 16(%rsp)		/* [RSP] RAX, [RSP+8] error code, [RSP+16] RIP */
	pop %rax
	add $8, %rsp
	iretq

	CODE32
	VECTORS32

	.data
	.balign 16
idt64:		.fill 32 * 16, 1, 0
	.word 0, 0, 0
idt64_desc:	.word 32 * 16 - 1	/* limit, then the 64-bit base */
	.long idt64, 0
	.balign 8
resume:		.quad 0
gp_count:	.long 0

	GUEST_END
