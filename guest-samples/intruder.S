/*
 * intruder - tries to reach beyond its memory; the hypervisor must refuse, then stop it.
 *
 * Through the hypervisor: console_write from a buffer at 2 MiB, and from one that starts inside
 * the VM's 1 MiB but runs 8 bytes past its end, both HC_EFAULT; vm_name into a buffer at 2 MiB,
 * HC_EFAULT (the hypervisor must not write there for it); msg_send to VM 9, which does not
 * exist, HC_ENOVM. Then by itself: in 32-bit protected mode it reads guest-physical 2 MiB,
 * which its EPT does not map. The EPT violation must stop this VM ("access outside its
 * memory", with the address) and nothing else: in a system its neighbours finish with PASS.
 * If the read returns, the guest reports FAIL.
 * Exits: 4 VMCALLs, CR0, UART I/O, one EPT violation.
 */
#include "guest.h"

	.equ OUTSIDE, 0x00200000	/* 2 MiB: past the VM's 1 MiB */
	.equ STRADDLE, 0x000FFFF8	/* 8 bytes before the end of 1 MiB */
	.equ NO_SUCH_VM, 9

/* Print "intruder: <what> returned <EAX>" and fail unless EAX is \want. */
.macro RESULT what, want, why
	PRINT "intruder: \what returned "
	PRINT_HEX %eax
	PRINT "\n"
	cmp $\want, %eax
	EXPECT je, "\why"
.endm

	.text
	.globl _start
	CODE16
_start:
	mov $OUTSIDE, %ebx
	mov $16, %ecx
	HYPERCALL HC_CONSOLE_WRITE
	RESULT "console_write(0x00200000, 16)", HC_EFAULT, "console_write: not HC_EFAULT (-2) for 2 MiB"

	mov $STRADDLE, %ebx
	mov $16, %ecx
	HYPERCALL HC_CONSOLE_WRITE
	RESULT "console_write(0x000FFFF8, 16)", HC_EFAULT, "not HC_EFAULT (-2) across the end"

	mov $OUTSIDE, %ebx
	mov $32, %ecx
	HYPERCALL HC_VM_NAME
	RESULT "vm_name(0x00200000, 32)", HC_EFAULT, "vm_name: not HC_EFAULT (-2) for 2 MiB"

	mov $NO_SUCH_VM, %ebx
	mov $msg, %ecx
	mov $(msg_end - msg), %edx
	HYPERCALL HC_MSG_SEND
	RESULT "msg_send to VM 9", HC_ENOVM, "msg_send: not HC_ENOVM (-3) for VM 9"

	PM32_START
	PRINT "intruder: about to read outside memory, at 0x00200000\n"
	mov OUTSIDE, %eax
	PRINT "intruder: read "
	PRINT_HEX %eax
	PRINT " at 0x00200000\n"
	FAIL "a read outside its memory did not stop the VM"

	.section .rodata
msg:	.ascii "let me in"
msg_end:

	GUEST_END
