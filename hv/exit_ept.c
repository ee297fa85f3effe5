/*
 * exit_ept.c - EPT violations, and the guest page walk used to find guest memory by linear
 * address.
 *
 * EPT maps exactly the VM's memory, so a violation is an access outside it: the VM is stopped
 * with the address and the kind of access. Exit qualification (SDM Vol. 3C, 28.2.1, Table 28-7):
 * bit 0 read, bit 1 write, bit 2 instruction fetch; bit 7 the linear address is valid.
 */
#include "exit.h"
#include "lib.h"
#include "vmcs.h"
#include "x86.h"

void exit_ept_violation(struct vm *vm)
{
	uint64_t q = vm->exit_qual;
	vm->gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	vm->has_gpa = 1;
	hv_printf("hv: VM %d (%s): %s at guest-physical %lx outside its %lu KiB (rip %lx)", vm->id, vm->cfg.name,
		  q & 4 ? "instruction fetch" : q & 2 ? "write" : "read", vm->gpa, vm->mem_size >> 10, vm->regs[16]);
	vm_stop(vm, HVT_STOP_BAD_ACCESS, q & 7, vm->gpa);
}

/* Read one paging-structure entry; -1 if it lies outside guest memory. */
static int read_entry(struct vm *vm, uint64_t addr, int wide, uint64_t *e)
{
	void *p = vm_gpa_ptr(vm, addr, wide ? 8 : 4);
	if (!p)
		return -1;
	*e = wide ? *(uint64_t *)p : *(uint32_t *)p;
	return 0;
}

/*
 * The guest's own translation (SDM Vol. 3A, 4.3 32-bit, 4.4 PAE, 4.5 4-level paging), checking
 * only presence: the hypervisor uses it to find data for an instruction that already passed the
 * guest's own permission checks.
 */
int vm_translate(struct vm *vm, uint64_t la, uint64_t *gpa)
{
	uint64_t cr0 = vmcs_readnat(GUEST_CR0), cr4 = vmcs_readnat(GUEST_CR4), e;
	uint64_t base = vmcs_readnat(GUEST_CR3);
	const uint64_t addr = 0x000ffffffffff000ull;

	if (!(cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return 0;
	}
	if (!(cr4 & CR4_PAE)) {
		if (read_entry(vm, (base & 0xfffff000) + (la >> 22 & 0x3ff) * 4, 0, &e) || !(e & 1))
			return -1;
		if ((e & 0x80) && (cr4 & CR4_PSE)) {
			*gpa = (e & 0xffc00000) | (la & 0x3fffff);
			return 0;
		}
		if (read_entry(vm, (e & 0xfffff000) + (la >> 12 & 0x3ff) * 4, 0, &e) || !(e & 1))
			return -1;
		*gpa = (e & 0xfffff000) | (la & 0xfff);
		return 0;
	}
	int levels = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA ? 4 : 3;
	if (levels == 3) {
		e = vmcs_read_raw(GUEST_PDPTE0 + 2 * (la >> 30 & 3));
		if (!(e & 1))
			return -1;
		base = e & addr;
	} else {
		base &= addr;
	}
	for (int shift = levels == 4 ? 39 : 21; shift >= 12; shift -= 9) {
		if (read_entry(vm, base + (la >> shift & 511) * 8, 1, &e) || !(e & 1))
			return -1;
		if (shift > 12 && (e & 0x80)) { /* 1 GiB or 2 MiB page */
			uint64_t span = 1ull << shift;
			*gpa = (e & addr & ~(span - 1)) | (la & (span - 1));
			return 0;
		}
		base = e & addr;
	}
	*gpa = base | (la & 0xfff);
	return 0;
}
