/*
 * hypercall - real mode: the paravirtual ABI of include/retrovisor/hypercall.h, call by call.
 *
 * VMCALL exits unconditionally (SDM Vol. 3C, "Instructions That Cause VM Exits
 * Unconditionally"); the hypervisor reads the call number in EAX and arguments in EBX, ECX,
 * EDX, ESI, answers in EAX and must leave every other register alone. Buffers are named by
 * guest-physical address: DS = 0 here, so a label is its own gpa.
 * Exits: 7 VMCALLs (console_write twice, vm_id, time twice, 0x7777, shutdown), UART I/O.
 */
#include "guest.h"

	.equ BAD_GPA, 0xFFFFF000	/* far outside the VM's 1 MiB */

/* Fail unless \reg still holds \value after a hypercall. */
.macro KEEPS reg, value
	cmp $\value, \reg
	EXPECT je, "vm_id changed \reg (only EAX may change)"
.endm

	.text
	.globl _start
	CODE16
_start:
	/* console_write(gpa, len) -> bytes written */
	mov $msg, %ebx
	mov $(msg_end - msg), %ecx
	HYPERCALL HC_CONSOLE_WRITE
	mov %eax, %edi
	PRINT "hypercall: console_write returned "
	PRINT_DEC %edi
	PRINT "\n"
	cmp $(msg_end - msg), %edi
	EXPECT je, "console_write did not return the buffer's length"

	/* vm_id() -> 0 for the only VM; every register but EAX holds its pattern afterwards. */
	mov $0x11111111, %ebx
	mov $0x22222222, %ecx
	mov $0x33333333, %edx
	mov $0x44444444, %esi
	mov $0x55555555, %edi
	mov $0x66666666, %ebp
	HYPERCALL HC_VM_ID
	KEEPS %ebx, 0x11111111
	KEEPS %ecx, 0x22222222
	KEEPS %edx, 0x33333333
	KEEPS %esi, 0x44444444
	KEEPS %edi, 0x55555555
	KEEPS %ebp, 0x66666666
	PRINT "hypercall: vm_id returned "
	PRINT_DEC %eax
	PRINT ", EBX ECX EDX ESI EDI EBP preserved\n"
	test %eax, %eax
	EXPECT jz, "vm_id is not 0"

	/* time() -> guest instructions retired, EDX = high half, EAX = low half. Instructions
	 * run between the two calls, so the second value must be larger. */
	HYPERCALL HC_TIME
	mov %eax, %esi
	mov %edx, %edi
	HYPERCALL HC_TIME
	sub %esi, %eax
	sbb %edi, %edx
	EXPECT jnc, "time went backwards"
	EXPECT jz, "time went up by 2^32 or more between two calls"
	test %eax, %eax
	EXPECT jnz, "time did not advance between two calls"
	PRINT "hypercall: time advanced by "
	PRINT_DEC %eax
	PRINT " between two calls\n"

	/* An unknown call number -> HC_ENOSYS. */
	HYPERCALL 0x7777
	PRINT "hypercall: call 0x7777 returned "
	PRINT_HEX %eax
	PRINT "\n"
	cmp $HC_ENOSYS, %eax
	EXPECT je, "an unknown call did not return HC_ENOSYS (-1)"

	/* console_write from outside the VM's memory -> HC_EFAULT, and nothing is printed. */
	mov $BAD_GPA, %ebx
	mov $16, %ecx
	HYPERCALL HC_CONSOLE_WRITE
	PRINT "hypercall: console_write(0xFFFFF000, 16) returned "
	PRINT_HEX %eax
	PRINT "\n"
	cmp $HC_EFAULT, %eax
	EXPECT je, "a buffer outside memory did not return HC_EFAULT (-2)"
	PASS

	.section .rodata
msg:	.ascii "hypercall: this line came through HC_CONSOLE_WRITE\n"
msg_end:

	GUEST_END
