/*
 * vm.c - creating a VM (memory, EPT, devices, VMCS) and stopping it; the helpers exit handlers
 * call. Its VMCS is set up in vm_vmcs.c, interrupts reach it through vm_irq.c, and it runs in
 * vm_run.c.
 */
#include "console.h"
#include "ept.h"
#include "lib.h"
#include "mm.h"
#include "retrovisor/console_proto.h"
#include "retrovisor/vmx_fields.h"
#include "trace.h"
#include "vm_impl.h"
#include "vmcs.h"
#include "vmx.h"
#include "x86.h"

uint64_t hv_test_panic_insns;

int vm_create(struct vm *vm, int id, const struct hvt_vm_config *cfg, const void *image, uint64_t image_size,
	      const void *input, uint64_t input_len)
{
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = *cfg;
	vm->mem_size = ALIGN_UP(cfg->mem_size, PAGE_SIZE);
	vm->insn_limit = cfg->insn_limit ? cfg->insn_limit : UINT64_MAX;
	if (hv_test_panic_insns && hv_test_panic_insns < vm->insn_limit)
		vm->insn_limit = hv_test_panic_insns; /* the limit's check is where the test panic fires */
	vm->xcr0 = XCR0_X87;
	if (image_size > vm->mem_size || cfg->load_addr > vm->mem_size - image_size) {
		hv_printf("hv: VM %d (%s): image of %lu bytes at %lx does not fit its %lu bytes of memory", id,
			  cfg->name, image_size, cfg->load_addr, vm->mem_size);
		return -1;
	}
	vm->mem = mm_alloc(vm->mem_size, 2 << 20);
	vm->vmcs = mm_alloc(PAGE_SIZE, PAGE_SIZE);
	vm->eptp = vm->mem ? ept_build((uint64_t)vm->mem, vm->mem_size) : 0;
	if (!vm->mem || !vm->vmcs || !vm->eptp || vm_xstate_init(&vm->xstate)) {
		hv_printf("hv: VM %d (%s): not enough host memory for %lu bytes of guest memory (%lu free)", id,
			  cfg->name, vm->mem_size, mm_free_bytes());
		return -1;
	}
	memcpy(vm->mem + cfg->load_addr, image, image_size);
	uart_init(&vm->uart, id, input, (uint32_t)input_len);
	vm->has_pit = !!(cfg->flags & HVT_VM_PIT);
	pit_reset(&vm->pit);
	pic_reset(&vm->pic);
	vm->state = VM_RUNNABLE;

	vm_vmcs_init(vm);
	vm->running = 1;
	return 0;
}

void vm_stop(struct vm *vm, unsigned why, uint64_t status, uint64_t detail)
{
	const char *name = hvt_stop_name(why);
	char line[64];

	if (!vm->running)
		return;
	uart_flush(&vm->uart);
	vm->running = 0;
	vm->state = VM_STOPPED;
	vm->stop_why = why;
	vm->stop_status = status;
	vm->stop_detail = detail;
	if (name)
		hv_printf("hv: VM %d (%s) stopped: %s (status %lu, detail %lx) after %lu instructions", vm->id,
			  vm->cfg.name, name, status, detail, vm->icount);
	else /* the one rule for a value outside a list: its number */
		hv_printf("hv: VM %d (%s) stopped: reason %u (status %lu, detail %lx) after %lu instructions", vm->id,
			  vm->cfg.name, why, status, detail, vm->icount);
	int n = snprintf(line, sizeof(line), "%u %lu %lx", why, status, detail);
	console_frame(CONPROTO_STOP, vm->id, line, (size_t)n);
	vm->slice_over = 1;
	/* The trace's VM_STOP record: the exit path writes it after the EXIT record; outside an
	 * exit the caller does (vm_stop_outside_exit). */
}

void vm_stop_outside_exit(struct vm *vm, unsigned why, uint64_t status, uint64_t detail)
{
	int was_running = vm->running;

	vm_stop(vm, why, status, detail);
	if (trace_on && was_running)
		trace_vm_stop((unsigned)vm->id, why, status, detail);
}

void vm_skip_insn(struct vm *vm)
{
	vm->skip_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
}

void vm_inject_exception(struct vm *vm, unsigned vector, int has_error, uint32_t error)
{
	/* Real mode has no error codes: VM entry refuses "deliver error code" when CR0.PE = 0
	 * (SDM Vol. 3C, 27.2.1.3). */
	if (!(vmcs_readnat(GUEST_CR0) & CR0_PE))
		has_error = 0;
	vm->inject_info = vmx_intr_info(VMX_INTR_HW_EXCEPTION, vector, has_error);
	vm->inject_error = error;
}

unsigned vm_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR) >> 5) & 3;
}
