/*
 * exit.h - VM-exit handlers, one family per file, dispatched from one table (exit.c).
 *
 * What a handler may do: read the exit (vm->exit_qual, the VMCS, guest memory), change the guest
 * through the helpers of vm.h (vm_set_gpr, vm_skip_insn, vm_inject_exception, vm_stop, ...),
 * note memory it wrote (vm->memwrite_gpa/len) and the post-state it left (vm->post). What it
 * never does: write a trace record. The run loop (vm_run.c) records what the handler did, in
 * one order, after it returns: the EXIT record with the post-state, then MEMWRITE, INJECT and
 * VM_STOP. So every exit's records come out the same way whichever handler ran, and a
 * handler's state changes and the trace cannot disagree. (vm_stop_outside_exit is for the
 * scheduler and the entry path, which run outside any exit.)
 */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include "retrovisor/exit_reasons.h"
#include "vm.h"

typedef void (*exit_handler_fn)(struct vm *vm);

/* One prototype per handler family named in EXIT_REASON_LIST. */
#define EXIT_FAMILY_PROTO(num, name, family, str, timing, desc) void exit_##family(struct vm *vm);
EXIT_REASON_LIST(EXIT_FAMILY_PROTO)
#undef EXIT_FAMILY_PROTO

extern const exit_handler_fn exit_handlers[EXIT_REASON_MAX];

/* The handler for this exit reason (inline: it runs on every exit). A failed VM entry, a reason
 * not in the list and the "unexpected" family take one path: dump the VMCS, stop that VM. */
static inline void exit_dispatch(struct vm *vm, uint32_t reason)
{
	unsigned basic = reason & EXIT_REASON_BASIC_MASK;
	if (__builtin_expect(reason & EXIT_REASON_ENTRY_FAIL, 0))
		exit_entry_fail(vm);
	else if (basic < EXIT_REASON_MAX && exit_handlers[basic])
		exit_handlers[basic](vm);
	else
		exit_unexpected(vm);
}

#endif
