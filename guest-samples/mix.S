/*
 * mix - real mode: computation, memory writes and exits interleaved, for the replay benchmarks
 * (replay/bench.sh): hog measures a two-instruction loop that stores on its code page; this one
 * is closer to real code. Each round: 64 xorshift32 steps in registers (about 450 instructions),
 * then 32 stores into a 4 KiB buffer on a page of its own; every 8th round a CPUID (leaf 0),
 * an exit. It runs until the instruction limit (mix.opts, or --insn-limit in the benchmark).
 * Exits: UART for the banner, then one CPUID every ~5,000 instructions and the preemption timer.
 */
#include "guest.h"

	.text
	.globl _start
	CODE16
_start:
	PRINT "mix: computes, writes and exits until the instruction limit\n"
	mov $0x12345678, %eax		/* xorshift32 state (Marsaglia 2003: 13, 17, 5) */
	xor %esi, %esi			/* offset in buf */
	xor %ebp, %ebp			/* rounds */
1:	mov $64, %cx
2:	mov %eax, %edx
	shl $13, %edx
	xor %edx, %eax
	mov %eax, %edx
	shr $17, %edx
	xor %edx, %eax
	mov %eax, %edx
	shl $5, %edx
	xor %edx, %eax
	loop 2b
	mov $32, %cx
3:	mov %eax, buf(%si)
	add $4, %si
	and $0xffc, %si
	ror $3, %eax
	loop 3b
	inc %ebp
	test $7, %bp
	jnz 1b
	push %eax
	xor %eax, %eax
	cpuid
	pop %eax
	jmp 1b

	.data
	.balign 4096
buf:	.fill 4096, 1, 0

	GUEST_END
