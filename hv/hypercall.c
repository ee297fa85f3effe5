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
#include "sched.h"
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

/* msg_send: copy the sender's bytes into the receiver's queue; wake it if it waits. */
static int64_t hc_msg_send(struct vm *vm, uint64_t dest, uint64_t gpa, uint64_t len)
{
	struct vm *to = sched_vm((uint32_t)dest);
	const void *p;
	if (!to || dest != (uint32_t)dest)
		return HC_ENOVM;
	if (!(vm->send_to >> dest & 1))
		return HC_EPERM; /* the bus policy (bus.h) */
	if (len > BUS_MSG_MAX)
		return HC_E2BIG;
	if (!(p = vm_gpa_ptr(vm, gpa, len)))
		return HC_EFAULT;
	if (!to->running)
		return HC_ENOVM;
	if (bus_put(&to->inbox, (uint32_t)vm->id, p, (uint32_t)len))
		return HC_EAGAIN;
	if (to->state == VM_RECV)
		vm->slice_over = 1; /* let the scheduler hand the message over soon */
	return 0;
}

/*
 * msg_recv: the oldest message, copied into the caller's buffer (a MEMWRITE record carries the
 * bytes for replay). With nothing queued the VM blocks: RIP stays on the VMCALL, so once a
 * message arrives or the timeout passes the guest executes it again and this handler completes
 * it. Returns 1 when the call completed (result in *ret), 0 when the VM blocked.
 */
static int hc_msg_recv(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t timeout, int64_t *ret)
{
	const struct bus_msg *m = bus_peek(&vm->inbox);
	void *p;

	if (!m) {
		if (!vm->recv_waiting && timeout) {
			vm->recv_waiting = 1;
			vm->recv_deadline = timeout == 0xffffffffu ? VTIME_NEVER : vtime_now + timeout;
		}
		if (!vm->recv_waiting || vtime_now >= vm->recv_deadline) {
			vm->recv_waiting = 0;
			*ret = HC_EAGAIN;
			return 1;
		}
		vm->state = VM_RECV;
		vm->slice_over = 1;
		return 0;
	}
	vm->recv_waiting = 0;
	if (m->len > size) {
		*ret = HC_E2BIG;
		return 1;
	}
	if (!(p = vm_gpa_ptr(vm, gpa, m->len))) {
		*ret = HC_EFAULT;
		return 1;
	}
	memcpy(p, m->data, m->len);
	vm->memwrite_gpa = gpa;
	vm->memwrite_len = m->len;
	vm_set_gpr(vm, RV_REG_RSI, m->sender);
	*ret = m->len;
	bus_drop(&vm->inbox);
	return 1;
}

void exit_vmcall(struct vm *vm)
{
	uint32_t nr = (uint32_t)vm->regs[RV_REG_RAX];
	uint64_t b = (uint32_t)vm->regs[RV_REG_RBX], c = (uint32_t)vm->regs[RV_REG_RCX], d = (uint32_t)vm->regs[RV_REG_RDX];
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
		vm->slice_over = 1;
		ret = 0;
		break;
	case HC_VM_ID:
		ret = vm->id;
		break;
	case HC_VM_NAME:
		ret = hc_vm_name(vm, b, c);
		break;
	case HC_TIME:
		ret = (uint32_t)vtime_now;
		vm_set_gpr(vm, RV_REG_RDX, vtime_now >> 32);
		break;
	case HC_MSG_SEND:
		ret = hc_msg_send(vm, b, c, d);
		break;
	case HC_MSG_RECV:
		if (!hc_msg_recv(vm, b, c, d, &ret))
			return; /* blocked: the VMCALL runs again when the VM wakes */
		break;
	case HC_SHUTDOWN:
		vm_skip_insn(vm);
		vm_stop(vm, HVT_STOP_SHUTDOWN, b, 0);
		return;
	default:
		ret = HC_ENOSYS;
	}
	vm_set_gpr(vm, RV_REG_RAX, (uint32_t)ret);
	vm_skip_insn(vm);
}
