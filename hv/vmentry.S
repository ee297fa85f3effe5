/*
 * vmentry.S - the world switch.
 *
 * int vmx_run(uint64_t regs[16], int launched)
 *   Loads the guest's general registers from regs (x86 order; RSP comes from the VMCS), enters
 *   the guest with VMLAUNCH (first time) or VMRESUME, and returns 0 after the next VM exit with
 *   the guest's registers stored back into regs. Returns 1 for VMfailInvalid (CF=1) and 2 for
 *   VMfailValid (ZF=1, reason in VM_INSTRUCTION_ERROR) when the entry itself fails.
 *
 * A VM exit loads RSP and RIP from the VMCS host-state area (SDM Vol. 3C, 28.5.1): HOST_RSP is
 * set just before entry to this frame's stack pointer, whose top holds the regs pointer, and
 * HOST_RIP points at vmx_exit_entry below. Everything else the host needs (CR3, segments,
 * GDTR/IDTR/TR, EFER, PAT) is reloaded by the processor from the host-state area.
 */
#define HOST_RSP 0x6c14

	.text
	.global vmx_run
vmx_run:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	movl $HOST_RSP, %eax
	vmwrite %rsp, %rax
	testl %esi, %esi              /* MOVs below leave the flags alone */
	movq 0*8(%rdi), %rax
	movq 1*8(%rdi), %rcx
	movq 2*8(%rdi), %rdx
	movq 3*8(%rdi), %rbx
	movq 5*8(%rdi), %rbp
	movq 6*8(%rdi), %rsi
	movq 8*8(%rdi), %r8
	movq 9*8(%rdi), %r9
	movq 10*8(%rdi), %r10
	movq 11*8(%rdi), %r11
	movq 12*8(%rdi), %r12
	movq 13*8(%rdi), %r13
	movq 14*8(%rdi), %r14
	movq 15*8(%rdi), %r15
	movq 7*8(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Still here: the entry failed before loading guest state. */
	movl $1, %eax
	jc 3f
	movl $2, %eax
3:	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.global vmx_exit_entry
vmx_exit_entry:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, 0*8(%rdi)
	movq %rcx, 1*8(%rdi)
	movq %rdx, 2*8(%rdi)
	movq %rbx, 3*8(%rdi)
	movq %rbp, 5*8(%rdi)
	movq %rsi, 6*8(%rdi)
	movq %r8, 8*8(%rdi)
	movq %r9, 9*8(%rdi)
	movq %r10, 10*8(%rdi)
	movq %r11, 11*8(%rdi)
	movq %r12, 12*8(%rdi)
	movq %r13, 13*8(%rdi)
	movq %r14, 14*8(%rdi)
	movq %r15, 15*8(%rdi)
	popq %rax
	movq %rax, 7*8(%rdi)
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
	ret
