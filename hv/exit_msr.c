/*
 * exit_msr.c - RDMSR and WRMSR. No MSR bitmap is used, so every access exits and only the MSRs
 * below exist for the guest; any other index raises #GP(0), as a CPU does for an MSR it lacks
 * (SDM Vol. 2B, RDMSR). MSRs that VMX keeps per guest (EFER, PAT, SYSENTER_*, FS/GS base) are
 * read and written in the VMCS, so they never reach the real machine. The SYSCALL MSRs (STAR,
 * LSTAR, CSTAR, FMASK) and KERNEL_GS_BASE are not in the VMCS: the guest's values are in the real
 * MSRs while it runs (SYSCALL and SWAPGS use them without an exit) and in its vm_xstate while it
 * does not (vm_xstate.c switches them with the VM).
 */
#include "exit.h"
#include "lib.h"
#include "sched.h"
#include "vmcs.h"
#include "x86.h"

static int msr_read(struct vm *vm, uint32_t index, uint64_t *v)
{
	switch (index) {
	case MSR_IA32_STAR:
		*v = vm->xstate.star;
		return 0;
	case MSR_IA32_LSTAR:
		*v = vm->xstate.lstar;
		return 0;
	case MSR_IA32_CSTAR:
		*v = vm->xstate.cstar;
		return 0;
	case MSR_IA32_FMASK:
		*v = vm->xstate.fmask;
		return 0;
	case MSR_IA32_KERNEL_GS_BASE:
		*v = rdmsr(MSR_IA32_KERNEL_GS_BASE); /* SWAPGS may have changed it */
		return 0;
	case MSR_IA32_TSC:
		*v = vtime_now; /* the same virtual TSC as RDTSC */
		return 0;
	case MSR_IA32_APIC_BASE:
		*v = 0xfee00000ull | (1u << 11) | (1u << 8); /* enabled, bootstrap processor */
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*v = 1; /* fast strings */
		return 0;
	case MSR_IA32_BIOS_SIGN_ID:
	case MSR_IA32_MTRRCAP:
	case MSR_IA32_MTRR_DEF_TYPE:
		*v = 0;
		return 0;
	case MSR_IA32_EFER:
		*v = vmcs_read64(GUEST_IA32_EFER);
		return 0;
	case MSR_IA32_PAT:
		*v = vmcs_read64(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*v = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*v = vmcs_readnat(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*v = vmcs_readnat(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_FS_BASE:
		*v = vmcs_readnat(GUEST_FS_BASE);
		return 0;
	case MSR_IA32_GS_BASE:
		*v = vmcs_readnat(GUEST_GS_BASE);
		return 0;
	}
	return -1;
}

/* A canonical address: bits 63:47 all equal (SDM Vol. 1, 3.3.7.1). */
static int canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

/* Each PAT entry must be a valid memory type: 0, 1, 4, 5, 6 or 7 (SDM Vol. 3A, 13.12.2). */
static int pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = pat >> (8 * i) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return 0;
	}
	return 1;
}

static int msr_write(struct vm *vm, uint32_t index, uint64_t v)
{
	switch (index) {
	case MSR_IA32_EFER: {
		/* SCE, LME and NXE are the guest's, where the CPU has them (SYSCALL: CPUID.80000001H:
		 * EDX[11], NX: EDX[20]); LMA is the processor's and keeps its value. LME cannot change
		 * while paging is on, which also keeps a guest from leaving long mode this way
		 * (SDM Vol. 3A, 9.8.5; Vol. 4, Table 2-2, IA32_EFER): #GP(0). */
		uint64_t old = vmcs_read64(GUEST_IA32_EFER), ok = EFER_LME | EFER_LMA;
		uint32_t r[4];
		cpuid(0x80000001, 0, r);
		ok |= (r[3] & (1u << 11) ? EFER_SCE : 0) | (r[3] & (1u << 20) ? EFER_NXE : 0);
		if ((v & ~ok) || (((v ^ old) & EFER_LME) && (vmcs_readnat(GUEST_CR0) & CR0_PG)))
			return -1;
		v = (v & ~EFER_LMA) | (old & EFER_LMA);
		vmcs_write64(GUEST_IA32_EFER, v);
		vm->post.mask |= HVT_POST_EFER;
		vm->post.v[RV_POST_EFER] = v;
		return 0;
	}
	case MSR_IA32_PAT:
		if (!pat_valid(v))
			return -1;
		vmcs_write64(GUEST_IA32_PAT, v);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, v);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_FS_BASE:
	case MSR_IA32_GS_BASE:
		if (!canonical(v))
			return -1;
		if (index == MSR_IA32_SYSENTER_ESP)
			vmcs_writenat(GUEST_SYSENTER_ESP, v);
		else if (index == MSR_IA32_SYSENTER_EIP)
			vmcs_writenat(GUEST_SYSENTER_EIP, v);
		else if (index == MSR_IA32_FS_BASE)
			vmcs_writenat(GUEST_FS_BASE, v);
		else
			vmcs_writenat(GUEST_GS_BASE, v);
		return 0;
	/* The real MSR gets the value at once (the guest's SYSCALL may follow), after the checks
	 * the CPU would make: a WRMSR the CPU refuses would be a #GP in the hypervisor. */
	case MSR_IA32_STAR:
		vm->xstate.star = v; /* every bit is writable */
		wrmsr(index, v);
		return 0;
	case MSR_IA32_LSTAR:
	case MSR_IA32_CSTAR:
	case MSR_IA32_KERNEL_GS_BASE:
		if (!canonical(v))
			return -1;
		if (index == MSR_IA32_LSTAR)
			vm->xstate.lstar = v;
		else if (index == MSR_IA32_CSTAR)
			vm->xstate.cstar = v;
		else
			vm->xstate.kernel_gs_base = v;
		wrmsr(index, v);
		return 0;
	case MSR_IA32_FMASK:
		if (v >> 32) /* bits 63:32 reserved (SDM Vol. 4, Table 2-2) */
			return -1;
		vm->xstate.fmask = v;
		wrmsr(index, v);
		return 0;
	case MSR_IA32_MTRR_DEF_TYPE:
	case MSR_IA32_BIOS_SIGN_ID:
		return 0; /* accepted and ignored: no caches to configure, no microcode */
	}
	return -1;
}

void exit_rdmsr(struct vm *vm)
{
	uint64_t v;
	if (vm_cpl() || msr_read(vm, (uint32_t)vm->regs[RV_REG_RCX], &v)) {
		vm_inject_exception(vm, VEC_GP, 1, 0);
		return;
	}
	vm_set_gpr(vm, RV_REG_RAX, (uint32_t)v);
	vm_set_gpr(vm, RV_REG_RDX, v >> 32);
	vm_skip_insn(vm);
}

void exit_wrmsr(struct vm *vm)
{
	uint64_t v = (uint32_t)vm->regs[RV_REG_RAX] | vm->regs[RV_REG_RDX] << 32;
	if (vm_cpl() || msr_write(vm, (uint32_t)vm->regs[RV_REG_RCX], v)) {
		vm_inject_exception(vm, VEC_GP, 1, 0);
		return;
	}
	vm_skip_insn(vm);
}
