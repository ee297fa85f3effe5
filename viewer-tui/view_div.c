/*
 * view_div.c - the divergence screen: the exit where replay and recording disagree, both sides
 * of it in two columns, and the last instructions the replay CPU ran before it.
 *
 *   recorded  the trace's exit at the event the engine reported (view_special.c reads it):
 *             its position, reason, qualification and every register the trace records there
 *   replayed  the replay CPU as the engine left it when it stopped (rp_get_state before any
 *             move) and the instruction at its PC; an exit reason only where the engine
 *             compared one (an "exit reason" divergence): replay computes no qualification
 *
 * A row whose two sides differ starts with '*' (as on the two-recordings screen), so the
 * difference shows without colour too. The screen is one list of lines under a fixed title bar;
 * when it is longer than the window, j/k, the arrows, PgUp/PgDn and Space scroll it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "retrovisor/hvtool.h"
#include "view.h"

#define DIV_LINES 160
#define DIV_WIDTH 240

struct div_doc {
	char text[DIV_LINES][DIV_WIDTH];
	unsigned char attr[DIV_LINES];
	int n;
};

static void add(struct div_doc *d, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct div_doc *d, int attr, const char *fmt, ...)
{
	if (d->n >= DIV_LINES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->text[d->n], DIV_WIDTH, fmt, ap);
	va_end(ap);
	d->attr[d->n++] = (unsigned char)attr;
}

/* Text cut into lines of at most w columns at blanks (view_wrap_cut), each indented by one. */
static void add_wrapped(struct div_doc *d, int attr, int w, const char *s)
{
	while (*s) {
		int n = view_wrap_cut(s, w);
		add(d, attr, " %.*s", n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

/* One row of the recorded | replayed table: label, the two sides (the second may run to the
 * window's edge), '*' when they differ. */
static void add_row(struct div_doc *d, int cw, const char *label, const char *rec, const char *rep, int differ)
{
	add(d, differ ? VA_WARN : VA_NORMAL, "%c%-10s %-*.*s %s", differ ? '*' : ' ', label, cw, cw, rec, rep);
}

static void build(struct view_model *m, struct div_doc *d, int cols)
{
	const struct rp_divergence *dv = &m->div;
	const struct rp_state *st = &m->div_st;
	char nb[HVT_NAME_BUF], a[DIV_WIDTH], b[DIV_WIDTH];
	int cw = (cols - 13) / 2;

	d->n = 0;
	add(d, VA_NORMAL, "VM %u (%s), exit event %llu (%s), instruction %llu", m->a.ids[m->div_vm],
	    m->a.vmnames[m->div_vm], (unsigned long long)dv->event, hvt_reason_name(dv->reason, nb),
	    (unsigned long long)dv->icount);
	char what[sizeof(dv->what) * 4];
	hvt_sanitize_str(what, sizeof(what), dv->what);
	add_wrapped(d, VA_NORMAL, cols - 2, what);
	if (dv->note[0]) {
		hvt_sanitize_str(what, sizeof(what), dv->note);
		add_wrapped(d, VA_WARN, cols - 2, what);
	}
	snprintf(a, sizeof(a), "the engine's check that failed: %s, recorded %#llx, replayed %#llx", dv->field,
		 (unsigned long long)dv->recorded, (unsigned long long)dv->replayed);
	hvt_sanitize_str(what, sizeof(what), a);
	add_wrapped(d, VA_NORMAL, cols - 2, what);

	add(d, VA_TITLE, " %-10s %-*.*s %s", "", cw, cw, "recorded (the trace)", "replayed (the engine)");
	if (!m->div_have_rec)
		add(d, VA_WARN, " the trace has no exit of this VM at event %llu to compare with",
		    (unsigned long long)dv->event);
	/* the registers of an exit are the state before its instruction: position icount - 1 */
	uint64_t rec_t = m->div_have_rec && m->div_rec_icount ? m->div_rec_icount - 1 : 0;
	snprintf(a, sizeof(a), m->div_have_rec ? "t=%llu (at exit %llu)" : "-", (unsigned long long)rec_t,
		 (unsigned long long)dv->event);
	snprintf(b, sizeof(b), "t=%llu pc %#llx %s", (unsigned long long)st->t, (unsigned long long)st->pc,
		 view_mode_name(st));
	add_row(d, cw, "position", a, b, m->div_have_rec && rec_t != st->t);
	if (m->div_have_rec) {
		/* the replay side has an exit reason only where the engine compared reasons; its
		 * "none" is -1 (the instruction there causes no exit) or 0 (replaying the exiting
		 * instruction ended otherwise: rp_exit.c) */
		int cmp = !strcmp(dv->field, "exit reason");
		int64_t rr = (int64_t)dv->replayed;
		char nb2[HVT_NAME_BUF];
		add_row(d, cw, "reason", hvt_reason_name(m->div_rec_reason, nb),
			!cmp ? "-" : rr <= 0 ? "(none)" : hvt_reason_name((unsigned)rr, nb2),
			cmp && (rr < 0 || (uint64_t)rr != m->div_rec_reason));
		snprintf(a, sizeof(a), "%#llx", (unsigned long long)m->div_rec_qual);
		add_row(d, cw, "qual", a, "-", 0);
		view_exit_line(a, sizeof(a), m->div_rec_reason, m->div_rec_qual, m->div_rec_gpa, m->div_rec_regs);
		hvt_sanitize_str(what, sizeof(what), a);
		snprintf(b, sizeof(b), "at pc: %s %s", m->div_next.len ? m->div_next.mnemonic : "(not decoded)",
			 m->div_next.len ? m->div_next.operands : "");
		hvt_sanitize_str(a, sizeof(a), b);
		add_row(d, cw, "decoded", what, a, 0);
	}

	/* every register the trace records at an exit; two or three to a line when they fit */
	uint64_t big = 0;
	for (unsigned i = 0; i < HVT_NREGS; i++)
		big |= st->reg[i] | (m->div_have_rec ? m->div_rec_regs[i] : 0);
	int w = big >> 32 ? 16 : 8, unit = 1 + 7 + w + 2 + w, per = (cols + 3) / (unit + 3);
	if (per > 3)
		per = 3;
	if (per < 1)
		per = 1;
	char line[DIV_WIDTH];
	int len = 0;
	for (int k = 0; k < per; k++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, "%s %-7s%-*s  %-*s", k ? "  " : "", "reg", w,
				"recorded", w, "replayed");
	add(d, VA_TITLE, "%s", line);
	int ndiff = 0;
	for (unsigned i = 0; i < HVT_NREGS; i += (unsigned)per) {
		len = 0;
		int differ = 0;
		for (unsigned k = i; k < i + (unsigned)per && k < HVT_NREGS; k++) {
			int df = m->div_have_rec && m->div_rec_regs[k] != st->reg[k];
			differ |= df;
			ndiff += df;
			char rec[24];
			snprintf(rec, sizeof(rec), m->div_have_rec ? "%0*llx" : "-", w, (unsigned long long)m->div_rec_regs[k]);
			len += snprintf(line + len, sizeof(line) - (size_t)len, "%s%c%-7s%-*s  %0*llx", k > i ? "  " : "",
					df ? '*' : ' ', hvt_reg_name(k, nb), w, rec, w, (unsigned long long)st->reg[k]);
		}
		add(d, differ ? VA_WARN : VA_NORMAL, "%s", line);
	}
	if (m->div_have_rec)
		add(d, VA_NORMAL, " %d of %d registers differ (marked *)", ndiff, HVT_NREGS);

	add(d, VA_TITLE, " the last %u instructions before it", dv->nhist);
	for (unsigned i = 0; i < dv->nhist; i++) {
		const struct rp_insn *in = &m->div_hist[i];
		if (in->len)
			snprintf(a, sizeof(a), "%0*llx  %s %s", st->mode == 64 ? 12 : 8, (unsigned long long)in->la,
				 in->mnemonic, in->operands);
		else
			snprintf(a, sizeof(a), "%s", dv->hist[i].text);
		hvt_sanitize_str(what, sizeof(what), a);
		add(d, i + 1 == dv->nhist ? VA_CURRENT : VA_NORMAL, " %10llu  %s", (unsigned long long)dv->hist[i].t, what);
	}
}

void view_div_draw(struct view_model *m, struct view_grid *g)
{
	static struct div_doc d; /* 38 KiB: off the stack; the viewer draws from one thread */
	build(m, &d, g->cols);
	grid_attr(g, 0, 0, g->cols, VA_BAR);
	grid_put(g, 0, 0, 0, VA_BAR, "%s | DIVERGENCE: the replay disagrees with the recording", m->a.name);
	int rows = g->rows - 2; /* rows 1 .. rows - 2: the list; the last one: the keys */
	if (m->div_top + (unsigned)rows > (unsigned)d.n)
		m->div_top = d.n > rows ? (unsigned)(d.n - rows) : 0;
	int y = 1;
	for (int i = (int)m->div_top; i < d.n && y <= rows; i++, y++) {
		grid_put(g, y, 0, 0, d.attr[i], "%s", d.text[i]);
		if (d.attr[i] == VA_TITLE || d.attr[i] == VA_CURRENT)
			grid_attr(g, y, 0, g->cols, d.attr[i]);
	}
	grid_attr(g, g->rows - 1, 0, g->cols, VA_BAR);
	if (d.n > rows)
		grid_put(g, g->rows - 1, 0, 0, VA_BAR, "Enter: main screen, at the last exit before it  j/k: lines %u-%u of %d  q quit",
			 m->div_top + 1, m->div_top + (unsigned)rows, d.n);
	else
		grid_put(g, g->rows - 1, 0, 0, VA_BAR, "Enter: the main screen, at the last exit before it  q quit");
}
