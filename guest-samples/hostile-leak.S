/*
 * hostile-leak - the CPU state no VMCS field holds must stay with its VM.
 *
 * Two VMs run this same guest (tests/system/hostile-cpu.sh); alone it passes too. Each puts
 * values derived from its own VM id (k = id + 1) into every register a VM entry does not load
 * and a VM exit does not save: XMM0 and the upper half of YMM0, MXCSR, the x87 control word, CR2,
 * DR0-DR3, DR6, CR8 (the TPR), KERNEL_GS_BASE (after a SWAPGS, so the CPU changed it without an
 * exit), STAR, LSTAR, CSTAR and FMASK. Then it yields three times, so the other VM runs and sets
 * its own, and checks every value survived. A last check: SYSCALL must land where this VM's
 * LSTAR points (each VM picks a different landing pad), not where the other VM's does. First of
 * all, it must start with the reset x87/SSE state (FCW 0x037F, MXCSR 0x1F80, XMM0 = 0).
 * 64-bit mode (CR8, SWAPGS and SYSCALL exist only there), reached as in long64.
 * hostile-leak-all builds this file with LEAK_ALL = 1, which adds what the replay CPU cannot
 * follow yet (issue 12; tests/system/hostile-cpu.sh does not replay it): the check that the VM
 * starts with the reset FPU state (replay does not load it), CR2 and CR8 (Unicorn reads back
 * neither), YMM0's upper half after XSETBV (Unicorn has no AVX) and the SYSCALL (replay drops
 * EFER.SCE).
 * Exits: CR0/CR3/CR4, XSETBV, RDMSR/WRMSR (EFER and the MSRs above), VMCALL (vm_id, yield),
 * UART I/O, the shutdown hypercall.
 */
#include "guest.h"

#ifndef LEAK_ALL
#define LEAK_ALL 0
#endif

	.equ PML4, 0x1000

/* WRMSR msr <- reg (64-bit). */
.macro WRMSR64 msr, reg
	mov \reg, %rax
	mov %rax, %rdx
	shr $32, %rdx
	mov $\msr, %ecx
	wrmsr
.endm
/* RAX <- RDMSR msr (64-bit). */
.macro RDMSR64 msr
	mov $\msr, %ecx
	rdmsr
	shl $32, %rdx
	mov %eax, %eax
	or %rdx, %rax
.endm
/* Compare RAX with reg; FAIL naming what leaked. */
.macro KEPT reg, what
	cmp \reg, %rax
	EXPECT je, "\what leaked: it does not hold this VM's value after the other VM ran"
.endm

	.text
	.globl _start
	CODE16
_start:
	IDMAP_2M_TABLES PML4
	PM32_START
	mov %cr4, %eax
	or $CR4_PAE | CR4_OSFXSR | CR4_OSXSAVE, %eax
	mov %eax, %cr4
	mov $PML4, %eax
	mov %eax, %cr3
	mov $MSR_IA32_EFER, %ecx
	rdmsr
#if LEAK_ALL
	or $EFER_LME | EFER_SCE, %eax
#else
	or $EFER_LME, %eax
#endif
	wrmsr
	mov %cr0, %eax
	and $~CR0_EM, %eax
	or $CR0_PG | CR0_MP, %eax
	mov %eax, %cr0
	ljmp $SEL_CODE64, $lm

	CODE64
lm:
	HYPERCALL HC_VM_ID
	lea 1(%rax), %r15		/* k: 1 for VM 0, 2 for VM 1 */
	movabs $0x111111111111, %r14
	imul %r15, %r14			/* P = k * 0x111111111111: canonical, different per VM */
#if LEAK_ALL /* replay does not give the VM its initial FPU state yet (issue 12) */
	/* A VM starts with the reset state, not with what another VM left: FCW 0x037F, MXCSR
	 * 0x1F80, XMM0 = 0 (beside a copy of itself that already ran, this is a leak test too). */
	fnstcw fcw_got(%rip)
	movzwl fcw_got(%rip), %eax
	cmp $0x037F, %eax
	EXPECT je, "the x87 control word at start is not 0x037F (the reset state)"
	stmxcsr mxcsr_got(%rip)
	cmpl $0x1F80, mxcsr_got(%rip)
	EXPECT je, "MXCSR at start is not 0x1F80 (the reset state)"
	movq %xmm0, %rax
	test %rax, %rax
	EXPECT jz, "XMM0 at start is not 0"
	PRINT "hostile-leak: started with the reset FPU state\n"
#endif
	PRINT "hostile-leak: k = "
	PRINT_DEC %r15d
	PRINT ", setting XMM0/YMM0, MXCSR, FCW, CR2, DR0-3, DR6, CR8, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, FMASK\n"

#if LEAK_ALL
	/* AVX on (XCR0 = x87 | SSE | AVX), then YMM0 = P, P+1, P+2, P+3. */
	xor %ecx, %ecx
	xor %edx, %edx
	mov $7, %eax
	xsetbv
	lea ymm_in(%rip), %rdi
	mov %r14, (%rdi)
	lea 1(%r14), %rax
	mov %rax, 8(%rdi)
	lea 2(%r14), %rax
	mov %rax, 16(%rdi)
	lea 3(%r14), %rax
	mov %rax, 24(%rdi)
	vmovdqu (%rdi), %ymm0
#else
	/* XMM0 = P, P+1. */
	lea ymm_in(%rip), %rdi
	mov %r14, (%rdi)
	lea 1(%r14), %rax
	mov %rax, 8(%rdi)
	movdqu (%rdi), %xmm0
#endif
	/* MXCSR and FCW: rounding control k (bits 14:13 and 11:10). */
	mov %r15d, %eax
	shl $13, %eax
	or $0x1F80, %eax
	mov %eax, mxcsr_want(%rip)
	ldmxcsr mxcsr_want(%rip)
	mov %r15d, %eax
	shl $10, %eax
	or $0x037F, %eax
	mov %ax, fcw_want(%rip)
	fldcw fcw_want(%rip)
	/* CR2, DR0-DR3: P, P+1, P+2, P+3; DR6: B0 (k = 1) or B1 (k = 2); CR8: 4 + k. */
#if LEAK_ALL
	mov %r14, %cr2
#endif
	mov %r14, %db0
	lea 1(%r14), %rax
	mov %rax, %db1
	lea 2(%r14), %rax
	mov %rax, %db2
	lea 3(%r14), %rax
	mov %rax, %db3
	mov $0xFFFF0FF0, %eax
	or %r15, %rax
	mov %rax, %db6
#if LEAK_ALL
	lea 4(%r15), %rax
	mov %rax, %cr8
#endif
	/* GS base P+0x100 and KERNEL_GS_BASE P+0x200, exchanged by SWAPGS (no exit). */
	lea 0x100(%r14), %rbx
	WRMSR64 MSR_IA32_GS_BASE, %rbx
	lea 0x200(%r14), %rbx
	WRMSR64 MSR_IA32_KERNEL_GS_BASE, %rbx
	swapgs
	/* STAR: SYSRET CS k, SYSCALL CS 0x08 (SS 0x10), EIP k; LSTAR: this VM's landing pad;
	 * CSTAR P+0x300; FMASK IF and DF (k = 1) or OF (k = 2). */
	mov %r15, %rbx
	shl $48, %rbx
	or %r15, %rbx
	bts $35, %rbx			/* 0x08 << 32 */
	mov %rbx, star_want(%rip)
	WRMSR64 MSR_IA32_STAR, %rbx
	lea pads(%rip), %rbx
	mov %r15, %rax
	shl $4, %rax
	add %rax, %rbx
	mov %rbx, lstar_want(%rip)
	WRMSR64 MSR_IA32_LSTAR, %rbx
	lea 0x300(%r14), %rbx
	WRMSR64 MSR_IA32_CSTAR, %rbx
	mov %r15, %rbx
	shl $10, %rbx
	or $0x200, %rbx
	mov %rbx, fmask_want(%rip)
	WRMSR64 MSR_IA32_FMASK, %rbx

	/* The other VM (if any) runs now and sets its own values. */
	HYPERCALL HC_YIELD
	HYPERCALL HC_YIELD
	HYPERCALL HC_YIELD

	lea ymm_out(%rip), %rdi
#if LEAK_ALL
	vmovdqu %ymm0, (%rdi)
	mov 16(%rdi), %rax
	lea 2(%r14), %rbx
	KEPT %rbx, "the upper half of YMM0"
#else
	movdqu %xmm0, (%rdi)
#endif
	mov (%rdi), %rax
	KEPT %r14, "XMM0 (low)"
	mov 8(%rdi), %rax
	lea 1(%r14), %rbx
	KEPT %rbx, "XMM0 (high)"
	stmxcsr mxcsr_got(%rip)
	mov mxcsr_got(%rip), %eax
	mov mxcsr_want(%rip), %ebx
	KEPT %rbx, "MXCSR"
	fnstcw fcw_got(%rip)
	movzwl fcw_got(%rip), %eax
	movzwl fcw_want(%rip), %ebx
	KEPT %rbx, "the x87 control word"
#if LEAK_ALL
	mov %cr2, %rax
	KEPT %r14, "CR2"
#endif
	mov %db0, %rax
	KEPT %r14, "DR0"
	mov %db1, %rax
	lea 1(%r14), %rbx
	KEPT %rbx, "DR1"
	mov %db2, %rax
	lea 2(%r14), %rbx
	KEPT %rbx, "DR2"
	mov %db3, %rax
	lea 3(%r14), %rbx
	KEPT %rbx, "DR3"
	mov %db6, %rax
	and $0xF, %eax
	KEPT %r15, "DR6"
#if LEAK_ALL
	mov %cr8, %rax
	lea 4(%r15), %rbx
	KEPT %rbx, "CR8 (the TPR)"
#endif
	RDMSR64 MSR_IA32_KERNEL_GS_BASE
	lea 0x100(%r14), %rbx
	KEPT %rbx, "KERNEL_GS_BASE"
	RDMSR64 MSR_IA32_GS_BASE
	lea 0x200(%r14), %rbx
	KEPT %rbx, "GS base"
	RDMSR64 MSR_IA32_STAR
	mov star_want(%rip), %rbx
	KEPT %rbx, "STAR"
	RDMSR64 MSR_IA32_LSTAR
	mov lstar_want(%rip), %rbx
	KEPT %rbx, "LSTAR"
	RDMSR64 MSR_IA32_CSTAR
	lea 0x300(%r14), %rbx
	KEPT %rbx, "CSTAR"
	RDMSR64 MSR_IA32_FMASK
	mov fmask_want(%rip), %rbx
	KEPT %rbx, "FMASK"
	PRINT "hostile-leak: all of them kept their values across the other VM's slices\n"

#if LEAK_ALL
	/* SYSCALL: to this VM's LSTAR, which puts k in R10. */
	xor %r10d, %r10d
	syscall
	mov %r10, %rax
	KEPT %r15, "LSTAR (SYSCALL went to the other VM's entry point)"
	PRINT "hostile-leak: SYSCALL reached this VM's LSTAR\n"
#endif
	PASS

/* SYSCALL landing pads, 16 bytes apart: pad k sets R10 = k. Back to RCX with CS = SEL_CODE64. */
	.balign 16
pads:
	.rept 3
	.balign 16
	mov $(. - pads) / 16, %r10d
	jmp sys_return
	.endr
sys_return:
	push $SEL_CODE64
	push %rcx
	lretq

	.data
	.balign 32
ymm_in:		.fill 32, 1, 0
ymm_out:	.fill 32, 1, 0
star_want:	.quad 0
lstar_want:	.quad 0
fmask_want:	.quad 0
mxcsr_want:	.long 0
mxcsr_got:	.long 0
fcw_want:	.word 0
fcw_got:	.word 0

	GUEST_END
