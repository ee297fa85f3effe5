/*
 * check_replay.c - the replay engine: event delivery frames (real mode IVT, protected-mode IDT,
 * escalation to a triple fault), checkpoints, and backward steps landing on the states forward
 * steps produce, over thousands of positions of traces recorded from the samples
 * (the .hvt files in replay/testdata, made by hvrun under Bochs).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rp_priv.h"
#include "check_run.h"

#define DATA "replay/testdata/"

/* LeakSanitizer (make SAN=1): Unicorn 2.0.1 itself leaks a 512-byte page bitmap
 * (tb_invalidate_phys_page_fast) once per engine; that is not ours to fix. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

/* A CPU in the initial state st, 1 MiB of memory. */
static void cpu_up(struct rp_cpu *c, const struct hvt_vm_state *st)
{
	struct hvt_err err;
	ck_assert_int_eq(rp_cpu_open(c, 1 << 20, &err), HVT_OK);
	ck_assert_msg(rp_boot(c, st, &err) == HVT_OK, "%s", err.msg);
}

static void real_state(struct hvt_vm_state *st)
{
	memset(st, 0, sizeof(*st));
	st->cr0 = 0x10;
	for (unsigned i = 0; i < 6; i++)
		st->seg[i] = (struct hvt_segment){.sel = 0, .limit = 0xffff, .ar = i == HVT_SEG_CS ? 0x9b : 0x93};
	st->seg[HVT_SEG_LDTR].ar = 0x10000;
	st->seg[HVT_SEG_TR] = (struct hvt_segment){.limit = 0xffff, .ar = 0x8b};
	st->idtr_limit = 0x3ff;
	st->gdtr_limit = 0xffff;
	st->gpr[RV_REG_RSP] = 0x7c00;
	st->rip = 0x7c00;
	st->rflags = 0x202;
}

static uint16_t rd16(struct rp_cpu *c, uint64_t a)
{
	uint16_t v;
	memcpy(&v, c->mem + a, 2);
	return v;
}

static uint32_t rd32(struct rp_cpu *c, uint64_t a)
{
	uint32_t v;
	memcpy(&v, c->mem + a, 4);
	return v;
}

/* Real mode: FLAGS, CS, IP pushed; IF cleared; CS:IP from the IVT, a new CS really loaded. */
START_TEST(deliver_real_mode_frame)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	struct rp_seg cs;
	real_state(&st);
	cpu_up(&c, &st);
	uint16_t ivt[2] = {0x0010, 0x1234}; /* vector 0x20 -> 1234:0010 */
	memcpy(c.mem + 0x20 * 4, ivt, 4);
	c.mem[0x12340 + 0x10] = 0x90; /* NOP at the handler */
	ck_assert_int_eq(rp_deliver(&c, 0x20, 0, 0, 0, 0x7c00, &err), HVT_OK);
	ck_assert_uint_eq(rp_cpu_reg(&c, 4), 0x7bfa);
	ck_assert_uint_eq(rd16(&c, 0x7bfa), 0x7c00); /* IP */
	ck_assert_uint_eq(rd16(&c, 0x7bfc), 0);      /* CS */
	ck_assert_uint_eq(rd16(&c, 0x7bfe), 0x202);  /* FLAGS, IF still set in the copy */
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RFLAGS) & 0x200, 0);
	rp_cpu_get_seg(&c, HVT_SEG_CS, &cs);
	ck_assert_uint_eq(cs.sel, 0x1234);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x10);
	ck_assert_uint_eq(rp_cpu_pc(&c), 0x12350);
	ck_assert_int_eq(rp_cpu_run(&c, 1, &err), HVT_OK); /* the NOP runs at 1234:0010 */
	ck_assert_int_eq(c.stop, RP_STOP_BUDGET);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x11);
	rp_cpu_close(&c);
}
END_TEST

/* Real mode, IDTR limit 0: INT3 -> #GP -> #DF -> triple fault (SDM Vol. 3A, Table 6-5). */
START_TEST(deliver_escalates_to_triple_fault)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	real_state(&st);
	st.idtr_limit = 0;
	cpu_up(&c, &st);
	ck_assert_int_eq(rp_deliver(&c, 3, 4, 0, 0, 0x7c01, &err), HVT_OK);
	ck_assert_int_eq(c.stop, RP_STOP_TRIPLE);
	rp_cpu_close(&c);
}
END_TEST

/* Protected mode: a 32-bit interrupt gate, EFLAGS/CS/EIP and the error code pushed. */
START_TEST(deliver_protected_mode_frame)
{
	struct rp_cpu c;
	struct hvt_vm_state st;
	struct hvt_err err;
	memset(&st, 0, sizeof(st));
	st.cr0 = 0x11;
	st.seg[HVT_SEG_CS] = (struct hvt_segment){.sel = 0x08, .limit = 0xffffffff, .ar = 0xc09b};
	for (unsigned i = 0; i < 6; i++)
		if (i != HVT_SEG_CS)
			st.seg[i] = (struct hvt_segment){.sel = 0x10, .limit = 0xffffffff, .ar = 0xc093};
	st.seg[HVT_SEG_LDTR].ar = 0x10000;
	st.seg[HVT_SEG_TR] = (struct hvt_segment){.limit = 0xffff, .ar = 0x8b};
	st.gdtr_base = 0x500;
	st.gdtr_limit = 0x17;
	st.idtr_base = 0x600;
	st.idtr_limit = 0x7ff;
	st.gpr[RV_REG_RSP] = 0x20000;
	st.rip = 0x10000;
	st.rflags = 0x202;
	cpu_up(&c, &st);
	uint64_t gdt[3] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
	memcpy(c.mem + 0x500, gdt, sizeof(gdt));
	uint32_t gate[2] = {0x00089000, 0x00008e00}; /* 0008:00009000, present, interrupt gate */
	memcpy(c.mem + 0x600 + 13 * 8, gate, 8);
	ck_assert_int_eq(rp_deliver(&c, 13, 3, 1, 0x18, 0x10000, &err), HVT_OK);
	ck_assert_uint_eq(rp_cpu_reg(&c, 4), 0x20000 - 16);
	ck_assert_uint_eq(rd32(&c, 0x20000 - 16), 0x18);    /* error code */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 12), 0x10000); /* EIP */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 8), 0x08);     /* CS */
	ck_assert_uint_eq(rd32(&c, 0x20000 - 4), 0x202);    /* EFLAGS */
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RIP), 0x9000);
	ck_assert_uint_eq(rp_cpu_reg(&c, RP_RFLAGS) & 0x200, 0);
	ck_assert_int_eq(rp_cpu_mode(&c), 32);
	rp_cpu_close(&c);
}
END_TEST

/* Everything a position means: registers, control registers, a hash of all memory. */
struct snap {
	uint64_t reg[RP_NREGS];
	uint64_t mem;
	size_t console;
};

static void snap(struct rp_session *s, struct snap *out, int with_mem)
{
	struct rp_state st;
	rp_get_state(s, &st);
	memcpy(out->reg, st.reg, sizeof(out->reg));
	out->reg[RP_CR2] = 0;
	out->mem = 0;
	if (with_mem) {
		uint64_t h = 1469598103934665603ull;
		for (uint64_t i = 0; i < s->cpu.mem_size; i += 8) {
			uint64_t v;
			memcpy(&v, s->cpu.mem + i, 8);
			h = (h ^ v) * 1099511628211ull;
		}
		out->mem = h;
	}
	rp_console(s, &out->console);
}

static struct rp_session *open_trace(const char *name, uint32_t every)
{
	struct rp_session *s;
	struct hvt_err err;
	struct rp_opts o = {.ckpt_exits = every};
	int st = rp_open(&s, name, &o, &err);
	ck_assert_msg(st == HVT_OK, "%s: %s", name, err.msg);
	return s;
}

START_TEST(testdata_traces_verify)
{
	static const char *const names[] = {DATA "demo.hvt", DATA "msr.hvt", DATA "long64.hvt", DATA "async.hvt"};
	for (unsigned i = 0; i < 4; i++) {
		struct hvt_err err;
		struct rp_session *s = open_trace(names[i], 0);
		int st = rp_run(s, NULL, NULL, &err);
		ck_assert_msg(st == RP_END, "%s: %s", names[i], st == RP_DIVERGED ? rp_divergence(s)->what : err.msg);
		rp_close(s);
	}
}
END_TEST

/* Step forward over the last n instructions of a trace, then backward over them again: every
 * backward step must land on the state the forward pass saw there. */
static void back_equals_forward(const char *name, unsigned n, uint32_t every)
{
	struct rp_session *s = open_trace(name, every);
	struct hvt_err err;
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	uint64_t end = s->t, from = end > n ? end - n : 0;
	struct snap *fw = calloc(end - from + 1, sizeof(*fw)), b;
	ck_assert_int_eq(rp_goto_icount(s, from, &err), HVT_OK);
	for (uint64_t t = from; t <= end; t++) {
		ck_assert_uint_eq(s->t, t);
		snap(s, &fw[t - from], t % 97 == 0);
		if (t < end)
			ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	}
	for (uint64_t t = end; t > from; t--) {
		ck_assert_int_eq(rp_step(s, -1, &err), HVT_OK);
		ck_assert_uint_eq(s->t, t - 1);
		snap(s, &b, (t - 1) % 97 == 0);
		for (unsigned r = 0; r < RP_NREGS; r++)
			ck_assert_msg(b.reg[r] == fw[t - 1 - from].reg[r], "%s: t=%llu: %s %#llx forward, %#llx backward",
				      name, (unsigned long long)(t - 1), rp_reg_name(r),
				      (unsigned long long)fw[t - 1 - from].reg[r], (unsigned long long)b.reg[r]);
		ck_assert_msg(b.mem == fw[t - 1 - from].mem, "%s: t=%llu: memory differs", name,
			      (unsigned long long)(t - 1));
		ck_assert_uint_eq(b.console, fw[t - 1 - from].console);
	}
	free(fw);
	rp_close(s);
}

START_TEST(backward_steps_match_forward_demo) { back_equals_forward(DATA "demo.hvt", 4000, 16); }
END_TEST
START_TEST(backward_steps_match_forward_long64) { back_equals_forward(DATA "long64.hvt", 3000, 16); }
END_TEST
START_TEST(backward_steps_match_forward_async) { back_equals_forward(DATA "async.hvt", 3000, 64); }
END_TEST

/* A checkpoint restored later gives back exactly the state it saved, memory included. */
START_TEST(checkpoint_restore_roundtrip)
{
	struct rp_session *s = open_trace(DATA "demo.hvt", 8);
	struct hvt_err err;
	struct snap a, b;
	ck_assert_int_eq(rp_goto_icount(s, 5000, &err), HVT_OK);
	snap(s, &a, 1);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	ck_assert_uint_gt(s->ck.n, 10);
	ck_assert_int_eq(rp_goto_icount(s, 5000, &err), HVT_OK);
	snap(s, &b, 1);
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	/* pages that did not change are shared between checkpoints */
	ck_assert_ptr_eq(s->ck.v[1].pages[0x7c00 / RP_PAGE - 1], s->ck.v[2].pages[0x7c00 / RP_PAGE - 1]);
	rp_close(s);
}
END_TEST

/* A tiny budget: checkpoints are thinned, spacing doubles, and seeks still land right. */
START_TEST(checkpoint_budget_is_kept)
{
	struct rp_opts o = {.ckpt_exits = 4, .ckpt_budget = 64 << 10};
	struct rp_session *s;
	struct hvt_err err;
	struct snap a, b;
	ck_assert_int_eq(rp_open(&s, DATA "demo.hvt", &o, &err), HVT_OK);
	ck_assert_int_eq(rp_goto_icount(s, 9000, &err), HVT_OK);
	snap(s, &a, 1);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	struct rp_ckpt_stats cs;
	rp_ckpt_stats(s, &cs);
	ck_assert_uint_gt(cs.every_exits, 4);
	ck_assert_uint_le(cs.bytes, (64 << 10) + 8192);
	ck_assert_int_eq(rp_goto_icount(s, 9000, &err), HVT_OK);
	snap(s, &b, 1);
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	rp_close(s);
}
END_TEST

/* Navigation: exits, addresses, writes, in both directions. */
START_TEST(navigation)
{
	struct rp_session *s = open_trace(DATA "msr.hvt", 16);
	struct hvt_err err;
	struct rp_state st;
	struct rp_exit_info xi;
	/* the first RDMSR #GP of the msr sample: exit, then the IVT handler */
	struct rp_target tg = {.kind = RP_TO_EXIT, .reason = 31};
	ck_assert_int_eq(rp_run_to(s, &tg, 1, &err), HVT_OK);
	ck_assert_int_eq(rp_exit_near(s, 1, &xi, &err), HVT_OK);
	ck_assert_uint_eq(xi.reason, 31);
	ck_assert_int_eq(rp_goto_exit(s, xi.num, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.reg[RP_RIP], xi.rip);
	ck_assert_uint_eq(st.t, xi.icount - 1);
	uint64_t at_exit = st.t, rip = st.reg[RP_RIP];
	ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	ck_assert_int_eq(rp_step(s, -1, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.t, at_exit);
	ck_assert_uint_eq(st.reg[RP_RIP], rip);
	/* run forward to the exiting address from the start, then backward to it from the end */
	ck_assert_int_eq(rp_goto_icount(s, 0, &err), HVT_OK);
	tg = (struct rp_target){.kind = RP_TO_ADDRESS, .a = rip};
	ck_assert_int_eq(rp_run_to(s, &tg, 1, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.pc, rip);
	uint64_t first = st.t;
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	ck_assert_int_eq(rp_run_to(s, &tg, -1, &err), HVT_OK);
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.pc, rip);
	ck_assert_uint_ge(st.t, first);
	/* at the end, the last write to the stack's last slot: replaying to just before it shows
	 * the writer */
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	rp_get_state(s, &st);
	uint64_t top = st.seg[HVT_SEG_SS].base + ((st.reg[RV_REG_RSP] - 2) & 0xffff); /* the last slot pushed */
	struct rp_write_info wi;
	ck_assert_int_eq(rp_last_write(s, top, &wi, &err), HVT_OK);
	ck_assert_uint_le(wi.t, st.t);
	ck_assert_int_eq(rp_goto_icount(s, wi.t - 1, &err), HVT_OK);
	rp_get_state(s, &st);
	if (!wi.by_hv)
		ck_assert_uint_eq(st.pc, wi.pc);
	ck_assert_uint_eq(st.t, wi.t - 1);
	/* forward to that write gives the same point */
	ck_assert_int_eq(rp_goto_icount(s, wi.t - 1, &err), HVT_OK);
	tg = (struct rp_target){.kind = RP_TO_WRITE, .a = top, .len = 1};
	ck_assert_int_eq(rp_run_to(s, &tg, 1, &err), HVT_OK);
	ck_assert_uint_eq(s->t, wi.t);
	size_t len;
	rp_console(s, &len);
	ck_assert_uint_gt(len, 0);
	rp_close(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("replay");
	TCase *t = tcase_create("delivery");
	tcase_add_test(t, deliver_real_mode_frame);
	tcase_add_test(t, deliver_escalates_to_triple_fault);
	tcase_add_test(t, deliver_protected_mode_frame);
	suite_add_tcase(s, t);
	t = tcase_create("traces");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, testdata_traces_verify);
	tcase_add_test(t, checkpoint_restore_roundtrip);
	tcase_add_test(t, checkpoint_budget_is_kept);
	tcase_add_test(t, navigation);
	tcase_add_test(t, backward_steps_match_forward_demo);
	tcase_add_test(t, backward_steps_match_forward_long64);
	tcase_add_test(t, backward_steps_match_forward_async);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
