/*
 * pong - VM 1 of a pair with ping (VM 0): answers five messages over the inter-VM bus.
 *
 * pong waits in msg_recv (blocking, without spinning) for "ping N", N = 1..5 in order, and
 * answers each with "pong N" to whichever VM the hypervisor names as its sender in ESI; every
 * "ping N" must come from the same sender. Anything else (another VM's noise) is skipped and
 * counted, so a flooder beside the pair costs pong only time. Runs only together with ping (a system file; see
 * README.md): alone, the first receive times out after 1 s of virtual time and pong FAILs.
 * Exits: vm_id, vm_name, 5 msg_recv (each blocking once, typically), 5 msg_send, UART I/O,
 * the shutdown hypercall.
 */
#include "guest.h"
#include "pingpong.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT_WHOAMI msg

	mov $'1', %dl			/* DL: the round's digit */
round:
	RECV_MSG msg
	cmp $HC_EAGAIN, %eax
	EXPECT jne, "no message within 1 s of virtual time"
	test %eax, %eax
	jns 1f
	PRINT "pong: msg_recv returned "
	PRINT_HEX %eax
	PRINT "\n"
	FAIL "msg_recv failed"
	/* Anything that is not a 6-byte "ping ..." is another VM's noise (a flooder's): skip it. */
1:	cmp $MSG_LEN, %eax
	jne 4f
	cmpl $WORD_PING, msg
	je 5f
4:	incl ignored
	jmp round
5:	PRINT "pong: got '"
	PUTS msg
	PRINT "' ("
	PRINT_DEC %eax
	PRINT " bytes) from VM "
	PRINT_DEC %esi
	PRINT "\n"
	CHECK_MSG msg, WORD_PING, "the message is not 'ping N' for this round's N"
	cmp $'1', %dl
	jne 2f
	mov %esi, partner		/* the first sender is the partner */
2:	cmp partner, %esi
	EXPECT je, "a message came from another VM than the first one"

	mov %dl, reply + 5
	mov %esi, %ebx			/* answer the sender */
	mov $reply, %ecx
	PUSHR dx
	mov $MSG_LEN, %edx
	HYPERCALL HC_MSG_SEND
	POPR dx
	test %eax, %eax
	jz 3f
	PRINT "pong: msg_send returned "
	PRINT_HEX %eax
	PRINT "\n"
	FAIL "msg_send of the reply failed"
3:	PRINT "pong: sent '"
	PUTS reply
	PRINT "'\n"
	inc %dl
	cmp $'1' + ROUNDS, %dl
	jb round

	PRINT "pong: answered 5 messages, ignored "
	mov ignored, %eax
	PRINT_DEC %eax
	PRINT " others\n"
	PASS

	.data
	.balign 4
partner:	.long 0
ignored:	.long 0
reply:		.ascii "pong 0"
		.byte 0			/* for printing; not sent */
msg:		.fill RECV_SIZE + 1, 1, 0

	GUEST_END
