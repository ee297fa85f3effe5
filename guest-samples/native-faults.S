/*
 * native-faults - faults the CPU raises by itself, with no VM exit: replay must deliver each one
 * through the guest's IVT or IDT as the recording CPU did (same vector, error code, CR2).
 *
 * Real mode (IVT handler): VMXON (the VMX instructions need CR0.PE = 1, so the CPU raises #UD
 * before any exit, SDM Vol. 3C, 31.3 "VMXON"), UD2, and JMP FAR AX (FF /5 with a register
 * operand: an invalid encoding, SDM Vol. 2A, JMP "Operation" table, #UD).
 * 32-bit protected mode (IDT handlers for #UD, #GP, #NP, #PF and #DF):
 *   #UD: VMFUNC (no "enable VM functions" control), GETSEC (CR4.SMXE = 0), ENCLS (no SGX), RSM
 *        (not in SMM), INVPCID ("enable INVPCID" control clear: #UD in VMX non-root, SDM Vol.
 *        3C, 26.3), XGETBV with CR4.OSXSAVE = 0, UD2, CALL FAR EAX (FF /3 register form),
 *        LOCK CMP and LOCK CMPSB (CMP is not lockable: SDM Vol. 2A, LOCK);
 *   #GP(0): MOV to CR4 setting SMXE on a CPU without SMX (reserved bit), MOV to CR0 setting NW
 *        without CD (SDM Vol. 2B, MOV to CR "Protected Mode Exceptions"); neither changes a
 *        host-owned bit, so neither exits;
 *   #GP(selector): MOV DS with a selector beyond the GDT limit;
 *   #NP: INT 0x2F through a not-present gate, error code 0x2F * 8 + 2 (IDT bit, EXT = 0:
 *        SDM Vol. 3A, 6.13 "Error Code");
 *   #PF: 32-bit paging, a read and a write of a not-present page (error codes 0 and 2, CR2
 *        = the address; SDM Vol. 3A, 4.7), the handler maps the page and the access is retried;
 *   #DF: a #GP whose gate is not present: the #NP met while delivering it is a second
 *        contributory fault, so the CPU raises #DF(0) (SDM Vol. 3A, Table 6-5).
 * Each handler stores the vector, the error code and CR2, then resumes at `resume`.
 * Exits: UART I/O, the shutdown hypercall; none of the faults above exits.
 */
#include "guest.h"
#include "vectors.h"

	.equ PD, 0x20000		/* 32-bit paging: one page directory, one page table */
	.equ PT, 0x21000
	.equ HOLE, 0x30000		/* the page that starts not present */
	.equ GATE_P, 0x8000		/* present bit in the gate's type word */

/* Real mode: run one instruction that must raise #UD. */
.macro REAL_UD name, insn:vararg
	movw $1f, resume
	movb $0, got_vec
	\insn
	FAIL "\name did not fault"
1:	cmpb $6, got_vec
	EXPECT je, "\name: not #UD"
	PRINT "native-faults: real mode \name -> #UD\n"
.endm

/* Protected mode: run one instruction that must raise vector `vec` with error code `err`
 * (-1: none). Registers are kept, so the instruction's operands can be set up before. */
.macro MUST_FAULT name, vec, err, insn:vararg
	movl $1f, resume
	movl $0xff, got_vec
	movl $0xdeadbeef, got_err
	\insn
	FAIL "\name did not fault"
1:	cmpl $\vec, got_vec
	EXPECT je, "\name: wrong vector"
	cmpl $\err, got_err
	EXPECT je, "\name: wrong error code"
	PRINT "native-faults: \name -> vector "
	PRINT_HEXN got_vec, 2
	PRINT " error "
	PRINT_HEX got_err
	PRINT "\n"
.endm

/* A protected-mode handler: record, then return to `resume` (a fault returns to the faulting
 * instruction otherwise). Vectors with an error code pop it first. */
.macro HANDLER32 label, vec, haserr
\label:
.if \haserr
	popl got_err
.else
	movl $0xffffffff, got_err
.endif
	movl $\vec, got_vec
	push %eax
	mov %cr2, %eax
	mov %eax, got_cr2
	mov resume, %eax
	mov %eax, 4(%esp)
	pop %eax
	iret
.endm

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	IVT_FILL_UNEXPECTED
	IVT_SET 6, real_ud
	REAL_UD VMXON, vmxon region_ptr
	REAL_UD UD2, ud2
	REAL_UD "JMP FAR AX", .byte 0xff, 0xe8
	REAL_TO_PM32 pm

real_ud:
	movb $6, got_vec
	push %bp
	mov %sp, %bp
	mov resume, %ax
	mov %ax, 2(%bp)			/* the IP the CPU pushed */
	pop %bp
	iret

	CODE32
pm:
	LOAD_DATA_SEGMENTS
	mov $0x7C00, %esp
	IDT_FILL_UNEXPECTED
	IDT_SET 6, h_ud
	IDT_SET 8, h_df
	IDT_SET 11, h_np
	IDT_SET 13, h_gp
	IDT_SET 14, h_pf

	MUST_FAULT VMFUNC, 6, -1, .byte 0x0f, 0x01, 0xd4
	MUST_FAULT GETSEC, 6, -1, .byte 0x0f, 0x37
	MUST_FAULT ENCLS, 6, -1, .byte 0x0f, 0x01, 0xcf
	MUST_FAULT RSM, 6, -1, rsm
	MUST_FAULT INVPCID, 6, -1, invpcid descriptor, %eax
	MUST_FAULT XGETBV, 6, -1, xgetbv
	MUST_FAULT UD2, 6, -1, ud2
	MUST_FAULT "CALL FAR EAX", 6, -1, .byte 0xff, 0xd8
	mov $region_ptr, %esi
	mov %esi, %edi
	MUST_FAULT "LOCK CMP", 6, -1, .byte 0xf0, 0x38, 0x06	/* lock cmp %al, (%esi) */
	MUST_FAULT "LOCK CMPSB", 6, -1, .byte 0xf0, 0xa6	/* lock cmpsb */

	mov %cr4, %eax
	or $CR4_SMXE, %eax
	MUST_FAULT "MOV CR4 (SMXE)", 13, 0, mov %eax, %cr4
	mov %cr0, %eax
	or $CR0_NW, %eax
	MUST_FAULT "MOV CR0 (NW without CD)", 13, 0, mov %eax, %cr0
	mov $0x1230, %eax
	MUST_FAULT "MOV DS (selector beyond the GDT)", 13, 0x1230, mov %ax, %ds
	LOAD_DATA_SEGMENTS

	/* INT 0x2F: its gate is present in the table but marked not present */
	IDT_SET 0x2F, vectors_stubs32
	andw $~GATE_P, idt + 0x2F * 8 + 4
	MUST_FAULT "INT 0x2F (gate not present)", 11, 0x17A, int $0x2F

	/* 32-bit paging, identity mapped (4 KiB pages over the first 4 MiB), HOLE not present */
	ZERO_PAGES PD, 1
	movl $PT | PTE_P | PTE_RW, PD
	IDMAP_4K PT
	andl $~PTE_P, PT + (HOLE >> 12) * 4
	PAGING32_ON PD

	movl $0, got_cr2
	MUST_FAULT "read of a not-present page", 14, 0, mov HOLE + 0x10, %ebx
	cmpl $HOLE + 0x10, got_cr2
	EXPECT je, "#PF on read: wrong CR2"
	MUST_FAULT "write to a not-present page", 14, 2, movl $0x1234, HOLE + 0x24
	cmpl $HOLE + 0x24, got_cr2
	EXPECT je, "#PF on write: wrong CR2"
	PRINT "native-faults: CR2 = "
	PRINT_HEX got_cr2
	PRINT "\n"
	/* the handler maps the page: the same write now completes */
	orl $PTE_P, PT + (HOLE >> 12) * 4
	movl $0x1234, HOLE + 0x24
	cmpl $0x1234, HOLE + 0x24
	EXPECT je, "the page mapped again does not hold the write"

	/* #DF: the #GP gate is not present */
	andw $~GATE_P, idt + 13 * 8 + 4
	mov %cr0, %eax
	or $CR0_NW, %eax
	MUST_FAULT "#GP through a not-present gate", 8, 0, mov %eax, %cr0
	orw $GATE_P, idt + 13 * 8 + 4
	PASS

	HANDLER32 h_ud, 6, 0
	HANDLER32 h_np, 11, 1
	HANDLER32 h_gp, 13, 1
	HANDLER32 h_pf, 14, 1

/* #DF is an abort: the saved CS:EIP need not point at anything restartable (SDM Vol. 3A, 6.15,
 * "Interrupt 8"); start over from a fresh stack at `resume`. */
h_df:
	popl got_err
	movl $8, got_vec
	mov $0x7C00, %esp
	jmp *resume

	VECTORS16
	VECTORS32

	.data
	.balign 16
region_ptr:	.quad 0x20000
descriptor:	.quad 0, 0
resume:		.long 0
got_vec:	.long 0
got_err:	.long 0
got_cr2:	.long 0

	GUEST_END
