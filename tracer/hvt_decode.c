/*
 * hvt_decode.c - exit qualifications and interruption information as structs (retrovisor/
 * hvtrace.h, section 7). The bit layouts are retrovisor/vmx_fields.h's, shared with the
 * hypervisor and replay; this file only gathers them, with the registers an exit's operands are
 * in, for tools (hvtrace's formatter is one user).
 */
#include <stdio.h>
#include <string.h>

#include "retrovisor/hvtrace.h"

/*
 * Layouts that only tools decode (no side encodes them, the hypervisor handles none of these
 * exits but EPT violations), so they live here rather than in retrovisor/vmx_fields.h.
 * SDM Vol. 3C, 28.2.1:
 *   EPT violation (Table 28-7)   bit 12: NMI unblocking due to IRET
 *   MOV DR (Table 28-4)          bits 2:0 the debug register, bit 4 direction (1: MOV from DR),
 *                                bits 11:8 the general register
 *   task switch (Table 28-2)     bits 15:0 the new TSS selector, bits 31:30 the source
 *                                (0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT)
 *   APIC access (Table 28-6)     bits 11:0 the offset into the APIC page, bits 15:12 access type
 */
#define EPT_QUAL_NMI_UNBLOCKING (1u << 12)
#define DR_QUAL_NUM(q) ((unsigned)((q) & 7))
#define DR_QUAL_FROM (1u << 4)
#define DR_QUAL_GPR(q) ((unsigned)((q) >> 8 & 0xf))
#define TS_QUAL_SELECTOR(q) ((uint16_t)((q) & 0xffff))
#define TS_QUAL_SOURCE(q) ((unsigned)((q) >> 30 & 3))
#define APIC_QUAL_OFFSET(q) ((unsigned)((q) & 0xfff))
#define APIC_QUAL_TYPE(q) ((unsigned)((q) >> 12 & 0xf))

int hvt_decode_io(unsigned reason, uint64_t q, const uint64_t regs[HVT_NREGS], struct hvt_io *d)
{
	memset(d, 0, sizeof(*d));
	if (reason != EXIT_REASON_IO_INSTRUCTION)
		return 0;
	d->port = vmx_io_port(q);
	d->size = vmx_io_size(q);
	d->in = vmx_io_in(q);
	d->string = vmx_io_string(q);
	d->rep = vmx_io_rep(q);
	d->imm = vmx_io_imm(q);
	/* OUT takes AL, AX or EAX (SDM Vol. 2B, OUT) */
	if (!d->in && !d->string && d->size <= 4 && regs) {
		d->has_value = 1;
		d->value = regs[RV_REG_RAX] & ((1ull << (8 * d->size)) - 1);
	}
	return 1;
}

int hvt_decode_cr(unsigned reason, uint64_t q, const uint64_t regs[HVT_NREGS], struct hvt_cr *d)
{
	memset(d, 0, sizeof(*d));
	if (reason != EXIT_REASON_CR_ACCESS)
		return 0;
	d->cr = vmx_cr_num(q);
	d->type = vmx_cr_type(q);
	d->gpr = vmx_cr_gpr(q);
	d->lmsw_mem = vmx_cr_lmsw_mem(q);
	if (d->type == VMX_CR_MOV_TO)
		d->value = regs ? regs[d->gpr] : 0;
	else if (d->type == VMX_CR_LMSW)
		d->value = vmx_cr_lmsw_data(q);
	return 1;
}

int hvt_decode_ept(unsigned reason, uint64_t q, uint64_t gpa, struct hvt_ept *d)
{
	memset(d, 0, sizeof(*d));
	if (reason != EXIT_REASON_EPT_VIOLATION)
		return 0;
	d->gpa = gpa;
	d->access = vmx_ept_access(q);
	d->allowed = vmx_ept_allowed(q);
	d->linear_valid = vmx_ept_linear_valid(q);
	d->translated = vmx_ept_translated(q);
	d->nmi_unblocking = (q & EPT_QUAL_NMI_UNBLOCKING) != 0;
	return 1;
}

int hvt_decode_dr(unsigned reason, uint64_t q, struct hvt_dr *d)
{
	memset(d, 0, sizeof(*d));
	if (reason != EXIT_REASON_DR_ACCESS)
		return 0;
	d->dr = DR_QUAL_NUM(q);
	d->from = (q & DR_QUAL_FROM) != 0;
	d->gpr = DR_QUAL_GPR(q);
	return 1;
}

int hvt_decode_task_switch(unsigned reason, uint64_t q, struct hvt_task_switch *d)
{
	memset(d, 0, sizeof(*d));
	if (reason != EXIT_REASON_TASK_SWITCH)
		return 0;
	d->selector = TS_QUAL_SELECTOR(q);
	d->source = TS_QUAL_SOURCE(q);
	return 1;
}

int hvt_decode_apic_access(unsigned reason, uint64_t q, struct hvt_apic_access *d)
{
	memset(d, 0, sizeof(*d));
	if (reason != EXIT_REASON_APIC_ACCESS)
		return 0;
	d->offset = APIC_QUAL_OFFSET(q);
	d->type = APIC_QUAL_TYPE(q);
	return 1;
}

void hvt_decode_intr(uint32_t info, uint32_t error, struct hvt_intr *d)
{
	d->vector = vmx_intr_vector(info);
	d->type = vmx_intr_type(info);
	d->has_error = vmx_intr_has_error(info);
	d->valid = vmx_intr_valid(info);
	d->error = d->has_error ? error : 0;
}

const char *hvt_intr_type_name(unsigned type, char *buf)
{
	switch (type) {
	case VMX_INTR_EXTERNAL: return "external-interrupt";
	case VMX_INTR_NMI: return "nmi";
	case VMX_INTR_HW_EXCEPTION: return "hardware-exception";
	case VMX_INTR_SW_INTERRUPT: return "software-interrupt";
	case VMX_INTR_PRIV_SW_EXCEPTION: return "privileged-software-exception";
	case VMX_INTR_SW_EXCEPTION: return "software-exception";
	case VMX_INTR_OTHER: return "other";
	}
	snprintf(buf, HVT_NAME_BUF, "TYPE_%u", type);
	return buf;
}
