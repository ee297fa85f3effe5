/*
 * exit_cr.c - control-register accesses that touch host-owned bits.
 *
 * Only writes exit: CR0 when PE, PG or NE would change (the CR0 guest/host mask), CR4 when the
 * guest tries to set VMXE. Reads of CR0/CR4 return the read shadows without an exit; CR3 is the
 * guest's own under EPT. The exit qualification (SDM Vol. 3C, 28.2.1, Table 28-3: CR number,
 * access type, general register, LMSW source data) is decoded by retrovisor/vmx_fields.h.
 */
#include "exit.h"
#include "lib.h"
#include "retrovisor/vmx_fields.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_controls.h"
#include "x86.h"

/*
 * PAE paging without long mode takes its four PDPTEs from the VMCS at VM entry when EPT is on
 * (SDM Vol. 3C, 27.3.2.4), so an emulated CR0 write that turns it on must load them, after the
 * check the CPU makes: a present PDPTE with a reserved bit set makes the MOV raise #GP(0) and
 * change nothing (SDM Vol. 3A, 4.4.1). Returns 0, PDPTES_GP, or PDPTES_OUTSIDE when CR3 points
 * outside the VM's memory (an access outside memory stops the VM, as everywhere).
 */
enum { PDPTES_GP = 1, PDPTES_OUTSIDE };

static int check_pdptes(struct vm *vm, uint64_t cr3, uint64_t out[4])
{
	uint32_t r[4];
	const uint64_t *pdpte = vm_gpa_ptr(vm, cr3 & 0xffffffe0ull, 32);
	if (!pdpte)
		return PDPTES_OUTSIDE;
	cpuid(0x80000008, 0, r);
	for (int i = 0; i < 4; i++) {
		if (!pae_pdpte_valid(pdpte[i], r[0] & 0xff))
			return PDPTES_GP;
		out[i] = pdpte[i];
	}
	return 0;
}

/*
 * MOV to CR0 as the CPU would do it (SDM Vol. 2B, MOV - Move to/from Control Registers, and
 * Vol. 3A, 9.8.5): every #GP(0) it names, before anything changes:
 *   - bits 63:32 set (in IA-32e mode; elsewhere the upper half is ignored);
 *   - PG = 1 with PE = 0; NW = 1 with CD = 0;
 *   - PG set with EFER.LME = 1 but CR4.PAE = 0;
 *   - PG cleared in 64-bit mode (CS.L = 1): long mode is left from compatibility mode only;
 *   - PAE paging's PDPTEs, loaded when it would be on and PG, CD or NW change, with a
 *     reserved bit set.
 * (A guest write that does not touch PE, PG or NE does not exit: the CPU checks it itself.)
 */
static void guest_write_cr0(struct vm *vm, uint64_t v)
{
	uint64_t old = vmcs_readnat(CR0_READ_SHADOW);
	uint64_t efer = vmcs_read64(GUEST_IA32_EFER);
	uint64_t cr4 = vmcs_readnat(GUEST_CR4);
	uint32_t entry = vmcs_read32(VM_ENTRY_CONTROLS);
	int in_64bit = (efer & EFER_LMA) && (vmcs_read32(GUEST_CS_AR) & SEG_AR_L);
	uint64_t pdpte[4];

	v |= CR0_ET;
	if (!(efer & EFER_LMA))
		v &= 0xffffffffull;
	if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)) ||
	    ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE)) ||
	    (!(v & CR0_PG) && (old & CR0_PG) && in_64bit)) {
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
	int load = (v & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA) && ((v ^ old) & (CR0_PG | CR0_CD | CR0_NW));
	if (load) {
		int bad = check_pdptes(vm, vmcs_readnat(GUEST_CR3), pdpte);
		if (bad == PDPTES_GP) {
			vm_inject_exception(vm, VEC_GP, 1, 0);
			return;
		}
		if (bad) {
			vm_stop(vm, HVT_STOP_BAD_ACCESS, 0, vmcs_readnat(GUEST_CR3));
			return;
		}
		vmcs_write64(GUEST_PDPTE0, pdpte[0]);
		vmcs_write64(GUEST_PDPTE1, pdpte[1]);
		vmcs_write64(GUEST_PDPTE2, pdpte[2]);
		vmcs_write64(GUEST_PDPTE3, pdpte[3]);
	}
	vmcs_write64(GUEST_IA32_EFER, efer);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	vm->long_mode = !!(efer & EFER_LMA);
	vmcs_writenat(GUEST_CR0, v | CR0_NE);
	vmcs_writenat(CR0_READ_SHADOW, v);
	vm->post.mask |= HVT_POST_CR0 | HVT_POST_EFER;
	vm->post.v[RV_POST_CR0] = v;
	vm->post.v[RV_POST_EFER] = efer;
	vm_skip_insn(vm);
}

void exit_cr_access(struct vm *vm)
{
	uint64_t q = vm->exit_qual;

	switch (vmx_cr_type(q)) {
	case VMX_CR_MOV_TO:
		if (vmx_cr_num(q) == 0) {
			guest_write_cr0(vm, vm->regs[vmx_cr_gpr(q)]);
			return;
		}
		if (vmx_cr_num(q) == 4) {
			/* The only host-owned CR4 bit is VMXE: setting it is refused as on a CPU
			 * without VMX. */
			vm_inject_exception(vm, VEC_GP, 1, 0);
			return;
		}
		break;
	case VMX_CR_LMSW: {
		/* LMSW loads CR0 bits 3:0 but can set PE, never clear it. */
		uint64_t old = vmcs_readnat(CR0_READ_SHADOW);
		uint64_t src = vmx_cr_lmsw_data(q) & 0xf;
		guest_write_cr0(vm, (old & ~0xeull) | src | (old & CR0_PE));
		return;
	}
	}
	exit_unexpected(vm);
}
