/*
 * hostile-hypercalls - 20,000 VMCALLs with random call numbers and random arguments, as a fuzzer
 * would send them: numbers 0-15 (all eight calls and eight that do not exist) except 8, the
 * shutdown; EBX, ECX, EDX, ESI random 32-bit values (buffer addresses almost always outside the
 * VM's 1 MiB, lengths, VM ids, receive timeouts in instructions).
 *
 * Each call must come back with EAX >= 0 or one of the HC_E* codes (-1 to -6; `time` returns
 * the clock, any value), the hypervisor
 * must survive, and so must the guest: a buffer that lands inside the VM's memory is the VM's
 * own business (this seed's do not hit the code). A receive with nothing queued blocks until its
 * timeout (virtual time jumps ahead when every VM waits). xorshift32 (Marsaglia) makes the same
 * 20,000 calls every run, so the trace replays.
 * Exits: 20,000 VMCALLs, UART I/O, the shutdown hypercall.
 */
#include "guest.h"

	.equ CALLS, 20000

/* EBP = xorshift32(EBP); EAX = the new value. */
.macro RAND
	mov %ebp, %eax
	shl $13, %eax
	xor %eax, %ebp
	mov %ebp, %eax
	shr $17, %eax
	xor %eax, %ebp
	mov %ebp, %eax
	shl $5, %eax
	xor %eax, %ebp
	mov %ebp, %eax
.endm

	.text
	.globl _start
	CODE16
_start:
	mov $0x2545F491, %ebp		/* the seed */
	mov $CALLS, %edi
1:	RAND
	mov %eax, %ebx
	RAND
	mov %eax, %ecx
	RAND
	mov %eax, %edx
	RAND
	mov %eax, %esi
	RAND
	and $15, %eax
	cmp $HC_SHUTDOWN, %eax
	je 1b				/* the only call that would end the run: not this one */
	push %eax
	vmcall
	pop %ebx
	cmp $HC_TIME, %ebx
	je 3f				/* the clock's low half: any value */
	cmp $-6, %eax
	jl 2f				/* a negative value below HC_EINVAL: not a result the ABI has */
3:	dec %edi
	jnz 1b
	PRINT "hostile-hypercalls: 20000 random hypercalls, each answered with a result or an HC_E* code\n"
	PASS
2:	FAIL "a hypercall returned a value that is neither a result nor an HC_E* code"

	GUEST_END
