/*
 * vm_vmcs.c - a VM's VMCS: the host state an exit lands in, the controls that decide what
 * exits, the guest state a VM starts from, and the snapshot of that state the trace records.
 */
#include "cpu.h"
#include "lib.h"
#include "trace.h"
#include "vm_impl.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_controls.h"
#include "x86.h"

struct vm *vm_loaded;

void vm_vmcs_load(struct vm *vm)
{
	uint64_t pa = (uint64_t)vm->vmcs;
	uint8_t fail;
	__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		PANIC("VMPTRLD of VM %d's VMCS failed", vm->id);
	vm_loaded = vm;
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
		vm->regs[RV_REG_RDX] = 0x80;                /* BIOS convention: boot drive in DL */
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
	vm->regs[RV_REG_RSP] = c->mode == HVT_MODE_PROT32 ? c->load_addr : 0x7c00;
	vm->regs[RV_REG_RIP] = c->entry;
	vm->exit_rip = c->entry;
	vm->regs[RV_REG_RFLAGS] = RFLAGS_FIXED;
}

void vm_vmcs_init(struct vm *vm)
{
	/* A fresh VMCS: revision identifier, VMCLEAR (launch state "clear"), VMPTRLD. */
	*(uint32_t *)vm->vmcs = vmx.revision;
	uint64_t pa = (uint64_t)vm->vmcs;
	__asm__ volatile("vmclear %0" ::"m"(pa) : "cc", "memory");
	vm_vmcs_load(vm);
	vmcs_init_host();
	vmcs_init_controls(vm);
	vmcs_init_guest(vm);
}

void vm_snapshot(struct vm *vm, struct hvt_vm_state *st)
{
	vm_make_current(vm);
	memset(st, 0, sizeof(*st));
	memcpy(st->gpr, vm->regs, sizeof(st->gpr));
	st->rip = vm->regs[RV_REG_RIP];
	st->rflags = vm->regs[RV_REG_RFLAGS];
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
	/* every VM starts with the x87/SSE reset state (FNINIT, MXCSR after reset) */
	st->fcw = X87_FCW_RESET;
	st->mxcsr = MXCSR_RESET;
	st->xcr0 = vm->xcr0;
}
