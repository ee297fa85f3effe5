/*
 * vm.c - creating a VM (memory, EPT, VMCS) and running it one exit at a time.
 */
#include "vm.h"


#include "console.h"
#include "cpu.h"
#include "ept.h"
#include "exit.h"
#include "lib.h"
#include "mm.h"
#include "retrovisor/console_proto.h"
#include "retrovisor/exit_reasons.h"
#include "sched.h"
#include "trace.h"
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

static struct vm *loaded; /* the VM whose VMCS is current on this CPU */

static void vmcs_load(struct vm *vm)
{
	uint64_t pa = (uint64_t)vm->vmcs;
	uint8_t fail;
	__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		PANIC("VMPTRLD of VM %d's VMCS failed", vm->id);
	loaded = vm;
}

static void set_seg(unsigned i, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	vmcs_write_raw(VMCS_SEG_FIELD(GUEST_ES_SELECTOR, i), sel);
	vmcs_write_raw(VMCS_SEG_FIELD(GUEST_ES_BASE, i), base);
	vmcs_write_raw(VMCS_SEG_FIELD(GUEST_ES_LIMIT, i), limit);
	vmcs_write_raw(VMCS_SEG_FIELD(GUEST_ES_AR, i), ar);
}

/*
 * Host state: where a VM exit lands (SDM Vol. 3C, 25.5 and 28.5). The hypervisor's own CR3,
 * segments and tables, with RIP at vmx_exit_entry; HOST_RSP is written at every entry.
 */
static void vmcs_init_host(void)
{
	vmcs_writenat(HOST_CR0, read_cr0());
	vmcs_writenat(HOST_CR3, read_cr3());
	vmcs_writenat(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, CPU_SEL_CODE);
	vmcs_write16(HOST_SS_SELECTOR, CPU_SEL_DATA);
	vmcs_write16(HOST_DS_SELECTOR, CPU_SEL_DATA);
	vmcs_write16(HOST_ES_SELECTOR, CPU_SEL_DATA);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, CPU_SEL_TSS);
	vmcs_writenat(HOST_FS_BASE, 0);
	vmcs_writenat(HOST_GS_BASE, 0);
	vmcs_writenat(HOST_TR_BASE, cpu_tss_base());
	vmcs_writenat(HOST_GDTR_BASE, cpu_gdt_base());
	vmcs_writenat(HOST_IDTR_BASE, cpu_idt_base());
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writenat(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_writenat(HOST_RIP, (uint64_t)(trace_on ? vmx_exit_entry_traced : vmx_exit_entry));
}

/*
 * Controls: which guest actions exit. Every I/O and MSR access exits (no bitmaps): the guest
 * sees only devices and MSRs the hypervisor emulates. HLT, RDTSC(P), MONITOR/MWAIT exit; EPT,
 * VPID and unrestricted guest let real-mode code run natively.
 */
static void vmcs_init_controls(struct vm *vm)
{
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx.pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx.cpu);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx.cpu2);
	vmcs_write32(VM_EXIT_CONTROLS, vmx.exit);
	vmcs_write32(VM_ENTRY_CONTROLS, vmx.entry);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	vmcs_write64(EPT_POINTER, vm->eptp);
	vmcs_write16(VPID, vm->id + 1); /* VPID 0 belongs to the host */
	vmcs_write64(VMCS_LINK_POINTER, ~0ull);
	/*
	 * CR0: the guest owns every bit but PE, PG and NE. NE must be 1 in VMX operation (the
	 * CR0_FIXED0 MSR) yet a real-mode guest expects 0; PE and PG are hosted so that every mode
	 * switch is a visible, traced exit. CR4.VMXE must be 1 in the real CR4, even for a
	 * real-mode guest under unrestricted guest; the shadow hides it.
	 */
	vmcs_writenat(CR0_GUEST_HOST_MASK, CR0_PE | CR0_PG | CR0_NE);
	vmcs_writenat(CR4_GUEST_HOST_MASK, CR4_VMXE);
	vmcs_writenat(CR4_READ_SHADOW, 0);
}

/* The guest's start: real mode at 0000:entry like a BIOS boot, or flat 32-bit protected mode. */
static void vmcs_init_guest(struct vm *vm)
{
	const struct hvt_vm_config *c = &vm->cfg;
	uint64_t cr0 = CR0_ET;

	if (c->mode == HVT_MODE_PROT32) {
		cr0 |= CR0_PE;
		set_seg(HVT_SEG_CS, 0x08, 0, 0xffffffff, 0xc09b); /* 32-bit code, accessed, 4 KiB granularity */
		for (unsigned i = HVT_SEG_ES; i <= HVT_SEG_GS; i++)
			if (i != HVT_SEG_CS)
				set_seg(i, 0x10, 0, 0xffffffff, 0xc093);
		vmcs_writenat(GUEST_GDTR_BASE, 0);
		vmcs_write32(GUEST_GDTR_LIMIT, 0);
		vmcs_writenat(GUEST_IDTR_BASE, 0);
		vmcs_write32(GUEST_IDTR_LIMIT, 0);
	} else {
		/* Real mode: base = selector * 16, 64 KiB limits (SDM Vol. 3A, 20.1.1). */
		set_seg(HVT_SEG_CS, 0, 0, 0xffff, 0x9b);
		for (unsigned i = HVT_SEG_ES; i <= HVT_SEG_GS; i++)
			if (i != HVT_SEG_CS)
				set_seg(i, 0, 0, 0xffff, 0x93);
		vmcs_writenat(GUEST_GDTR_BASE, 0);
		vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
		vmcs_writenat(GUEST_IDTR_BASE, 0);
		vmcs_write32(GUEST_IDTR_LIMIT, 0x3ff); /* the real-mode IVT */
		vm->regs[R_RDX] = 0x80;                /* BIOS convention: boot drive in DL */
	}
	set_seg(HVT_SEG_LDTR, 0, 0, 0, 0x10000); /* unusable */
	set_seg(HVT_SEG_TR, 0, 0, 0xffff, 0x8b); /* busy 32-bit TSS: VM entry wants a usable TR */
	vmcs_writenat(GUEST_CR0, cr0 | CR0_NE);
	vmcs_writenat(CR0_READ_SHADOW, cr0);
	vmcs_writenat(GUEST_CR3, 0);
	vmcs_writenat(GUEST_CR4, CR4_VMXE);
	vmcs_writenat(GUEST_DR7, 0x400);
	vmcs_writenat(GUEST_RSP, c->mode == HVT_MODE_PROT32 ? c->load_addr : 0x7c00);
	vmcs_writenat(GUEST_RIP, c->entry);
	vmcs_writenat(GUEST_RFLAGS, RFLAGS_FIXED);
	vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ull); /* the power-on PAT */
	vmcs_write64(GUEST_IA32_EFER, 0);
	vm->regs[R_RSP] = c->mode == HVT_MODE_PROT32 ? c->load_addr : 0x7c00;
	vm->regs[HVT_REG_RIP] = c->entry;
	vm->exit_rip = c->entry;
	vm->regs[HVT_REG_RFLAGS] = RFLAGS_FIXED;
}

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
	uart_init(&vm->uart, id, input, (uint32_t)input_len, console_uart_line, 0);
	vm->has_pit = !!(cfg->flags & HVT_VM_PIT);
	pit_reset(&vm->pit);
	pic_reset(&vm->pic);
	vm->state = VM_RUNNABLE;

	/* A fresh VMCS: revision identifier, VMCLEAR (launch state "clear"), VMPTRLD. */
	*(uint32_t *)vm->vmcs = vmx.revision;
	uint64_t pa = (uint64_t)vm->vmcs;
	__asm__ volatile("vmclear %0" ::"m"(pa) : "cc", "memory");
	vmcs_load(vm);
	vmcs_init_host();
	vmcs_init_controls(vm);
	vmcs_init_guest(vm);
	vm->running = 1;
	return 0;
}

void vm_snapshot(struct vm *vm, struct hvt_vm_state *st)
{
	if (loaded != vm)
		vmcs_load(vm);
	memset(st, 0, sizeof(*st));
	memcpy(st->gpr, vm->regs, sizeof(st->gpr));
	st->rip = vm->regs[HVT_REG_RIP];
	st->rflags = vm->regs[HVT_REG_RFLAGS];
	st->cr0 = vmcs_readnat(CR0_READ_SHADOW);
	st->cr3 = vmcs_readnat(GUEST_CR3);
	st->cr4 = (vmcs_readnat(GUEST_CR4) & ~CR4_VMXE) | (vmcs_readnat(CR4_READ_SHADOW) & CR4_VMXE);
	st->efer = vmcs_read64(GUEST_IA32_EFER);
	for (unsigned i = 0; i < HVT_NSEGS; i++) {
		st->seg[i].sel = (uint16_t)vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_SELECTOR, i));
		st->seg[i].base = vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_BASE, i));
		st->seg[i].limit = (uint32_t)vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_LIMIT, i));
		st->seg[i].ar = (uint32_t)vmcs_read_raw(VMCS_SEG_FIELD(GUEST_ES_AR, i));
	}
	st->gdtr_base = vmcs_readnat(GUEST_GDTR_BASE);
	st->gdtr_limit = vmcs_read32(GUEST_GDTR_LIMIT);
	st->idtr_base = vmcs_readnat(GUEST_IDTR_BASE);
	st->idtr_limit = vmcs_read32(GUEST_IDTR_LIMIT);
	st->icount = vm->icount;
}

void vm_stop(struct vm *vm, unsigned why, uint64_t status, uint64_t detail)
{
	static const char *const names[] = {
#define STOP_NAME(num, name, str) [num] = str,
		HVT_STOP_LIST(STOP_NAME)
#undef STOP_NAME
	};
	char line[64];

	if (!vm->running)
		return;
	uart_flush(&vm->uart);
	vm->running = 0;
	vm->state = VM_STOPPED;
	vm->stop_why = why;
	vm->stop_status = status;
	vm->stop_detail = detail;
	hv_printf("hv: VM %d (%s) stopped: %s (status %lu, detail %lx) after %lu instructions", vm->id,
		  vm->cfg.name, why < ARRAY_SIZE(names) ? names[why] : "?", status, detail, vm->icount);
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
	vm->inject_info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector | (has_error ? INTR_INFO_DELIVER_CODE : 0);
	vm->inject_error = error;
}

unsigned vm_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR) >> 5) & 3;
}

static void entry_failed(struct vm *vm, int how)
{
	uint32_t err = how == 2 ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
	hv_printf("hv: VM %d: %s failed: %s (VM-instruction error %u)", vm->id, vm->launched ? "VMRESUME" : "VMLAUNCH",
		  how == 1 ? "no current VMCS (VMfailInvalid)" : vmcs_insn_error_name(err), err);
	vmcs_dump();
	vm_stop_outside_exit(vm, HVT_STOP_ENTRY_FAILED, 0, err);
}

void vm_set_budget(struct vm *vm, uint32_t instructions)
{
	if (loaded != vm)
		vmcs_load(vm);
	vmcs_write32(GUEST_PREEMPTION_TIMER, instructions);
	vm->timer_armed = instructions;
}

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
	if (vm->inject_info)
		vec = -1; /* an exception from the handler goes first */
	if (vec < 0) {
		set_intr_window(vm, 0);
		return;
	}
	uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY);
	if ((vm->regs[HVT_REG_RFLAGS] & RFLAGS_IF) && !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))) {
		pic_ack(&vm->pic);
		vm->inject_info = INTR_INFO_VALID | INTR_TYPE_EXTERNAL | (uint32_t)vec;
		if (trace_on)
			trace_inject(vm->inject_info, 0);
		set_intr_window(vm, 0);
	} else {
		set_intr_window(vm, 1);
	}
}

/* Inject what the handler asked for, or a device interrupt, or nothing. */
static void prepare_entry(struct vm *vm)
{
	deliver_interrupts(vm);
	if (vm->inject_info) {
		vmcs_write32(VM_ENTRY_INTR_INFO, vm->inject_info);
		if (vm->inject_info & INTR_INFO_DELIVER_CODE)
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vm->inject_error);
		vm->inject_info = 0;
	}
}

/*
 * After the handler: RIP past the emulated instruction, and the registers the VMCS holds (RSP,
 * RFLAGS) from the post-state. The general registers changed already (vm_set_gpr).
 */
static inline void finish_exit(struct vm *vm)
{
	if (vm->skip_len) {
		vm->regs[HVT_REG_RIP] += vm->skip_len;
		vmcs_writenat(GUEST_RIP, vm->regs[HVT_REG_RIP]);
		/* The emulated instruction retired: blocking by STI or MOV SS ends with it. */
		uint32_t intr = vmcs_read32(GUEST_INTERRUPTIBILITY);
		if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			vmcs_write32(GUEST_INTERRUPTIBILITY, intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	}
	if (vm->post.mask & (HVT_POST_GPR(R_RSP) | HVT_POST_RFLAGS)) {
		if (vm->post.mask & HVT_POST_GPR(R_RSP))
			vmcs_writenat(GUEST_RSP, vm->regs[R_RSP]);
		if (vm->post.mask & HVT_POST_RFLAGS) {
			vm->regs[HVT_REG_RFLAGS] = vm->post.v[16];
			vmcs_writenat(GUEST_RFLAGS, vm->regs[HVT_REG_RFLAGS]);
		}
	}
}

/* Traced: registers that changed since the VM entry, bit i for regs[i] (GPRs, RIP = 16, RFLAGS
 * = 17), and bit 18 for a qualification that follows (the capture's EXIT word, shifted). */
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
		exit_changed |= 1u << r;
		*capture_p++ = v;
	}
}

/* What every exit starts with: the exit's facts from the VMCS, and the guest's instructions. */
static inline __attribute__((always_inline)) void begin_exit(struct vm *vm, int traced)
{
	uint32_t reason = vmcs_read32(VM_EXIT_REASON);

	vm->exits++;
	exit_reg(vm, R_RSP, vmcs_readnat(GUEST_RSP), traced);
	/* RIP is compared with the previous exit's, not the entry's: a loop exits at the same RIP. */
	uint64_t rip = vmcs_readnat(GUEST_RIP);
	vm->regs[HVT_REG_RIP] = rip;
	if (traced && rip != vm->exit_rip) {
		vm->exit_rip = rip;
		exit_changed |= 1u << HVT_REG_RIP;
		*capture_p++ = rip;
	}
	exit_reg(vm, HVT_REG_RFLAGS, vmcs_readnat(GUEST_RFLAGS), traced);
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
	uint64_t w0 = HVT_CAP_EXIT | (uint64_t)(vm->exit_reason & 0x7f) << HVT_CAP_REASON_SHIFT |
		      (uint64_t)vm->skip_len << HVT_CAP_LEN_SHIFT | (uint64_t)exit_changed << HVT_CAP_GPR_SHIFT |
		      (uint64_t)vm->post.mask << HVT_CAP_POST_SHIFT;

	if (vm->has_gpa) {
		w0 |= HVT_CAP_GPA;
		*p++ = vm->gpa;
	}
	/* The registers handlers usually set (RAX, RCX, RDX, RBX) without a loop, then any others. */
	uint32_t m = vm->post.mask;
	if (m) {
		if (m & 1)
			*p++ = vm->post.v[0];
		if (m & 2)
			*p++ = vm->post.v[1];
		if (m & 4)
			*p++ = vm->post.v[2];
		if (m & 8)
			*p++ = vm->post.v[3];
		for (m &= ~0xfu; m; m &= m - 1)
			*p++ = vm->post.v[(unsigned)__builtin_ctz(m)];
	}
	trace_p[0] = w0;
	trace_commit(p);
}

uint64_t hv_test_panic_insns;

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
			exit_changed |= (uint32_t)(HVT_CAP_QUAL >> HVT_CAP_GPR_SHIFT);
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
			prepare_entry(vm);
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

	if (loaded != vm)
		vmcs_load(vm);
	if (vm_xstate_owner != vm)
		vm_xstate_switch(vm); /* only when the VM on the CPU changes: not per exit */
	vm->slice_over = 0;
	if (trace_on)
		run_loop(vm, 1);
	else
		run_loop(vm, 0);
	return vm->icount - start;
}
