/*
 * exit_basic.c - the small exit families: CPUID, HLT, RDTSC/RDTSCP, instructions to skip or to
 * refuse, XSETBV, the preemption timer, triple fault and failed VM entries.
 */
#include "exit.h"
#include "lib.h"
#include "retrovisor/hypercall.h"
#include "sched.h"
#include "vmcs.h"
#include "vmx.h"
#include "x86.h"

#define HV_VERSION_CODE 0x00010000u /* 1.0 */

extern int hv_nvms;

/*
 * CPUID: the real CPU's answers, except that the hypervisor shows itself (leaf 1 ECX bit 31,
 * leaves 0x40000000-1) and hides what it does not give the guest: VMX (leaf 1 ECX bit 5) and
 * MONITOR/MWAIT (bit 3, they raise #UD here). OSXSAVE (bit 27) follows the guest's CR4.
 */
void exit_cpuid(struct vm *vm)
{
	uint32_t leaf = (uint32_t)vm->regs[RV_REG_RAX], sub = (uint32_t)vm->regs[RV_REG_RCX], r[4];

	if (leaf >= HV_CPUID_BASE && leaf <= 0x4fffffff) {
		r[0] = r[1] = r[2] = r[3] = 0;
		if (leaf == HV_CPUID_BASE) {
			r[0] = HV_CPUID_MAX;
			r[1] = HV_CPUID_SIG_EBX;
			r[2] = HV_CPUID_SIG_ECX;
			r[3] = HV_CPUID_SIG_EDX;
		} else if (leaf == HV_CPUID_MAX) {
			r[0] = HV_VERSION_CODE;
			r[1] = (uint32_t)vm->id;
			r[2] = (uint32_t)hv_nvms;
		}
	} else {
		cpuid(leaf, sub, r);
		if (leaf == 1) {
			r[2] |= 1u << 31;
			r[2] &= ~((1u << 5) | (1u << 3) | (1u << 27));
			if (vmcs_readnat(GUEST_CR4) & CR4_OSXSAVE)
				r[2] |= 1u << 27;
		}
	}
	vm_set_gpr(vm, RV_REG_RAX, r[0]);
	vm_set_gpr(vm, RV_REG_RBX, r[1]);
	vm_set_gpr(vm, RV_REG_RCX, r[2]);
	vm_set_gpr(vm, RV_REG_RDX, r[3]);
	vm_skip_insn(vm);
}

/*
 * HLT waits for an interrupt. With interrupts enabled and a timer that can interrupt, the VM
 * gives the CPU away until then (the scheduler wakes it; the interrupt is delivered with RIP past
 * the HLT, as on hardware). With interrupts disabled it can never resume: it has finished
 * ("cli; hlt" is the usual way to end, HVT_STOP_HALTED). With interrupts enabled but no
 * interrupt source it waits for an event that can never come (HVT_STOP_BLOCKED), the reason
 * the scheduler gives when a halted VM's timer can no longer interrupt it (sched.c, idle).
 */
void exit_hlt(struct vm *vm)
{
	vm_skip_insn(vm);
	if ((vm->regs[RV_REG_RFLAGS] & RFLAGS_IF) && vm->has_pit) {
		vm->state = VM_HALTED;
		vm->slice_over = 1;
		return;
	}
	vm_stop(vm, vm->regs[RV_REG_RFLAGS] & RFLAGS_IF ? HVT_STOP_BLOCKED : HVT_STOP_HALTED, 0, vm->regs[RV_REG_RIP]);
}

/* RDTSC/RDTSCP: the TSC is virtual time (sched.h), in instructions: exact and replayable. */
void exit_rdtsc(struct vm *vm)
{
	uint64_t tsc = vtime_now;
	vm_set_gpr(vm, RV_REG_RAX, (uint32_t)tsc);
	vm_set_gpr(vm, RV_REG_RDX, tsc >> 32);
	if ((vm->exit_reason & EXIT_REASON_BASIC_MASK) == EXIT_REASON_RDTSCP)
		vm_set_gpr(vm, RV_REG_RCX, 0); /* IA32_TSC_AUX: processor 0 */
	vm_skip_insn(vm);
}

/* INVD, WBINVD, PAUSE: nothing to do for an emulated cache or a single vCPU. */
void exit_skip_insn(struct vm *vm) { vm_skip_insn(vm); }

/* VMX instructions, GETSEC, MONITOR/MWAIT, RSM...: not offered, so #UD as on a CPU without them. */
void exit_undefined_insn(struct vm *vm) { vm_inject_exception(vm, VEC_UD, 0, 0); }

/* The slice is over: back to the scheduler, which re-arms the timer. */
void exit_preemption_timer(struct vm *vm) { vm->slice_over = 1; }

/* The guest can take an interrupt now: the entry path injects it (vm_irq.c). */
void exit_intr_window(struct vm *vm) { (void)vm; }

/*
 * XSETBV: accept exactly what a real CPU accepts, otherwise #GP(0) (SDM Vol. 2C, XSETBV,
 * "Protected Mode Exceptions"): CPL 0 (real mode is CPL 0; virtual-8086 mode is CPL 3), ECX = 0
 * (only XCR0 is writable), and a value that obeys every XCR0 rule (xcr0_valid, x86_arch.h).
 * The hypervisor then executes XSETBV itself in VMX root operation, where a value the CPU
 * refuses would be a #GP in the hypervisor: the checks here are what keeps a guest from
 * stopping the machine. CR4.OSXSAVE = 0 raises #UD before any exit (SDM Vol. 3C, 26.1.1).
 */
void exit_xsetbv(struct vm *vm)
{
	uint32_t r[4];
	uint64_t v = (uint32_t)vm->regs[RV_REG_RAX] | vm->regs[RV_REG_RDX] << 32;

	cpuid(0xd, 0, r);
	uint64_t supported = r[0] | (uint64_t)r[3] << 32;
	if ((uint32_t)vm->regs[RV_REG_RCX] != 0 || !xcr0_valid(v, supported) || vm_cpl()) {
		vm_inject_exception(vm, VEC_GP, 1, 0);
		return;
	}
	vm->xcr0 = v;
	vm_load_xcr0(vm);
	vm_skip_insn(vm);
}

void exit_triple_fault(struct vm *vm) { vm_stop(vm, HVT_STOP_TRIPLE_FAULT, 0, vm->regs[RV_REG_RIP]); }

/*
 * VM entry failed after loading guest state (exit reason with bit 31 set, SDM Vol. 3C, 27.8).
 * The qualification says little (0: unspecified, 2: PDPTE load, 3: NMI injection, 4: VMCS link
 * pointer); Bochs names the exact failing check in its log, which hvrun shows.
 */
void exit_entry_fail(struct vm *vm)
{
	hv_printf("hv: VM %d: VM entry failed: exit reason %u (%s), qualification %lu", vm->id,
		  vm->exit_reason & EXIT_REASON_BASIC_MASK, exit_reason_name(vm->exit_reason & EXIT_REASON_BASIC_MASK),
		  vm->exit_qual);
	vmcs_dump();
	vm_stop(vm, HVT_STOP_ENTRY_FAILED, vm->exit_reason & EXIT_REASON_BASIC_MASK, vm->exit_qual);
}
