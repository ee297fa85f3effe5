/*
 * hostile-busflood - VM 2 beside ping (VM 0) and pong (VM 1): sends 1-byte messages to both, as
 * fast as it can, forever (ended by an instruction limit). First it reports how many of its
 * messages each queue took before the first refusal: with the bus's per-sender shares that is
 * its own share (HC_EAGAIN), and ping and pong keep theirs and still PASS; with a <bus> policy
 * that does not let it send to them, every send is refused with HC_EPERM (-7).
 * Exits: msg_send, forever; UART I/O.
 */
#include "guest.h"

/* Send 1-byte messages to VM \vm until one is refused; print how many went in and the error. */
.macro FLOOD_REPORT vm
	xor %esi, %esi
1:	mov $\vm, %ebx
	mov $byte, %ecx
	mov $1, %edx
	HYPERCALL HC_MSG_SEND
	test %eax, %eax
	jnz 2f
	inc %esi
	cmp $100000, %esi
	jb 1b
2:	PRINT "hostile-busflood: VM \vm took "
	PRINT_DEC %esi
	PRINT " messages, then refused with "
	PRINT_HEX %eax
	PRINT "\n"
.endm

	.text
	.globl _start
	CODE16
_start:
	PRINT "hostile-busflood: flooding VM 0 and VM 1 with 1-byte messages\n"
	FLOOD_REPORT 0
	FLOOD_REPORT 1
forever:
	mov $0, %ebx
	mov $byte, %ecx
	mov $1, %edx
	HYPERCALL HC_MSG_SEND
	mov $1, %ebx
	mov $byte, %ecx
	mov $1, %edx
	HYPERCALL HC_MSG_SEND
	jmp forever

	.data
byte:	.byte 0x55

	GUEST_END
