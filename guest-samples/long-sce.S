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
	.equ PDPT, 0x2000
	.equ PD, 0x3000

	.text
	.globl _start
	CODE16
_start:
	PRINT "long-sce: real mode, building identity page tables at 0x1000\n"
	cld
	xor %eax, %eax
	mov $PML4, %di
	mov $3 * 1024, %cx		/* three tables of 1024 dwords */
	rep stosl			/* ES:DI, ES = 0 */
	movl $PDPT | PTE_P | PTE_RW, PML4
	movl $PD | PTE_P | PTE_RW, PDPT
	movl $0 | PTE_P | PTE_RW | PTE_PS, PD
	REAL_TO_PM32 pm

	CODE32
pm:
	LOAD_DATA_SEGMENTS
	mov $0x7C00, %esp
	PRINT "long-sce: protected mode, setting CR4.PAE, CR3, EFER.LME, CR0.PG\n"
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $PML4, %eax
	mov %eax, %cr3
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	or $EFER_LME | EFER_SCE, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0			/* long mode is active from here, in compatibility mode */
	ljmp $SEL_CODE64, $lm

	CODE64
lm:
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
