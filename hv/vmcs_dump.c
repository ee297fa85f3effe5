/*
 * vmcs_dump.c - print the current VMCS: what to read first when an exit was unexpected or a
 * VM entry failed. Fields are grouped as in SDM Vol. 3C, 25.3-25.9.
 */
#include "lib.h"
#include "vmcs.h"

struct dump_field {
	uint32_t enc;
	const char *name;
};

#define F(x) {x, #x}
static const struct dump_field fields[] = {
	F(VM_EXIT_REASON), F(EXIT_QUALIFICATION), F(GUEST_PHYSICAL_ADDRESS), F(GUEST_LINEAR_ADDRESS),
	F(VM_EXIT_INTR_INFO), F(VM_EXIT_INTR_ERROR_CODE), F(IDT_VECTORING_INFO), F(VM_EXIT_INSTRUCTION_LEN),
	F(VM_INSTRUCTION_ERROR), F(GUEST_RIP), F(GUEST_RSP), F(GUEST_RFLAGS), F(GUEST_CR0), F(CR0_READ_SHADOW),
	F(GUEST_CR3), F(GUEST_CR4), F(CR4_READ_SHADOW), F(GUEST_IA32_EFER), F(GUEST_DR7),
	F(GUEST_CS_SELECTOR), F(GUEST_CS_BASE), F(GUEST_CS_LIMIT), F(GUEST_CS_AR),
	F(GUEST_SS_SELECTOR), F(GUEST_SS_BASE), F(GUEST_SS_LIMIT), F(GUEST_SS_AR),
	F(GUEST_DS_SELECTOR), F(GUEST_DS_BASE), F(GUEST_DS_LIMIT), F(GUEST_DS_AR),
	F(GUEST_ES_SELECTOR), F(GUEST_ES_AR), F(GUEST_FS_SELECTOR), F(GUEST_FS_AR),
	F(GUEST_GS_SELECTOR), F(GUEST_GS_AR), F(GUEST_TR_SELECTOR), F(GUEST_TR_BASE), F(GUEST_TR_LIMIT),
	F(GUEST_TR_AR), F(GUEST_LDTR_SELECTOR), F(GUEST_LDTR_AR), F(GUEST_GDTR_BASE), F(GUEST_GDTR_LIMIT),
	F(GUEST_IDTR_BASE), F(GUEST_IDTR_LIMIT), F(GUEST_INTERRUPTIBILITY), F(GUEST_ACTIVITY_STATE),
	F(GUEST_PREEMPTION_TIMER), F(VMCS_LINK_POINTER), F(PIN_BASED_VM_EXEC_CONTROL),
	F(CPU_BASED_VM_EXEC_CONTROL), F(SECONDARY_VM_EXEC_CONTROL), F(VM_EXIT_CONTROLS), F(VM_ENTRY_CONTROLS),
	F(VM_ENTRY_INTR_INFO), F(EXCEPTION_BITMAP), F(EPT_POINTER), F(VPID), F(HOST_RIP), F(HOST_RSP),
	F(HOST_CR0), F(HOST_CR3), F(HOST_CR4),
};
#undef F

void vmcs_dump(void)
{
	hv_printf("hv: VMCS dump:");
	for (unsigned i = 0; i < ARRAY_SIZE(fields); i += 2) {
		if (i + 1 < ARRAY_SIZE(fields))
			hv_printf("  %-28s %16lx   %-28s %16lx", fields[i].name, vmcs_read_raw(fields[i].enc),
				  fields[i + 1].name, vmcs_read_raw(fields[i + 1].enc));
		else
			hv_printf("  %-28s %16lx", fields[i].name, vmcs_read_raw(fields[i].enc));
	}
}

/* SDM Vol. 3C, 31.4 "VM Instruction Error Numbers". */
const char *vmcs_insn_error_name(uint32_t err)
{
	static const char *const names[] = {
		[1] = "VMCALL executed in VMX root operation",
		[2] = "VMCLEAR with invalid physical address",
		[3] = "VMCLEAR with VMXON pointer",
		[4] = "VMLAUNCH with non-clear VMCS",
		[5] = "VMRESUME with non-launched VMCS",
		[6] = "VMRESUME after VMXOFF",
		[7] = "VM entry with invalid control field(s)",
		[8] = "VM entry with invalid host-state field(s)",
		[9] = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[16] = "VM entry with invalid executive-VMCS pointer",
		[17] = "VM entry with non-launched executive VMCS",
		[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
		[19] = "VMCALL with non-clear VMCS",
		[20] = "VMCALL with invalid VM-exit control fields",
		[22] = "VMCALL with incorrect MSEG revision identifier",
		[23] = "VMXOFF under dual-monitor treatment",
		[24] = "VMCALL with invalid SMM-monitor features",
		[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "Invalid operand to INVEPT/INVVPID",
	};
	return err < ARRAY_SIZE(names) && names[err] ? names[err] : "unknown VM-instruction error";
}
