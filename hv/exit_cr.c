/*
 * exit_cr.c - control-register accesses that touch host-owned bits.
 *
 * Only writes exit: CR0 when PE, PG or NE would change (the CR0 guest/host mask), CR4 when the
 * guest tries to set VMXE. Reads of CR0/CR4 return the read shadows without an exit; CR3 is the
 * guest's own under EPT. Exit qualification (SDM Vol. 3C, 28.2.1, Table 28-3):
 *   bits 3:0 CR number, bits 5:4 access type (0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW),
 *   bits 11:8 general register, bits 31:16 LMSW source data.
 */
#include "exit.h"
#include "lib.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_controls.h"
#include "x86.h"

#define CR_NUM(q) ((q)&0xf)
#define CR_TYPE(q) ((q) >> 4 & 3)
#define CR_GPR(q) ((q) >> 8 & 0xf)
#define CR_LMSW_DATA(q) ((q) >> 16 & 0xffff)
enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

/*
 * PAE paging without long mode takes its four PDPTEs from the VMCS at VM entry when EPT is on
 * (SDM Vol. 3C, 27.3.2.4), so an emulated CR0 write that enables it must load them.
 */
static int load_pdptes(struct vm *vm)
{
	uint64_t *pdpte = vm_gpa_ptr(vm, vmcs_readnat(GUEST_CR3) & 0xffffffe0ull, 32);
	if (!pdpte)
		return -1;
	vmcs_write64(GUEST_PDPTE0, pdpte[0]);
	vmcs_write64(GUEST_PDPTE1, pdpte[1]);
	vmcs_write64(GUEST_PDPTE2, pdpte[2]);
	vmcs_write64(GUEST_PDPTE3, pdpte[3]);
	return 0;
}

/* MOV to CR0 as the CPU would do it (SDM Vol. 2B, MOV - Move to/from Control Registers). */
static void guest_write_cr0(struct vm *vm, uint64_t v)
{
	uint64_t old = vmcs_readnat(CR0_READ_SHADOW);
	uint64_t efer = vmcs_read64(GUEST_IA32_EFER);
	uint64_t cr4 = vmcs_readnat(GUEST_CR4);
	uint32_t entry = vmcs_read32(VM_ENTRY_CONTROLS);

	v |= CR0_ET;
	if (!(efer & EFER_LMA))
		v &= 0xffffffffull;
	if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)) ||
	    ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))) {
		vm_inject_exception(vm, VEC_GP, 1, 0);
		return;
	}
	/* Paging on with EFER.LME: long mode becomes active; paging off leaves it (SDM 3A, 9.8.5). */
	if ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else if (!(v & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE_GUEST;
	}
	vmcs_write64(GUEST_IA32_EFER, efer);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	vm->long_mode = !!(efer & EFER_LMA);
	vmcs_writenat(GUEST_CR0, v | CR0_NE);
	vmcs_writenat(CR0_READ_SHADOW, v);
	if ((v & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA) && load_pdptes(vm)) {
		vm_stop(vm, HVT_STOP_BAD_ACCESS, 0, vmcs_readnat(GUEST_CR3));
		return;
	}
	vm->post.mask |= HVT_POST_CR0 | HVT_POST_EFER;
	vm->post.v[17] = v;
	vm->post.v[20] = efer;
	vm_skip_insn(vm);
}

void exit_cr_access(struct vm *vm)
{
	uint64_t q = vm->exit_qual;

	switch (CR_TYPE(q)) {
	case CR_MOV_TO:
		if (CR_NUM(q) == 0) {
			guest_write_cr0(vm, vm->regs[CR_GPR(q)]);
			return;
		}
		if (CR_NUM(q) == 4) {
			/* The only host-owned CR4 bit is VMXE: setting it is refused as on a CPU
			 * without VMX. */
			vm_inject_exception(vm, VEC_GP, 1, 0);
			return;
		}
		break;
	case CR_LMSW: {
		/* LMSW loads CR0 bits 3:0 but can set PE, never clear it. */
		uint64_t old = vmcs_readnat(CR0_READ_SHADOW);
		uint64_t src = CR_LMSW_DATA(q) & 0xf;
		guest_write_cr0(vm, (old & ~0xeull) | src | (old & CR0_PE));
		return;
	}
	}
	exit_unexpected(vm);
}
