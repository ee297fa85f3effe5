/*
 * long-sce - the switch to long mode with EFER.SCE (SYSCALL enable) set beside LME: the
 * hypervisor emulates the MOV to CR0 that activates long mode and sets EFER.LMA; SCE must
 * survive it in the recording and in replay (EFER = 0x501 after the switch).
 * Identity page tables as in long64 (one 2 MiB page); EFER written once with LME | SCE.
 * Exits: MOV to CR0/CR3/CR4 (as the hypervisor chooses), RDMSR/WRMSR of EFER, UART I/O, the
 * shutdown hypercall.
 */
#include "guest.h"

	.equ PML4, 0x1000		/* three 4 KiB tables between the IVT/BDA and the image */

	.text
	.globl _start
	CODE16
_start:
	PRINT "long-sce: real mode, building identity page tables at 0x1000\n"
	IDMAP_2M_TABLES PML4
	PM32_START
	PRINT "long-sce: protected mode, setting CR4.PAE, CR3, EFER.LME, CR0.PG\n"
	PM32_TO_LONG PML4, EFER_SCE
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	test $EFER_LMA, %eax
	EXPECT jnz, "EFER.LMA is clear after enabling paging"
	PRINT "long-sce: in 64-bit mode, EFER = "
	PRINT_HEX %eax
	PRINT "\n"

	cmp $EFER_LME | EFER_LMA | EFER_SCE, %eax
	EXPECT je, "EFER is not LME | LMA | SCE in long mode"
	PRINT "long-sce: EFER.SCE kept across the switch\n"
	PASS

	GUEST_END
