/* vmx.h - VMX capabilities, VMXON and the control values every VMCS starts from. */
#ifndef HV_VMX_H
#define HV_VMX_H

#include <stdint.h>

struct vmx_caps {
	uint64_t msr[20];         /* IA32_VMX_BASIC (0x480) .. IA32_VMX_VMFUNC (0x491) + 2 spare, 0 if absent */
	uint32_t revision;        /* VMCS revision identifier (IA32_VMX_BASIC bits 30:0) */
	uint32_t pin, cpu, cpu2, exit, entry; /* controls adjusted to what the CPU allows */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned timer_rate;      /* preemption timer ticks every 2^rate TSC ticks */
	int has_xsave;
	char vendor[13];
	char brand[49];
};

extern struct vmx_caps vmx;

/* Check every feature Retrovisor needs, print the first missing one by name; 0 when all there. */
int vmx_probe(void);
/* Enter VMX root operation. 0 on success. */
int vmx_enable(void);
/* INVEPT (all contexts) after EPT changes. */
void vmx_invept_all(void);

#endif
