/*
 * vm_xstate.c - each VM's own x87/SSE/AVX registers, CR2, debug registers, TPR and SYSCALL MSRs
 * (vm_xstate.h says why the VMCS does not switch them), switched when the VM on the CPU changes.
 *
 * The switch saves and loads every XSAVE component the CPU has, whatever the two VMs enabled:
 * with only the components of the VM's own XCR0, a component that VM A used and VM B has not
 * enabled would stay in the registers with A's values, and B would read them the moment it set
 * the bit in XCR0. So XCR0 is raised to every component for the XSAVE/XRSTOR pair, then set to
 * the incoming VM's value. On Bochs each of these is one instruction: the cost that matters is
 * the instruction count, which `hv: stats:` reports per switch.
 */
#include "vm_xstate.h"

#include "lib.h"
#include "mm.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

/* SDM Vol. 3A, 9.1.1, Table 9-1: DR6 after reset (reserved bits 1, no condition recorded). */
#define DR6_RESET 0xffff0ff0ull

struct vm *vm_xstate_owner;
uint64_t vm_xstate_switches, vm_xstate_switch_insns;

static uint64_t xcr0_all;    /* every component XCR0 can enable: CPUID.(EAX=0DH,ECX=0):EDX:EAX */
static uint32_t fpu_size;    /* bytes of an XSAVE area with all of them (ECX), or FXSAVE's 512 */
static uint64_t cpu_xcr0 = 1; /* the processor's XCR0 now (1 at reset, SDM Vol. 1, 13.3) */

uint32_t vm_xstate_fpu_size(void)
{
	if (!fpu_size) {
		fpu_size = FXSAVE_SIZE;
		if (vmx.has_xsave) {
			uint32_t r[4];
			cpuid(0xd, 0, r);
			xcr0_all = r[0] | (uint64_t)r[3] << 32;
			fpu_size = r[2];
		}
	}
	return fpu_size;
}

int vm_xstate_init(struct vm_xstate *x)
{
	uint32_t size = vm_xstate_fpu_size();

	memset(x, 0, sizeof(*x));
	x->fpu = mm_alloc(size, PAGE_SIZE); /* zeroed */
	if (!x->fpu)
		return -1;
	/* FNINIT's state: FCW 0x037F, FSW 0, all tags empty, MXCSR 0x1F80, registers 0 (SDM Vol. 1,
	 * 8.1.5, 10.2.3). XSTATE_BV says x87 and SSE are in the image; the other components are in
	 * their initial state (zero), which XRSTOR produces for a clear bit. */
	*(uint16_t *)(x->fpu + FXSAVE_FCW) = X87_FCW_RESET;
	*(uint32_t *)(x->fpu + FXSAVE_MXCSR) = MXCSR_RESET;
	if (vmx.has_xsave)
		*(uint64_t *)(x->fpu + XSAVE_XSTATE_BV) = XCR0_X87 | XCR0_SSE;
	x->dr6 = DR6_RESET;
	return 0;
}

/* The guest's XCR0 into the processor (XSETBV exits; exit_xsetbv checked the value). */
void vm_load_xcr0(struct vm *vm)
{
	if (vmx.has_xsave && vm->xcr0 != cpu_xcr0) {
		xsetbv(0, vm->xcr0);
		cpu_xcr0 = vm->xcr0;
	}
}

static void save(struct vm_xstate *x)
{
	x->cr2 = read_cr2();
	x->dr[0] = read_dr0();
	x->dr[1] = read_dr1();
	x->dr[2] = read_dr2();
	x->dr[3] = read_dr3();
	x->dr6 = read_dr6();
	x->cr8 = read_cr8();
	/* STAR, LSTAR, CSTAR and FMASK change only by WRMSR, which exits and keeps the copy; SWAPGS
	 * changes KERNEL_GS_BASE without an exit. */
	x->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	if (vmx.has_xsave) {
		if (cpu_xcr0 != xcr0_all) {
			xsetbv(0, xcr0_all);
			cpu_xcr0 = xcr0_all;
		}
		xsave64(x->fpu, ~0ull);
	} else {
		fxsave64(x->fpu);
	}
}

static void load(const struct vm_xstate *x)
{
	write_cr2(x->cr2);
	write_dr0(x->dr[0]);
	write_dr1(x->dr[1]);
	write_dr2(x->dr[2]);
	write_dr3(x->dr[3]);
	write_dr6(x->dr6);
	write_cr8(x->cr8);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, x->kernel_gs_base);
	wrmsr(MSR_IA32_STAR, x->star);
	wrmsr(MSR_IA32_LSTAR, x->lstar);
	wrmsr(MSR_IA32_CSTAR, x->cstar);
	wrmsr(MSR_IA32_FMASK, x->fmask);
	if (vmx.has_xsave) {
		if (cpu_xcr0 != xcr0_all) {
			xsetbv(0, xcr0_all);
			cpu_xcr0 = xcr0_all;
		}
		xrstor64(x->fpu, ~0ull);
	} else {
		fxrstor64(x->fpu);
	}
}

void vm_xstate_switch(struct vm *to)
{
	uint64_t t0 = rdtsc();

	if (vm_xstate_owner)
		save(&vm_xstate_owner->xstate);
	load(&to->xstate);
	vm_load_xcr0(to);
	vm_xstate_owner = to;
	vm_xstate_switches++;
	vm_xstate_switch_insns += rdtsc() - t0;
}
