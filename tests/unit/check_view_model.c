/*
 * check_view_model.c - hvview's model without a terminal: keys move the position the way the
 * engine's own calls do, who-set-this finds the instruction or the exit that set a register or
 * a byte (checked by stepping), a cancelled search leaves the position alone, the two-recordings
 * comparison (hvt_event_same) finds the first difference, the screen of a too-small window, and
 * the checkpoint budget hvview gives the replay, and the divergence screen's table and scrolling.
 * On replay/testdata/demo.hvt.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "check_run.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

#define DEMO "replay/testdata/demo.hvt"

static struct view_model m;

static void keys(const char *s)
{
	for (; *s; s++)
		view_key(&m, *s == '\n' ? VK_ENTER : *s);
}

static void open_demo(void)
{
	struct hvt_err err;
	ck_assert_msg(view_open(&m, DEMO, &err) == HVT_OK, "%s", err.msg);
	ck_assert_int_eq(m.st.t, 0);
}

START_TEST(keys_move_like_the_engine)
{
	open_demo();
	keys("j");
	ck_assert_int_eq(m.st.next_exit, 1);
	ck_assert_int_eq(m.st.t + 1, m.st.next_exit_icount); /* at the exit: before its effects */
	keys("j");
	uint64_t at2 = m.st.t;
	keys("l"); /* across the exit: its effects applied, one instruction retired */
	ck_assert_int_eq(m.st.t, at2 + 1);
	ck_assert_int_eq(m.st.next_exit, 3);
	keys("h");
	ck_assert_int_eq(m.st.t, at2);
	ck_assert_int_eq(m.st.next_exit, 2);
	keys("g120\n");
	ck_assert_int_eq(m.st.next_exit, 120);
	keys("<"); /* back to exit 2, forward to 120 */
	ck_assert_int_eq(m.st.t, at2);
	keys(">");
	ck_assert_int_eq(m.st.next_exit, 120);
	keys("gt1000\n");
	ck_assert_int_eq(m.st.t, 1000);
	keys("q");
	ck_assert(m.quit);
	view_close(&m);
}
END_TEST

/* The register's value before and after the instruction at the position, by the engine. */
static void reg_around(struct rp_session *s, unsigned r, uint64_t *before, uint64_t *after)
{
	struct rp_state st;
	struct hvt_err err;
	rp_get_state(s, &st);
	*before = st.reg[r];
	ck_assert_int_eq(rp_step(s, 1, &err), RP_OK);
	rp_get_state(s, &st);
	*after = st.reg[r];
	ck_assert_int_eq(rp_step(s, -1, &err), RP_OK);
}

START_TEST(who_set_a_register)
{
	open_demo();
	keys("g286\n");
	uint64_t t0 = m.st.t, v = m.st.reg[0];
	ck_assert(view_who_reg(&m, "rax") == 0);
	/* it lands before an instruction that changes rax to the value it had at t0, and no
	 * instruction from there to t0 changes it */
	uint64_t b, a, t = m.st.t;
	ck_assert_uint_lt(t, t0);
	reg_around(view_sess(&m), 0, &b, &a);
	ck_assert_uint_ne(b, a);
	ck_assert_uint_eq(a, v);
	struct hvt_err err;
	for (uint64_t k = t + 1; k < t0; k++) {
		rp_goto_icount(view_sess(&m), k, &err);
		reg_around(view_sess(&m), 0, &b, &a);
		ck_assert_uint_eq(b, a);
	}
	/* after the IN of exit 286 retires, rax holds what the hypervisor gave: its handler set it */
	keys("g286\nl");
	ck_assert(view_who_reg(&m, "eax") == 0);
	ck_assert_int_eq(m.st.next_exit, 286);
	ck_assert_int_eq(m.st.t + 1, m.st.next_exit_icount);
	ck_assert_ptr_nonnull(strstr(m.msg, "hypervisor"));
	ck_assert(view_who_reg(&m, "nosuch") < 0);
	/* a value nobody set: back at the VM's start (rbp stays 0 in the demo's first exits) */
	keys("g3\n");
	ck_assert(view_who_reg(&m, "rbp") == 0);
	ck_assert_int_eq(m.st.t, 0);
	ck_assert_ptr_nonnull(strstr(m.msg, "since the VM started"));
	view_close(&m);
}
END_TEST

START_TEST(who_wrote_a_byte)
{
	open_demo();
	keys("g286\n");
	uint64_t t0 = m.st.t;
	ck_assert_int_eq(view_who_byte(&m, "0x7be4"), RP_OK);
	/* the next instruction writes the byte (a push); nothing after it up to t0 does */
	struct rp_session *s = view_sess(&m);
	struct hvt_err err;
	uint64_t t = m.st.t;
	ck_assert_uint_lt(t, t0);
	struct rp_write_info wi;
	rp_goto_icount(s, t0, &err);
	ck_assert_int_eq(rp_last_write(s, 0x7be4, &wi, &err), RP_OK); /* paging is off: linear = physical */
	ck_assert_uint_eq(wi.t, t + 1);
	view_close(&m);
}
END_TEST

START_TEST(cancel_leaves_the_position)
{
	open_demo();
	keys("g100\n");
	uint64_t t0 = m.st.t;
	atomic_store(&m.cancel, 1); /* as Esc or Ctrl-C would between chunks */
	ck_assert_int_eq(view_search(&m, "text no such words", 1), RP_CANCELLED);
	ck_assert_uint_eq(m.st.t, t0);
	ck_assert_int_eq(atomic_load(&m.cancel), 0);
	ck_assert_int_eq(view_search(&m, "VMCALL", 1), RP_OK);
	ck_assert_uint_gt(m.st.t, t0);
	view_close(&m);
}
END_TEST

START_TEST(two_recordings)
{
	struct hvt_reader *a, *b;
	struct hvt_err err;
	uint64_t ev;
	int end;
	ck_assert_int_eq(hvt_reader_open(&a, DEMO, &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_open(&b, DEMO, &err), HVT_OK);
	ck_assert_int_eq(view_diff_first(a, b, &ev, &end, &err), 0); /* the same */
	ck_assert_int_eq(end, 3);
	/* an event against itself and against its neighbour */
	struct hvt_event ea, eb;
	ck_assert_int_eq(hvt_reader_seek(a, 10, &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_next_event(a, &ea, &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_seek(b, 10, &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_next_event(b, &eb, &err), HVT_OK);
	ck_assert(hvt_event_same(&ea, &eb));
	eb.qual ^= 1;
	ck_assert(!hvt_event_same(&ea, &eb));
	eb.qual ^= 1;
	eb.icount++;
	ck_assert(!hvt_event_same(&ea, &eb));
	hvt_reader_close(a);
	hvt_reader_close(b);
}
END_TEST

START_TEST(too_small)
{
	struct view_grid g = {0};
	open_demo();
	grid_resize(&g, 24, 79);
	view_draw(&m, &g);
	int found = 0;
	for (int y = 0; y < g.rows; y++)
		found |= !strncmp(g.ch + y * g.cols, "hvview needs a window of at least 80x24 (this one is 79x24)", 59);
	ck_assert(found);
	grid_resize(&g, 24, 80);
	view_draw(&m, &g);
	ck_assert(!strncmp(g.ch, "demo.hvt VM 0 demo", 18));
	grid_free(&g);
	view_close(&m);
}
END_TEST

/* hvview's checkpoint memory is bounded by a budget that follows the guest's memory (16 MiB per
 * MiB), not the engine's 256 MiB default: what keeps a long trace's viewer small. */
START_TEST(checkpoint_budget)
{
	struct rp_ckpt_stats cs;
	open_demo();
	const struct rp_info *in = rp_info(view_sess(&m));
	rp_ckpt_stats(view_sess(&m), &cs);
	ck_assert_uint_eq(in->mem_size, 1u << 20);
	ck_assert_uint_eq(cs.budget, 16u << 20);
	keys("g100%\n");
	rp_ckpt_stats(view_sess(&m), &cs);
	ck_assert_uint_le(cs.bytes, cs.budget);
	view_close(&m);
}
END_TEST

/* The text of row y of g (trailing blanks kept). */
static const char *row(const struct view_grid *g, int y, char *buf)
{
	memcpy(buf, g->ch + y * g->cols, (size_t)g->cols);
	buf[g->cols] = 0;
	return buf;
}

/* The divergence screen at 80x24 is longer than the window: j/k/PgDn scroll it without leaving
 * it (the key line says which lines), Enter goes on in the main screen. The demo does not
 * diverge, so the screen is put up by hand over the engine's state at an exit. */
START_TEST(divergence_screen_scrolls)
{
	struct view_grid g = {0};
	char buf[128];
	open_demo();
	struct hvt_err err;
	ck_assert_int_eq(view_find_divergence(&m, NULL, NULL, &err), RP_OK);
	ck_assert_int_eq(m.screen, VS_MAIN);
	ck_assert(!m.have_div);
	ck_assert_int_eq(view_goto_event(&m, 286), 0);
	m.have_div = 1;
	m.div.event = 286;
	m.div.nhist = 16; /* longer than 22 rows with the table */
	for (unsigned i = 0; i < m.div.nhist; i++) {
		m.div.hist[i].t = m.st.t - 16 + i;
		snprintf(m.div.hist[i].text, sizeof(m.div.hist[i].text), "instruction %u", i);
		m.div_hist[i].len = 0; /* not decoded: the engine's text */
	}
	snprintf(m.div.field, sizeof(m.div.field), "RAX");
	snprintf(m.div.what, sizeof(m.div.what), "a test");
	m.div_st = m.st;
	m.div_have_rec = 1;
	memcpy(m.div_rec_regs, m.st.reg, sizeof(m.div_rec_regs));
	m.div_rec_regs[0] ^= 1; /* rax differs */
	m.screen = VS_DIVERGENCE;
	grid_resize(&g, 24, 80);
	view_draw(&m, &g);
	int cols = 0, marked = 0;
	for (int y = 1; y < g.rows - 1; y++) {
		const char *r = row(&g, y, buf);
		cols |= strstr(r, "recorded (the trace)") && strstr(r, "replayed (the engine)");
		marked += r[0] == '*' && !strncmp(r, "*rax", 4);
	}
	ck_assert_msg(cols, "no row with both column titles");
	ck_assert_int_eq(marked, 1);
	ck_assert_msg(strstr(row(&g, 23, buf), "lines 1-22 of"), "%s", buf);
	keys("j");
	ck_assert_int_eq(m.screen, VS_DIVERGENCE);
	view_draw(&m, &g);
	ck_assert_msg(strstr(row(&g, 23, buf), "lines 2-23 of"), "%s", buf);
	view_key(&m, VK_PGDN);
	view_key(&m, VK_PGDN);
	view_draw(&m, &g); /* clamped at the end of the list: its last line on the last row */
	ck_assert_msg(strstr(row(&g, 22, buf), "instruction 15"), "%s", buf);
	unsigned top = m.div_top;
	keys("k");
	ck_assert_uint_eq(m.div_top, top - 1);
	keys("\n");
	ck_assert_int_eq(m.screen, VS_MAIN);
	grid_free(&g);
	view_close(&m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("view_model");
	TCase *tc = tcase_create("model");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, keys_move_like_the_engine);
	tcase_add_test(tc, who_set_a_register);
	tcase_add_test(tc, who_wrote_a_byte);
	tcase_add_test(tc, cancel_leaves_the_position);
	tcase_add_test(tc, two_recordings);
	tcase_add_test(tc, too_small);
	tcase_add_test(tc, checkpoint_budget);
	tcase_add_test(tc, divergence_screen_scrolls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
