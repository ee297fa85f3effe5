/*
 * panic.c - the hypervisor's own failure (a broken invariant, an exception in VMX root): say
 * where and why, keep the trace, end the run.
 *
 * The trace is what shows how the machine got there, so a panic writes it out before the machine
 * stops: the records of the chunk being filled, then a NOTE "PANIC at file:line: why" (about the
 * VM the trace's records currently refer to), a VM_STOP with HVT_STOP_HV_ERROR for every VM still
 * running, and END with status TRACE_END_PANIC, all existing record kinds. An EXIT record the
 * exit path had begun is not committed, so the trace ends with the last whole exit: replay runs
 * up to it. The runner sees the VMs stopped with "hypervisor error" and the run's status 1, and
 * exits with its own "hypervisor failed" status.
 *
 * A panic while doing this (the trace disk failing in the flush, a bug on this path) must not
 * recurse: the second one only prints and ends the machine.
 */
#include "lib.h"
#include "sched.h"
#include "trace.h"
#include "vm.h"

int hv_test_panic_twice;

_Noreturn void hv_panic(const char *where, const char *fmt, ...)
{
	static int panicking;
	char why[400], note[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	hv_printf("PANIC %s: %s", where, why);
	if (panicking++) {
		hv_printf("hv: PANIC while handling a PANIC: the trace ends where it is");
		machine_exit(1);
	}
	if (trace_on) {
		int n = snprintf(note, sizeof(note), "PANIC at %s: %s", where, why);
		trace_note(note, (uint32_t)(n < (int)sizeof(note) ? n : (int)sizeof(note) - 1));
	}
	for (uint32_t i = 0; i < HVT_MAX_VMS; i++) {
		struct vm *vm = sched_vm(i);
		if (vm && vm->running)
			vm_stop_outside_exit(vm, HVT_STOP_HV_ERROR, 0, vm->regs[RV_REG_RIP]);
	}
	trace_test_panic_in_flush = hv_test_panic_twice;
	trace_finish(TRACE_END_PANIC);
	machine_exit(1);
}
