/*
 * check_trace_steps.c - the trace library's reading API (retrovisor/hvtrace.h): names with one
 * rule for unknown values, independent cursors over one open file, the step iterator's grouping
 * (what belongs to an exit, with several VMs) and its registers after the handler, the typed
 * VM accessors, and the structured decoders.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_run.h"
#include "check_tmp.h"
#include "retrovisor/hvtrace_writer.h"
#include "retrovisor/hvtrace.h"
#include "trace_encode.h"

START_TEST(test_names_one_rule)
{
	char b[HVT_NAME_BUF];

	ck_assert_str_eq(hvt_reason_name(EXIT_REASON_CPUID, b), "CPUID");
	ck_assert_str_eq(hvt_reason_name(77, b), "REASON_77");
	ck_assert_str_eq(hvt_hypercall_name(1, b), "console_write");
	ck_assert_str_eq(hvt_hypercall_name(30583, b), "HYPERCALL_30583");
	ck_assert_str_eq(hvt_hypercall_name(1ull << 32 | 1, b), "HYPERCALL_4294967297");
	ck_assert_str_eq(hvt_stop_reason_name(HVT_STOP_TRIPLE_FAULT, b), "TRIPLE_FAULT");
	ck_assert_str_eq(hvt_stop_reason_name(HVT_STOP_COUNT, b), "STOP_9");
	ck_assert_str_eq(hvt_stop_text(HVT_STOP_SHUTDOWN, b), "shutdown hypercall");
	ck_assert_str_eq(hvt_stop_text(200, b), "STOP_200");
	ck_assert_str_eq(hvt_record_name(HVT_REC_MEMWRITE, b), "MEMWRITE");
	ck_assert_str_eq(hvt_record_name(HVT_REC_POST, b), "POST");
	ck_assert_str_eq(hvt_record_name(10, b), "RECORD_10");
	ck_assert_str_eq(hvt_post_name(RV_POST_RIP, b), "rip");
	ck_assert_str_eq(hvt_reg_name(RV_REG_RSP, b), "rsp");
	ck_assert_str_eq(hvt_reg_name(RV_REG_RFLAGS, b), "rflags");
	ck_assert_str_eq(hvt_reg_name(HVT_NREGS, b), "REG_18");
	ck_assert_str_eq(hvt_post_name(RV_POST_RFLAGS, b), "rflags");
	ck_assert_str_eq(hvt_post_name(RV_POST_EFER, b), "efer");
	ck_assert_str_eq(hvt_post_name(HVT_POST_NVALS, b), "POST_22");
	ck_assert_str_eq(hvt_intr_type_name(VMX_INTR_HW_EXCEPTION, b), "hardware-exception");
	ck_assert_str_eq(hvt_intr_type_name(1, b), "TYPE_1");
	ck_assert_int_eq(hvt_reason_lookup("cpuid"), EXIT_REASON_CPUID);
	ck_assert_int_eq(hvt_reason_lookup("REASON_77"), 77);
	ck_assert_int_eq(hvt_reason_lookup("0x1e"), 30);
	ck_assert_int_eq(hvt_reason_lookup("128"), -1);
	ck_assert_int_eq(hvt_reason_lookup("nonsense"), -1);
}
END_TEST

START_TEST(test_decoders)
{
	uint64_t regs[HVT_NREGS] = { 0 };
	struct hvt_io io;
	struct hvt_cr cr;
	struct hvt_ept ept;
	struct hvt_intr in;

	regs[RV_REG_RAX] = 0x12345678;
	regs[RV_REG_RBX] = 0x80000011;
	ck_assert_int_eq(hvt_decode_io(EXIT_REASON_CPUID, 0, regs, &io), 0);
	ck_assert_int_eq(hvt_decode_io(EXIT_REASON_IO_INSTRUCTION, vmx_io_qual(0x3f8, 2, 0), regs, &io), 1);
	ck_assert_uint_eq(io.port, 0x3f8);
	ck_assert_uint_eq(io.size, 2);
	ck_assert(!io.in && !io.string && io.has_value);
	ck_assert_uint_eq(io.value, 0x5678); /* OUT DX, AX */
	hvt_decode_io(EXIT_REASON_IO_INSTRUCTION, vmx_io_qual(0x60, 1, VMX_IO_IN | VMX_IO_IMM), regs, &io);
	ck_assert(io.in && io.imm && !io.has_value);
	ck_assert_int_eq(hvt_decode_cr(EXIT_REASON_CR_ACCESS, vmx_cr_qual(0, VMX_CR_MOV_TO, RV_REG_RBX, 0), regs, &cr), 1);
	ck_assert_uint_eq(cr.cr, 0);
	ck_assert_uint_eq(cr.type, VMX_CR_MOV_TO);
	ck_assert_uint_eq(cr.gpr, RV_REG_RBX);
	ck_assert_uint_eq(cr.value, 0x80000011);
	hvt_decode_cr(EXIT_REASON_CR_ACCESS, vmx_cr_qual(0, VMX_CR_LMSW, 0, 0xf) | 1u << 6, regs, &cr);
	ck_assert_uint_eq(cr.value, 0xf);
	ck_assert(cr.lmsw_mem);
	ck_assert_int_eq(hvt_decode_ept(EXIT_REASON_EPT_VIOLATION, 0x181 | 1u << 12 | 1u << 3, 0xfee00000, &ept), 1);
	ck_assert_uint_eq(ept.gpa, 0xfee00000);
	ck_assert_uint_eq(ept.access, VMX_EPT_READ);
	ck_assert_uint_eq(ept.allowed, VMX_EPT_READ);
	ck_assert(ept.linear_valid && ept.translated && ept.nmi_unblocking);
	struct hvt_dr dr;
	struct hvt_task_switch ts;
	struct hvt_apic_access ap;
	ck_assert_int_eq(hvt_decode_dr(EXIT_REASON_DR_ACCESS, 0x317, &dr), 1); /* mov rbx, dr7 */
	ck_assert(dr.from);
	ck_assert_uint_eq(dr.dr, 7);
	ck_assert_uint_eq(dr.gpr, RV_REG_RBX);
	ck_assert_int_eq(hvt_decode_task_switch(EXIT_REASON_TASK_SWITCH, 3ull << 30 | 0x28, &ts), 1);
	ck_assert_uint_eq(ts.selector, 0x28);
	ck_assert_uint_eq(ts.source, 3);
	ck_assert_int_eq(hvt_decode_apic_access(EXIT_REASON_APIC_ACCESS, 1u << 12 | 0x300, &ap), 1);
	ck_assert_uint_eq(ap.offset, 0x300);
	ck_assert_uint_eq(ap.type, 1);
	ck_assert_int_eq(hvt_decode_apic_access(EXIT_REASON_CPUID, 0, &ap), 0);
	hvt_decode_intr(vmx_intr_info(VMX_INTR_HW_EXCEPTION, 13, 1), 0x18, &in);
	ck_assert(in.valid && in.has_error);
	ck_assert_uint_eq(in.vector, 13);
	ck_assert_uint_eq(in.type, VMX_INTR_HW_EXCEPTION);
	ck_assert_uint_eq(in.error, 0x18);
}
END_TEST

/*
 * Two VMs: VM 0's CPUID with two memory writes; VM 1 starts and halts; the scheduler hands the
 * CPU back to VM 0 with an interrupt for it; VM 0's OUT, which sets RFLAGS, then its shutdown;
 * VM 1 stopped; END. Event numbers in the comments.
 */
static void two_vms(const char *path)
{
	static struct hvt_enc e;
	static const struct hvt_post none;
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_err err;
	struct hvt_writer *w = hvt_writer_open(path, NULL, &err);
	struct hvt_vm_state s0 = { .rip = 0x7c00, .rflags = 2 }, s1 = { .rip = 0x8000, .rflags = 2 };
	uint64_t regs[HVT_NREGS] = { 0 };
	struct hvt_post post = { 0 };

	ck_assert_ptr_nonnull(w);
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	hvt_enc_vm_start(&e, 0, &s0); /* 0 */
	regs[RV_REG_RAX] = 0x40000000;
	regs[RV_REG_RIP] = 0x7c10;
	regs[RV_REG_RFLAGS] = 2;
	post.mask = HVT_POST_GPR(RV_POST_RAX) | HVT_POST_GPR(RV_POST_RBX) | HVT_POST_GPR(RV_POST_RCX) |
		    HVT_POST_GPR(RV_POST_RDX);
	post.v[RV_POST_RAX] = 0x40000001;
	post.v[RV_POST_RBX] = 0x72746552;
	post.v[RV_POST_RCX] = 0x7369766f;
	post.v[RV_POST_RDX] = 0x5648726f;
	hvt_enc_exit(&e, EXIT_REASON_CPUID, 10, regs, 0, &post, 2, 0, 0); /* 1 */
	hvt_enc_memwrite(&e, 0x9000, "abc", 3);                          /* 2 */
	hvt_enc_memwrite(&e, 0x9100, "de", 2);                           /* 3 */
	hvt_enc_vm_start(&e, 1, &s1);                                    /* 4 */
	uint64_t r1[HVT_NREGS] = { 0 };
	r1[RV_REG_RIP] = 0x8004;
	r1[RV_REG_RFLAGS] = 2;
	hvt_enc_exit(&e, EXIT_REASON_HLT, 3, r1, 0, &none, 1, 0, 0);     /* 5 */
	hvt_enc_switch(&e, 0);                                           /* 6 */
	hvt_enc_inject(&e, vmx_intr_info(VMX_INTR_EXTERNAL, 0x20, 0), 0); /* 7 */
	regs[RV_REG_RAX] = 0x41;
	regs[RV_REG_RIP] = 0x7c20;
	post = (struct hvt_post){ .mask = HVT_POST_RFLAGS };
	post.v[RV_POST_RFLAGS] = 0x246;
	hvt_enc_exit(&e, EXIT_REASON_IO_INSTRUCTION, 20, regs, vmx_io_qual(0x3f8, 1, 0), &post, 1, 0, 0); /* 8 */
	hvt_enc_vm_stop(&e, 0, HVT_STOP_SHUTDOWN, 0, 0);                 /* 9 */
	hvt_enc_switch(&e, 1);                                           /* 10 */
	hvt_enc_vm_stop(&e, 1, HVT_STOP_HALTED, 0, 0);                   /* 11 */
	hvt_enc_finish(&e, 0);                                           /* 12 */
	ck_assert_int_eq(hvt_writer_add_vm_states(w, &err), 0);
	ck_assert_int_eq(hvt_writer_close(w, HVT_FILE_COMPLETE, &err), 0);
	free(buf);
}

START_TEST(test_steps_group_an_exit_with_its_records)
{
	struct hvt_reader *r;
	struct hvt_steps *s;
	struct hvt_step st;
	struct hvt_err err;

	two_vms(tpath("two.hvt"));
	ck_assert_int_eq(hvt_reader_open(&r, tpath("two.hvt"), &err), HVT_OK);
	ck_assert_uint_eq(hvt_reader_info(r)->nevents, 13);

	/* VM 0: the CPUID with both writes and the interrupt given when VM 0 runs again */
	ck_assert_int_eq(hvt_steps_open(&s, r, 0, 0, &err), HVT_OK);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_OK);
	ck_assert_int_eq(st.kind, HVT_REC_EXIT);
	ck_assert_uint_eq(st.num, 1);
	ck_assert_uint_eq(st.vm, 0);
	ck_assert_uint_eq(st.reason, EXIT_REASON_CPUID);
	ck_assert_uint_eq(st.regs[RV_REG_RAX], 0x40000000);
	ck_assert_uint_eq(st.after[RV_REG_RAX], 0x40000001);
	ck_assert_uint_eq(st.after[RV_REG_RBX], 0x72746552);
	ck_assert_uint_eq(st.after[RV_REG_RIP], 0x7c12); /* past the 2-byte CPUID */
	ck_assert_uint_eq(st.nmw, 2);
	ck_assert_uint_eq(st.mw[0].gpa, 0x9000);
	ck_assert_uint_eq(st.mw[1].len, 2);
	ck_assert(!memcmp(st.mw[1].data, "de", 2));
	ck_assert(st.has_inject);
	ck_assert_uint_eq(st.inject_info, vmx_intr_info(VMX_INTR_EXTERNAL, 0x20, 0));
	ck_assert(!st.stopped);
	ck_assert_uint_eq(st.resume, 8);
	/* the OUT: RFLAGS from the post-state, and the shutdown that followed it */
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_OK);
	ck_assert_uint_eq(st.num, 8);
	ck_assert_uint_eq(st.regs[RV_REG_RFLAGS], 2);
	ck_assert_uint_eq(st.after[RV_REG_RFLAGS], 0x246);
	ck_assert_uint_eq(st.after[RV_REG_RIP], 0x7c21);
	ck_assert_uint_eq(st.after[RV_REG_RAX], 0x41);
	ck_assert_uint_eq(st.nmw, 0);
	ck_assert(!st.has_inject);
	ck_assert(st.stopped);
	ck_assert_uint_eq(st.stop_why, HVT_STOP_SHUTDOWN);
	ck_assert_uint_eq(st.resume, 12);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_END);
	ck_assert_int_eq(st.kind, HVT_REC_END);
	ck_assert_uint_eq(st.num, 12);
	ck_assert_uint_eq(st.after[RV_REG_RIP], 0x7c21); /* the VM's last registers */
	hvt_steps_close(s);

	/* VM 1, over its own cursor while VM 0's is gone: the HLT, and its stop after VM 0's records */
	ck_assert_int_eq(hvt_steps_open(&s, r, 1, 0, &err), HVT_OK);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_OK);
	ck_assert_uint_eq(st.num, 5);
	ck_assert_uint_eq(st.reason, EXIT_REASON_HLT);
	ck_assert_uint_eq(st.after[RV_REG_RIP], 0x8005);
	ck_assert(!st.has_inject); /* VM 0's interrupt is not VM 1's */
	ck_assert(st.stopped);
	ck_assert_uint_eq(st.stop_why, HVT_STOP_HALTED);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_END);
	/* from event 11 on, the stop is a step of its own */
	ck_assert_int_eq(hvt_steps_seek(s, 11, &err), HVT_OK);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_OK);
	ck_assert_int_eq(st.kind, HVT_REC_VM_STOP);
	ck_assert_uint_eq(st.num, 11);
	ck_assert_uint_eq(st.resume, 12);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_END);
	hvt_steps_close(s);

	/* the VM accessors: no configuration sections in this trace, the start from VM_STATE */
	unsigned ids[HVT_MAX_VMS];
	struct hvt_vm_state vs;
	struct hvt_vm_config cfg;
	uint64_t start;
	ck_assert_uint_eq(hvt_vm_ids(r, ids, HVT_MAX_VMS), 0);
	ck_assert_int_eq(hvt_vm_config(r, 0, &cfg, &err), HVT_EINVAL);
	ck_assert_int_eq(hvt_vm_initial_state(r, 1, &vs, &start, &err), HVT_OK);
	ck_assert_uint_eq(vs.rip, 0x8000);
	ck_assert_uint_eq(start, 4);
	ck_assert_int_eq(hvt_vm_initial_state(r, 5, &vs, NULL, &err), HVT_EINVAL);
	hvt_reader_close(r);
}
END_TEST

/*
 * A VM held by a debugger at a breakpoint's #DB exit (1), where the debugger set RAX, RIP and
 * RFLAGS (2, a POST record); then a CPUID at the new RIP (3), whose RAX did not change since the
 * entry; END (4).
 */
static void held_vm(const char *path)
{
	static struct hvt_enc e;
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_err err;
	struct hvt_writer *w = hvt_writer_open(path, NULL, &err);
	struct hvt_vm_state s0 = { .rip = 0x7c00, .rflags = 2 };
	uint64_t regs[HVT_NREGS] = { 0 };
	struct hvt_post none = { 0 }, dbg = { .mask = HVT_POST_GPR(RV_REG_RAX) | HVT_POST_RIP | HVT_POST_RFLAGS };

	ck_assert_ptr_nonnull(w);
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	hvt_enc_vm_start(&e, 0, &s0);                                    /* 0 */
	regs[RV_REG_RIP] = 0x7c10;
	regs[RV_REG_RFLAGS] = 2;
	hvt_enc_exit(&e, EXIT_REASON_EXCEPTION_NMI, 16, regs, 1, &none, 0, 0, 0); /* 1 */
	dbg.v[RV_POST_RAX] = 0x1234;
	dbg.v[RV_POST_RIP] = 0x7d00;
	dbg.v[RV_POST_RFLAGS] = 0x202;
	hvt_enc_post(&e, &dbg);                                          /* 2 */
	regs[RV_REG_RAX] = 0x1234;
	regs[RV_REG_RIP] = 0x7d04;
	regs[RV_REG_RFLAGS] = 0x202;
	hvt_enc_exit(&e, EXIT_REASON_CPUID, 20, regs, 0, &none, 2, 0, 0); /* 3 */
	hvt_enc_finish(&e, 0);                                           /* 4 */
	ck_assert_int_eq(hvt_writer_add_vm_states(w, &err), 0);
	ck_assert_int_eq(hvt_writer_close(w, HVT_FILE_COMPLETE, &err), 0);
	free(buf);
}

/* The debugger's POST is more of its exit's post-state: the step resumes with it; and it
 * re-encodes as it is. */
START_TEST(test_steps_fold_a_debugger_post)
{
	static struct hvt_enc e;
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_reader *r, *b;
	struct hvt_writer *w;
	struct hvt_steps *s;
	struct hvt_step st;
	struct hvt_event ea, eb;
	struct hvt_err err;

	held_vm(tpath("held.hvt"));
	ck_assert_int_eq(hvt_reader_open(&r, tpath("held.hvt"), &err), HVT_OK);
	ck_assert_int_eq(hvt_steps_open(&s, r, 0, 0, &err), HVT_OK);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_OK);
	ck_assert_uint_eq(st.num, 1);
	ck_assert_uint_eq(st.reason, EXIT_REASON_EXCEPTION_NMI);
	ck_assert_uint_eq(st.regs[RV_REG_RIP], 0x7c10);
	ck_assert_uint_eq(st.post_mask, HVT_POST_GPR(RV_REG_RAX) | HVT_POST_RIP | HVT_POST_RFLAGS);
	ck_assert_uint_eq(st.post[RV_POST_RIP], 0x7d00);
	ck_assert_uint_eq(st.after[RV_REG_RIP], 0x7d00); /* set, not advanced */
	ck_assert_uint_eq(st.after[RV_REG_RAX], 0x1234);
	ck_assert_uint_eq(st.after[RV_REG_RFLAGS], 0x202);
	ck_assert_uint_eq(st.resume, 3);
	ck_assert_int_eq(hvt_steps_next(s, &st, &err), HVT_OK);
	ck_assert_uint_eq(st.num, 3);
	ck_assert_uint_eq(st.regs[RV_REG_RAX], 0x1234);
	ck_assert_uint_eq(st.regs[RV_REG_RIP], 0x7d04);
	ck_assert_uint_eq(st.post_mask, 0);
	hvt_steps_close(s);

	ck_assert_ptr_nonnull(w = hvt_writer_open(tpath("held2.hvt"), NULL, &err));
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	ck_assert_int_eq(hvt_reader_seek(r, 0, &err), HVT_OK);
	while (hvt_reader_next_event(r, &ea, &err) == HVT_OK)
		hvt_enc_event(&e, &ea);
	ck_assert_int_eq(hvt_writer_close(w, HVT_FILE_COMPLETE, &err), 0);
	ck_assert_int_eq(hvt_reader_open(&b, tpath("held2.hvt"), &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_seek(r, 0, &err), HVT_OK);
	unsigned n = 0;
	while (hvt_reader_next_event(r, &ea, &err) == HVT_OK) {
		ck_assert_int_eq(hvt_reader_next_event(b, &eb, &err), HVT_OK);
		ck_assert(hvt_event_same(&ea, &eb));
		n += ea.type == HVT_REC_POST;
	}
	ck_assert_uint_eq(n, 1);
	hvt_reader_close(b);
	hvt_reader_close(r);
	free(buf);
}
END_TEST

/* hvt_enc_event re-encodes every kind of event as it is: a copy reads back the same. */
START_TEST(test_reencode_every_event)
{
	static struct hvt_enc e;
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_reader *a, *b;
	struct hvt_writer *w;
	struct hvt_event ea, eb;
	struct hvt_err err;
	int ended = 0, sa, sb;

	two_vms(tpath("a.hvt"));
	ck_assert_int_eq(hvt_reader_open(&a, tpath("a.hvt"), &err), HVT_OK);
	ck_assert_ptr_nonnull(w = hvt_writer_open(tpath("b.hvt"), NULL, &err));
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	while (hvt_reader_next_event(a, &ea, &err) == HVT_OK)
		ended |= hvt_enc_event(&e, &ea);
	ck_assert(ended);
	ck_assert_int_eq(hvt_writer_close(w, HVT_FILE_COMPLETE, &err), 0);
	ck_assert_int_eq(hvt_reader_open(&b, tpath("b.hvt"), &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_seek(a, 0, &err), HVT_OK);
	for (;;) {
		sa = hvt_reader_next_event(a, &ea, &err);
		sb = hvt_reader_next_event(b, &eb, &err);
		ck_assert_int_eq(sa, sb);
		if (sa != HVT_OK)
			break;
		ck_assert_uint_eq(ea.num, eb.num);
		ck_assert_uint_eq(ea.type, eb.type);
		ck_assert_uint_eq(ea.vm, eb.vm);
		ck_assert_uint_eq(ea.icount, eb.icount);
		/* each kind's own fields (the others are not defined for it) */
		if (ea.type == HVT_REC_EXIT) {
			ck_assert_uint_eq(ea.reason, eb.reason);
			ck_assert_uint_eq(ea.insn_len, eb.insn_len);
			ck_assert_uint_eq(ea.qual, eb.qual);
			ck_assert_uint_eq(ea.post_mask, eb.post_mask);
			ck_assert(!memcmp(ea.regs, eb.regs, HVT_NREGS * sizeof(*ea.regs)));
			for (unsigned k = 0; k < HVT_POST_NVALS; k++)
				if (ea.post_mask >> k & 1)
					ck_assert_uint_eq(ea.post[k], eb.post[k]);
		} else if (ea.type == HVT_REC_INJECT) {
			ck_assert_uint_eq(ea.inject_info, eb.inject_info);
			ck_assert_uint_eq(ea.inject_err, eb.inject_err);
		} else if (ea.type == HVT_REC_MEMWRITE) {
			ck_assert_uint_eq(ea.gpa, eb.gpa);
			ck_assert_uint_eq(ea.len, eb.len);
			ck_assert(!memcmp(ea.data, eb.data, ea.len));
		} else if (ea.type == HVT_REC_SWITCH) {
			ck_assert_uint_eq(ea.target, eb.target);
		} else if (ea.type == HVT_REC_VM_STOP) {
			ck_assert_uint_eq(ea.stop_why, eb.stop_why);
			ck_assert_uint_eq(ea.status, eb.status);
		} else if (ea.type == HVT_REC_VM_START) {
			ck_assert(!memcmp(ea.start, eb.start, sizeof(*ea.start)));
		}
	}
	ck_assert_int_eq(sa, HVT_END);
	hvt_reader_close(a);
	hvt_reader_close(b);
	free(buf);
}
END_TEST

/* Three cursors over one reader, each at its own place in a trace of several chunks, give the
 * same events as one reading from the start. */
START_TEST(test_cursors_are_independent)
{
	struct hvt_synth_opts o = { .exits = 20000, .vms = 3, .seed = 11, .chunk_size = 65536 };
	struct hvt_reader *r;
	struct hvt_cursor *a, *b;
	struct hvt_event ev;
	struct hvt_err err;
	uint64_t n = 0, *icount, *rip;

	ck_assert_int_eq(hvt_synth_write(tpath("c.hvt"), &o, &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("c.hvt"), &err), HVT_OK);
	uint64_t total = hvt_reader_info(r)->nevents;
	ck_assert_uint_ge(hvt_reader_info(r)->nchunks, 3);
	icount = calloc(total, sizeof(*icount));
	rip = calloc(total, sizeof(*rip));
	while (hvt_reader_next_event(r, &ev, &err) == HVT_OK) {
		icount[ev.num] = ev.icount;
		rip[ev.num] = ev.regs ? ev.regs[RV_REG_RIP] : 0;
		n++;
	}
	ck_assert_uint_eq(n, total);
	ck_assert_int_eq(hvt_cursor_open(&a, r, &err), HVT_OK);
	ck_assert_int_eq(hvt_cursor_open(&b, r, &err), HVT_OK);
	ck_assert_int_eq(hvt_cursor_seek(a, 0, &err), HVT_OK);
	ck_assert_int_eq(hvt_cursor_seek(b, total / 2, &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_seek(r, total - 1000, &err), HVT_OK);
	for (uint64_t k = 0; k < 1000; k++) {
		ck_assert_int_eq(hvt_cursor_next(a, &ev, &err), HVT_OK);
		ck_assert_uint_eq(ev.num, k);
		ck_assert_uint_eq(ev.icount, icount[k]);
		ck_assert_int_eq(hvt_cursor_next(b, &ev, &err), HVT_OK);
		ck_assert_uint_eq(ev.num, total / 2 + k);
		ck_assert_uint_eq(ev.regs ? ev.regs[RV_REG_RIP] : 0, rip[total / 2 + k]);
		ck_assert_int_eq(hvt_reader_next_event(r, &ev, &err), HVT_OK);
		ck_assert_uint_eq(ev.num, total - 1000 + k);
		ck_assert_uint_eq(ev.icount, icount[total - 1000 + k]);
	}
	ck_assert_int_eq(hvt_reader_next_event(r, &ev, &err), HVT_END);
	hvt_cursor_close(a);
	hvt_cursor_close(b);
	hvt_reader_close(r);
	free(icount);
	free(rip);
}
END_TEST

/* A recorded trace: its VM's configuration, and memory whose image matches the CRC recorded. */
START_TEST(test_vm_accessors_on_a_recorded_trace)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_vm_config cfg;
	struct hvt_vm_state vs;
	unsigned ids[HVT_MAX_VMS];

	ck_assert_int_eq(hvt_reader_open(&r, "replay/testdata/demo.hvt", &err), HVT_OK);
	ck_assert_uint_eq(hvt_vm_ids(r, ids, HVT_MAX_VMS), 1);
	ck_assert_uint_eq(ids[0], 0);
	ck_assert_int_eq(hvt_vm_config(r, 0, &cfg, &err), HVT_OK);
	ck_assert_str_eq(cfg.name, "demo");
	struct hvt_vm_config raw;
	int sec = hvt_reader_section_find(r, HVT_SEC_VM_CONFIG, 0);
	ck_assert_int_eq(hvt_reader_section_struct(r, (uint32_t)sec, &raw, sizeof(raw), &err), HVT_OK);
	ck_assert(!memcmp(&raw, &cfg, sizeof(cfg)));
	uint8_t *mem = calloc(1, cfg.mem_size);
	ck_assert_int_eq(hvt_vm_memory(r, 0, mem, cfg.mem_size, &err), HVT_OK);
	ck_assert_uint_eq(crc32(0, mem + cfg.load_addr, (uInt)cfg.image_size), cfg.image_crc);
	ck_assert_int_eq(hvt_vm_memory(r, 0, mem, 4096, &err), HVT_ECORRUPT); /* does not fit */
	ck_assert_int_eq(hvt_vm_initial_state(r, 0, &vs, NULL, &err), HVT_OK);
	ck_assert_uint_eq(vs.rip, cfg.entry);
	free(mem);
	hvt_reader_close(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace_steps");
	TCase *tc = tcase_create("steps");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_names_one_rule);
	tcase_add_test(tc, test_decoders);
	tcase_add_test(tc, test_steps_group_an_exit_with_its_records);
	tcase_add_test(tc, test_reencode_every_event);
	tcase_add_test(tc, test_steps_fold_a_debugger_post);
	tcase_add_test(tc, test_cursors_are_independent);
	tcase_add_test(tc, test_vm_accessors_on_a_recorded_trace);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
