/*
 * vmx.c - VMX bring-up: discover what the CPU offers, refuse clearly what it lacks, VMXON.
 *
 * SDM Vol. 3C, 24.7 "Enabling and entering VMX operation" and Vol. 3D, Appendix A "VMX
 * capability reporting facility". The controls a VMCS may use come from pairs of 32-bit masks
 * in the capability MSRs: bits set in the low half must be 1, bits clear in the high half must
 * be 0. When IA32_VMX_BASIC bit 55 is set, the TRUE_* MSRs report the real default-1 bits
 * (A.2), which lets us clear controls such as CR3-load exiting that the legacy MSRs force on.
 */
#include "vmx.h"

#include "lib.h"
#include "mm.h"
#include "vmx_controls.h"
#include "x86.h"

struct vmx_caps vmx;

static uint8_t *vmxon_region;

static uint64_t msr(uint32_t index) { return vmx.msr[index - MSR_IA32_VMX_BASIC]; }

/* Bochs raises #GP for MSRs a model lacks (0x491 without VM functions): only read what exists. */
static void read_caps(void)
{
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	uint32_t last = MSR_IA32_VMX_VMCS_ENUM;

	vmx.msr[0] = basic;
	vmx.msr[MSR_IA32_VMX_PROCBASED_CTLS - MSR_IA32_VMX_BASIC] = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	if (vmx.msr[MSR_IA32_VMX_PROCBASED_CTLS - MSR_IA32_VMX_BASIC] >> 32 & CPU_SECONDARY_CONTROLS)
		last = MSR_IA32_VMX_EPT_VPID_CAP;
	if (basic & VMX_BASIC_TRUE_CTLS)
		last = MSR_IA32_VMX_TRUE_ENTRY_CTLS;
	for (uint32_t m = MSR_IA32_VMX_BASIC + 1; m <= last; m++)
		vmx.msr[m - MSR_IA32_VMX_BASIC] = rdmsr(m);
	vmx.revision = VMX_BASIC_REVISION(basic);
}

struct feature {
	uint32_t bit;
	const char *name;
};

/* Adjust wanted controls to a capability MSR; name the first wanted bit that is not allowed. */
static int adjust(const char *what, uint64_t cap, uint32_t want, const struct feature *names, uint32_t *out)
{
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
	uint32_t missing = want & ~may;

	if (missing) {
		const char *name = "?";
		for (const struct feature *f = names; f && f->name; f++)
			if (missing & f->bit) {
				name = f->name;
				break;
			}
		hv_printf("hv: the CPU lacks a VMX feature Retrovisor needs: %s (%s control bits %x)", name, what,
			  missing);
		return -1;
	}
	*out = (want | must) & may;
	return 0;
}

static const struct feature pin_names[] = {
	{PIN_EXTINT_EXITING, "external-interrupt exiting"},
	{PIN_NMI_EXITING, "NMI exiting"},
	{PIN_PREEMPTION_TIMER, "VMX-preemption timer"},
	{0, 0},
};
static const struct feature cpu_names[] = {
	{CPU_HLT_EXITING, "HLT exiting"},
	{CPU_RDTSC_EXITING, "RDTSC exiting"},
	{CPU_UNCOND_IO_EXITING, "unconditional I/O exiting"},
	{CPU_MWAIT_EXITING, "MWAIT exiting"},
	{CPU_MONITOR_EXITING, "MONITOR exiting"},
	{CPU_SECONDARY_CONTROLS, "secondary controls"},
	{0, 0},
};
static const struct feature cpu2_names[] = {
	{SEC_ENABLE_EPT, "EPT"},
	{SEC_ENABLE_RDTSCP, "RDTSCP"},
	{SEC_ENABLE_VPID, "VPID"},
	{SEC_UNRESTRICTED_GUEST, "unrestricted guest"},
	{SEC_RDRAND_EXITING, "RDRAND exiting"},
	{SEC_RDSEED_EXITING, "RDSEED exiting"},
	{0, 0},
};
static const struct feature exit_names[] = {
	{EXIT_HOST_ADDR_SPACE_SIZE, "64-bit host"},
	{EXIT_SAVE_IA32_EFER, "save IA32_EFER"},
	{EXIT_LOAD_IA32_EFER, "load IA32_EFER"},
	{EXIT_SAVE_IA32_PAT, "save IA32_PAT"},
	{EXIT_LOAD_IA32_PAT, "load IA32_PAT"},
	{EXIT_SAVE_PREEMPTION_TIMER, "save VMX-preemption timer value"},
	{0, 0},
};
static const struct feature entry_names[] = {
	{ENTRY_LOAD_IA32_EFER, "load IA32_EFER"},
	{ENTRY_LOAD_IA32_PAT, "load IA32_PAT"},
	{0, 0},
};

static void read_identity(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	memcpy(vmx.vendor, &r[1], 4);
	memcpy(vmx.vendor + 4, &r[3], 4);
	memcpy(vmx.vendor + 8, &r[2], 4);
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000004)
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, (uint32_t *)(vmx.brand + 16 * i));
}

int vmx_probe(void)
{
	uint32_t r[4];
	int true_ctls;

	read_identity();
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 5))) {
		hv_printf("hv: this CPU (%s) has no VMX (CPUID.1:ECX[5] = 0): Retrovisor needs Intel VT-x. "
			  "QEMU's TCG and AMD CPUs do not offer it; run under Bochs (hvrun) instead",
			  vmx.vendor);
		return -1;
	}
	vmx.has_xsave = !!(r[2] & (1u << 26));

	/* IA32_FEATURE_CONTROL: lock bit 0, "VMXON outside SMX" bit 2 (SDM Vol. 3C, 24.7). */
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & 1)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | 5);
	} else if (!(fc & 4)) {
		hv_printf("hv: VMX is disabled by the firmware (IA32_FEATURE_CONTROL = %lx is locked without "
			  "bit 2)", fc);
		return -1;
	}

	read_caps();
	true_ctls = !!(msr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS);
	if (adjust("pin-based", msr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS),
		   PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_PREEMPTION_TIMER, pin_names, &vmx.pin) ||
	    adjust("processor-based",
		   msr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS),
		   CPU_HLT_EXITING | CPU_RDTSC_EXITING | CPU_UNCOND_IO_EXITING | CPU_MWAIT_EXITING |
			   CPU_MONITOR_EXITING | CPU_SECONDARY_CONTROLS,
		   cpu_names, &vmx.cpu) ||
	    adjust("secondary processor-based", msr(MSR_IA32_VMX_PROCBASED_CTLS2),
		   SEC_ENABLE_EPT | SEC_ENABLE_RDTSCP | SEC_ENABLE_VPID | SEC_UNRESTRICTED_GUEST, cpu2_names,
		   &vmx.cpu2) ||
	    adjust("VM-exit", msr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS),
		   EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_PAT |
			   EXIT_LOAD_IA32_PAT | EXIT_SAVE_PREEMPTION_TIMER | EXIT_SAVE_DEBUG_CONTROLS,
		   exit_names, &vmx.exit) ||
	    adjust("VM-entry", msr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS),
		   ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_DEBUG_CONTROLS, entry_names,
		   &vmx.entry))
		return -1;
	/* RDRAND and RDSEED exit wherever the CPU can make them (a CPU without them raises #UD):
	 * answered deterministically by exit_rand.c, so that recordings reproduce. */
	vmx.cpu2 |= (uint32_t)(msr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32) & (SEC_RDRAND_EXITING | SEC_RDSEED_EXITING);
	/* Defaults we do not want where the CPU lets us clear them. */
	vmx.cpu &= ~((CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING) & ~(uint32_t)msr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS));

	uint64_t ept = msr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(ept & EPT_CAP_WALK_4) || !(ept & EPT_CAP_WB) || !(ept & EPT_CAP_INVEPT) || !(ept & EPT_CAP_INVEPT_ALL)) {
		hv_printf("hv: the CPU's EPT lacks a feature Retrovisor needs: %s (IA32_VMX_EPT_VPID_CAP = %lx)",
			  !(ept & EPT_CAP_WALK_4) ? "4-level page walk" :
			  !(ept & EPT_CAP_WB)     ? "write-back paging structures" :
			  !(ept & EPT_CAP_INVEPT) ? "INVEPT" : "all-context INVEPT",
			  ept);
		return -1;
	}
	vmx.cr0_fixed0 = msr(MSR_IA32_VMX_CR0_FIXED0);
	vmx.cr0_fixed1 = msr(MSR_IA32_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = msr(MSR_IA32_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = msr(MSR_IA32_VMX_CR4_FIXED1);
	vmx.timer_rate = VMX_MISC_TIMER_RATE(msr(MSR_IA32_VMX_MISC));
	return 0;
}

int vmx_enable(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	uint8_t ok;

	/* CR0 and CR4 must respect the fixed bits in VMX operation (SDM Vol. 3D, A.7 and A.8). */
	cr4 |= CR4_VMXE;
	if (vmx.has_xsave)
		cr4 |= CR4_OSXSAVE; /* so that XSETBV works for guests (exit_basic.c) */
	/* The world switch of the VMs' x87/SSE state (vm_xstate.c): FXSAVE/XSAVE need CR0.EM = 0
	 * and CR0.TS = 0 (else #UD/#NM), and CR4.OSFXSR for FXSAVE to include MXCSR and the XMM
	 * registers (SDM Vol. 2A, FXSAVE). The hypervisor itself never uses them (-mgeneral-regs-only). */
	cr4 |= CR4_OSFXSR;
	cr0 &= ~(CR0_EM | CR0_TS);
	write_cr0((cr0 | vmx.cr0_fixed0) & vmx.cr0_fixed1);
	write_cr4((cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1);

	vmxon_region = mm_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!vmxon_region)
		PANIC("no memory for the VMXON region");
	*(uint32_t *)vmxon_region = vmx.revision;
	uint64_t pa = (uint64_t)vmxon_region;
	__asm__ volatile("vmxon %1; setna %0" : "=q"(ok) : "m"(pa) : "cc", "memory");
	if (ok) {
		hv_printf("hv: VMXON failed");
		return -1;
	}
	return 0;
}

void vmx_invept_all(void)
{
	struct {
		uint64_t eptp, reserved;
	} desc = {0, 0};
	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(2ull) : "cc", "memory");
}
