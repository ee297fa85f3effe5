/*
 * sched.c - one CPU shared among the VMs: stride scheduling over virtual time.
 *
 * Each VM's pass grows by (instructions it executed) x (stride = STRIDE_ONE / weight); the
 * runnable VM with the smallest pass runs next, for at most SCHED_QUANTUM instructions, enforced
 * by the VMX preemption timer (on Bochs it counts guest instructions exactly). Over time each VM
 * gets instructions in proportion to its weight. A VM that waits (HLT with interrupts on, a
 * blocking msg_recv) is not runnable and costs nothing; when it wakes its pass is brought up to
 * the smallest runnable pass, so sleeping earns no credit.
 *
 * Virtual time (vtime_now) is the machine's clock: it advances with every instruction any VM
 * executes, and when every VM waits it jumps to the earliest thing one of them waits for. A
 * slice never runs past another VM's next event, so a timer interrupt or a timeout is handled on
 * time even while another VM computes. Every switch is a SWITCH record in the trace.
 */
#include "sched.h"

#include "gdb.h"
#include "lib.h"
#include "trace.h"
#include "vmcs.h"
#include "x86.h"

#define STRIDE_ONE (1ull << 20)

uint64_t vtime_now;
static struct vm *vms;
static int nvms;
static uint64_t system_limit, executed_total;
static int traced_vm = -1; /* the VM the trace's records currently refer to */

void sched_init(struct vm *v, int n, uint64_t limit)
{
	vms = v;
	nvms = n;
	system_limit = limit;
	for (int i = 0; i < n; i++) {
		uint32_t w = v[i].cfg.weight ? v[i].cfg.weight : 1;
		v[i].stride = STRIDE_ONE / w;
	}
	traced_vm = n - 1; /* the last VM_START made it current */
}

struct vm *sched_vm(uint32_t id) { return id < (uint32_t)nvms ? &vms[id] : 0; }

/* A slice is over: the VM pays for what it executed (virtual time advanced exit by exit). */
static void account(struct vm *vm, uint64_t executed)
{
	executed_total += executed;
	vm->pass += executed * vm->stride;
}

/* Could IRQ 0 reach this VM's CPU at all (unmasked, not blocked in service)? */
static int timer_can_interrupt(const struct vm *vm)
{
	const struct pic_chip *m = &vm->pic.chip[0];
	return vm->has_pit && !(m->imr & 1) && !(m->isr & 1) && m->init == 0;
}

/* The virtual time at which this VM next needs the CPU, VTIME_NEVER if nothing is coming. */
static uint64_t next_event(const struct vm *vm)
{
	switch (vm->state) {
	case VM_HALTED:
		return timer_can_interrupt(vm) ? pit_next_edge(&vm->pit) : VTIME_NEVER;
	case VM_RECV:
		return vm->recv_deadline;
	case VM_RUNNABLE:
		return timer_can_interrupt(vm) ? pit_next_edge(&vm->pit) : VTIME_NEVER;
	default:
		return VTIME_NEVER;
	}
}

static uint64_t min_runnable_pass(void)
{
	uint64_t m = UINT64_MAX;
	for (int i = 0; i < nvms; i++)
		if (vms[i].state == VM_RUNNABLE && vms[i].pass < m)
			m = vms[i].pass;
	return m;
}

static void wake(struct vm *vm)
{
	uint64_t m = min_runnable_pass();
	vm->state = VM_RUNNABLE;
	if (m != UINT64_MAX && vm->pass < m)
		vm->pass = m;
}

/* Wake whoever's wait is over at the current virtual time. */
static void wake_due(void)
{
	for (int i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state == VM_HALTED) {
			if (vm_irq_pending(vm) >= 0)
				wake(vm);
		} else if (vm->state == VM_RECV) {
			if (bus_peek(&vm->inbox) || vtime_now >= vm->recv_deadline)
				wake(vm);
		}
	}
}

/* A timer edge is due and the PIC would deliver it: the VM has an interrupt waiting. */
static int interrupt_waiting(struct vm *vm)
{
	return vm_irq_pending(vm) >= 0 && (vm->regs[RV_REG_RFLAGS] & RFLAGS_IF);
}

/*
 * The runnable VM with the smallest pass, except that a VM with an interrupt waiting goes first
 * while its pass is at most one quantum ahead (like a wake-up boost): its timer is served on
 * time, and it cannot take more than its share for long.
 */
static struct vm *pick(void)
{
	struct vm *best = 0, *boost = 0;
	for (int i = 0; i < nvms; i++)
		if (vms[i].state == VM_RUNNABLE && (!best || vms[i].pass < best->pass))
			best = &vms[i];
	if (!best)
		return 0;
	for (int i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state == VM_RUNNABLE && vm->pass <= best->pass + SCHED_QUANTUM * vm->stride &&
		    (!boost || vm->pass < boost->pass) && interrupt_waiting(vm))
			boost = vm;
	}
	return boost ? boost : best;
}

/* Nobody can run: jump to the earliest event, or end the VMs that wait for nothing. */
static int idle(void)
{
	uint64_t next = VTIME_NEVER;
	for (int i = 0; i < nvms; i++) {
		uint64_t t = next_event(&vms[i]);
		if (t < next)
			next = t;
	}
	if (next != VTIME_NEVER) {
		if (next > vtime_now)
			vtime_now = next;
		return 1;
	}
	/* The debugger holds a VM: nothing ends while it may still resume it (gdb.h). */
	if (gdb_vm && gdb_vm->state == VM_DEBUG) {
		gdb_wait();
		return 1;
	}
	/* A VM halts here only with interrupts on (exit_hlt), so "halted with interrupts
	 * disabled" would be wrong: it waits, like a receive without a timeout, for what cannot come. */
	for (int i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		if (vm->state == VM_HALTED || vm->state == VM_RECV)
			vm_stop_outside_exit(vm, HVT_STOP_BLOCKED, 0, vm->regs[RV_REG_RIP]);
	}
	return 0;
}

/*
 * How long this VM may run now: a quantum, cut at the next future event anywhere that its VM
 * can take (timer edges of an unmasked, not-in-service IRQ 0, see below for IF) and at the
 * limit. An event already due (another VM's interrupt waiting) is for pick() to serve, not a
 * reason to cut this slice short.
 */
static uint32_t budget(const struct vm *run)
{
	uint64_t b = SCHED_QUANTUM;
	for (int i = 0; i < nvms; i++) {
		/*
		 * Another runnable VM's timer edge counts only if that VM could take the interrupt:
		 * it is not running, so its RFLAGS.IF is what it was at its last exit. An edge of a VM
		 * with IF = 0 only latches in its PIC (delivered when it can take it), and letting it
		 * cut this slice would let a VM with a fast timer and interrupts off shrink every
		 * VM's slice to one PIT period. The VM about to run keeps its own edges: its IF may
		 * change without an exit (STI, IRET), and short slices then cost only itself.
		 */
		if (&vms[i] != run && vms[i].state == VM_RUNNABLE && !(vms[i].regs[RV_REG_RFLAGS] & RFLAGS_IF))
			continue;
		uint64_t t = next_event(&vms[i]);
		if (t != VTIME_NEVER && t > vtime_now && t - vtime_now < b)
			b = t - vtime_now;
	}
	/* The VM's own instruction limit ends its slice exactly there, so that the exit that stops
	 * it is at the limit, not up to a quantum past it (hvt_bounds checks this of every trace). */
	if (run->insn_limit - run->icount < b)
		b = run->insn_limit - run->icount;
	if (system_limit && system_limit - executed_total < b)
		b = system_limit - executed_total;
	return b ? (uint32_t)b : 1;
}

static void stop_all_at_limit(void)
{
	for (int i = 0; i < nvms; i++)
		if (vms[i].running)
			vm_stop_outside_exit(&vms[i], HVT_STOP_INSN_LIMIT, 0, vms[i].icount);
}

/* The debugger lets a VM run again (gdb_target.c): it earns no credit for the time it was held. */
void sched_resume(struct vm *vm, enum vm_state s)
{
	if (s == VM_RUNNABLE)
		wake(vm);
	else
		vm->state = s;
}

/* The trace's current VM is vm: its next records are its own (a SWITCH when it changes). The
 * run loop calls it before each slice, the debugger before records outside an exit. */
void sched_trace_current(struct vm *vm)
{
	if (traced_vm == vm->id)
		return;
	if (trace_on)
		trace_switch((unsigned)vm->id);
	traced_vm = vm->id;
}

void sched_run(void)
{
	for (;;) {
		if (gdb_vm)
			gdb_poll(); /* once per slice, not per exit */
		if (system_limit && executed_total >= system_limit) {
			stop_all_at_limit();
			return;
		}
		wake_due();
		struct vm *vm = pick();
		if (!vm) {
			if (!idle())
				return;
			continue;
		}
		sched_trace_current(vm);
		/* The debugger's single step (gdb.h): one instruction, and the timer's own exit tick
		 * (a preemption-timer exit counts one more than the instructions it let run,
		 * trace_format.h). */
		vm_set_budget(vm, vm->dbg_step ? 2 : budget(vm));
		account(vm, vm_run_slice(vm));
		if (vm->dbg_step)
			gdb_target_stepped(vm);
	}
}
