/*
 * hostile-xsetbv - XCR0 values a CPU refuses must give the guest #GP, never reach the real CPU.
 *
 * XSETBV exits unconditionally in VMX non-root operation, and the hypervisor then executes XSETBV
 * itself, in VMX root operation, where a value the CPU refuses is a #GP in the hypervisor: every
 * VM would die with it. So the hypervisor must apply every rule of SDM Vol. 1, 13.3 first and
 * answer a broken one with #GP(0) to the guest, as the CPU would. The three values that used to
 * stop the hypervisor (AVX-512 state bits without all of them, or without AVX) come first, then
 * every other rule: x87 cleared, AVX without SSE, one MPX bit alone, a reserved bit, ECX != 0.
 * Between them valid values must still work. (XGETBV would read them back, but the replay CPU,
 * Unicorn, stops at XGETBV: replay does not model XCR0 yet.)
 * Real mode (CPL 0): a #GP goes through the IVT; the handler counts it and steps over the
 * 3-byte XSETBV (0F 01 D1).
 * Exits: about 12 XSETBV (9 answered with #GP), CPUID, UART I/O, the shutdown hypercall.
 */
#include "guest.h"

	.equ GP_VECTOR, 13

/* XSETBV with XCR0 = EDX:EAX = hi:lo, ECX = xcr; it must raise #GP (want = 1) or not (0). */
.macro TRY_XSETBV lo, hi, xcr, want, what
	movb $0, gp_count
	mov $\lo, %eax
	mov $\hi, %edx
	mov $\xcr, %ecx
	xsetbv
	cmpb $\want, gp_count
.if \want
	EXPECT je, "XSETBV \what did not raise #GP"
	PRINT "hostile-xsetbv: \what: #GP as expected\n"
.else
	EXPECT je, "XSETBV \what raised #GP"
	PRINT "hostile-xsetbv: \what accepted\n"
.endif
.endm

	.text
	.globl _start
	CODE16
_start:
	movw $gp_handler, GP_VECTOR * 4
	movw $0, GP_VECTOR * 4 + 2
	mov %cr4, %eax
	or $CR4_OSXSAVE, %eax
	mov %eax, %cr4

	/* What this CPU lets XCR0 enable (CPUID.(0DH,0):EAX): the AVX-512 checks need bits 5-7. */
	mov $0xd, %eax
	xor %ecx, %ecx
	cpuid
	mov %eax, %esi
	and $0xe7, %esi
	cmp $0xe7, %esi
	EXPECT je, "this CPU model has no AVX-512 state (run with --cpu corei7_skylake_x)"

	TRY_XSETBV 0x27, 0, 0, 1, "XCR0=0x27 (opmask without ZMM)"
	TRY_XSETBV 0x61, 0, 0, 1, "XCR0=0x61 (AVX-512 without SSE/AVX)"
	TRY_XSETBV 0xE3, 0, 0, 1, "XCR0=0xE3 (AVX-512 without AVX)"
	TRY_XSETBV 0x07, 0, 0, 0, "XCR0=0x07"
	TRY_XSETBV 0x47, 0, 0, 1, "XCR0=0x47 (ZMM_Hi256 alone)"
	TRY_XSETBV 0x02, 0, 0, 1, "XCR0=0x02 (x87 cleared)"
	TRY_XSETBV 0x05, 0, 0, 1, "XCR0=0x05 (AVX without SSE)"
	TRY_XSETBV 0x0B, 0, 0, 1, "XCR0=0x0B (BNDREGS without BNDCSR)"
	TRY_XSETBV 0x03, 0x80000000, 0, 1, "XCR0 bit 63 (reserved)"
	TRY_XSETBV 0x103, 0, 0, 1, "XCR0 bit 8 (a supervisor component)"
	TRY_XSETBV 0x03, 0, 1, 1, "ECX=1 (no such XCR)"
	TRY_XSETBV 0xE7, 0, 0, 0, "XCR0=0xE7 (AVX-512)"
	TRY_XSETBV 0x01, 0, 0, 0, "XCR0=0x01"
	PASS

/* #GP handler: [BP+2] is the IP of the faulting XSETBV (real mode pushes no error code). */
gp_handler:
	push %bp
	mov %sp, %bp
	addw $3, 2(%bp)
	incb gp_count
	pop %bp
	iret

	.data
gp_count:	.byte 0

	GUEST_END
