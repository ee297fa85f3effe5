/*
 * msr - real mode: RDMSR/WRMSR of EFER work, an unknown MSR raises #GP.
 *
 * RDMSR and WRMSR exit when the MSR bitmap says so (SDM Vol. 3C, "Instructions That Cause VM
 * Exits Conditionally"). Retrovisor emulates EFER and answers any MSR it does not know the way
 * a CPU does: it injects #GP(0) and the instruction does not execute (SDM Vol. 2B, RDMSR).
 * A real-mode #GP goes through the IVT like any interrupt: the CPU pushes FLAGS, CS and the IP
 * of the faulting instruction (real mode pushes no error code) and jumps to the far pointer at
 * 0:4*13 = 0:0x34. Our handler counts the fault, records the IP and steps over the 2-byte
 * instruction, so the guest can check that exactly the right instruction faulted.
 * Exits: 6 RDMSR/WRMSR (2 of them answered with #GP), UART I/O, the shutdown hypercall.
 */
#include "guest.h"

	.equ GP_VECTOR, 13
	.equ UNKNOWN_MSR, 0x12345678

	.text
	.globl _start
	CODE16
_start:
	movw $gp_handler, GP_VECTOR * 4		/* IVT entry: offset, then segment */
	movw $0, GP_VECTOR * 4 + 2

	/* EFER: read it, set LME (allowed with paging off: it only arms long mode), read it back,
	 * clear it again. None of this may fault. */
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	PRINT "msr: EFER = "
	PRINT_HEX %eax
	PRINT "\n"
	mov %eax, %esi
	or $EFER_LME, %eax
	wrmsr
	xor %eax, %eax
	rdmsr
	test $EFER_LME, %eax
	EXPECT jnz, "EFER.LME does not read back after WRMSR"
	mov %esi, %eax
	wrmsr
	cmpb $0, gp_count
	EXPECT je, "RDMSR/WRMSR of EFER raised #GP"
	PRINT "msr: EFER.LME written and read back, no #GP\n"

	/* An MSR nobody implements: RDMSR must fault, and at the RDMSR itself. */
	mov $UNKNOWN_MSR, %ecx
bad_rdmsr:
	rdmsr
	cmpb $1, gp_count
	EXPECT je, "RDMSR 0x12345678 did not raise #GP"
	cmpw $bad_rdmsr, gp_ip
	EXPECT je, "the #GP did not point at the RDMSR"
	PRINT "msr: RDMSR 0x12345678 raised #GP at "
	PRINT_HEX gp_ip
	PRINT "\n"

	/* WRMSR to it faults the same way. */
bad_wrmsr:
	wrmsr
	cmpb $2, gp_count
	EXPECT je, "WRMSR 0x12345678 did not raise #GP"
	cmpw $bad_wrmsr, gp_ip
	EXPECT je, "the #GP did not point at the WRMSR"
	PRINT "msr: WRMSR 0x12345678 raised #GP too\n"
	PASS

/* #GP handler. Stack: [BP] saved BP, [BP+2] IP of the faulting instruction, [BP+4] CS,
 * [BP+6] FLAGS. RDMSR (0F 32) and WRMSR (0F 30) are both 2 bytes long. */
gp_handler:
	push %bp
	mov %sp, %bp
	push %ax
	mov 2(%bp), %ax
	mov %ax, gp_ip
	addw $2, 2(%bp)
	incb gp_count
	pop %ax
	pop %bp
	iret

	.data
	.balign 4
gp_ip:		.long 0
gp_count:	.byte 0

	GUEST_END
