/*
 * view_nav.c - the commands: moving through time, stops, prompts, search, filter, bookmarks.
 *
 * Every long move is one rp_resume with the viewer's cancel flag and progress hook (struct
 * rp_control): Esc or Ctrl-C while it runs sets the flag, the engine puts the position back
 * where the move started and answers RP_CANCELLED.
 */
#include <string.h>
#include <strings.h>

#include "view.h"

static void progress(void *ctx, uint64_t t, uint64_t done, uint64_t total)
{
	struct view_model *m = ctx;
	(void)t, (void)done, (void)total;
	if (m->poll)
		m->poll(m);
}

struct rp_control view_control(struct view_model *m)
{
	return (struct rp_control){.progress = progress, .ctx = m, .cancel = &m->cancel}; /* default chunks */
}

/* Say how a move ended; 1 when the position changed. */
static int moved(struct view_model *m, int st, const struct hvt_err *err, const char *what)
{
	if (st == RP_CANCELLED) {
		atomic_store(&m->cancel, 0);
		view_msg(m, 0, "cancelled: the position is where it was");
	} else if (st == RP_END)
		view_msg(m, 0, "%s: reached the %s of this VM", what, "end or start");
	else if (st == RP_NOTFOUND)
		view_msg(m, 0, "%s: not found", what);
	else if (st < 0)
		view_msg(m, 1, "%s: %s", what, err->msg);
	view_refresh(m);
	return st == RP_OK;
}

/* Run to the next (dir > 0) or previous exit of this VM; reason -1: any. */
int view_exit_of(struct view_model *m, int dir, int reason, int step_over)
{
	unsigned all[EXIT_REASON_MAX], n = 0;
	struct rp_stop_info si;
	struct hvt_err err;
	(void)step_over;
	if (reason >= 0)
		all[n++] = (unsigned)reason;
	else
		for (unsigned r = 0; r < EXIT_REASON_MAX; r++)
			all[n++] = r;
	struct rp_stopset set = {.reasons = all, .nreasons = n};
	struct rp_control ctl = view_control(m);
	view_remember(m);
	int st = rp_resume(view_sess(m), &set, dir, &ctl, &si, &err);
	return moved(m, st, &err, dir > 0 ? "next exit" : "previous exit");
}

static int at_exit(const struct view_model *m)
{
	return m->st.next_exit != UINT64_MAX && m->st.t + 1 == m->st.next_exit_icount;
}

static void cont(struct view_model *m, int dir)
{
	struct rp_stopset set = {.bp = m->bp, .nbp = m->nbp, .wp = &m->wp, .nwp = m->have_wp ? 1 : 0};
	struct rp_stop_info si;
	struct hvt_err err;
	struct rp_control ctl = view_control(m);
	view_remember(m);
	int st = rp_resume(view_sess(m), &set, dir, &ctl, &si, &err);
	if (moved(m, st, &err, "continue")) {
		if (si.kind == RP_STOPPED_BREAK)
			view_msg(m, 0, "breakpoint %u at %#llx", si.index + 1, (unsigned long long)si.pc);
		else if (si.kind == RP_STOPPED_WATCH)
			view_msg(m, 0, "watchpoint: %#llx written by the instruction at %#llx: %#llx -> %#llx",
				 (unsigned long long)m->wp.la, (unsigned long long)si.insn_pc,
				 (unsigned long long)si.old_value, (unsigned long long)si.new_value);
	}
}

static void toggle_break(struct view_model *m)
{
	uint64_t pc = m->st.pc;
	for (unsigned i = 0; i < m->nbp; i++)
		if (m->bp[i] == pc) {
			m->bp[i] = m->bp[--m->nbp];
			view_msg(m, 0, "breakpoint at %#llx cleared", (unsigned long long)pc);
			return;
		}
	if (m->nbp == VIEW_MAX_BP) {
		view_msg(m, 1, "at most %d breakpoints", VIEW_MAX_BP);
		return;
	}
	m->bp[m->nbp++] = pc;
	view_msg(m, 0, "breakpoint at %#llx", (unsigned long long)pc);
}

static void step(struct view_model *m, int dir)
{
	struct hvt_err err;
	int st = rp_step(view_sess(m), dir, &err);
	if (st == RP_END)
		view_msg(m, 0, "at the %s of this VM", dir > 0 ? "end" : "start");
	else if (st < 0)
		view_msg(m, 1, "%s", err.msg);
	view_refresh(m);
}

static void switch_vm(struct view_model *m)
{
	if (m->a.nvms < 2) {
		view_msg(m, 0, "this trace has one VM");
		return;
	}
	view_remember(m);
	uint64_t ev = m->st.next_exit != UINT64_MAX ? m->st.next_exit : m->a.nevents;
	struct hvt_err err;
	if (rp_timeline_goto(m->a.tl, ev, &err) < 0) {
		view_msg(m, 1, "%s", err.msg);
		return;
	}
	m->cur = (m->cur + 1) % m->a.nvms;
	rp_get_state(view_sess(m), &m->st);
	m->have_prev = 0;
	view_msg(m, 0, "VM %u (%s), as of event %llu", m->a.ids[m->cur], m->a.vmnames[m->cur],
		 (unsigned long long)ev);
}

static void history(struct view_model *m, int dir)
{
	if (dir < 0) {
		if (m->hpos == 0) {
			view_msg(m, 0, "no place to go back to");
			return;
		}
		if (m->hpos == m->nhist) { /* keep where we are, to come forward to it */
			view_remember(m);
			m->hpos--;
		}
		m->hpos--;
	} else {
		if (m->hpos + 1 >= m->nhist) {
			view_msg(m, 0, "no place forward");
			return;
		}
		m->hpos++;
	}
	struct view_place p = m->hist[m->hpos];
	view_goto_place(m, &p);
	view_msg(m, 0, "%s to VM %u, instruction %llu", dir < 0 ? "back" : "forward", m->a.ids[p.vm],
		 (unsigned long long)p.t);
}

void view_run_command(struct view_model *m, enum view_cmd c)
{
	switch (c) {
	case VCMD_STEP_FWD:
		step(m, 1);
		break;
	case VCMD_STEP_BACK:
		step(m, -1);
		break;
	case VCMD_EXIT_NEXT:
		view_exit_of(m, 1, m->filt_reason, 1);
		break;
	case VCMD_EXIT_PREV:
		view_exit_of(m, -1, m->filt_reason, 1);
		break;
	case VCMD_SAME_NEXT:
	case VCMD_SAME_PREV: {
		struct rp_exit_detail d;
		struct hvt_err err;
		if (rp_exit_detail(view_sess(m), at_exit(m) ? 0 : -1, &d, &err) != HVT_OK) {
			view_msg(m, 0, "no exit here to take the reason from");
			break;
		}
		view_exit_of(m, c == VCMD_SAME_NEXT ? 1 : -1, (int)d.step.reason, 1);
		break;
	}
	case VCMD_CONT_FWD:
	case VCMD_CONT_BACK:
		if (!m->nbp && !m->have_wp) {
			view_msg(m, 0, "no breakpoint or watchpoint: b sets one at the PC, w watches an address");
			break;
		}
		cont(m, c == VCMD_CONT_FWD ? 1 : -1);
		break;
	case VCMD_BREAK:
		toggle_break(m);
		break;
	case VCMD_WATCH:
		view_start_prompt(m, VP_WATCH);
		break;
	case VCMD_GOTO:
		view_start_prompt(m, VP_GOTO);
		break;
	case VCMD_START: {
		struct hvt_err err;
		view_remember(m);
		moved(m, rp_goto_icount(view_sess(m), 0, &err), &err, "start");
		break;
	}
	case VCMD_WHO_REG:
		view_start_prompt(m, VP_WHO_REG);
		break;
	case VCMD_WHO_BYTE:
		view_start_prompt(m, VP_WHO_BYTE);
		break;
	case VCMD_MEMORY:
		view_start_prompt(m, VP_MEMORY);
		break;
	case VCMD_SEARCH:
		view_start_prompt(m, VP_SEARCH);
		break;
	case VCMD_SEARCH_NEXT:
	case VCMD_SEARCH_PREV:
		if (!m->search[0])
			view_msg(m, 0, "no search yet: / starts one");
		else
			view_search(m, m->search, c == VCMD_SEARCH_NEXT ? 1 : -1);
		break;
	case VCMD_FILTER:
		view_start_prompt(m, VP_FILTER);
		break;
	case VCMD_PRINTED:
		view_start_prompt(m, VP_PRINTED);
		break;
	case VCMD_MARK:
		if (m->nmarks == VIEW_MAX_MARKS) {
			view_msg(m, 1, "at most %d bookmarks", VIEW_MAX_MARKS);
			break;
		}
		m->marks[m->nmarks++] = (struct view_place){m->cur, m->st.t};
		view_msg(m, 0, "bookmark %u: VM %u, instruction %llu", m->nmarks, m->a.ids[m->cur],
			 (unsigned long long)m->st.t);
		break;
	case VCMD_NEXT_MARK:
		if (!m->nmarks) {
			view_msg(m, 0, "no bookmark: m sets one");
			break;
		}
		view_remember(m);
		m->next_mark %= m->nmarks;
		view_goto_place(m, &m->marks[m->next_mark]);
		view_msg(m, 0, "bookmark %u of %u", m->next_mark + 1, m->nmarks);
		m->next_mark++;
		break;
	case VCMD_BACK:
		history(m, -1);
		break;
	case VCMD_FORWARD:
		history(m, 1);
		break;
	case VCMD_SWITCH_VM:
		switch_vm(m);
		break;
	case VCMD_OTHER: {
		if (!m->have_b) {
			view_msg(m, 0, "one recording: hvview A.hvt B.hvt compares two");
			break;
		}
		uint64_t ev = m->st.next_exit != UINT64_MAX ? m->st.next_exit : m->a.nevents;
		struct view_trace t = m->a;
		m->a = m->b;
		m->b = t;
		m->cur = 0;
		m->nhist = m->hpos = m->nmarks = m->next_mark = 0; /* places of the other trace */
		view_goto_event(m, ev);
		m->have_prev = 0;
		view_msg(m, 0, "now %s (the other is %s), as of event %llu", m->a.name, m->b.name,
			 (unsigned long long)ev);
		break;
	}
	case VCMD_SYSREGS:
		m->show_sys = !m->show_sys;
		break;
	case VCMD_HELP:
		m->back_screen = m->screen;
		m->screen = VS_HELP;
		break;
	case VCMD_QUIT:
		m->quit = 1;
		break;
	case VCMD_REDRAW:
	case VCMD_CANCEL:
	case VCMD_NONE:
	case VCMD_COUNT:
		break;
	}
}

/* ---- prompts ----------------------------------------------------------------------------- */
static void do_goto(struct view_model *m, const char *s)
{
	uint64_t v;
	struct hvt_err err;
	size_t n = strlen(s);
	view_remember(m);
	if (n > 1 && s[n - 1] == '%') {
		char num[32];
		snprintf(num, sizeof(num), "%.*s", (int)(n - 1), s);
		if (view_parse_u64(num, &v) || v > 100) {
			view_msg(m, 1, "go to: '%s' is not a percentage", s);
			return;
		}
		/* N% of the trace's events: the first exit at or after that event */
		uint64_t ev = m->a.nevents * v / 100;
		struct hvt_event e;
		if (hvt_cursor_seek(m->a.cu, ev, NULL) == HVT_OK)
			while (hvt_cursor_next(m->a.cu, &e, NULL) == HVT_OK)
				if (e.type == HVT_REC_EXIT) {
					ev = e.num;
					break;
				}
		view_goto_event(m, ev);
		view_msg(m, 0, "%llu%%: event %llu", (unsigned long long)v, (unsigned long long)ev);
	} else if (s[0] == 't') {
		if (view_parse_u64(s + 1, &v)) {
			view_msg(m, 1, "go to: '%s' is not an instruction count", s);
			return;
		}
		moved(m, rp_goto_icount(view_sess(m), v, &err), &err, "go to");
	} else if (!view_parse_u64(s, &v)) {
		if (v >= m->a.nevents) {
			view_msg(m, 1, "go to: the trace has %llu events", (unsigned long long)m->a.nevents);
			return;
		}
		view_goto_event(m, v);
	} else
		view_msg(m, 1, "go to: '%s': an event number, N%% or tN", s);
}

static void do_filter(struct view_model *m, const char *s)
{
	uint64_t v;
	if (!*s || !strcasecmp(s, "off")) {
		m->filt_vm = m->filt_reason = -1;
		view_msg(m, 0, "filter off");
	} else if (!strncasecmp(s, "vm ", 3) && !view_parse_u64(s + 3, &v) && v < HVT_MAX_VMS) {
		m->filt_vm = (int)v;
		view_msg(m, 0, "exit list: VM %llu only", (unsigned long long)v);
	} else if (!strncasecmp(s, "reason ", 7) && hvt_reason_lookup(s + 7) >= 0) {
		m->filt_reason = hvt_reason_lookup(s + 7);
		char nb[HVT_NAME_BUF];
		view_msg(m, 0, "exit list and j/k: %s only", hvt_reason_name((unsigned)m->filt_reason, nb));
	} else
		view_msg(m, 1, "filter: '%s': vm N, reason R or off", s);
}

static void do_memory(struct view_model *m, const char *s)
{
	uint64_t v;
	if (!*s) {
		m->mem_on = 0;
		return;
	}
	int phys = s[0] == 'p' || s[0] == 'P';
	if (view_parse_u64(s + phys, &v)) {
		view_msg(m, 1, "memory: '%s' is not an address", s);
		return;
	}
	m->mem_on = 1;
	m->mem_phys = phys;
	m->mem_addr = v & ~0xfull;
	view_mem_snapshot(m);
}

static void do_watch(struct view_model *m, const char *s)
{
	uint64_t a, len = 1;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	char *sp = strchr(buf, ' ');
	if (!*s) {
		m->have_wp = 0;
		view_msg(m, 0, "watchpoint cleared");
		return;
	}
	if (sp)
		*sp++ = 0;
	if (view_parse_u64(buf, &a) || (sp && (view_parse_u64(sp, &len) || len < 1 || len > 8))) {
		view_msg(m, 1, "watch: ADDR [LEN], LEN 1 to 8");
		return;
	}
	m->wp = (struct rp_watch){.la = a, .len = len, .kind = RP_WATCH_WRITE};
	m->have_wp = 1;
	view_msg(m, 0, "watching writes to %#llx (%llu byte%s): c and C run to them", (unsigned long long)a,
		 (unsigned long long)len, len == 1 ? "" : "s");
}

void view_prompt_done(struct view_model *m, enum view_prompt p, const char *text)
{
	switch (p) {
	case VP_GOTO:
		do_goto(m, text);
		break;
	case VP_WHO_REG:
		view_who_reg(m, text);
		break;
	case VP_WHO_BYTE:
		view_who_byte(m, text);
		break;
	case VP_MEMORY:
		do_memory(m, text);
		break;
	case VP_SEARCH:
		if (*text) {
			snprintf(m->search, sizeof(m->search), "%s", text);
			view_search(m, m->search, 1);
		}
		break;
	case VP_FILTER:
		do_filter(m, text);
		break;
	case VP_WATCH:
		do_watch(m, text);
		break;
	case VP_PRINTED: {
		uint64_t n;
		if (view_parse_u64(text, &n))
			view_msg(m, 1, "console line: '%s' is not a number", text);
		else
			view_console_line(m, n);
		break;
	}
	case VP_NONE:
		break;
	}
}
