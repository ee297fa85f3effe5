/*
 * vm_run.c - running a VM exit after exit: the world switch, the capture of the state at the
 * exit, the handler (exit.c), the trace records of what it did, and the resume. This is the
 * hypervisor's hot path (docs/performance.md counts its instructions per exit): everything here
 * is inline or in this file, and what is not needed on every exit stays out of it.
 */
#include "exit.h"
#include "lib.h"
#include "retrovisor/capture.h"
#include "retrovisor/exit_reasons.h"
#include "retrovisor/regs.h"
#include "sched.h"
#include "trace.h"
#include "vm_impl.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_controls.h"
#include "world_switch.h"
#include "x86.h"

/*
 * The preemption timer counts guest instructions on Bochs (the TSC, and so the timer at rate 0,
 * advances once per instruction). The scheduler arms it with the slice's budget; it is read
 * back at every exit (the "save VMX-preemption timer value" exit control) and the difference is
 * what the guest executed. It keeps counting down across exits within a slice, which keeps a
 * VMWRITE off most exits.
 */

void vm_set_budget(struct vm *vm, uint32_t instructions)
{
	vm_make_current(vm);
	vmcs_write32(GUEST_PREEMPTION_TIMER, instructions);
	vm->timer_armed = instructions;
}

static void entry_failed(struct vm *vm, int how)
{
	uint32_t err = how == 2 ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
	hv_printf("hv: VM %d: %s failed: %s (VM-instruction error %u)", vm->id, vm->launched ? "VMRESUME" : "VMLAUNCH",
		  how == 1 ? "no current VMCS (VMfailInvalid)" : vmcs_insn_error_name(err), err);
	vmcs_dump();
	vm_stop_outside_exit(vm, HVT_STOP_ENTRY_FAILED, 0, err);
}

/*
 * After the handler: RIP past the emulated instruction, and the registers the VMCS holds (RIP,
 * RSP, RFLAGS) from the post-state. The general registers changed already (vm_set_gpr); RFLAGS
 * takes its post-state value by the one rule every side uses (rv_post_apply, which maps post-
 * state onto register indices), called only on the rare path where a handler set RSP or RFLAGS:
 * one call for the whole post-state would test RFLAGS twice and cost 4 more instructions on
 * every exit (docs/performance.md).
 */
static inline void finish_exit(struct vm *vm)
{
	uint32_t m = vm->post.mask;

	if (vm->skip_len) {
		vm->regs[RV_REG_RIP] += vm->skip_len;
		vmcs_writenat(GUEST_RIP, vm->regs[RV_REG_RIP]);
		/* The emulated instruction retired: blocking by STI or MOV SS ends with it. */
		uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY);
		if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			vmcs_write32(GUEST_INTERRUPTIBILITY, intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	}
	if (m & (HVT_POST_GPR(RV_REG_RSP) | HVT_POST_RFLAGS)) {
		if (m & HVT_POST_GPR(RV_REG_RSP))
			vmcs_writenat(GUEST_RSP, vm->regs[RV_REG_RSP]);
		if (m & HVT_POST_RFLAGS) {
			rv_post_apply(vm->regs, HVT_POST_RFLAGS, vm->post.v, 0);
			vmcs_writenat(GUEST_RFLAGS, vm->regs[RV_REG_RFLAGS]);
		}
	}
}

/* Traced: the EXIT word's "follows" set (retrovisor/capture.h): HVT_CAP_FOLLOW_REG(i) for a
 * register that changed since the VM entry, HVT_CAP_FOLLOW_QUAL for a qualification. */
static uint32_t exit_changed;
/* Traced: where the world switch and begin_exit append the values of changed registers. */
static uint64_t *capture_p;

/* A register from the VMCS into vm->regs; traced, only if it changed, and then noted and captured. */
static inline __attribute__((always_inline)) void exit_reg(struct vm *vm, unsigned r, uint64_t v, int traced)
{
	if (!traced) {
		vm->regs[r] = v;
	} else if (v != vm->regs[r]) {
		vm->regs[r] = v;
		exit_changed |= HVT_CAP_FOLLOW_REG(r);
		*capture_p++ = v;
	}
}

/* What every exit starts with: the exit's facts from the VMCS, and the guest's instructions. */
static inline __attribute__((always_inline)) void begin_exit(struct vm *vm, int traced)
{
	uint32_t reason = vmcs_read32(VM_EXIT_REASON);

	vm->exits++;
	exit_reg(vm, RV_REG_RSP, vmcs_readnat(GUEST_RSP), traced);
	/* RIP is compared with the previous exit's, not the entry's: a loop exits at the same RIP. */
	uint64_t rip = vmcs_readnat(GUEST_RIP);
	vm->regs[RV_REG_RIP] = rip;
	if (traced && rip != vm->exit_rip) {
		vm->exit_rip = rip;
		exit_changed |= HVT_CAP_FOLLOW_REG(RV_REG_RIP);
		*capture_p++ = rip;
	}
	exit_reg(vm, RV_REG_RFLAGS, vmcs_readnat(GUEST_RFLAGS), traced);
	uint32_t timer = vmcs_read32(GUEST_PREEMPTION_TIMER);
	uint64_t executed = (uint64_t)(vm->timer_armed - timer) << vmx.timer_rate;
	vm->timer_armed = timer;
	vm->icount += executed;
	vtime_now += executed;
	vm->exit_reason = reason;
	vm->exit_qual = vmcs_readnat(EXIT_QUALIFICATION);
	vm->skip_len = 0;
	vm->post.mask = 0;
	vm->has_gpa = 0;
	vm->memwrite_len = 0;
}

/*
 * The EXIT record of the capture stream, written around the handler: the world switch and
 * begin_exit appended what changed since the entry (RIP: since the previous exit) while vm->regs
 * still held the state at the exit; then come the qualification, the header word, the
 * guest-physical address and the handler's post-state.
 */
static inline void capture_end(struct vm *vm)
{
	uint64_t *p = capture_p;
	uint64_t w0 = hvt_cap_exit_word(vm->exit_reason, vm->skip_len, exit_changed, vm->post.mask, 0);

	if (vm->has_gpa) {
		w0 |= HVT_CAP_GPA;
		*p++ = vm->gpa;
	}
	/* The registers handlers usually set (RAX, RCX, RDX, RBX) without a loop, then any others. */
	uint32_t m = vm->post.mask;
	if (m) {
		if (m & HVT_POST_GPR(RV_REG_RAX))
			*p++ = vm->post.v[RV_POST_RAX];
		if (m & HVT_POST_GPR(RV_REG_RCX))
			*p++ = vm->post.v[RV_POST_RCX];
		if (m & HVT_POST_GPR(RV_REG_RDX))
			*p++ = vm->post.v[RV_POST_RDX];
		if (m & HVT_POST_GPR(RV_REG_RBX))
			*p++ = vm->post.v[RV_POST_RBX];
		for (m &= ~(HVT_POST_GPR(RV_REG_RAX) | HVT_POST_GPR(RV_REG_RCX) | HVT_POST_GPR(RV_REG_RDX) |
			    HVT_POST_GPR(RV_REG_RBX));
		     m; m &= m - 1)
			*p++ = vm->post.v[(unsigned)__builtin_ctz(m)];
	}
	trace_p[0] = w0;
	trace_commit(p);
}

/* Out of the exit path's way: the instruction limit, or the test panic that borrows its check
 * so that it costs the exit path nothing (hvrun --hv-test-panic-insns). */
static __attribute__((noinline)) void insn_limit_reached(struct vm *vm)
{
	if (hv_test_panic_insns && vm->icount >= hv_test_panic_insns)
		PANIC("test panic: VM %d passed %lu instructions (hvrun --hv-test-panic-insns)", vm->id,
		      hv_test_panic_insns);
	vm_stop(vm, HVT_STOP_INSN_LIMIT, 0, vm->icount);
}

/*
 * One exit: capture the state at the exit, handle it, then record what the handler did (the
 * rest of the EXIT record, then MEMWRITE, INJECT, VM_STOP) and resume past the instruction.
 */
static inline __attribute__((always_inline)) void handle_exit(struct vm *vm, int traced)
{
	begin_exit(vm, traced);
	if (traced) {
		trace_p[1] = vm->icount;
		if (vm->exit_qual) {
			exit_changed |= HVT_CAP_FOLLOW_QUAL;
			*capture_p++ = vm->exit_qual;
		}
	}
	exit_dispatch(vm, vm->exit_reason);
	if (vm->icount >= vm->insn_limit && vm->running)
		insn_limit_reached(vm);
	if (traced) {
		capture_end(vm);
		if (vm->memwrite_len)
			trace_memwrite(vm->memwrite_gpa, vm->mem + vm->memwrite_gpa, vm->memwrite_len);
		if (vm->inject_info)
			trace_inject(vm->inject_info, vm->inject_error);
		if (!vm->running)
			trace_vm_stop((unsigned)vm->id, vm->stop_why, vm->stop_status, vm->stop_detail);
		exit_changed = 0;
	}
	finish_exit(vm);
}

/* The exit loop, once per variant of the world switch (traced is a constant). */
static inline __attribute__((always_inline)) void run_loop(struct vm *vm, int traced)
{
	do {
		if (vm->has_pit | vm->inject_info)
			vm_prepare_entry(vm);
		int r;
		if (traced) {
			capture_p = trace_p + 2;
			r = world_switch_traced(vm->regs, vm->launched, &exit_changed, &capture_p);
		} else {
			r = world_switch(vm->regs, vm->launched);
		}
		if (__builtin_expect(r, 0)) {
			entry_failed(vm, r);
			break;
		}
		vm->launched = 1;
		handle_exit(vm, traced);
	} while (!vm->slice_over);
}

/*
 * Run the VM until its slice ends: the preemption timer fires, it yields, waits or stops. This
 * loop is the hypervisor's hot path (docs/performance.md counts its instructions); everything
 * that is not needed on every exit stays out of it.
 */
__attribute__((noinline, noclone)) uint64_t vm_run_slice(struct vm *vm)
{
	uint64_t start = vm->icount;

	vm_make_current(vm);
	if (vm_xstate_owner != vm)
		vm_xstate_switch(vm); /* only when the VM on the CPU changes: not per exit */
	vm->slice_over = 0;
	if (trace_on)
		run_loop(vm, 1);
	else
		run_loop(vm, 0);
	return vm->icount - start;
}
