/*
 * check_vmcs.c - VMCS field encodings (hv/vmcs.h) against the SDM's rules for them
 * (SDM Vol. 3D, Appendix B): bit 0 access type (0: full), bits 9:1 index, bits 11:10 type
 * (0 control, 1 read-only data, 2 guest state, 3 host state), bit 12 reserved, bits 14:13 width
 * (0 16-bit, 1 64-bit, 2 32-bit, 3 natural), bit 15 reserved. Also the width check the
 * accessors rely on, and the segment-field arithmetic (VMCS_SEG_FIELD).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define HV_HOSTED_TEST
#include "vmcs.h"
#include "check_run.h"

struct field {
	unsigned enc;
	const char *name;
	unsigned width; /* what the SDM's table lists the field under */
	unsigned type;
};

#define W16 VMCS_WIDTH_16
#define W32 VMCS_WIDTH_32
#define W64 VMCS_WIDTH_64
#define WN VMCS_WIDTH_NAT
enum { CTL, RO, GUEST, HOST };

static const struct field fields[] = {
	{VPID, "VPID", W16, CTL},
	{GUEST_ES_SELECTOR, "GUEST_ES_SELECTOR", W16, GUEST},
	{GUEST_TR_SELECTOR, "GUEST_TR_SELECTOR", W16, GUEST},
	{HOST_CS_SELECTOR, "HOST_CS_SELECTOR", W16, HOST},
	{HOST_TR_SELECTOR, "HOST_TR_SELECTOR", W16, HOST},
	{IO_BITMAP_A, "IO_BITMAP_A", W64, CTL},
	{MSR_BITMAP, "MSR_BITMAP", W64, CTL},
	{TSC_OFFSET, "TSC_OFFSET", W64, CTL},
	{EPT_POINTER, "EPT_POINTER", W64, CTL},
	{GUEST_PHYSICAL_ADDRESS, "GUEST_PHYSICAL_ADDRESS", W64, RO},
	{VMCS_LINK_POINTER, "VMCS_LINK_POINTER", W64, GUEST},
	{GUEST_IA32_EFER, "GUEST_IA32_EFER", W64, GUEST},
	{GUEST_PDPTE3, "GUEST_PDPTE3", W64, GUEST},
	{HOST_IA32_EFER, "HOST_IA32_EFER", W64, HOST},
	{PIN_BASED_VM_EXEC_CONTROL, "PIN_BASED_VM_EXEC_CONTROL", W32, CTL},
	{CPU_BASED_VM_EXEC_CONTROL, "CPU_BASED_VM_EXEC_CONTROL", W32, CTL},
	{EXCEPTION_BITMAP, "EXCEPTION_BITMAP", W32, CTL},
	{VM_EXIT_CONTROLS, "VM_EXIT_CONTROLS", W32, CTL},
	{VM_ENTRY_CONTROLS, "VM_ENTRY_CONTROLS", W32, CTL},
	{VM_ENTRY_INTR_INFO, "VM_ENTRY_INTR_INFO", W32, CTL},
	{SECONDARY_VM_EXEC_CONTROL, "SECONDARY_VM_EXEC_CONTROL", W32, CTL},
	{VM_INSTRUCTION_ERROR, "VM_INSTRUCTION_ERROR", W32, RO},
	{VM_EXIT_REASON, "VM_EXIT_REASON", W32, RO},
	{VM_EXIT_INSTRUCTION_LEN, "VM_EXIT_INSTRUCTION_LEN", W32, RO},
	{VMX_INSTRUCTION_INFO, "VMX_INSTRUCTION_INFO", W32, RO},
	{GUEST_ES_LIMIT, "GUEST_ES_LIMIT", W32, GUEST},
	{GUEST_TR_AR, "GUEST_TR_AR", W32, GUEST},
	{GUEST_INTERRUPTIBILITY, "GUEST_INTERRUPTIBILITY", W32, GUEST},
	{GUEST_ACTIVITY_STATE, "GUEST_ACTIVITY_STATE", W32, GUEST},
	{GUEST_SYSENTER_CS, "GUEST_SYSENTER_CS", W32, GUEST},
	{GUEST_PREEMPTION_TIMER, "GUEST_PREEMPTION_TIMER", W32, GUEST},
	{HOST_IA32_SYSENTER_CS, "HOST_IA32_SYSENTER_CS", W32, HOST},
	{CR0_GUEST_HOST_MASK, "CR0_GUEST_HOST_MASK", WN, CTL},
	{CR4_READ_SHADOW, "CR4_READ_SHADOW", WN, CTL},
	{EXIT_QUALIFICATION, "EXIT_QUALIFICATION", WN, RO},
	{GUEST_LINEAR_ADDRESS, "GUEST_LINEAR_ADDRESS", WN, RO},
	{GUEST_CR0, "GUEST_CR0", WN, GUEST},
	{GUEST_RSP, "GUEST_RSP", WN, GUEST},
	{GUEST_RIP, "GUEST_RIP", WN, GUEST},
	{GUEST_RFLAGS, "GUEST_RFLAGS", WN, GUEST},
	{GUEST_SYSENTER_EIP, "GUEST_SYSENTER_EIP", WN, GUEST},
	{HOST_CR0, "HOST_CR0", WN, HOST},
	{HOST_RSP, "HOST_RSP", WN, HOST},
	{HOST_RIP, "HOST_RIP", WN, HOST},
};

START_TEST(field_width_and_type)
{
	const struct field *f = &fields[_i];
	ck_assert_msg(VMCS_FIELD_WIDTH(f->enc) == f->width, "%s (%#x): width %u, SDM says %u", f->name, f->enc,
		      VMCS_FIELD_WIDTH(f->enc), f->width);
	ck_assert_msg((f->enc >> 10 & 3) == f->type, "%s (%#x): type %u, SDM says %u", f->name, f->enc,
		      f->enc >> 10 & 3, f->type);
	ck_assert_msg((f->enc & 1) == 0, "%s: a full field has access type 0", f->name);
	ck_assert_msg((f->enc & 0x9000) == 0, "%s: reserved bits 12 and 15 must be 0", f->name);
}
END_TEST

/* The eight segment registers' fields are consecutive indexes: ES CS SS DS FS GS LDTR TR. */
START_TEST(segment_fields)
{
	ck_assert_uint_eq(VMCS_SEG_FIELD(GUEST_ES_SELECTOR, 1), GUEST_CS_SELECTOR);
	ck_assert_uint_eq(VMCS_SEG_FIELD(GUEST_ES_SELECTOR, 7), GUEST_TR_SELECTOR);
	ck_assert_uint_eq(VMCS_SEG_FIELD(GUEST_ES_BASE, 3), GUEST_DS_BASE);
	ck_assert_uint_eq(VMCS_SEG_FIELD(GUEST_ES_LIMIT, 6), GUEST_LDTR_LIMIT);
	ck_assert_uint_eq(VMCS_SEG_FIELD(GUEST_ES_AR, 2), GUEST_SS_AR);
	ck_assert_uint_eq(VMCS_SEG_FIELD(GUEST_ES_AR, 7), GUEST_TR_AR);
}
END_TEST

/* Encodings are unique. */
START_TEST(unique_encodings)
{
	size_t n = sizeof(fields) / sizeof(fields[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(fields[i].enc != fields[j].enc, "%s and %s share %#x", fields[i].name,
				      fields[j].name, fields[i].enc);
}
END_TEST

/* The accessors' compile-time check: a mismatched width must not compile. */
START_TEST(width_check_rejects_mismatch)
{
	const char *cc = getenv("CC") ? getenv("CC") : "cc";
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "printf '#define HV_HOSTED_TEST\\n#include \"vmcs.h\"\\nstatic inline uint64_t vmcs_read_raw(uint64_t f){return f;}\\n"
		 "int f(void){return vmcs_read16(%s);}\\n' | %s -std=gnu11 -fsyntax-only -Ihv -xc - 2>/dev/null",
		 "GUEST_RIP", cc);
	ck_assert_msg(system(cmd) != 0, "vmcs_read16(GUEST_RIP) compiled");
	snprintf(cmd, sizeof(cmd),
		 "printf '#define HV_HOSTED_TEST\\n#include \"vmcs.h\"\\nstatic inline uint64_t vmcs_read_raw(uint64_t f){return f;}\\n"
		 "int f(void){return vmcs_read16(%s);}\\n' | %s -std=gnu11 -fsyntax-only -Ihv -xc - 2>/dev/null",
		 "VPID", cc);
	ck_assert_msg(system(cmd) == 0, "vmcs_read16(VPID) did not compile");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmcs");
	TCase *tc = tcase_create("encodings");
	tcase_add_loop_test(tc, field_width_and_type, 0, sizeof(fields) / sizeof(fields[0]));
	tcase_add_test(tc, segment_fields);
	tcase_add_test(tc, unique_encodings);
	tcase_add_test(tc, width_check_rejects_mismatch);
	suite_add_tcase(s, tc);
	return check_run(s);
}
