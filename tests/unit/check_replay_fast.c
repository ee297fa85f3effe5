/*
 * check_replay_fast.c - the replay's fast path (rp_cpu.c, "Fast path") against its careful path
 * (rp_opts.careful): the same trace replayed both ways reaches identical states, registers,
 * segments and a hash of all guest memory, after every exit and at random points reached by
 * seeks; and backward steps stay bounded (temporary checkpoints near the current point).
 *
 * The fast path normally starts only before long runs; here it starts before every run
 * (sweep_insns = 1), so the small traces of replay/testdata exercise it at every exit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/exit_reasons.h"
#include "rp_priv.h"
#include "check_run.h"

#define DATA "replay/testdata/"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

struct state {
	uint64_t t, reg[RP_NREGS], mem;
	struct rp_seg seg[HVT_NSEGS];
};

static void get_state(struct rp_session *s, struct state *o)
{
	memset(o, 0, sizeof(*o));
	o->t = s->t;
	for (unsigned r = 0; r < RP_NREGS; r++)
		o->reg[r] = rp_cpu_reg(&s->cpu, r);
	for (unsigned i = 0; i < HVT_NSEGS; i++)
		rp_cpu_get_seg(&s->cpu, i, &o->seg[i]);
	uint64_t h = 1469598103934665603ull;
	for (uint64_t i = 0; i + 8 <= s->cpu.mem_size; i += 8) {
		uint64_t v;
		memcpy(&v, s->cpu.mem + i, 8);
		h = (h ^ v) * 1099511628211ull;
	}
	o->mem = h;
}

static void same_state(const char *name, struct rp_session *a, struct rp_session *b)
{
	struct state x, y;
	get_state(a, &x);
	get_state(b, &y);
	ck_assert_uint_eq(x.t, y.t);
	for (unsigned r = 0; r < RP_NREGS; r++)
		ck_assert_msg(x.reg[r] == y.reg[r], "%s: t=%llu: %s %#llx careful, %#llx fast", name,
			      (unsigned long long)x.t, rp_reg_name(r), (unsigned long long)x.reg[r],
			      (unsigned long long)y.reg[r]);
	ck_assert_msg(memcmp(x.seg, y.seg, sizeof(x.seg)) == 0, "%s: t=%llu: segments differ", name,
		      (unsigned long long)x.t);
	ck_assert_msg(x.mem == y.mem, "%s: t=%llu: memory differs", name, (unsigned long long)x.t);
}

static struct rp_session *open_mode(const char *name, int careful)
{
	struct rp_session *s;
	struct hvt_err err;
	struct rp_opts o = {.ckpt_exits = 8, .careful = careful};
	ck_assert_msg(rp_open(&s, name, &o, &err) == HVT_OK, "%s: %s", name, err.msg);
	if (!careful)
		s->cpu.sweep_insns = 1;
	return s;
}

static void fast_equals_careful(const char *name)
{
	struct rp_session *a = open_mode(name, 1), *b = open_mode(name, 0);
	struct hvt_err err;
	unsigned exits = 0;
	/* after every exit */
	for (;;) {
		int st = rp_peek(a, &err);
		ck_assert_int_ge(st, 0);
		if (st == RP_END || a->next.kind != HVT_REC_EXIT)
			break;
		uint64_t t = a->next.icount;
		int sa = rp_goto_icount(a, t, &err), sb = rp_goto_icount(b, t, &err);
		ck_assert_int_eq(sa, sb);
		if (sa != HVT_OK)
			break;
		same_state(name, a, b);
		exits++;
	}
	ck_assert_uint_gt(exits, 0);
	uint64_t end = a->t;
	ck_assert_int_eq(rp_run(a, NULL, NULL, &err), RP_END);
	ck_assert_int_eq(rp_run(b, NULL, NULL, &err), RP_END);
	same_state(name, a, b);
	end = a->t > end ? a->t : end;
	/* at random points, forward and backward, through checkpoints */
	uint64_t seed = 12345;
	for (unsigned i = 0; i < 40; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t t = a->start.icount + (seed >> 33) % (end - a->start.icount + 1);
		int sa = rp_goto_icount(a, t, &err);
		ck_assert_msg(sa == HVT_OK, "%s: careful goto %llu: %d %s", name, (unsigned long long)t, sa, err.msg);
		int sb = rp_goto_icount(b, t, &err);
		ck_assert_msg(sb == HVT_OK, "%s: fast goto %llu: %d %s", name, (unsigned long long)t, sb, err.msg);
		same_state(name, a, b);
	}
	ck_assert_uint_eq(a->cpu.sweeps, 0);
	ck_assert_uint_gt(b->cpu.sweeps, 0);
	/* the careful path never counts by blocks; the fast one does, and corrects the count of
	 * every fault inside a block it counted whole (native-faults: #PF, #GP, #UD in straight code) */
	ck_assert_uint_eq(a->cpu.blocks, 0);
	ck_assert_uint_gt(b->cpu.blocks, 0);
	if (strstr(name, "native-faults"))
		ck_assert_uint_gt(b->cpu.blk_faults, 0);
	rp_close(a);
	rp_close(b);
}

/* rp_resume forward and backward with breakpoints and watchpoints: the fast windows (rp_debug.c)
 * stop where the careful single steps stop, with the same report, hit after hit. */
static void resume_fast_equals_careful(const char *name)
{
	struct rp_session *a = open_mode(name, 1), *b = open_mode(name, 0);
	struct hvt_err err;
	uint64_t bp[2];
	ck_assert_int_eq(rp_goto_icount(a, 1000, &err), HVT_OK);
	bp[0] = rp_cpu_pc(&a->cpu);
	ck_assert_int_eq(rp_peek(a, &err), HVT_OK);
	ck_assert_int_eq(rp_goto_icount(a, a->next.icount - 1, &err), HVT_OK);
	bp[1] = rp_cpu_pc(&a->cpu); /* an exiting instruction */
	struct rp_watch wp[2] = {{.la = rp_cpu_reg(&a->cpu, 4) - 2, .len = 2, .kind = RP_WATCH_WRITE},
				 {.la = 0x20, .len = 4, .kind = RP_WATCH_ACCESS}};
	struct rp_stopset sets[4] = {{.bp = bp, .nbp = 2},
				     {.bp = &bp[1], .nbp = 1},
				     {.wp = wp, .nwp = 2},
				     {.bp = bp, .nbp = 2, .wp = wp, .nwp = 2}};
	for (unsigned k = 0; k < 8; k++) {
		struct rp_stop_info x, y;
		int dir = k < 4 ? 1 : -1; /* forward from the start, then backward from the end */
		ck_assert_int_ge(rp_goto_icount(a, dir > 0 ? 0 : UINT64_MAX, &err), HVT_OK);
		ck_assert_int_ge(rp_goto_icount(b, dir > 0 ? 0 : UINT64_MAX, &err), HVT_OK);
		for (unsigned n = 0; n < 8; n++) { /* 8 stops each way: 30 took 75 s, 4 times more under ASan */
			int sa = rp_resume(a, &sets[k % 4], dir, NULL, &x, &err);
			int sb = rp_resume(b, &sets[k % 4], dir, NULL, &y, &err);
			ck_assert_int_eq(sa, sb);
			ck_assert_msg(x.kind == y.kind && x.index == y.index && x.t == y.t && x.pc == y.pc,
				      "%s set %u stop %u: careful %d/%u at %llu, fast %d/%u at %llu", name, k, n, x.kind,
				      x.index, (unsigned long long)x.t, y.kind, y.index, (unsigned long long)y.t);
			ck_assert_uint_eq(x.insn_t, y.insn_t);
			ck_assert_uint_eq(x.data_addr, y.data_addr);
			ck_assert_uint_eq(x.old_value, y.old_value);
			ck_assert_uint_eq(x.new_value, y.new_value);
			same_state(name, a, b);
			if (sa != HVT_OK)
				break;
		}
	}
	rp_close(a);
	rp_close(b);
}

static const char *const traces[] = {DATA "demo.hvt",	DATA "msr.hvt",		  DATA "long64.hvt",
				     DATA "async.hvt", DATA "native-faults.hvt", DATA "usermode64.hvt"};
#define NTRACES (sizeof(traces) / sizeof(traces[0]))

START_TEST(fast_equals_careful_each) { fast_equals_careful(traces[_i]); }
END_TEST
START_TEST(resume_fast_equals_careful_each) { resume_fast_equals_careful(traces[_i]); }
END_TEST

/* Steps back cost a bounded replay: with only the initial checkpoint (330,000 instructions
 * behind the end of async.hvt), the first step back replays the whole distance, and from the
 * fourth on each replays at most 8 * 1024 instructions (rp_nav.c, step_back), landing on the state
 * a careful replay reaches at the same count. */
START_TEST(steps_back_are_bounded)
{
	struct rp_opts o = {.ckpt_exits = 1u << 30, .ckpt_insns = 1ull << 40};
	struct rp_session *s, *ref = open_mode(DATA "async.hvt", 1);
	struct hvt_err err;
	struct rp_ckpt_stats cs;
	ck_assert_int_eq(rp_open(&s, DATA "async.hvt", &o, &err), HVT_OK);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	uint64_t end = s->t, before = s->replayed;
	ck_assert_uint_gt(end, 300000);
	for (unsigned i = 1; i <= 200; i++) {
		ck_assert_int_eq(rp_step(s, -1, &err), HVT_OK);
		ck_assert_uint_eq(s->t, end - i);
		rp_ckpt_stats(s, &cs);
		uint64_t cost = cs.replayed - before;
		before = cs.replayed;
		if (i == 1)
			ck_assert_uint_gt(cost, 100000);
		if (i >= 4)
			ck_assert_msg(cost <= 8 * 1024, "step back %u replayed %llu instructions", i, (unsigned long long)cost);
		if (i % 25 == 0) {
			ck_assert_int_eq(rp_goto_icount(ref, s->t, &err), HVT_OK);
			same_state("async.hvt", ref, s);
		}
	}
	rp_close(s);
	rp_close(ref);
}
END_TEST

/* The exits replay checks the instruction of (rp_exit_check) are synchronous in the shared list,
 * and each is what the decoder returns for some instruction bytes it knows. */
START_TEST(decoded_reasons_are_synchronous)
{
	unsigned n = 0;
	for (unsigned r = 0; r < 128; r++)
		if (rp_insn_reason_decoded(r)) {
			ck_assert_msg(!exit_reason_async(r), "reason %u is asynchronous", r);
			n++;
		}
	ck_assert_uint_eq(n, 26);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("replay_fast");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, fast_equals_careful_each, 0, NTRACES);
	/* the first four: every kind of stop there; the two fault traces add only flushes of
	 * Unicorn's code buffer (paging) to the time */
	tcase_add_loop_test(tc, resume_fast_equals_careful_each, 0, 4);
	tcase_add_test(tc, steps_back_are_bounded);
	tcase_add_test(tc, decoded_reasons_are_synchronous);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
