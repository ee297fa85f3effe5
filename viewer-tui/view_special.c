/*
 * view_special.c - opening the two screens no other tool has: the divergence (replay every VM
 * until the engine disagrees with the recording) and two recordings (the first event where they
 * differ, by the comparison `hvtrace diff` uses: hvt_event_same).
 */
#include <string.h>

#include "view.h"

int view_diff_first(struct hvt_reader *a, struct hvt_reader *b, uint64_t *event, int *end, struct hvt_err *err)
{
	struct hvt_event ea, eb;
	uint64_t n = 0;
	int sa, sb;
	*end = 0;
	if ((sa = hvt_reader_seek(a, 0, err)) < 0 || (sb = hvt_reader_seek(b, 0, err)) < 0)
		return -1;
	for (;; n++) {
		if ((sa = hvt_reader_next_event(a, &ea, err)) < 0 || (sb = hvt_reader_next_event(b, &eb, err)) < 0)
			return -1;
		if (sa != HVT_OK || sb != HVT_OK) {
			*event = n;
			*end = sa != HVT_OK && sb != HVT_OK ? 3 : sa != HVT_OK ? 1 : 2;
			return *end == 3 ? 0 : 1;
		}
		if (!hvt_event_same(&ea, &eb)) {
			*event = n;
			return 1;
		}
	}
}

/* Where the two runs part ways; 0 when they are the same (the main screen, with a message). */
int view_open_second(struct view_model *m, const char *path, struct hvt_err *err)
{
	struct view_model tmp;
	int st = view_open(&tmp, path, err);
	if (st < 0)
		return st;
	m->b = tmp.a;
	m->have_b = 1;
	uint64_t ev;
	int end;
	st = view_diff_first(m->a.r, m->b.r, &ev, &end, err);
	if (st < 0)
		return st;
	if (st == 0) {
		view_msg(m, 0, "the two recordings are the same: %llu events", (unsigned long long)m->a.nevents);
		return 0;
	}
	m->diff_event = ev;
	m->diff_end = end;
	view_goto_event(m, ev);
	m->have_prev = 0;
	m->screen = VS_DIFF;
	view_msg(m, 0, "A and B part ways at event %llu", (unsigned long long)ev);
	return 1;
}

/*
 * Both sides of the divergence, read before the session moves (the main screen re-syncs it at
 * the last exit that replayed as recorded): the replay CPU as the engine left it when it
 * stopped, and the trace's exit at the event it reported. The history lines are decoded here,
 * from the memory and CPU mode the engine's own history text was made from.
 */
static void div_capture(struct view_model *m, struct rp_session *s)
{
	rp_get_state(s, &m->div_st);
	if (rp_disasm_lines(s, m->div_st.pc, 1, &m->div_next) != 1)
		m->div_next.len = 0;
	for (unsigned k = 0; k < m->div.nhist; k++)
		if (rp_disasm_lines(s, m->div.hist[k].pc, 1, &m->div_hist[k]) != 1)
			m->div_hist[k].len = 0;
	m->div_top = 0;
	m->div_have_rec = 0;
	struct hvt_event e;
	if (hvt_cursor_seek(m->a.cu, m->div.event, NULL) == HVT_OK && hvt_cursor_next(m->a.cu, &e, NULL) == HVT_OK &&
	    e.type == HVT_REC_EXIT && e.num == m->div.event && e.regs) {
		m->div_have_rec = 1;
		m->div_rec_reason = e.reason;
		m->div_rec_icount = e.icount;
		m->div_rec_qual = e.qual;
		m->div_rec_gpa = e.has_gpa ? e.gpa : 0;
		memcpy(m->div_rec_regs, e.regs, sizeof(m->div_rec_regs));
	}
}

int view_find_divergence(struct view_model *m, rp_progress_fn progress, void *ctx, struct hvt_err *err)
{
	for (unsigned i = 0; i < m->a.nvms; i++) {
		struct rp_session *s = rp_timeline_vm(m->a.tl, i);
		rp_goto_icount(s, 0, NULL);
		int st = rp_run(s, progress, ctx, err);
		if (st < 0)
			return st;
		if (st == RP_DIVERGED) {
			m->div = *rp_divergence(s);
			m->div_vm = i;
			div_capture(m, s);
			m->have_div = 1;
			m->cur = i;
			m->screen = VS_DIVERGENCE;
			/* the main screen opens at the last exit that replayed as recorded: the state
			 * at the diverging exit itself is the replay's, not the recording's */
			uint64_t prev = UINT64_MAX;
			struct hvt_event e;
			for (uint64_t k = m->div.event; k-- > 0 && prev == UINT64_MAX;)
				if (hvt_cursor_seek(m->a.cu, k, NULL) == HVT_OK &&
				    hvt_cursor_next(m->a.cu, &e, NULL) == HVT_OK && e.type == HVT_REC_EXIT &&
				    e.vm == m->a.ids[i])
					prev = k;
			if (prev == UINT64_MAX || rp_goto_exit(s, prev, NULL) < 0)
				rp_goto_icount(s, 0, NULL);
			rp_get_state(s, &m->st);
			m->have_prev = 0;
			view_msg(m, 1, "diverged at exit event %llu: %s", (unsigned long long)m->div.event, m->div.field);
			return RP_DIVERGED;
		}
		rp_goto_icount(s, 0, NULL);
	}
	rp_get_state(view_sess(m), &m->st);
	view_msg(m, 0, "no divergence: every exit of every VM replays as recorded");
	return RP_OK;
}
