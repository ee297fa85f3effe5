/*
 * flood - the bus's queues are bounded: VM 0 sends to VM 1, which never receives (run it next
 * to `hog`). The first 16 messages are queued (msg_send returns 0); the 17th finds the queue
 * full and returns HC_EAGAIN, and nothing of the sender's or the receiver's state suffers.
 * Runs as a pair (tests/system/multivm.sh): alone there is no VM 1.
 */
#include "guest.h"

	.equ QUEUE_LEN, 16

	.text
	.globl _start
	CODE16
_start:
	xor %esi, %esi				/* messages sent */
1:	mov $1, %ebx				/* to VM 1 */
	mov $msg, %ecx
	mov $msg_len, %edx
	HYPERCALL HC_MSG_SEND
	test %eax, %eax
	jnz 2f
	inc %esi
	cmp $100, %esi
	jb 1b
	FAIL "msg_send never reported a full queue"
2:	cmp $HC_EAGAIN, %eax
	EXPECT je, "msg_send failed with something else than HC_EAGAIN"
	PRINT "flood: "
	PRINT_DEC %esi
	PRINT " messages queued, then HC_EAGAIN: the queue is full\n"
	cmp $QUEUE_LEN, %esi
	EXPECT je, "the queue did not hold exactly 16 messages"
	PASS

	.data
msg:	.ascii "flood"
	.equ msg_len, . - msg

	GUEST_END
