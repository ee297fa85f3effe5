/*
 * check_capture_bad.c - malformed capture streams (tracer/hvt_capture.c): each bad record must
 * stop the converter with an error naming it and its offset, keeping every event before it;
 * misuse of the API and a failing output are errors too, never a crash.
 */
#include "check_capture.h"
#include "check_run.h"

/* ---- malformed input: an error naming the record, the events before it kept ----------------- */
#define W_EXIT(icount) HVT_CAP_EXIT | 12 << HVT_CAP_REASON_SHIFT, (icount)
static const struct bad {
	const char *what;  /* expected in the message */
	uint64_t w[8];     /* after VM_START 0 and an EXIT at icount 5 */
	unsigned n, at;    /* words, the bad record's first word */
	unsigned kept;     /* records of w[] converted before it */
} bads[] = {
	{ "unknown capture record kind 0", { 0 }, 1, 0, 0 },
	{ "unknown capture record kind 10", { W_EXIT(6), 10 }, 3, 2, 1 },
	{ "unknown capture record kind 15", { 0xffffffffffffffffull }, 1, 0, 0 },
	{ "reserved bits 57-63", { HVT_CAP_EXIT | 1ull << 57, 6 }, 2, 0, 0 },
	{ "POST word 0x9 has reserved bits set or no register", { W_EXIT(6), HVT_CAP_POST }, 3, 2, 1 },
	{ "POST word 0x800000019 has reserved", { W_EXIT(6), HVT_CAP_POST | 0x10 | 1ull << 35, 1 }, 4, 2, 1 },
	{ "POST of 3 words runs past", { W_EXIT(6), HVT_CAP_POST | 3ull << 35, 1 }, 4, 2, 1 },
	{ "POST for VM 3, which is not running", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_POST | 1ull << 35, 1 }, 3, 1, 1 },
	{ "VM_START word 0x12 has reserved bits", { HVT_CAP_VM_START | 0x10 }, 1, 0, 0 },
	{ "SWITCH word 0x10005 has reserved bits", { HVT_CAP_SWITCH | 1 << 16 }, 1, 0, 0 },
	{ "INJECT word 0x80000000000000a3 has reserved", { HVT_CAP_INJECT | 0xa0 | 1ull << 63, 0 }, 2, 0, 0 },
	{ "VM_STOP word 0x1000006 has reserved", { HVT_CAP_VM_STOP | 1 << 24, 0, 0 }, 3, 0, 0 },
	{ "END word 0x18 has reserved", { HVT_CAP_END | 0x10, 0 }, 2, 0, 0 },
	{ "MEMWRITE word 0x800000014 has reserved", { HVT_CAP_MEMWRITE | 0x10 | 8ull << 32, 0, 0 }, 3, 0, 0 },
	{ "NOTE word 0x80000007 has reserved", { HVT_CAP_NOTE | 1u << 31 }, 1, 0, 0 },
	{ "INJECT error code 0x100000000 wider", { HVT_CAP_INJECT, 1ull << 32 }, 2, 0, 0 },
	{ "VM_START of VM 16 (max 15)", { HVT_CAP_VM_START | 16 << 8 }, 1, 0, 0 },
	{ "SWITCH of VM 200", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_SWITCH | 200 << 8 }, 2, 1, 1 },
	{ "VM_STOP of VM 16", { HVT_CAP_VM_STOP | 16 << 8, 0, 0 }, 3, 0, 0 },
	{ "VM_STOP reason 9 unknown", { HVT_CAP_VM_STOP | 9 << 16, 0, 0 }, 3, 0, 0 },
	{ "EXIT of 3 words runs past the end of the chunk (2 left)", { HVT_CAP_EXIT | HVT_CAP_GPR(5), 6 }, 2, 0, 0 },
	{ "EXIT of 3 words runs past", { W_EXIT(6), HVT_CAP_EXIT | 1ull << 55, 7 }, 4, 2, 1 },
	{ "EXIT of 2 words runs past", { HVT_CAP_EXIT }, 1, 0, 0 },
	{ "VM_START of 55 words runs past", { HVT_CAP_VM_START, 0, 0, 0 }, 4, 0, 0 },
	{ "MEMWRITE of 20 bytes runs past", { HVT_CAP_MEMWRITE | 20ull << 32, 0x1000, 1, 2 }, 4, 0, 0 },
	{ "NOTE of 9 bytes runs past", { HVT_CAP_NOTE | 9ull << 32, 0x41 }, 2, 0, 0 },
	{ "INJECT of 2 words runs past", { HVT_CAP_INJECT }, 1, 0, 0 },
	{ "VM_STOP of 3 words runs past", { HVT_CAP_VM_STOP, 0 }, 2, 0, 0 },
	{ "END of 2 words runs past", { HVT_CAP_END }, 1, 0, 0 },
	{ "MEMWRITE of 8193 bytes (max 8192)", { HVT_CAP_MEMWRITE | 8193ull << 32, 0 }, 2, 0, 0 },
	{ "NOTE of 4294967295 bytes (max 8192)", { HVT_CAP_NOTE | 0xffffffffull << 32 }, 1, 0, 0 },
	{ "EXIT of VM 0 at instruction 4, before its previous 5", { W_EXIT(4) }, 2, 0, 0 },
	{ "EXIT of VM 0 at instruction 6, before its previous 9", { W_EXIT(9), W_EXIT(6) }, 4, 2, 1 },
	{ "record after END", { HVT_CAP_END, 0, HVT_CAP_SWITCH }, 3, 2, 1 },
	{ "record after END", { HVT_CAP_END, 0, HVT_CAP_END, 0 }, 4, 2, 1 },
	{ "EXIT for VM 0, which is not running", { HVT_CAP_VM_STOP, 0, 0, W_EXIT(6) }, 5, 3, 1 },
	{ "INJECT for VM 0, which is not running", { HVT_CAP_VM_STOP, 0, 0, HVT_CAP_INJECT, 0 }, 5, 3, 1 },
	{ "MEMWRITE for VM 3, which is not running", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_MEMWRITE, 0 }, 3, 1, 1 },
	{ "NOTE for VM 3, which is not running", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_NOTE }, 2, 1, 1 },
};

START_TEST(test_malformed)
{
	const struct bad *t = &bads[_i];
	struct hvt_vm_state st = start_state(0);
	struct words b = { 0 };
	struct hvt_err err = { 0 };
	uint64_t base = 4096 + 64, want[HVT_NREGS];
	size_t prefix;

	st.icount = 0;
	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 12, .icount = 5, .follow = F(RDI), .regs = { [RDI] = 0x77 } });
	prefix = b.n;
	for (unsigned k = 0; k < t->n; k++)
		put(&b, t->w[k]);
	ck_assert_int_eq(convert(&b, base, &err), HVT_ECORRUPT);
	ck_assert_msg(strstr(err.msg, t->what), "case %d: \"%s\" not in \"%s\"", _i, t->what, err.msg);
	ck_assert_uint_eq(err.offset, base + 8 * (prefix + t->at));
	ck_assert_uint_eq(nevs, 2 + t->kept); /* what came before is kept */
	state_regs(&st, want);
	want[RDI] = 0x77;
	ck_assert_uint_eq(evs[1].type, HVT_REC_EXIT);
	regs_eq(&evs[1], want);
	free(b.w);
}
END_TEST

/* Records that need a running VM, before any VM started. */
START_TEST(test_no_vm)
{
	static const uint64_t recs[][3] = {
		{ HVT_CAP_EXIT, 1 }, { HVT_CAP_INJECT, 0 }, { HVT_CAP_MEMWRITE, 0 }, { HVT_CAP_NOTE },
	};
	static const char *const names[] = { "EXIT", "INJECT", "MEMWRITE", "NOTE" };
	struct words b = { 0 };
	struct hvt_err err;
	char want[64];

	put(&b, HVT_CAP_SWITCH | 1 << 8); /* a VM that never started is current: same answer */
	put(&b, recs[_i][0]);
	put(&b, recs[_i][1]);
	ck_assert_int_eq(convert(&b, 0, &err), HVT_ECORRUPT);
	snprintf(want, sizeof(want), "offset 8: %s for VM 1, which is not running", names[_i]);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(nevs, 1);
	b.n = 0;
	put(&b, recs[_i][0]);
	put(&b, recs[_i][1]);
	ck_assert_int_eq(convert(&b, 0, &err), HVT_ECORRUPT);
	snprintf(want, sizeof(want), "offset 0: %s before any VM started", names[_i]);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(nevs, 0);
	free(b.w);
}
END_TEST

/* Errors that concern the feeding: partial words, input after END or after an error. */
START_TEST(test_feed_errors)
{
	struct hvt_vm_state st = start_state(0);
	struct words b = { 0 };
	struct chunks cs = { 0 };
	struct hvt_err err;
	struct hvt_capture *c = hvt_capture_new(out, &cs, &err);
	const uint8_t *p;

	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 12, .icount = 11 });
	p = (const uint8_t *)b.w;
	ck_assert_int_eq(hvt_capture_feed(c, p, 8 * (1 + HVT_CAP_VM_STATE_WORDS), 100, &err), HVT_OK);
	ck_assert_int_eq(hvt_capture_feed(c, p + 8 * (1 + HVT_CAP_VM_STATE_WORDS), 13, 1000, &err), HVT_ECORRUPT);
	ck_assert_str_eq(err.msg, "offset 1008: capture payload of 13 bytes is not a whole number of words");
	ck_assert_uint_eq(err.offset, 1008);
	ck_assert_int_eq(hvt_capture_feed(c, p + 8 * (1 + HVT_CAP_VM_STATE_WORDS), 16, 1000, &err), HVT_ECORRUPT); /* stopped */
	ck_assert_uint_eq(hvt_capture_nrecords(c), 1);
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_OK);
	hvt_capture_free(c);
	decode(&cs);
	ck_assert_uint_eq(nevs, 1);
	chunks_free(&cs);

	/* END in one chunk, anything in the next. */
	c = hvt_capture_new(out, &cs, &err);
	b.n = 0;
	cap_vm_start(&b, 0, &st);
	cap_end(&b, 0);
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, b.n * 8, 0, &err), HVT_OK);
	ck_assert(hvt_capture_ended(c));
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, 0, 0, &err), HVT_OK); /* empty: fine */
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, 16, 512, &err), HVT_ECORRUPT);
	ck_assert_str_eq(err.msg, "offset 512: record after END");
	ck_assert_uint_eq(hvt_capture_nrecords(c), 2);
	hvt_capture_free(c);
	decode(&cs);
	ck_assert_uint_eq(nevs, 2);
	chunks_free(&cs);
	free(b.w);
}
END_TEST

/* The output refuses a chunk (disk full): the converter stops with its error. */
START_TEST(test_output_error)
{
	struct hvt_vm_state st = start_state(0);
	struct words b = { 0 };
	struct chunks cs = { .fail_at = 2 };
	struct hvt_err err;
	struct hvt_capture *c = hvt_capture_new(out, &cs, &err);
	int st1;

	cap_vm_start(&b, 0, &st);
	for (uint64_t i = 0; i < 30000; i++)
		cap_exit(&b, &(struct xexit){ .reason = 30, .icount = 20 + i, .follow = F(RAX), .regs = { i * 12345 } });
	st1 = hvt_capture_feed(c, (const uint8_t *)b.w, b.n * 8, 0, &err);
	ck_assert_int_eq(st1, HVT_EIO);
	ck_assert_str_eq(err.msg, "test: disk full");
	ck_assert_uint_eq(cs.n, 1);
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_EIO);
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, 8, 0, &err), HVT_EIO);
	hvt_capture_free(c);
	chunks_free(&cs);
	free(b.w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("capture_bad");
	TCase *tc = tcase_create("capture_bad");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_loop_test(tc, test_no_vm, 0, 4);
	tcase_add_test(tc, test_feed_errors);
	tcase_add_test(tc, test_output_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
