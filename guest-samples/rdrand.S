/*
 * rdrand - RDRAND and RDSEED exit (secondary controls "RDRAND exiting" and "RDSEED exiting")
 * and the hypervisor answers them from a per-VM sequence seeded from the VM's id: the numbers
 * are the same on every run, and each reaches the trace, so replay gives them back.
 * 16-bit, 32-bit and 64-bit destinations (SDM Vol. 2B, RDRAND: CF = 1, OF/SF/ZF/AF/PF = 0; a
 * 16-bit destination keeps the rest of the register, a 32-bit one is zero-extended).
 * Exits: RDRAND/RDSEED, UART I/O, CR0/CR3/CR4 and EFER for long mode, the shutdown hypercall.
 */
#include "guest.h"

	.equ PML4, 0x1000

	.text
	.globl _start
	CODE16
_start:
	REAL_MODE_INIT
	mov $0x12345678, %eax
	rdrand %ax
	EXPECT jc, "RDRAND: CF clear"
	mov %eax, %ebx
	shr $16, %ebx
	cmp $0x1234, %bx
	EXPECT je, "RDRAND AX changed the upper half of EAX"
	PRINT "rdrand: real mode RDRAND AX = "
	PRINT_HEXN %eax, 4
	PRINT "\n"
	PM32_START
	rdrand %esi
	EXPECT jc, "RDRAND ESI: CF clear"
	rdseed %edi
	EXPECT jc, "RDSEED EDI: CF clear"
	PRINT "rdrand: RDRAND ESI = "
	PRINT_HEX %esi
	PRINT ", RDSEED EDI = "
	PRINT_HEX %edi
	PRINT "\n"
	cmp %esi, %edi
	EXPECT jne, "two draws gave the same number"

	/* long mode, identity-mapped by one 2 MiB page, for a 64-bit draw */
	IDMAP_2M_TABLES PML4
	PM32_TO_LONG PML4
	rdrand %r9
	EXPECT jc, "RDRAND R9: CF clear"
	PRINT "rdrand: RDRAND R9 = "
	PRINT_HEX64 %r9
	PRINT "\n"
	mov %r9, %rax
	shr $32, %rax
	EXPECT jnz, "RDRAND R9: the upper half is zero"
	PASS

	GUEST_END
