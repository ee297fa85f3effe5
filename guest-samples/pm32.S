/*
 * pm32 - real mode -> 32-bit protected mode, then a memory access only protected mode can make.
 *
 * The switch itself is REAL_TO_PM32 and LOAD_DATA_SEGMENTS in guest.h (LGDT, CR0.PE, far jump,
 * segment reloads). Proof that the CPU really is in 32-bit protected mode with 4 GiB segments:
 * a real-mode guest cannot address above DS.base + 0xFFFF (the limit check faults), but here a
 * 32-bit offset writes and reads back memory at 512 KiB and in the last dword of the 1 MiB VM.
 * Exits: MOV to CR0 (if the hypervisor owns CR0.PE), UART I/O, the shutdown hypercall.
 */
#include "guest.h"

	.equ PATTERN, 0x5AA5C33C
	.equ FAR_ADDR1, 0x00080000	/* 512 KiB */
	.equ FAR_ADDR2, 0x000FFFFC	/* the last dword of the VM's 1 MiB */

	.text
	.globl _start
	CODE16
_start:
	PRINT "pm32: real mode, loading a GDT and setting CR0.PE\n"
	REAL_TO_PM32 pm

	CODE32
pm:
	LOAD_DATA_SEGMENTS
	mov $0x7C00, %esp		/* the same stack, now through the flat SS */
	PRINT "pm32: in 32-bit protected mode, CS = "
	xor %eax, %eax
	mov %cs, %ax
	PRINT_HEX %eax
	PRINT "\n"
	cmp $SEL_CODE32, %eax
	EXPECT je, "CS is not the 32-bit code selector after the far jump"
	mov %cr0, %eax
	test $CR0_PE, %eax
	EXPECT jnz, "CR0.PE reads back clear"

	mov $FAR_ADDR1, %edi
	mov $FAR_ADDR2, %esi
	movl $PATTERN, (%edi)
	movl $~PATTERN, (%esi)
	cmpl $PATTERN, (%edi)
	EXPECT je, "the dword at 0x00080000 did not read back"
	cmpl $~PATTERN, (%esi)
	EXPECT je, "the dword at 0x000FFFFC did not read back"
	PRINT "pm32: 32-bit addressing: wrote and read back 0x00080000 and 0x000FFFFC\n"
	PASS

	GUEST_END
