/*
 * view_draw.c - the layout: which panel goes where for the grid's size, the help screen, the
 * two-recordings screen (the divergence screen: view_div.c), and the message for a window that is too small.
 *
 *   row 0              the position bar
 *   top (~2/5)         disassembly | registers (or segments/control registers, s)
 *   middle             the exit timeline (or memory, x)
 *   bottom             why this exit | console
 *   rows -2, -1        message or prompt; the main keys
 */
#include <string.h>

#include "retrovisor/hvtool.h"
#include "view.h"

struct rect {
	int y, x, h, w;
};
void view_pos_draw(struct view_model *m, struct view_grid *g, int y);
void view_regs_draw(struct view_model *m, struct view_grid *g, struct rect r);
void view_disasm_draw(struct view_model *m, struct view_grid *g, struct rect r);
void view_exits_draw(struct view_model *m, struct view_grid *g, struct rect r);
void view_why_draw(struct view_model *m, struct view_grid *g, struct rect r);
void view_console_draw(struct view_model *m, struct view_grid *g, struct rect r);
void view_mem_draw(struct view_model *m, struct view_grid *g, struct rect r);
void view_sys_draw(struct view_model *m, struct view_grid *g, struct rect r);
int view_wrap(struct view_grid *g, int y, int end, struct rect r, const char *s);

static void bottom_lines(struct view_model *m, struct view_grid *g)
{
	int y = g->rows - 2;
	if (m->prompt != VP_NONE)
		grid_put(g, y, 0, 0, VA_NORMAL, "%s%.*s_", view_prompt_label(m->prompt), (int)m->plen, m->pbuf);
	else if (m->msg[0])
		grid_put(g, y, 0, 0, m->msg_warn ? VA_WARN : VA_NORMAL, "%s", m->msg);
	grid_attr(g, g->rows - 1, 0, g->cols, VA_BAR);
	grid_put(g, g->rows - 1, 0, 0, VA_BAR,
		 "q quit ? help l/h step j/k exit g go / search r,W who-set m mark < back v VM");
}

static void help_draw(struct view_model *m, struct view_grid *g)
{
	grid_attr(g, 0, 0, g->cols, VA_BAR);
	grid_put(g, 0, 0, 0, VA_BAR, "hvview keys (hvview --help and docs/viewer.md list the same)");
	int rows = g->rows - 2;
	if (m->help_top + (unsigned)rows > view_nkeys)
		m->help_top = view_nkeys > (unsigned)rows ? view_nkeys - (unsigned)rows : 0;
	int y = 1;
	for (unsigned i = m->help_top; i < view_nkeys && y <= rows; i++, y++)
		grid_put(g, y, 0, 0, VA_NORMAL, " %-10s %s", view_keys[i].keys, view_keys[i].what);
	grid_attr(g, g->rows - 1, 0, g->cols, VA_BAR);
	grid_put(g, g->rows - 1, 0, 0, VA_BAR, "keys %u-%u of %u: j/k scroll, any other key closes this list",
		 m->help_top + 1, m->help_top + (unsigned)(y - 1), view_nkeys);
}

/* One event of each side, field by field, the differing ones marked. */
static void diff_draw(struct view_model *m, struct view_grid *g)
{
	struct hvt_event ea, eb;
	char nb[HVT_NAME_BUF], nb2[HVT_NAME_BUF];
	int ha = hvt_cursor_seek(m->a.cu, m->diff_event, NULL) == HVT_OK && hvt_cursor_next(m->a.cu, &ea, NULL) == HVT_OK;
	int hb = hvt_cursor_seek(m->b.cu, m->diff_event, NULL) == HVT_OK && hvt_cursor_next(m->b.cu, &eb, NULL) == HVT_OK;
	grid_attr(g, 0, 0, g->cols, VA_BAR);
	grid_put(g, 0, 0, 0, VA_BAR, "TWO RECORDINGS: A %s | B %s", m->a.name, m->b.name);
	int y = 2, cw = (g->cols - 12) / 2;
	grid_put(g, y++, 0, 0, VA_WARN, "they part ways at event %llu%s", (unsigned long long)m->diff_event,
		 m->diff_end == 1 ? " (A ends there)" : m->diff_end == 2 ? " (B ends there)" : "");
	y++;
	grid_put(g, y, 0, 0, VA_TITLE, " %-10s %-*s %-*s", "", cw, "A", cw, "B");
	grid_attr(g, y++, 0, g->cols, VA_TITLE);
#define ROW(label, fa, fb, differ)                                                                               \
	do {                                                                                                     \
		if (y < g->rows - 2) {                                                                           \
			int df_ = (differ);                                                                      \
			grid_put(g, y, 0, 0, df_ ? VA_WARN : VA_NORMAL, "%c%-10s ", df_ ? '*' : ' ', label);     \
			grid_put(g, y, 12, cw, df_ ? VA_WARN : VA_NORMAL, "%s", fa);                             \
			grid_put(g, y, 13 + cw, cw, df_ ? VA_WARN : VA_NORMAL, "%s", fb);                        \
			y++;                                                                                     \
		}                                                                                                \
	} while (0)
	char a[96], b[96];
	snprintf(a, sizeof(a), "%s", ha ? hvt_record_name(ea.type, nb) : "(the trace ends)");
	snprintf(b, sizeof(b), "%s", hb ? hvt_record_name(eb.type, nb2) : "(the trace ends)");
	ROW("record", a, b, !ha || !hb || ea.type != eb.type);
	if (ha && hb) {
		snprintf(a, sizeof(a), "%u", ea.vm);
		snprintf(b, sizeof(b), "%u", eb.vm);
		ROW("vm", a, b, ea.vm != eb.vm);
		snprintf(a, sizeof(a), "%llu", (unsigned long long)ea.icount);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)eb.icount);
		ROW("icount", a, b, ea.icount != eb.icount);
		if (ea.type == HVT_REC_EXIT && eb.type == HVT_REC_EXIT) {
			ROW("reason", hvt_reason_name(ea.reason, nb), hvt_reason_name(eb.reason, nb2), ea.reason != eb.reason);
			view_exit_line(a, sizeof(a), ea.reason, ea.qual, ea.gpa, ea.regs);
			view_exit_line(b, sizeof(b), eb.reason, eb.qual, eb.gpa, eb.regs);
			ROW("decoded", a, b, ea.qual != eb.qual || strcmp(a, b));
			for (unsigned i = 0; i < HVT_NREGS; i++) {
				snprintf(a, sizeof(a), "%llx", (unsigned long long)ea.regs[i]);
				snprintf(b, sizeof(b), "%llx", (unsigned long long)eb.regs[i]);
				if (ea.regs[i] != eb.regs[i] || i == RV_REG_RIP)
					ROW(hvt_reg_name(i, nb), a, b, ea.regs[i] != eb.regs[i]);
			}
			for (unsigned i = 0; i < HVT_POST_NVALS; i++) {
				int ina = ea.post_mask >> i & 1, inb = eb.post_mask >> i & 1;
				if (!ina && !inb)
					continue;
				char lab[24];
				snprintf(lab, sizeof(lab), "post %s", hvt_post_name(i, nb));
				snprintf(a, sizeof(a), ina ? "%llx" : "-", (unsigned long long)ea.post[i]);
				snprintf(b, sizeof(b), inb ? "%llx" : "-", (unsigned long long)eb.post[i]);
				ROW(lab, a, b, ina != inb || ea.post[i] != eb.post[i]);
			}
		}
	}
#undef ROW
	grid_attr(g, g->rows - 1, 0, g->cols, VA_BAR);
	grid_put(g, g->rows - 1, 0, 0, VA_BAR, "Enter: step through A from there in the main screen (o: B)  q quit");
}

void view_draw(struct view_model *m, struct view_grid *g)
{
	grid_clear(g);
	memset(m->rowmap, 0, sizeof(m->rowmap));
	if (g->cols < VIEW_MIN_COLS || g->rows < VIEW_MIN_ROWS) {
		grid_put(g, g->rows / 2, 0, 0, VA_WARN, "hvview needs a window of at least %dx%d (this one is %dx%d)",
			 VIEW_MIN_COLS, VIEW_MIN_ROWS, g->cols, g->rows);
		return;
	}
	switch (m->screen) {
	case VS_HELP:
		help_draw(m, g);
		return;
	case VS_DIVERGENCE:
		view_div_draw(m, g);
		return;
	case VS_DIFF:
		diff_draw(m, g);
		return;
	case VS_MAIN:
		break;
	}
	view_pos_draw(m, g, 0);
	int avail = g->rows - 3, top = avail * 10 / 21, mid = avail * 5 / 21, bot = avail - top - mid;
	int regw = m->st.mode == 64 ? 44 : 40;
	if (g->cols >= 120)
		regw += 20; /* a wide window: more register columns */
	struct rect rt = {1, 0, top, g->cols - regw - 1}, rr = {1, g->cols - regw, top, regw};
	if (m->show_sys)
		view_sys_draw(m, g, (struct rect){1, 0, top, g->cols});
	else {
		view_disasm_draw(m, g, rt);
		view_regs_draw(m, g, rr);
	}
	struct rect rm = {1 + top, 0, mid, g->cols};
	if (m->mem_on)
		view_mem_draw(m, g, rm);
	else
		view_exits_draw(m, g, rm);
	int cw = g->cols * 2 / 5;
	m->console_x = g->cols - cw;
	view_why_draw(m, g, (struct rect){1 + top + mid, 0, bot, g->cols - cw - 1});
	view_console_draw(m, g, (struct rect){1 + top + mid, g->cols - cw, bot, cw});
	bottom_lines(m, g);
}
