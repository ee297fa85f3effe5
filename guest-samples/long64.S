/*
 * long64 - real mode -> protected mode -> IA-32e (64-bit) mode, then 64-bit arithmetic.
 *
 * Long mode needs paging, and paging needs page tables; this guest builds the smallest set that
 * identity-maps its memory: PML4[0] -> PDPT[0] -> PD[0], a 2 MiB page at physical 0 (PS = 1),
 * which covers the VM's 1 MiB. The order is the one the SDM requires (Vol. 3A, "Initializing
 * IA-32e Mode"): protected mode with paging off, CR4.PAE = 1, CR3 = the PML4, EFER.LME = 1,
 * then CR0.PG = 1, which turns on long mode (the CPU sets EFER.LMA), still in 32-bit
 * "compatibility" code until a far jump loads a code segment with L = 1 (IDMAP_2M_TABLES and
 * PM32_TO_LONG in guest.h).
 * Then R8-R15, which only 64-bit code can use, across VM exits.
 * Exits: MOV to CR0/CR3/CR4 (as the hypervisor chooses), RDMSR/WRMSR of EFER, CPUID, UART I/O,
 * the shutdown hypercall.
 */
#include "guest.h"

	.equ PML4, 0x1000		/* three 4 KiB tables between the IVT/BDA and the image */

	.text
	.globl _start
	CODE16
_start:
	PRINT "long64: real mode, building identity page tables at 0x1000\n"
	IDMAP_2M_TABLES PML4
	PM32_START
	PRINT "long64: protected mode, setting CR4.PAE, CR3, EFER.LME, CR0.PG\n"
	PM32_TO_LONG PML4
	mov $MSR_IA32_EFER, %ecx
	rdmsr
	test $EFER_LMA, %eax
	EXPECT jnz, "EFER.LMA is clear after enabling paging"
	PRINT "long64: in 64-bit mode, EFER = "
	PRINT_HEX %eax
	PRINT "\n"

	/* A value that needs all 64 bits of RAX: in any other mode the upper half is gone. */
	mov $0xDEADBEEF, %eax
	shl $32, %rax
	mov $0xCAFEF00D, %edx		/* a 32-bit move zero-extends into RDX */
	or %rdx, %rax
	mov %rax, %rbx
	ror $32, %rbx			/* swap the halves */
	PRINT "long64: RAX = "
	PRINT_HEX64 %rax
	PRINT ", halves swapped "
	PRINT_HEX64 %rbx
	PRINT "\n"
	movabs $0xDEADBEEFCAFEF00D, %rcx
	cmp %rcx, %rax
	EXPECT je, "64-bit arithmetic gave the wrong value"
	movabs $0xCAFEF00DDEADBEEF, %rcx
	cmp %rcx, %rbx
	EXPECT je, "a 64-bit rotate gave the wrong value"

	/* R8-R15 exist only in 64-bit mode: the hypervisor loads and saves them only now. They must
	 * cross exits unchanged, and a change between two exits must reach the trace (replay checks
	 * every register at every exit). */
	movabs $0x0808080808080808, %r8
	movabs $0x0909090909090909, %r9
	movabs $0x0A0A0A0A0A0A0A0A, %r10
	movabs $0x0B0B0B0B0B0B0B0B, %r11
	movabs $0x0C0C0C0C0C0C0C0C, %r12
	movabs $0x0D0D0D0D0D0D0D0D, %r13
	movabs $0x0E0E0E0E0E0E0E0E, %r14
	movabs $0x0F0F0F0F0F0F0F0F, %r15
	xor %eax, %eax
	cpuid				/* an exit with R8-R15 live */
	inc %r9
	xor %eax, %eax
	cpuid
	mov %r8, %rax
	xor %r9, %rax
	xor %r10, %rax
	xor %r11, %rax
	xor %r12, %rax
	xor %r13, %rax
	xor %r14, %rax
	xor %r15, %rax
	cmp $3, %rax			/* the bytes cancel out but for R9's increment */
	EXPECT je, "R8-R15 were not carried across VM exits"
	PRINT "long64: R8-R15 carried across exits\n"
	PASS

	GUEST_END
