/*
 * check_arch.c - the architecture layer in include/retrovisor/: register and post-state
 * indices (regs.h) pinned with the masks that derive from them, the post-state applied to a
 * register file, the VMX field layouts (vmx_fields.h) against the SDM's bit positions, the
 * capture-word codec (capture.h) both ways, and the one verdict on how a VM ended
 * (exit_status.h).
 */
#include <check.h>
#include <string.h>

#include "retrovisor/capture.h"
#include "retrovisor/exit_status.h"
#include "retrovisor/regs.h"
#include "retrovisor/trace_format.h"
#include "retrovisor/vmx_fields.h"
#include "check_run.h"

START_TEST(test_register_indices_pinned)
{
	/* The trace format's order (docs/trace-format.md): changing any of these changes the format. */
	ck_assert_int_eq(RV_REG_RAX, 0);
	ck_assert_int_eq(RV_REG_RCX, 1);
	ck_assert_int_eq(RV_REG_RDX, 2);
	ck_assert_int_eq(RV_REG_RBX, 3);
	ck_assert_int_eq(RV_REG_RSP, 4);
	ck_assert_int_eq(RV_REG_RBP, 5);
	ck_assert_int_eq(RV_REG_RSI, 6);
	ck_assert_int_eq(RV_REG_RDI, 7);
	ck_assert_int_eq(RV_REG_R8, 8);
	ck_assert_int_eq(RV_REG_R15, 15);
	ck_assert_int_eq(RV_REG_RIP, 16);
	ck_assert_int_eq(RV_REG_RFLAGS, 17);
	ck_assert_int_eq(RV_NREGS, 18);
	ck_assert_int_eq(HVT_NREGS, 18);
	ck_assert_int_eq(HVT_REG_RIP, 16);
	ck_assert_int_eq(HVT_REG_RFLAGS, 17);
	ck_assert_str_eq(rv_reg_name(RV_REG_RSP), "rsp");
	ck_assert_str_eq(rv_reg_name(RV_REG_R11), "r11");
	ck_assert_str_eq(rv_reg_name(16), "rip");
	ck_assert_ptr_null(rv_reg_name(RV_NREGS));
}
END_TEST

START_TEST(test_post_indices_pinned)
{
	for (unsigned i = 0; i < RV_NGPRS; i++) {
		ck_assert_str_eq(rv_post_name(i), rv_reg_name(i)); /* the GPRs share their indices */
		ck_assert_uint_eq(HVT_POST_GPR(i), 1u << i);
	}
	ck_assert_int_eq(RV_POST_RFLAGS, 16); /* not RIP: the reason the names exist */
	ck_assert_int_eq(RV_POST_CR0, 17);
	ck_assert_int_eq(RV_POST_CR3, 18);
	ck_assert_int_eq(RV_POST_CR4, 19);
	ck_assert_int_eq(RV_POST_EFER, 20);
	ck_assert_int_eq(RV_POST_RIP, 21); /* a debugger's (the POST record) */
	ck_assert_int_eq(RV_POST_NVALS, 22);
	ck_assert_str_eq(rv_post_name(16), "rflags");
	ck_assert_str_eq(rv_post_name(20), "efer");
	ck_assert_str_eq(rv_post_name(21), "rip");
	ck_assert_ptr_null(rv_post_name(22));
	ck_assert_uint_eq(rv_post_index(RV_REG_RAX), RV_POST_RAX);
	ck_assert_uint_eq(rv_post_index(RV_REG_R15), RV_POST_R15);
	ck_assert_uint_eq(rv_post_index(RV_REG_RIP), RV_POST_RIP);
	ck_assert_uint_eq(rv_post_index(RV_REG_RFLAGS), RV_POST_RFLAGS);
	/* The trace format's masks, as docs/trace-format.md gives them. */
	ck_assert_uint_eq(HVT_POST_RFLAGS, 1u << 16);
	ck_assert_uint_eq(HVT_POST_CR0, 1u << 17);
	ck_assert_uint_eq(HVT_POST_CR3, 1u << 18);
	ck_assert_uint_eq(HVT_POST_CR4, 1u << 19);
	ck_assert_uint_eq(HVT_POST_EFER, 1u << 20);
	ck_assert_uint_eq(HVT_POST_RIP, 1u << 21);
	ck_assert_uint_eq(HVT_POST_KNOWN_BITS, 0x3fffff);
	ck_assert_int_eq(HVT_POST_NVALS, 22);
}
END_TEST

START_TEST(test_post_apply)
{
	uint64_t regs[RV_NREGS], v[RV_POST_NVALS];
	for (unsigned i = 0; i < RV_NREGS; i++)
		regs[i] = 0x100 + i;
	for (unsigned i = 0; i < RV_POST_NVALS; i++)
		v[i] = 0x900 + i;
	uint32_t mask = HVT_POST_GPR(RV_REG_RAX) | HVT_POST_GPR(RV_REG_RSP) | HVT_POST_GPR(RV_REG_R15) |
			HVT_POST_RFLAGS | HVT_POST_CR0 | HVT_POST_EFER;
	rv_post_apply(regs, mask, v, 2);
	ck_assert_uint_eq(regs[RV_REG_RAX], 0x900);
	ck_assert_uint_eq(regs[RV_REG_RCX], 0x101); /* not in the mask */
	ck_assert_uint_eq(regs[RV_REG_RSP], 0x904);
	ck_assert_uint_eq(regs[RV_REG_R15], 0x90f);
	ck_assert_uint_eq(regs[RV_REG_RFLAGS], 0x900 + RV_POST_RFLAGS); /* post 16 lands on register 17 */
	ck_assert_uint_eq(regs[RV_REG_RIP], 0x110 + 2);                  /* RIP only advances */
	/* An empty post-state and no length: nothing moves. */
	uint64_t before[RV_NREGS];
	memcpy(before, regs, sizeof(regs));
	rv_post_apply(regs, 0, v, 0);
	ck_assert_mem_eq(before, regs, sizeof(regs));
	/* A debugger's RIP (POST record): RIP takes the value, the length is not added. */
	rv_post_apply(regs, HVT_POST_RIP, v, 3);
	ck_assert_uint_eq(regs[RV_REG_RIP], 0x900 + RV_POST_RIP);
}
END_TEST

START_TEST(test_io_qualification)
{
	/* SDM Vol. 3C, Table 28-5: `in al, 0x21` = size 0, IN, immediate, port 0x21. */
	uint64_t q = 0x00210048;
	ck_assert_uint_eq(vmx_io_size(q), 1);
	ck_assert(vmx_io_in(q) && vmx_io_imm(q) && !vmx_io_string(q) && !vmx_io_rep(q));
	ck_assert_uint_eq(vmx_io_port(q), 0x21);
	ck_assert_uint_eq(vmx_io_qual(0x21, 1, VMX_IO_IN | VMX_IO_IMM), q);
	/* `rep outsw` to DX = 0x3f8: size 1 (word), string, REP, port in DX. */
	q = vmx_io_qual(0x3f8, 2, VMX_IO_STRING | VMX_IO_REP);
	ck_assert_uint_eq(q, 0x03f80031);
	ck_assert_uint_eq(vmx_io_size(q), 2);
	ck_assert(!vmx_io_in(q) && vmx_io_string(q) && vmx_io_rep(q) && !vmx_io_imm(q));
	ck_assert_uint_eq(vmx_io_size(vmx_io_qual(0x80, 4, 0)), 4);
	/* Table 28-8: a 32-bit address size (bits 9:7 = 1) and FS (bits 17:15 = 4). */
	ck_assert_uint_eq(vmx_io_insn_addr_size(1u << 7 | 4u << 15), 1);
	ck_assert_uint_eq(vmx_io_insn_seg(1u << 7 | 4u << 15), HVT_SEG_FS);
}
END_TEST

START_TEST(test_cr_qualification)
{
	/* Table 28-3: `mov cr3, rbx` = CR 3, type 0, GPR 3; `lmsw` of 0x000f from a register. */
	uint64_t q = 0x303;
	ck_assert_uint_eq(vmx_cr_num(q), 3);
	ck_assert_uint_eq(vmx_cr_type(q), VMX_CR_MOV_TO);
	ck_assert_uint_eq(vmx_cr_gpr(q), RV_REG_RBX);
	ck_assert_uint_eq(vmx_cr_qual(3, VMX_CR_MOV_TO, RV_REG_RBX, 0), q);
	q = vmx_cr_qual(0, VMX_CR_LMSW, 0, 0x000f);
	ck_assert_uint_eq(q, 0x000f0030);
	ck_assert_uint_eq(vmx_cr_type(q), VMX_CR_LMSW);
	ck_assert_uint_eq(vmx_cr_lmsw_data(q), 0xf);
	ck_assert(!vmx_cr_lmsw_mem(q) && vmx_cr_lmsw_mem(q | 0x40));
	ck_assert_uint_eq(vmx_cr_type(vmx_cr_qual(4, VMX_CR_MOV_FROM, 15, 0)), VMX_CR_MOV_FROM);
	ck_assert_uint_eq(vmx_cr_gpr(vmx_cr_qual(4, VMX_CR_MOV_FROM, 15, 0)), 15);
}
END_TEST

START_TEST(test_ept_qualification)
{
	/* Table 28-7: a write to a readable page through a valid linear address, translated. */
	uint64_t q = 0x18a;
	ck_assert_uint_eq(vmx_ept_access(q), VMX_EPT_WRITE);
	ck_assert_uint_eq(vmx_ept_allowed(q), 1); /* readable only */
	ck_assert(vmx_ept_linear_valid(q) && vmx_ept_translated(q));
	ck_assert(!vmx_ept_translated(0x100)); /* bit 8 means nothing without bit 7 */
	ck_assert_uint_eq(vmx_ept_access(0x4), VMX_EPT_FETCH);
}
END_TEST

START_TEST(test_interruption_info)
{
	/* 25.8.3: #GP(0) = valid, type 3, error code, vector 13; the timer's IRQ 0 at vector 0x20. */
	ck_assert_uint_eq(vmx_intr_info(VMX_INTR_HW_EXCEPTION, 13, 1), 0x80000b0d);
	ck_assert_uint_eq(vmx_intr_info(VMX_INTR_EXTERNAL, 0x20, 0), 0x80000020);
	uint32_t info = 0x80000b0e;
	ck_assert(vmx_intr_valid(info) && vmx_intr_has_error(info));
	ck_assert_uint_eq(vmx_intr_type(info), VMX_INTR_HW_EXCEPTION);
	ck_assert_uint_eq(vmx_intr_vector(info), 14);
	ck_assert(!vmx_intr_valid(0x0b0e));
	ck_assert_uint_eq(vmx_intr_type(0x80000603), VMX_INTR_SW_EXCEPTION);
}
END_TEST

START_TEST(test_capture_codec)
{
	/* The layout trace_format.h documents, bit by bit. */
	uint64_t w = hvt_cap_exit_word(10, 2, HVT_CAP_FOLLOW_REG(RV_REG_RAX) | HVT_CAP_FOLLOW_REG(RV_REG_RIP) |
						      HVT_CAP_FOLLOW_QUAL,
				       HVT_POST_GPR(0) | HVT_POST_RFLAGS, 1);
	ck_assert_uint_eq(w, HVT_CAP_EXIT | 10ull << 4 | 2ull << 11 | 1ull << 15 | 1ull << 16 | 1ull << 32 |
				     1ull << 34 | 1ull << 35 | 1ull << (35 + 16));
	ck_assert_uint_eq(hvt_cap_kind(w), HVT_CAP_EXIT);
	ck_assert_uint_eq(hvt_cap_exit_reason(w), 10);
	ck_assert_uint_eq(hvt_cap_exit_len(w), 2);
	ck_assert(hvt_cap_exit_has_gpa(w));
	ck_assert_uint_eq(hvt_cap_exit_follow(w), 1u | 1u << 16 | 1u << 18);
	ck_assert_uint_eq(hvt_cap_exit_post(w), HVT_POST_GPR(0) | HVT_POST_RFLAGS);
	ck_assert(!hvt_cap_exit_has_gpa(hvt_cap_exit_word(48, 0, 0, 0, 0)));
	ck_assert_uint_eq(hvt_cap_exit_word(0xff, 15, HVT_CAP_FOLLOW_BITS, RV_POST_KNOWN_BITS, 1) & ~HVT_CAP_EXIT_KNOWN_BITS, 0);
	ck_assert_uint_eq(hvt_cap_exit_reason(hvt_cap_exit_word(0xff, 0, 0, 0, 0)), 0x7f);

	w = hvt_cap_stop_word(3, HVT_STOP_TRIPLE_FAULT);
	ck_assert_uint_eq(w, HVT_CAP_VM_STOP | 3 << 8 | HVT_STOP_TRIPLE_FAULT << 16);
	ck_assert_uint_eq(hvt_cap_kind(w), HVT_CAP_VM_STOP);
	ck_assert_uint_eq(hvt_cap_vm(w), 3);
	ck_assert_uint_eq(hvt_cap_stop_why(w), HVT_STOP_TRIPLE_FAULT);
	w = hvt_cap_vm_word(HVT_CAP_SWITCH, 15);
	ck_assert_uint_eq(w, HVT_CAP_SWITCH | 15 << 8);
	ck_assert_uint_eq(hvt_cap_vm(w), 15);
	w = hvt_cap_hi_word(HVT_CAP_INJECT, 0x80000b0d);
	ck_assert_uint_eq(w, HVT_CAP_INJECT | 0x80000b0dull << 32);
	ck_assert_uint_eq(hvt_cap_hi(w), 0x80000b0d);

	/* The register words' order: the world switch's, RSP after R15, then RIP and RFLAGS. */
	static const unsigned order[] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 4, 16, 17};
	for (unsigned k = 0; k < RV_NREGS; k++)
		ck_assert_uint_eq(hvt_cap_follow_reg(k), order[k]);
}
END_TEST

START_TEST(test_vm_end_verdict)
{
	/* guest-samples/hog: its instruction limit is the run's planned end (issue 10). */
	ck_assert(rv_vm_ended_normally(HVT_STOP_INSN_LIMIT, 0));
	ck_assert(rv_vm_ended_normally(HVT_STOP_SHUTDOWN, 0));
	ck_assert(rv_vm_ended_normally(HVT_STOP_HALTED, 0));
	ck_assert_int_eq(rv_vm_verdict(HVT_STOP_SHUTDOWN, 1), RV_VM_END_FAILED);
	ck_assert(!rv_vm_ended_normally(HVT_STOP_SHUTDOWN, 7));
	static const unsigned stopped[] = {HVT_STOP_TRIPLE_FAULT, HVT_STOP_BAD_ACCESS, HVT_STOP_UNHANDLED_EXIT,
					   HVT_STOP_ENTRY_FAILED, HVT_STOP_HV_ERROR, HVT_STOP_BLOCKED,
					   HVT_STOP_COUNT, 255};
	for (unsigned i = 0; i < sizeof(stopped) / sizeof(stopped[0]); i++)
		ck_assert_int_eq(rv_vm_verdict(stopped[i], 0), RV_VM_END_STOPPED);
	/* Every listed reason has a name; unknown ones have none (the caller prints the number). */
	for (unsigned why = 0; why < HVT_STOP_COUNT; why++)
		ck_assert_ptr_nonnull(hvt_stop_name(why));
	ck_assert_str_eq(hvt_stop_name(HVT_STOP_INSN_LIMIT), "instruction limit reached");
	ck_assert_ptr_null(hvt_stop_name(HVT_STOP_COUNT));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arch");
	TCase *tc = tcase_create("arch");
	tcase_add_test(tc, test_register_indices_pinned);
	tcase_add_test(tc, test_post_indices_pinned);
	tcase_add_test(tc, test_post_apply);
	tcase_add_test(tc, test_io_qualification);
	tcase_add_test(tc, test_cr_qualification);
	tcase_add_test(tc, test_ept_qualification);
	tcase_add_test(tc, test_interruption_info);
	tcase_add_test(tc, test_capture_codec);
	tcase_add_test(tc, test_vm_end_verdict);
	suite_add_tcase(s, tc);
	return check_run(s);
}
