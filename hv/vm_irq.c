/*
 * vm_irq.c - device interrupts into a VM: the PIT's edges go to the PIC, and the PIC's best
 * request becomes an external interrupt at the next VM entry, or waits for the guest to take
 * one (interrupt-window exiting). Events a handler asked for (vm_inject_exception) go first.
 */
#include "lib.h"
#include "retrovisor/vmx_fields.h"
#include "sched.h"
#include "trace.h"
#include "vm_impl.h"
#include "vmcs.h"
#include "vmx_controls.h"
#include "x86.h"

static void set_intr_window(struct vm *vm, int on)
{
	if (vm->intr_window == on)
		return;
	uint32_t ctl = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, on ? ctl | CPU_INTR_WINDOW_EXITING : ctl & ~CPU_INTR_WINDOW_EXITING);
	vm->intr_window = on;
}

/*
 * Device interrupts: timer edges due by now go to the PIC; the PIC's best request is injected
 * as an external interrupt when the guest can take one (RFLAGS.IF and no blocking by STI or
 * MOV SS, SDM Vol. 3C, 26.3.1.4 and 27.6), otherwise interrupt-window exiting brings the VM back
 * the moment it can (SDM Vol. 3C, 26.7.5).
 */
int vm_irq_pending(struct vm *vm)
{
	if (!vm->has_pit)
		return -1;
	if (pit_irq0_edges(&vm->pit, vtime_now))
		pic_raise(&vm->pic, 0);
	return pic_pending(&vm->pic);
}

static void deliver_interrupts(struct vm *vm)
{
	if (!vm->has_pit)
		return;
	int vec = vm_irq_pending(vm);
	if (vm->inject_info || vm->dbg_step)
		vec = -1; /* an exception from the handler goes first; a debugger's step takes none */
	if (vec < 0) {
		set_intr_window(vm, 0);
		return;
	}
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if ((vm->regs[RV_REG_RFLAGS] & RFLAGS_IF) && !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		pic_ack(&vm->pic);
		vm->inject_info = vmx_intr_info(VMX_INTR_EXTERNAL, (unsigned)vec, 0);
		if (trace_on)
			trace_inject(vm->inject_info, 0);
		set_intr_window(vm, 0);
	} else {
		set_intr_window(vm, 1);
	}
}

void vm_prepare_entry(struct vm *vm)
{
	deliver_interrupts(vm);
	if (vm->inject_info) {
		vmcs_write32(VM_ENTRY_INTR_INFO, vm->inject_info);
		if (vmx_intr_has_error(vm->inject_info))
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vm->inject_error);
		vm->inject_info = 0;
	}
}
