/*
 * cpuid - real mode: what CPUID tells a guest about the CPU and the hypervisor under it.
 *
 * CPUID exits unconditionally under VMX (SDM Vol. 3C, "Instructions That Cause VM Exits
 * Unconditionally"), so every answer here is the hypervisor's: it passes the vendor through,
 * sets leaf 1 ECX bit 31 ("a hypervisor is present", reserved for this use; always 0 on bare
 * metal), hides leaf 1 ECX bit 5 (VMX: this guest cannot nest further) and answers the
 * hypervisor leaves 0x40000000.. itself (SDM Vol. 2A, CPUID).
 * Exits: 4 CPUID, plus two UART exits per printed byte.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	/* Leaf 0: EAX = highest basic leaf, EBX-EDX-ECX = the vendor string, 12 ASCII bytes. */
	xor %eax, %eax
	cpuid
	mov %ebx, vendor
	mov %edx, vendor + 4
	mov %ecx, vendor + 8
	PRINT "cpuid: leaf 0: max basic leaf "
	PRINT_HEX %eax
	PRINT ", vendor "
	PUTS vendor
	PRINT "\n"
	cmp $1, %eax
	EXPECT jae, "leaf 0: the highest basic leaf is below 1"
	or %ecx, %ebx
	or %edx, %ebx
	EXPECT jnz, "leaf 0: the vendor string is empty"

	/* Leaf 1: feature flags in ECX and EDX. */
	mov $1, %eax
	cpuid
	PRINT "cpuid: leaf 1: ECX "
	PRINT_HEX %ecx
	PRINT "\n"
	bt $31, %ecx
	EXPECT jc, "leaf 1: ECX bit 31 (hypervisor present) is clear"
	bt $5, %ecx
	EXPECT jnc, "leaf 1: ECX bit 5 (VMX) is set, but the guest cannot use VMX"
	PRINT "cpuid: leaf 1: hypervisor bit set, VMX bit clear\n"

	/* Leaf 0x40000000: EAX = highest hypervisor leaf, EBX-ECX-EDX = the signature. */
	mov $HV_CPUID_BASE, %eax
	cpuid
	mov %ebx, signature
	mov %ecx, signature + 4
	mov %edx, signature + 8
	PRINT "cpuid: leaf 0x40000000: max hypervisor leaf "
	PRINT_HEX %eax
	PRINT "\n"
	cmp $HV_CPUID_MAX, %eax
	EXPECT jae, "leaf 0x40000000: EAX is below 0x40000001"
	PRINT "cpuid: signature "
	PUTS signature
	PRINT "\n"
	cmp $HV_CPUID_SIG_EBX, %ebx
	EXPECT je, "leaf 0x40000000: EBX is not \"Retr\""
	cmp $HV_CPUID_SIG_ECX, %ecx
	EXPECT je, "leaf 0x40000000: ECX is not \"ovis\""
	cmp $HV_CPUID_SIG_EDX, %edx
	EXPECT je, "leaf 0x40000000: EDX is not \"orHV\""

	/* Leaf 0x40000001: EAX = version (major << 16 | minor), EBX = VM id, ECX = VM count. */
	mov $HV_CPUID_BASE + 1, %eax
	cpuid
	PRINT "cpuid: leaf 0x40000001: version "
	PRINT_HEX %eax
	PRINT ", vm id "
	PRINT_DEC %ebx
	PRINT ", vm count "
	PRINT_DEC %ecx
	PRINT "\n"
	PASS

	.data
vendor:		.fill 13, 1, 0		/* 12 bytes and a NUL */
signature:	.fill 13, 1, 0

	GUEST_END
