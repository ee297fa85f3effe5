/*
 * vm_impl.h - what the files that implement a VM share, and nothing else includes:
 *   vm.c       creating a VM, stopping it, the helpers exit handlers call
 *   vm_vmcs.c  its VMCS: host state, controls, the guest's start, the snapshot for the trace
 *   vm_irq.c   device interrupts: from the PIT through the PIC into the guest
 *   vm_run.c   the run loop: world switch, the exit's capture, the handler, the resume
 */
#ifndef HV_VM_IMPL_H
#define HV_VM_IMPL_H

#include "vm.h"

/* The VM whose VMCS is current on this CPU (VMPTRLD), and making one current. */
extern struct vm *vm_loaded;
void vm_vmcs_load(struct vm *vm);
static inline void vm_make_current(struct vm *vm)
{
	if (vm_loaded != vm)
		vm_vmcs_load(vm);
}
/* A fresh VMCS for a created VM (VMCLEAR, VMPTRLD, host state, controls, guest state); it is
 * current afterwards. */
void vm_vmcs_init(struct vm *vm);
/* Where a VM exit lands (HOST_RIP): the exit labels of the world switch's two variants
 * (world_switch.h, used by vm_run.c only). */
extern char vmx_exit_entry[], vmx_exit_entry_traced[];
/* Before a VM entry: inject what the handler asked for, or a device interrupt, or nothing. */
void vm_prepare_entry(struct vm *vm);

#endif
