/*
 * exit.c - from an exit reason to its handler.
 *
 * The table is generated from EXIT_REASON_LIST (include/retrovisor/exit_reasons.h), the same list
 * the host tools print names from. Reasons missing from the list, and those whose family is
 * "unexpected", take one path: dump the VMCS and stop that VM; the hypervisor carries on.
 */
#include "exit.h"

#include "lib.h"
#include "vmcs.h"

const exit_handler_fn exit_handlers[EXIT_REASON_MAX] = {
#define EXIT_TABLE_ENTRY(num, name, family, str, timing, desc) [num] = exit_##family,
	EXIT_REASON_LIST(EXIT_TABLE_ENTRY)
#undef EXIT_TABLE_ENTRY
};

void exit_unexpected(struct vm *vm)
{
	unsigned basic = vm->exit_reason & EXIT_REASON_BASIC_MASK;
	const char *name = exit_reason_name(basic);
	hv_printf("hv: VM %d: unexpected VM exit %u (%s), qualification %lx, rip %lx", vm->id, basic,
		  name ? name : "unknown", vm->exit_qual, vm->regs[RV_REG_RIP]);
	vmcs_dump();
	vm_stop(vm, HVT_STOP_UNHANDLED_EXIT, basic, vm->regs[RV_REG_RIP]);
}
