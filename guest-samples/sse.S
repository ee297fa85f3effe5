/*
 * sse - the x87/SSE state a VM starts with, and SSE under a non-default MXCSR.
 *
 * A VM starts with the x87/SSE reset state (FCW 0x037F, MXCSR 0x1F80: all exceptions masked,
 * round to nearest; SDM Vol. 1, 8.1.5 and 10.2.3.1), which the trace records in the VM's start
 * state: replay must start from it too, or the first instruction that depends on it differs
 * (FNSTCW and STMXCSR here, before anything sets them). Then CR4.OSFXSR (SSE allowed, SDM Vol. 3A, 2.5), CVTSS2SI of 2.75 under round to
 * nearest (3), LDMXCSR with round toward zero (MXCSR.RC = 11b) and the same conversion (2), and
 * the x87 FISTP of 2.75 under the default FCW (3).
 * Exits: UART I/O, the shutdown hypercall (none of the FPU/SSE work exits).
 */
#include "guest.h"


	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	PM32_START
	mov %cr0, %eax
	and $~CR0_EM, %eax
	or $CR0_MP, %eax
	mov %eax, %cr0
	mov %cr4, %eax
	or $CR4_OSFXSR | CR4_OSXMMEXCPT, %eax
	mov %eax, %cr4

	stmxcsr mxcsr			/* before any x87/SSE instruction: the start state */
	fnstcw fcw
	movzwl fcw, %eax
	PRINT "sse: at start MXCSR = "
	PRINT_HEX mxcsr
	PRINT ", FCW = "
	PRINT_HEXN %eax, 4
	PRINT "\n"
	cmp $0x037F, %eax
	EXPECT je, "FCW at start is not the reset value 0x037F"
	cmpl $0x1F80, mxcsr
	EXPECT je, "MXCSR is not the reset value 0x1F80"

	movss value, %xmm1
	cvtss2si %xmm1, %ebx		/* round to nearest: 3 */
	ldmxcsr toward_zero
	cvtss2si %xmm1, %ecx		/* round toward zero: 2 (and MXCSR.PE set: not read back,
					 * replay does not model the exception flags) */
	flds value
	fistpl x87			/* FCW.RC = nearest: 3 */
	PRINT "sse: CVTSS2SI 2.75 = "
	PRINT_DEC %ebx
	PRINT " (nearest), "
	PRINT_DEC %ecx
	PRINT " (toward zero), FISTP "
	PRINT_DEC x87
	PRINT "\n"
	cmp $3, %ebx
	EXPECT je, "CVTSS2SI under round to nearest"
	cmp $2, %ecx
	EXPECT je, "CVTSS2SI under round toward zero"
	cmpl $3, x87
	EXPECT je, "FISTP under the default FCW"
	PASS

	.data
	.balign 4
value:		.float 2.75
toward_zero:	.long 0x7F80
mxcsr:		.long 0
x87:		.long 0
fcw:		.word 0

	GUEST_END
