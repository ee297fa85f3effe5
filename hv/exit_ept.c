/*
 * exit_ept.c - EPT violations, and the guest page walk used to find guest memory by linear
 * address.
 *
 * EPT maps exactly the VM's memory, so a violation is an access outside it: the VM is stopped
 * with the address and the kind of access (vm_stop_outside_memory, shared with the emulated
 * accesses of string I/O). The exit qualification (SDM Vol. 3C, 28.2.1, Table 28-7) is
 * decoded by retrovisor/vmx_fields.h (vmx_ept_*).
 */
#include "exit.h"
#include "lib.h"
#include "retrovisor/vmx_fields.h"
#include "vmcs.h"
#include "vmx_controls.h"
#include "x86.h"

/* access: the qualification's access bits, VMX_EPT_READ / VMX_EPT_WRITE / VMX_EPT_FETCH (laid out
 * like an EPT entry's permissions), whether the CPU or an emulated access made it. */
void vm_stop_outside_memory(struct vm *vm, uint64_t gpa, unsigned access)
{
	vm->gpa = gpa;
	vm->has_gpa = 1;
	hv_printf("hv: VM %d (%s): %s at guest-physical %lx outside its %lu KiB (rip %lx)", vm->id, vm->cfg.name,
		  access & VMX_EPT_FETCH ? "instruction fetch" : access & VMX_EPT_WRITE ? "write" : "read", gpa,
		  vm->mem_size >> 10, vm->regs[RV_REG_RIP]);
	vm_stop(vm, HVT_STOP_BAD_ACCESS, access & VMX_EPT_ACCESS_MASK, gpa);
}

void exit_ept_violation(struct vm *vm)
{
	vm_stop_outside_memory(vm, vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmx_ept_access(vm->exit_qual));
}

/*
 * #PF for an access the hypervisor emulates. CR2 is not a VMCS field: the guest runs with the
 * processor's CR2, which the hypervisor never changes otherwise (it takes no page faults), so
 * writing it here is what the guest's handler reads after the injection.
 */
void vm_inject_page_fault(struct vm *vm, uint64_t la, uint32_t error)
{
	write_cr2(la);
	vm_inject_exception(vm, VEC_PF, 1, error);
}

/* x86_walk's read_entry: one paging-structure entry, if it lies inside the VM's memory. */
static int read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *e)
{
	const void *p = vm_gpa_ptr(ctx, gpa, size);
	if (!p)
		return -1;
	*e = size == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
	return 0;
}

/* The guest sees the processor's MAXPHYADDR (CPUID passes leaf 0x80000008 through). */
static unsigned maxphyaddr(void)
{
	static unsigned bits;
	if (!bits) {
		uint32_t r[4];
		cpuid(0x80000000, 0, r);
		if (r[0] >= 0x80000008)
			cpuid(0x80000008, 0, r);
		else
			r[0] = 36; /* SDM Vol. 3A, 4.1.4: 36 without the leaf */
		bits = r[0] & 0xff;
	}
	return bits;
}

/*
 * The guest's own translation (include/retrovisor/x86_paging.h), with its CR0, CR3, CR4 and
 * EFER, and under PAE paging the PDPTEs the processor holds: with EPT they are in the VMCS
 * after every exit (SDM Vol. 3C, 28.3.4), and the CPU uses them, not memory at CR3.
 */
int vm_walk(struct vm *vm, uint64_t la, uint32_t access, struct x86_walk *w)
{
	uint64_t pdpte[4];
	struct x86_paging m = {
		.cr0 = vmcs_readnat(GUEST_CR0),
		.cr3 = vmcs_readnat(GUEST_CR3),
		.cr4 = vmcs_readnat(GUEST_CR4),
		.efer = vmcs_read64(GUEST_IA32_EFER),
		.maxphyaddr = maxphyaddr(),
	};
	if ((m.cr0 & CR0_PG) && (m.cr4 & CR4_PAE) && !(m.efer & EFER_LMA)) {
		for (unsigned i = 0; i < 4; i++)
			pdpte[i] = vmcs_read_raw(GUEST_PDPTE0 + 2 * i);
		m.pdpte = pdpte;
	}
	return x86_walk(&m, la, access, read_entry, vm, w);
}
