/*
 * pingpong.h - the little protocol the ping and pong samples speak over the inter-VM bus.
 *
 * ping (VM 0) sends "ping N" to VM 1 for N = 1..ROUNDS and waits for "pong N" after each;
 * pong (VM 1) answers every "ping N" with "pong N" to the VM the hypervisor names as sender
 * (ESI after msg_recv). Messages are MSG_LEN bytes, no NUL. Each receive waits at most
 * RECV_TIMEOUT instructions of virtual time, so a partner that died gives a FAIL, not a hang.
 */
#ifndef PINGPONG_H
#define PINGPONG_H

	.equ ROUNDS, 5
	.equ MSG_LEN, 6			/* "ping N" */
	.equ RECV_SIZE, 64		/* receive buffer: room for anything a partner sends */
	.equ RECV_TIMEOUT, 100000000	/* 1 s of virtual time */

/* Fill the receive buffer with zeros, then msg_recv into it: EAX = length or HC_E*, ESI =
 * sender. Clobbers ECX, EDI. */
.macro RECV_MSG buf
	mov $\buf, %edi
	mov $RECV_SIZE + 1, %ecx
.Lclear\@:
	movb $0, (%edi)
	inc %edi
	dec %ecx
	jnz .Lclear\@
	PUSHR bx
	PUSHR dx
	mov $\buf, %ebx
	mov $RECV_SIZE, %ecx
	mov $RECV_TIMEOUT, %edx
	HYPERCALL HC_MSG_RECV
	POPR dx
	POPR bx
.endm

/* Fail unless the MSG_LEN bytes at \buf are "\word N", N the digit in DL. Clobbers nothing. */
.macro CHECK_MSG buf, word, why
	cmpl $\word, \buf
	EXPECT je, "\why"
	cmpb $' ', \buf + 4
	EXPECT je, "\why"
	cmpb %dl, \buf + 5
	EXPECT je, "\why"
.endm

/* The first four bytes of a message as the little-endian dword CMPL sees. */
	.equ WORD_PING, 0x676E6970	/* "ping" */
	.equ WORD_PONG, 0x676E6F70	/* "pong" */

/* Print "<name>: I am VM <id>, named <name>" from the vm_id and vm_name hypercalls (the
 * id decides nothing: it is only shown). Clobbers EAX. */
.macro PRINT_WHOAMI buf
	HYPERCALL HC_VM_ID
	PRINT GUEST_NAME
	PRINT ": I am VM "
	PRINT_DEC %eax
	PUSHR bx
	PUSHR cx
	mov $\buf, %ebx
	mov $RECV_SIZE, %ecx
	HYPERCALL HC_VM_NAME
	POPR cx
	POPR bx
	test %eax, %eax
	EXPECT jns, "vm_name failed"
	PRINT ", named "
	PUTS \buf
	PRINT "\n"
.endm

#endif
