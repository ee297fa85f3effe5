/*
 * hypercall.c - VMCALL, the paravirtual interface (include/retrovisor/hypercall.h,
 * docs/hypercalls.md). Call number in EAX, arguments in EBX, ECX, EDX, ESI, result in EAX.
 * Every argument is checked against the calling VM's own memory; a bad one is an error code for
 * the guest, never a fault in the hypervisor. Only ring 0 of the guest may call: from user mode
 * VMCALL raises #UD, so a guest kernel keeps control over its applications.
 */
#include "exit.h"
#include "lib.h"
#include "retrovisor/hypercall.h"
#include "x86.h"

static int64_t hc_console_write(struct vm *vm, uint64_t gpa, uint64_t len)
{
	const char *p;
	if (len > HC_CONSOLE_MAX)
		return HC_E2BIG;
	if (!(p = vm_gpa_ptr(vm, gpa, len)))
		return HC_EFAULT;
	for (uint64_t i = 0; i < len; i++)
		uart_put(&vm->uart, p[i]);
	return (int64_t)len;
}

static int64_t hc_vm_name(struct vm *vm, uint64_t gpa, uint64_t size)
{
	uint64_t len = strlen(vm->cfg.name);
	char *p;
	if (size < len + 1)
		return HC_E2BIG;
	if (!(p = vm_gpa_ptr(vm, gpa, len + 1)))
		return HC_EFAULT;
	memcpy(p, vm->cfg.name, len + 1);
	vm->memwrite_gpa = gpa;
	vm->memwrite_len = (uint32_t)len + 1;
	return (int64_t)len;
}

void exit_vmcall(struct vm *vm)
{
	uint32_t nr = (uint32_t)vm->regs[R_RAX];
	uint64_t b = (uint32_t)vm->regs[R_RBX], c = (uint32_t)vm->regs[R_RCX];
	int64_t ret;

	if (vm_cpl()) {
		vm_inject_exception(vm, VEC_UD, 0, 0);
		return;
	}
	switch (nr) {
	case HC_CONSOLE_WRITE:
		ret = hc_console_write(vm, b, c);
		break;
	case HC_YIELD:
		ret = 0;
		break;
	case HC_VM_ID:
		ret = vm->id;
		break;
	case HC_VM_NAME:
		ret = hc_vm_name(vm, b, c);
		break;
	case HC_TIME:
		ret = (uint32_t)vm->icount;
		vm_set_gpr(vm, R_RDX, vm->icount >> 32);
		break;
	case HC_SHUTDOWN:
		vm_skip_insn(vm);
		vm_stop(vm, HVT_STOP_SHUTDOWN, b, 0);
		return;
	default: /* HC_MSG_SEND and HC_MSG_RECV come with the inter-VM bus */
		ret = HC_ENOSYS;
	}
	vm_set_gpr(vm, R_RAX, (uint32_t)ret);
	vm_skip_insn(vm);
}
