/*
 * vmx-ud - VMX instructions in a guest raise #UD: the guest cannot see or use VT-x.
 *
 * In VMX non-root operation VMXON, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH,
 * VMRESUME, VMXOFF, INVEPT and INVVPID always cause a VM exit (SDM Vol. 3C, "Instructions That
 * Cause VM Exits Unconditionally"); Retrovisor answers each with #UD, as a CPU without VMX would.
 * In real mode the CPU raises #UD itself before any exit (they need CR0.PE = 1), so the checks
 * run in 32-bit protected mode, with an IDT whose #UD handler counts the fault and resumes at
 * the address the test stored in `resume`.
 * Exits: one per VMX instruction (each answered with an injected #UD), UART I/O, shutdown.
 */
#include "guest.h"
#include "vectors.h"

	.equ UD_VECTOR, 6

/* Run one instruction that must raise #UD; the handler comes back to the label after it. */
.macro MUST_UD name, insn:vararg
	movl $1f, resume
	movl ud_count, %ebx
	\insn
	FAIL "\name did not raise #UD"
1:	inc %ebx
	cmp ud_count, %ebx
	EXPECT je, "\name: not exactly one #UD"
	PRINT "vmx-ud: \name raised #UD\n"
.endm

	.text
	.globl _start
	CODE16
_start:
	PRINT "vmx-ud: switching to protected mode\n"
	PM32_START
	IDT_FILL_UNEXPECTED
	IDT_SET UD_VECTOR, ud_handler

	MUST_UD VMXON, vmxon region_ptr
	MUST_UD VMCLEAR, vmclear region_ptr
	MUST_UD VMPTRLD, vmptrld region_ptr
	MUST_UD VMPTRST, vmptrst region_ptr
	MUST_UD VMREAD, vmread %eax, %ecx
	MUST_UD VMWRITE, vmwrite %ecx, %eax
	MUST_UD VMLAUNCH, vmlaunch
	MUST_UD VMRESUME, vmresume
	MUST_UD VMXOFF, vmxoff
	MUST_UD INVEPT, invept descriptor, %eax
	MUST_UD INVVPID, invvpid descriptor, %eax
	PASS

/* #UD pushes no error code: [ESP] is the EIP of the faulting instruction. */
ud_handler:
	incl ud_count
	push %eax
	mov resume, %eax
	mov %eax, 4(%esp)
	pop %eax
	iret

	VECTORS32

	.data
	.balign 16
region_ptr:	.quad 0x20000	/* a VMCS-sized region that is never used */
descriptor:	.quad 0, 0
resume:		.long 0
ud_count:	.long 0

	GUEST_END
