/*
 * check_replay_debug.c - the debugger-shaped replay API (rp_debug.c, rp_disasm.c, rp_timeline.c)
 * on recorded traces, each answer checked against a slow single-step search or an independent
 * part of the engine (rp_last_write's guest-physical write hook, rp_goto_exit, rp_step).
 */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retrovisor/hvreplay.h"
#include "check_run.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

#define DATA "replay/testdata/"
#define CPUID_2ND 560 /* demo.hvt: event number of its second (last) CPUID exit */

static struct rp_session *open_at_end(const char *name)
{
	struct rp_session *s;
	struct hvt_err err;
	ck_assert_msg(rp_open(&s, name, NULL, &err) == HVT_OK, "%s", err.msg);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	return s;
}

static uint64_t pc_of(struct rp_session *s)
{
	struct rp_state st;
	rp_get_state(s, &st);
	return st.pc;
}

static uint64_t t_of(struct rp_session *s)
{
	struct rp_state st;
	rp_get_state(s, &st);
	return st.t;
}

/* From the end, a write watchpoint going backward lands before the instruction that last wrote
 * the byte: the one rp_last_write finds with its own (guest-physical) hook, and no later step
 * changes the byte (slow single-step search). Forward from there it fires after that
 * instruction. */
START_TEST(watch_backward_lands_on_writer)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	struct rp_state st;
	rp_get_state(s, &st);
	uint64_t end = st.t, la = st.seg[HVT_SEG_SS].base + (st.reg[4] & 0xffff) - 2; /* last pushed word */
	struct rp_write_info wi;
	ck_assert_int_eq(rp_last_write(s, la, &wi, &err), HVT_OK);
	ck_assert_int_eq(wi.by_hv, 0);

	struct rp_watch w = {.la = la, .len = 1, .kind = RP_WATCH_WRITE};
	struct rp_stopset set = {.wp = &w, .nwp = 1};
	struct rp_stop_info out;
	ck_assert_int_eq(rp_resume(s, &set, -1, NULL, &out, &err), HVT_OK);
	ck_assert_int_eq(out.kind, RP_STOPPED_WATCH);
	ck_assert_uint_eq(out.t, wi.t - 1);
	ck_assert_uint_eq(t_of(s), wi.t - 1);
	ck_assert_uint_eq(out.insn_pc, wi.pc);
	ck_assert_uint_eq(pc_of(s), wi.pc);
	ck_assert_uint_le(out.data_addr, la); /* the access's own address: a wider push covers la */
	ck_assert_uint_gt(out.data_addr + 8, la);

	/* slow search: after the writing instruction, no step changes the byte */
	uint8_t b0, b;
	ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	ck_assert_int_eq(rp_read_linear(s, la, &b0, 1), HVT_OK);
	ck_assert_uint_eq(b0, (uint8_t)out.new_value);
	while (t_of(s) < end) {
		ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
		ck_assert_int_eq(rp_read_linear(s, la, &b, 1), HVT_OK);
		ck_assert_uint_eq(b, b0);
	}
	/* forward from before the write: stops right after it */
	ck_assert_int_eq(rp_goto_icount(s, wi.t - 1, &err), HVT_OK);
	ck_assert_int_eq(rp_resume(s, &set, 1, NULL, &out, &err), HVT_OK);
	ck_assert_int_eq(out.kind, RP_STOPPED_WATCH);
	ck_assert_uint_eq(out.t, wi.t);
	ck_assert_uint_eq(out.insn_t, wi.t - 1);
	rp_close(s);
}
END_TEST

/* A breakpoint at the starting point is skipped both ways; backward lands on the previous visit
 * (no visit in between, by single steps), forward from there on the next one, the start. */
START_TEST(break_skips_start)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	ck_assert_int_eq(rp_goto_exit(s, 300, &err), HVT_OK);
	uint64_t start = t_of(s), pc = pc_of(s);
	struct rp_stopset set = {.bp = &pc, .nbp = 1};
	struct rp_stop_info out;
	ck_assert_int_eq(rp_resume(s, &set, -1, NULL, &out, &err), HVT_OK);
	ck_assert_int_eq(out.kind, RP_STOPPED_BREAK);
	ck_assert_uint_lt(out.t, start);
	ck_assert_uint_eq(pc_of(s), pc);
	uint64_t prev = out.t;
	ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	for (; t_of(s) < start; rp_step(s, 1, &err))
		ck_assert_uint_ne(pc_of(s), pc);
	ck_assert_int_eq(rp_goto_icount(s, prev, &err), HVT_OK);
	ck_assert_int_eq(rp_resume(s, &set, 1, NULL, &out, &err), HVT_OK);
	ck_assert_uint_eq(out.t, start);
	rp_close(s);
}
END_TEST

/* Catchpoints land on the exit (as rp_goto_exit does); instruction counts are exact; a set
 * stops at whichever comes first. */
START_TEST(catch_and_icount)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt"), *ref = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	unsigned cpuid = EXIT_REASON_CPUID;
	struct rp_stopset set = {.reasons = &cpuid, .nreasons = 1};
	struct rp_stop_info out;
	ck_assert_int_eq(rp_resume(s, &set, -1, NULL, &out, &err), HVT_OK);
	ck_assert_int_eq(out.kind, RP_STOPPED_CATCH);
	ck_assert_uint_eq(out.event, CPUID_2ND);
	ck_assert_int_eq(rp_goto_exit(ref, CPUID_2ND, &err), HVT_OK);
	ck_assert_uint_eq(t_of(s), t_of(ref));
	/* backward again: the first CPUID; forward from there: the second */
	ck_assert_int_eq(rp_resume(s, &set, -1, NULL, &out, &err), HVT_OK);
	uint64_t first = out.event;
	ck_assert_uint_lt(first, CPUID_2ND);
	ck_assert_int_eq(rp_resume(s, &set, -1, NULL, &out, &err), RP_END); /* replaylog:begin */
	ck_assert_uint_eq(t_of(s), 0);
	ck_assert_int_eq(rp_resume(s, &set, 1, NULL, &out, &err), HVT_OK);
	ck_assert_uint_eq(out.event, first);
	set.has_icount = 1;
	set.icount = out.t + 7;
	ck_assert_int_eq(rp_resume(s, &set, 1, NULL, &out, &err), HVT_OK);
	ck_assert_int_eq(out.kind, RP_STOPPED_ICOUNT);
	ck_assert_uint_eq(t_of(s), set.icount);
	ck_assert_int_eq(rp_resume(s, &set, 1, NULL, &out, &err), HVT_OK);
	ck_assert_uint_eq(out.event, CPUID_2ND);
	ck_assert_int_eq(rp_resume(s, &set, -1, NULL, &out, &err), HVT_OK);
	ck_assert_int_eq(out.kind, RP_STOPPED_ICOUNT);
	ck_assert_uint_eq(t_of(s), set.icount);
	rp_close(s);
	rp_close(ref);
}
END_TEST

static atomic_int cancel_flag;
static unsigned progress_calls;
static void progress(void *ctx, uint64_t t, uint64_t done, uint64_t total)
{
	(void)ctx, (void)t, (void)done, (void)total;
	if (++progress_calls == 2)
		atomic_store(&cancel_flag, 1); /* as a signal handler would */
}

/* A long search reports progress and, cancelled, leaves the position where it was. */
START_TEST(cancel_keeps_position)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	uint64_t nowhere = 0xdeadbeef, end = t_of(s);
	struct rp_stopset set = {.bp = &nowhere, .nbp = 1};
	struct rp_control ctl = {.progress = progress, .cancel = &cancel_flag, .chunk = 64};
	struct rp_stop_info out;
	ck_assert_int_eq(rp_resume(s, &set, -1, &ctl, &out, &err), RP_CANCELLED);
	ck_assert_uint_eq(progress_calls, 2);
	ck_assert_uint_eq(t_of(s), end);
	ck_assert_uint_eq(out.t, end);
	atomic_store(&cancel_flag, 0);
	ck_assert_int_eq(rp_resume(s, &set, -1, &ctl, &out, &err), RP_END);
	ck_assert_uint_eq(t_of(s), 0);
	rp_close(s);
}
END_TEST

/* Forward too, on the fast path: a window never runs past a chunk, so a 64-instruction chunk
 * reports progress twice and cancels long before demo's end (one 65,536-instruction window used
 * to run to the end first). */
START_TEST(cancel_forward_within_chunks)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	uint64_t nowhere = 0xdeadbeef, end = t_of(s);
	struct rp_stopset set = {.bp = &nowhere, .nbp = 1};
	struct rp_control ctl = {.progress = progress, .cancel = &cancel_flag, .chunk = 64};
	struct rp_stop_info out;
	ck_assert_uint_gt(end, 1000);
	ck_assert_int_eq(rp_goto_icount(s, 0, &err), HVT_OK);
	atomic_store(&cancel_flag, 0);
	progress_calls = 0;
	ck_assert_int_eq(rp_resume(s, &set, 1, &ctl, &out, &err), RP_CANCELLED);
	ck_assert_uint_eq(progress_calls, 2);
	ck_assert_uint_eq(t_of(s), 0);
	atomic_store(&cancel_flag, 0);
	rp_close(s);
}
END_TEST

/* The exit at the point, after it and before it, with its decoded detail. */
START_TEST(exit_detail)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	struct rp_exit_detail d;
	ck_assert_int_eq(rp_goto_exit(s, CPUID_2ND, &err), HVT_OK);
	ck_assert_int_eq(rp_exit_detail(s, 0, &d, &err), HVT_OK);
	ck_assert_uint_eq(d.step.num, CPUID_2ND);
	ck_assert_str_eq(d.reason_name, "CPUID");
	ck_assert_uint_eq(d.step.regs[RV_REG_RIP], pc_of(s)); /* real mode, CS base 0 */
	ck_assert_uint_eq(d.step.after[RV_REG_RIP], d.step.regs[RV_REG_RIP] + 2);
	ck_assert_int_eq(rp_step(s, 1, &err), HVT_OK);
	struct rp_state st;
	rp_get_state(s, &st);
	ck_assert_uint_eq(st.reg[RP_RIP], d.step.after[RV_REG_RIP]);
	ck_assert_uint_eq(st.reg[0], d.step.after[RV_REG_RAX]);
	ck_assert_int_eq(rp_exit_detail(s, -1, &d, &err), HVT_OK);
	ck_assert_uint_eq(d.step.num, CPUID_2ND);
	/* the next exit is an I/O one: its port decoded */
	ck_assert_int_eq(rp_exit_detail(s, 1, &d, &err), HVT_OK);
	ck_assert_uint_gt(d.step.num, CPUID_2ND);
	ck_assert_int_eq(d.has_io, d.step.reason == EXIT_REASON_IO_INSTRUCTION);
	rp_close(s);
}
END_TEST

/* The lines before the PC are the instructions executed there (each one step back is its PC),
 * the PC's line is the CPUID that exits. */
START_TEST(disasm_around)
{
	struct rp_session *s = open_at_end(DATA "demo.hvt");
	struct hvt_err err;
	struct rp_insn v[8];
	unsigned n, at;
	ck_assert_int_eq(rp_goto_exit(s, CPUID_2ND, &err), HVT_OK);
	uint64_t here = t_of(s);
	ck_assert_int_eq(rp_disasm_around(s, 5, 3, v, &n, &at, &err), HVT_OK);
	ck_assert_uint_eq(at, 5);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(t_of(s), here);
	ck_assert_str_eq(v[at].mnemonic, "cpuid");
	ck_assert_uint_eq(v[at].len, 2);
	ck_assert_uint_eq(v[at].bytes[0], 0x0f);
	ck_assert_uint_eq(v[at + 1].la, v[at].la + 2);
	for (unsigned i = at; i-- > 0;) {
		ck_assert_int_eq(rp_step(s, -1, &err), HVT_OK);
		ck_assert_uint_eq(v[i].la, pc_of(s));
		ck_assert_uint_eq(v[i].t, t_of(s));
	}
	rp_close(s);
}
END_TEST

/* Two VMs as of an exit of the second: it is at that exit, the first is between its exits
 * around it. */
START_TEST(timeline_two_vms)
{
	struct rp_timeline *tl;
	struct hvt_err err;
	ck_assert_msg(rp_timeline_open(&tl, DATA "pingpong.hvt", NULL, &err) == HVT_OK, "%s", err.msg);
	ck_assert_uint_eq(rp_timeline_nvms(tl), 2);
	struct rp_session *a = rp_timeline_vm(tl, 0), *b = rp_timeline_vm(tl, 1);
	struct rp_exit_detail d;
	ck_assert_int_eq(rp_run(b, NULL, NULL, &err), RP_END);
	ck_assert_int_eq(rp_goto_icount(b, t_of(b) / 2, &err), HVT_OK);
	ck_assert_int_eq(rp_exit_detail(b, 1, &d, &err), HVT_OK);
	uint64_t e = d.step.num;
	ck_assert_int_eq(rp_timeline_goto(tl, e, &err), HVT_OK);
	ck_assert_int_eq(rp_exit_detail(b, 0, &d, &err), HVT_OK);
	ck_assert_uint_eq(d.step.num, e);
	ck_assert_uint_eq(t_of(b), d.step.icount - 1);
	ck_assert_int_eq(rp_exit_detail(a, -1, &d, &err), HVT_OK);
	ck_assert_uint_lt(d.step.num, e);
	ck_assert_uint_eq(t_of(a), d.step.icount);
	ck_assert_int_eq(rp_exit_detail(a, 1, &d, &err), HVT_OK);
	ck_assert_uint_gt(d.step.num, e);
	rp_timeline_close(tl);
}
END_TEST

/* Two sessions over one reader, moved in turns, replay exactly as two sessions of their own. */
START_TEST(shared_reader_sessions)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct rp_session *a, *b, *ref;
	ck_assert_int_eq(hvt_reader_open(&r, DATA "pingpong.hvt", &err), HVT_OK);
	struct rp_opts o0 = {.vm = 0}, o1 = {.vm = 1};
	ck_assert_int_eq(rp_open_shared(&a, r, &o0, &err), HVT_OK);
	ck_assert_int_eq(rp_open_shared(&b, r, &o1, &err), HVT_OK);
	ck_assert_int_eq(rp_goto_exit(a, 1000, &err), HVT_OK);
	ck_assert_int_eq(rp_run(b, NULL, NULL, &err), RP_END);
	ck_assert_int_eq(rp_step(a, -1, &err), HVT_OK); /* a backward move: a checkpoint, a seek */
	ck_assert_int_eq(rp_run(a, NULL, NULL, &err), RP_END);
	for (unsigned vm = 0; vm < 2; vm++) {
		struct rp_opts o = {.vm = vm};
		ck_assert_int_eq(rp_open(&ref, DATA "pingpong.hvt", &o, &err), HVT_OK);
		ck_assert_int_eq(rp_run(ref, NULL, NULL, &err), RP_END);
		ck_assert_uint_eq(rp_exits_checked(vm ? b : a), rp_exits_checked(ref));
		ck_assert_uint_eq(t_of(vm ? b : a), t_of(ref));
		rp_close(ref);
	}
	rp_close(a);
	rp_close(b);
	hvt_reader_close(r);
}
END_TEST

/* The sessions of one reader read through cursors of their own: a cursor must cross chunks by
 * loading them into itself (it used to load the reader's own position's chunk and loop). */
START_TEST(cursor_crosses_chunks)
{
	struct hvt_synth_opts o = {.exits = 20000, .vms = 2, .seed = 5, .chunk_size = 65536};
	struct hvt_err err;
	struct hvt_reader *r;
	struct hvt_cursor *cu;
	struct hvt_event ev;
	char path[] = "/tmp/check_replay_debug_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_msg(hvt_synth_write(path, &o, &err) == HVT_OK, "%s", err.msg);
	ck_assert_int_eq(hvt_reader_open(&r, path, &err), HVT_OK);
	ck_assert_uint_gt(hvt_reader_info(r)->nchunks, 2);
	ck_assert_int_eq(hvt_cursor_open(&cu, r, &err), HVT_OK);
	uint64_t n = 0, last = 0;
	while (hvt_cursor_next(cu, &ev, &err) == HVT_OK && n <= hvt_reader_info(r)->nevents) {
		ck_assert_uint_eq(ev.num, n ? last + 1 : ev.num);
		last = ev.num;
		n++;
	}
	ck_assert_uint_eq(n, hvt_reader_info(r)->nevents);
	hvt_cursor_close(cu);
	hvt_reader_close(r);
	unlink(path);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("replay_debug");
	TCase *tc = tcase_create("debug");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, watch_backward_lands_on_writer);
	tcase_add_test(tc, break_skips_start);
	tcase_add_test(tc, catch_and_icount);
	tcase_add_test(tc, cancel_keeps_position);
	tcase_add_test(tc, cancel_forward_within_chunks);
	tcase_add_test(tc, exit_detail);
	tcase_add_test(tc, disasm_around);
	tcase_add_test(tc, timeline_two_vms);
	tcase_add_test(tc, shared_reader_sessions);
	tcase_add_test(tc, cursor_crosses_chunks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
