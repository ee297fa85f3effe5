/*
 * ping - VM 0 of a pair with pong (VM 1): five round trips over the inter-VM bus.
 *
 * msg_send copies the bytes into VM 1's queue (the hypervisor copies through EPT: the VMs share
 * no memory); msg_recv blocks this VM, without spinning, until a message arrives or the timeout
 * passes, and names the sender in ESI. For N = 1..5 ping sends "ping N" and checks the reply is
 * exactly "pong N" from VM 1; other messages (another VM's noise) are skipped and counted. Before that, a message over the 1024-byte limit must be refused
 * with HC_E2BIG. Runs only together with pong (a system file; see README.md): alone, the send
 * to VM 1 fails with HC_ENOVM.
 * Exits: vm_id, vm_name, 6 msg_send, 5 msg_recv (each blocking once, typically), UART I/O,
 * the shutdown hypercall.
 */
#include "guest.h"
#include "pingpong.h"

	.equ PONG_VM, 1
	.equ BUS_MSG_MAX, 1024

	.text
	.globl _start
	CODE16
_start:
	PRINT_WHOAMI reply

	mov $PONG_VM, %ebx
	mov $msg, %ecx
	mov $BUS_MSG_MAX + 1, %edx
	HYPERCALL HC_MSG_SEND
	PRINT "ping: a 1025-byte message returned "
	PRINT_HEX %eax
	PRINT "\n"
	cmp $HC_ENOVM, %eax
	EXPECT jne, "there is no VM 1: ping runs only with pong as VM 1"
	cmp $HC_E2BIG, %eax
	EXPECT je, "a message over 1024 bytes was not refused with HC_E2BIG (-4)"

	mov $'1', %dl			/* DL: this round's digit */
round:
	mov %dl, msg + 5
	mov $PONG_VM, %ebx
	mov $msg, %ecx
	PUSHR dx
	mov $MSG_LEN, %edx
	HYPERCALL HC_MSG_SEND
	POPR dx
	test %eax, %eax
	jz 1f
	PRINT "ping: msg_send to VM 1 returned "
	PRINT_HEX %eax
	PRINT "\n"
	FAIL "msg_send to VM 1 failed (is pong running as VM 1?)"
1:	PRINT "ping: sent '"
	PUTS msg
	PRINT "' to VM 1\n"

wait:	RECV_MSG reply
	cmp $HC_EAGAIN, %eax
	EXPECT jne, "no reply within 1 s of virtual time"
	test %eax, %eax
	jns 2f
	PRINT "ping: msg_recv returned "
	PRINT_HEX %eax
	PRINT "\n"
	FAIL "msg_recv failed"
	/* A message from another VM than pong, or of another length, is noise: skip it. */
2:	cmp $PONG_VM, %esi
	jne 3f
	cmp $MSG_LEN, %eax
	je 4f
3:	incl ignored
	jmp wait
4:	PRINT "ping: got '"
	PUTS reply
	PRINT "' ("
	PRINT_DEC %eax
	PRINT " bytes) from VM "
	PRINT_DEC %esi
	PRINT "\n"
	CHECK_MSG reply, WORD_PONG, "the reply is not 'pong N' for this round's N"
	inc %dl
	cmp $'1' + ROUNDS, %dl
	jb round

	PRINT "ping: 5 round trips, every reply right; ignored "
	mov ignored, %eax
	PRINT_DEC %eax
	PRINT " other messages\n"
	PASS

	.data
msg:	.ascii "ping 0"
	.byte 0				/* for printing; not sent */
reply:	.fill RECV_SIZE + 1, 1, 0
	.balign 4
ignored:	.long 0

	GUEST_END
