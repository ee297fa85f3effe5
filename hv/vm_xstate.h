/*
 * vm_xstate.h - the CPU state a VM owns that the VMCS does not switch.
 *
 * A VM entry loads, and a VM exit saves, only what the VMCS guest-state area holds (SDM Vol. 3C,
 * 25.4): control registers CR0/CR3/CR4, DR7, RSP/RIP/RFLAGS, segments, descriptor tables, and
 * the MSRs DEBUGCTL, SYSENTER_CS/ESP/EIP, PAT, EFER (and FS/GS base in the segments). Everything
 * else stays in the processor across entries and exits and belongs to whichever VM ran last:
 *   x87/SSE/AVX/AVX-512/PKRU registers and MXCSR   (XSAVE components; FXSAVE without XSAVE)
 *   XCR0                                            (XSETBV exits; vm->xcr0)
 *   CR2                                             (a guest #PF writes it natively)
 *   DR0-DR3, DR6                                    (MOV DR does not exit; a #DB writes DR6)
 *   CR8, the TPR                                    (MOV CR8 does not exit in 64-bit mode)
 *   KERNEL_GS_BASE                                  (SWAPGS exchanges it with GS.base natively)
 *   STAR, LSTAR, CSTAR, FMASK                       (read by SYSCALL natively; WRMSR exits)
 * Each VM keeps its own copy here; vm_xstate_switch() saves the CPU's into the VM that had it
 * and loads the next VM's, only when the scheduler puts a different VM on the CPU, so the exit
 * path costs nothing more. IA32_TSC_AUX is not here: no VM can write it (WRMSR raises #GP),
 * RDTSCP exits and reads 0, RDPID reads the host's 0: every VM sees the same value.
 */
#ifndef HV_VM_XSTATE_H
#define HV_VM_XSTATE_H

#include <stdint.h>

struct vm;

struct vm_xstate {
	/* The XSAVE image (standard format, every component XCR0 can enable) or, without XSAVE,
	 * the FXSAVE image; 64-byte aligned. Offsets: FXSAVE_* and XSAVE_* in x86_arch.h. At
	 * creation it holds the state after FNINIT (vm_xstate_init): the VM's initial FPU state. */
	uint8_t *fpu;
	uint64_t cr2;
	uint64_t dr[4];
	uint64_t dr6;
	uint64_t cr8;
	uint64_t kernel_gs_base, star, lstar, cstar, fmask;
};

/* Give a new VM the reset state: FCW X87_FCW_RESET, MXCSR MXCSR_RESET, every other x87/SSE/AVX
 * register 0, DR6 0xFFFF0FF0, the rest 0. 0 on success, -1 when there is no memory. */
int vm_xstate_init(struct vm_xstate *x);
/* Bytes of the fpu image. */
uint32_t vm_xstate_fpu_size(void);
/* Put this VM's state on the CPU (saving the previous owner's), if it is not there already. */
void vm_xstate_switch(struct vm *to);
/* The VM whose state the CPU holds (0 before the first switch). */
extern struct vm *vm_xstate_owner;
/* For `hv: stats:`: switches done and the hypervisor instructions they took (Bochs TSC). */
extern uint64_t vm_xstate_switches, vm_xstate_switch_insns;

#endif
