/*
 * view_panels.c - the main screen's panels, each drawn into a rectangle of the grid:
 * view_pos_draw (the position bar), view_regs_draw, view_disasm_draw, view_exits_draw (the
 * exit timeline, one lane per VM), view_why_draw (why this exit and what the hypervisor did),
 * view_console_draw, view_mem_draw.
 */
#include <string.h>

#include "retrovisor/hvtool.h"
#include "view.h"

struct rect {
	int y, x, h, w;
};

static void title(struct view_grid *g, struct rect r, const char *t)
{
	grid_attr(g, r.y, r.x, r.w, VA_TITLE);
	grid_put(g, r.y, r.x, r.w, VA_TITLE, "%s", t);
}

static int at_exit(const struct rp_state *st)
{
	return st->next_exit != UINT64_MAX && st->t + 1 == st->next_exit_icount;
}

void view_pos_draw(struct view_model *m, struct view_grid *g, int y)
{
	const struct rp_state *st = &m->st;
	char pos[64];
	uint64_t ev = st->next_exit != UINT64_MAX ? st->next_exit : m->a.nevents;
	uint64_t pct = m->a.nevents ? ev * 100 / m->a.nevents : 100;
	if (st->next_exit == UINT64_MAX)
		snprintf(pos, sizeof(pos), "after the last exit");
	else
		snprintf(pos, sizeof(pos), "%s exit %llu of %llu events", at_exit(st) ? "at" : "next",
			 (unsigned long long)ev, (unsigned long long)m->a.nevents);
	grid_attr(g, y, 0, g->cols, VA_BAR);
	grid_put(g, y, 0, 0, VA_BAR, "%s VM %u %s | %s | t=%llu %llu%% | %s%s", m->a.name, m->a.ids[m->cur],
		 m->a.vmnames[m->cur], pos, (unsigned long long)st->t, (unsigned long long)pct, view_mode_name(st),
		 m->a.truncated ? " | TRUNCATED" : st->stopped ? " | stopped" : "");
}

void view_sys_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	static const char *const seg[] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};
	const struct rp_state *st = &m->st;
	title(g, r, " segments, control registers, descriptor tables");
	for (int i = 0; i < HVT_NSEGS && i + 1 < r.h; i++)
		grid_put(g, r.y + 1 + i, r.x, r.w / 2, VA_NORMAL, "%-4s %04x base %08llx limit %08x", seg[i],
			 st->seg[i].sel, (unsigned long long)st->seg[i].base, st->seg[i].limit);
	static const unsigned crs[] = {RP_CR0, RP_CR2, RP_CR3, RP_CR4, RP_EFER};
	int y = r.y + 1, x = r.x + r.w / 2 + 1;
	for (unsigned i = 0; i < 5 && y < r.y + r.h; i++, y++) {
		int ch = m->have_prev && m->prev.reg[crs[i]] != st->reg[crs[i]];
		grid_put(g, y, x, 0, ch ? VA_CHANGED : VA_NORMAL, "%-6s %016llx%s", rp_reg_name(crs[i]),
			 (unsigned long long)st->reg[crs[i]], ch ? "*" : "");
	}
	if (y < r.y + r.h)
		grid_put(g, y++, x, 0, VA_NORMAL, "gdtr   %llx limit %x", (unsigned long long)st->gdtr_base,
			 st->gdtr_limit);
	if (y < r.y + r.h)
		grid_put(g, y++, x, 0, VA_NORMAL, "idtr   %llx limit %x", (unsigned long long)st->idtr_base,
			 st->idtr_limit);
}

void view_regs_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	const struct rp_state *st = &m->st;
	int wide = st->mode == 64;
	unsigned list[RP_NREGS], n = 0;
	for (unsigned i = 0; i < (wide ? 16u : 8u); i++)
		list[n++] = i;
	list[n++] = RP_RIP;
	list[n++] = RP_RFLAGS;
	if (!wide) { /* room for the control registers */
		list[n++] = RP_CR0;
		list[n++] = RP_CR3;
		list[n++] = RP_CR4;
		list[n++] = RP_EFER;
	}
	title(g, r, wide ? " registers (* changed)" : " registers (* changed by the last move)");
	int cw = wide ? 22 : 20, cols = r.w / cw ? r.w / cw : 1;
	for (unsigned k = 0; k < n; k++) {
		int y = r.y + 1 + (int)k / cols, x = r.x + (int)(k % (unsigned)cols) * cw;
		if (y >= r.y + r.h)
			break;
		unsigned i = list[k];
		int ch = m->have_prev && m->prev.reg[i] != st->reg[i];
		char name[8];
		snprintf(name, sizeof(name), "%s", rp_reg_name(i));
		for (char *p = name; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		if (!wide && name[0] == 'r' && i <= RP_RFLAGS)
			name[0] = 'e'; /* eax, eip, eflags: the 32-bit view */
		if (wide && i == RP_RFLAGS) /* bits 22-63 are reserved (SDM Vol. 1, 3.4.3) */
			grid_put(g, y, x, cw, ch ? VA_CHANGED : VA_NORMAL, "%-6s %08llx%s", name,
				 (unsigned long long)(st->reg[i] & 0xffffffff), ch ? "*" : "");
		else if (wide)
			grid_put(g, y, x, cw, ch ? VA_CHANGED : VA_NORMAL, "%-3s %016llx%s", name,
				 (unsigned long long)st->reg[i], ch ? "*" : "");
		else
			grid_put(g, y, x, cw, ch ? VA_CHANGED : VA_NORMAL, "%-6s %08llx%s", name,
				 (unsigned long long)(st->reg[i] & 0xffffffff), ch ? "*" : "");
	}
}

void view_disasm_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	struct rp_insn in[64];
	unsigned n = 0, at = 0;
	int rows = r.h - 1 < 64 ? r.h - 1 : 64;
	unsigned before = (unsigned)rows / 3;
	title(g, r, " disassembly (> next, B breakpoint)");
	if (rp_disasm_around(view_sess(m), before, (unsigned)rows - before, in, &n, &at, NULL) < 0)
		return;
	for (unsigned i = 0; i < n && (int)i < rows; i++) {
		int bp = 0;
		for (unsigned k = 0; k < m->nbp; k++)
			bp |= m->bp[k] == in[i].la;
		int attr = i == at ? VA_CURRENT : i < at ? VA_DIM : bp ? VA_BREAK : VA_NORMAL;
		char mark = i == at ? '>' : ' ';
		grid_put(g, r.y + 1 + (int)i, r.x, r.w, attr, "%c%c %0*llx  %s %s", mark, bp ? 'B' : ' ',
			 m->st.mode == 64 ? 12 : 8, (unsigned long long)in[i].la, in[i].len ? in[i].mnemonic : "(bad)",
			 in[i].operands);
		if (i == at)
			grid_attr(g, r.y + 1 + (int)i, r.x, r.w, VA_CURRENT);
	}
}

/* ---- the exit timeline ------------------------------------------------------------------ */
struct row {
	uint64_t num, icount, rip;
	unsigned vm, reason, target;
	uint8_t type;
	char line[80];
};

static int keep(struct view_model *m, const struct hvt_event *e)
{
	if (e->type == HVT_REC_EXIT)
		return (m->filt_vm < 0 || e->vm == (unsigned)m->filt_vm) &&
		       (m->filt_reason < 0 || e->reason == (unsigned)m->filt_reason);
	if (m->filt_vm >= 0 || m->filt_reason >= 0)
		return 0;
	return (e->type == HVT_REC_SWITCH && m->a.nvms > 1) || e->type == HVT_REC_VM_STOP;
}

static void to_row(const struct hvt_event *e, struct row *w)
{
	w->num = e->num;
	w->icount = e->icount;
	w->vm = e->vm;
	w->type = e->type;
	w->reason = e->reason;
	w->target = e->target;
	w->rip = e->regs ? e->regs[RV_REG_RIP] : 0;
	w->line[0] = 0;
	if (e->type == HVT_REC_EXIT)
		view_exit_line(w->line, sizeof(w->line), e->reason, e->qual, e->gpa, e->regs);
	else if (e->type == HVT_REC_VM_STOP) {
		char nb[HVT_NAME_BUF];
		snprintf(w->line, sizeof(w->line), "%s", hvt_stop_text(e->stop_why, nb));
	}
}

/* Up to `above` kept events before event E (oldest first) into rows; returns the count. */
static int rows_before(struct view_model *m, uint64_t E, int above, struct row *rows)
{
	struct hvt_event e;
	struct row ring[64];
	int n = 0;
	for (uint64_t w = 64; above > 0; w *= 4) {
		uint64_t from = E > w ? E - w : 0;
		n = 0;
		if (hvt_cursor_seek(m->a.cu, from, NULL) != HVT_OK)
			return 0;
		while (hvt_cursor_next(m->a.cu, &e, NULL) == HVT_OK && e.num < E)
			if (keep(m, &e))
				to_row(&e, &ring[n++ % above]);
		if (n >= above || from == 0 || w > (1u << 18))
			break;
	}
	int k = n < above ? n : above;
	for (int i = 0; i < k; i++)
		rows[i] = ring[(n - k + i) % above];
	return k;
}

void view_exits_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	char t[160];
	char nb[HVT_NAME_BUF];
	int rows = r.h - 1;
	if (rows < 1)
		return;
	uint64_t E = m->st.next_exit != UINT64_MAX ? m->st.next_exit : m->a.nevents;
	snprintf(t, sizeof(t), " exits%s%s%s", m->filt_vm >= 0 || m->filt_reason >= 0 ? " (filtered: " : "",
		 m->filt_vm >= 0 ? "vm" : m->filt_reason >= 0 ? hvt_reason_name((unsigned)m->filt_reason, nb) : "",
		 m->filt_vm >= 0 || m->filt_reason >= 0 ? ")" : "");
	title(g, r, t);
	/* the rows depend on the event, the filter, the trace and the height only: kept from the
	 * last draw, so that stepping inside an exit interval reads no events (a sparse filter
	 * may scan 2 x 256K events for them) */
	static struct {
		uint64_t E;
		int fvm, freason, rows, n, cur;
		uint64_t serial;
		struct row list[64];
	} memo;
	struct row *list = memo.list;
	int n, cur = -1;
	if (memo.serial == m->a.serial && memo.E == E && memo.fvm == m->filt_vm && memo.freason == m->filt_reason &&
	    memo.rows == rows) {
		n = memo.n;
		cur = memo.cur;
	} else {
		int above = rows / 3 < 64 ? rows / 3 : 63;
		struct hvt_event e;
		n = rows_before(m, E, above, list);
		if (hvt_cursor_seek(m->a.cu, E, NULL) == HVT_OK)
			for (uint64_t k = 0; n < rows && n < 64 && k < (1u << 18) &&
					     hvt_cursor_next(m->a.cu, &e, NULL) == HVT_OK;
			     k++)
				if (keep(m, &e)) {
					if (cur < 0 && e.num >= E)
						cur = n;
					to_row(&e, &list[n++]);
				}
		memo.serial = m->a.serial;
		memo.E = E;
		memo.fvm = m->filt_vm;
		memo.freason = m->filt_reason;
		memo.rows = rows;
		memo.n = n;
		memo.cur = cur;
	}
	int lanes = m->a.nvms > 1 ? (int)m->a.nvms : 0;
	for (int i = 0; i < n; i++) {
		struct row *w = &list[i];
		int y = r.y + 1 + i, x = r.x;
		int mine = w->vm == m->a.ids[m->cur] && w->num == m->st.next_exit;
		int attr = mine ? VA_CURRENT : VA_NORMAL;
		x += grid_put(g, y, x, 2, attr, "%c ", mine ? '>' : i == cur ? '-' : ' ');
		for (int l = 0; l < lanes; l++) /* one lane per VM: o where this row's VM is */
			x += grid_put(g, y, x, 2, attr, "%c ", m->a.ids[l] == w->vm ? 'o' : '|');
		if (w->type == HVT_REC_SWITCH)
			grid_put(g, y, x, r.w - (x - r.x), VA_DIM, "%7llu  -- switch to VM %u --", (unsigned long long)w->num,
				 w->target);
		else if (w->type == HVT_REC_VM_STOP)
			grid_put(g, y, x, r.w - (x - r.x), VA_WARN, "%7llu  vm%u  VM stopped: %s", (unsigned long long)w->num,
				 w->vm, w->line);
		else
			grid_put(g, y, x, r.w - (x - r.x), attr, "%7llu  vm%u  %-16.16s %8llx  %s",
				 (unsigned long long)w->num, w->vm, hvt_reason_name(w->reason, nb),
				 (unsigned long long)w->rip, w->line);
		if (mine)
			grid_attr(g, y, r.x, r.w, VA_CURRENT);
		if (w->type == HVT_REC_EXIT && y < VIEW_MAP_ROWS) {
			m->rowmap[y].kind = 1;
			m->rowmap[y].v = w->num;
		}
	}
}

/* ---- why this exit, and what the hypervisor did --------------------------------------- */
/* Text over as many rows as it needs (broken at spaces); returns the next row. */
int view_wrap_cut(const char *s, int w)
{
	int n = (int)strlen(s);
	if (n > w) {
		n = w;
		while (n > 0 && s[n] != ' ')
			n--;
		if (n == 0)
			n = w;
	}
	return n;
}

int view_wrap(struct view_grid *g, int y, int end, struct rect r, const char *s)
{
	while (*s && y < end) {
		int n = view_wrap_cut(s, r.w);
		grid_put(g, y++, r.x, n, VA_NORMAL, "%s", s);
		s += n;
		while (*s == ' ')
			s++;
	}
	return y;
}

void view_why_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	struct rp_exit_detail d;
	char t[160], line[200], nb[HVT_NAME_BUF];
	int here = at_exit(&m->st);
	if (rp_exit_detail(view_sess(m), here ? 0 : -1, &d, NULL) != HVT_OK) {
		title(g, r, " why this exit");
		grid_put(g, r.y + 1, r.x, r.w, VA_DIM, "no exit yet: the VM has not exited before this point");
		return;
	}
	const struct hvt_step *x = &d.step;
	snprintf(t, sizeof(t), " %s exit %llu: %s (icount %llu)", here ? "at" : "last", (unsigned long long)x->num,
		 d.reason_name, (unsigned long long)x->icount);
	title(g, r, t);
	int y = r.y + 1, end = r.y + r.h;
	y = view_wrap(g, y, end, r, hvt_reason_describe(x->reason));
	view_exit_line(line, sizeof(line), x->reason, x->qual, x->gpa, x->regs);
	if (y < end && line[0])
		grid_put(g, y++, r.x, r.w, VA_NORMAL, "decoded: %s", line);
	/* the handler's effect on the registers */
	int k = snprintf(line, sizeof(line), "handler:");
	for (unsigned i = 0; i < HVT_NREGS && k < (int)sizeof(line) - 40; i++)
		if (i != RV_REG_RIP && x->after[i] != x->regs[i])
			k += snprintf(line + k, sizeof(line) - k, " %s %llx->%llx", hvt_reg_name(i, nb),
				      (unsigned long long)x->regs[i], (unsigned long long)x->after[i]);
	for (unsigned i = RV_POST_CR0; i < HVT_POST_NVALS && k < (int)sizeof(line) - 40; i++)
		if (x->post_mask >> i & 1)
			k += snprintf(line + k, sizeof(line) - k, " %s=%llx", hvt_post_name(i, nb),
				      (unsigned long long)x->post[i]);
	if (k == 8)
		snprintf(line + k, sizeof(line) - k, " no register changed");
	if (y < end)
		grid_put(g, y++, r.x, r.w, VA_NORMAL, "%s", line);
	for (unsigned i = 0; i < x->nmw && y < end - 1 && i < 2; i++)
		grid_put(g, y++, r.x, r.w, VA_NORMAL, "wrote guest memory: gpa %#llx, %u bytes",
			 (unsigned long long)x->mw[i].gpa, x->mw[i].len);
	if (d.has_inject && y < end)
		grid_put(g, y++, r.x, r.w, VA_NORMAL, "injected: vector %u (%s)%s", d.inject.vector,
			 hvt_intr_type_name(d.inject.type, nb), d.inject.has_error ? " with an error code" : "");
	if (y < end) {
		if (x->stopped)
			grid_put(g, y++, r.x, r.w, VA_WARN, "the VM stopped here: %s", hvt_stop_text(x->stop_why, nb));
		else if (x->insn_len)
			grid_put(g, y++, r.x, r.w, VA_NORMAL, "next entry: rip %#llx (advanced by %u)",
				 (unsigned long long)x->after[RV_REG_RIP], x->insn_len);
		else
			grid_put(g, y++, r.x, r.w, VA_NORMAL, "next entry: rip %#llx (not advanced)",
				 (unsigned long long)x->after[RV_REG_RIP]);
	}
}

void view_console_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	size_t len;
	const char *c = rp_console(view_sess(m), &len);
	char t[64];
	snprintf(t, sizeof(t), " console (%zu bytes)", len);
	title(g, r, t);
	/* the last r.h - 1 lines */
	int rows = r.h - 1;
	size_t start = len;
	int lines = 0;
	if (start && c[start - 1] == '\n')
		start--;
	while (start > 0 && lines < rows) {
		start--;
		if (c[start] == '\n' && ++lines == rows) {
			start++;
			break;
		}
	}
	/* lines numbered from the console's first, for p and the mouse */
	uint64_t line = 1;
	for (size_t i = 0; i < start; i++)
		line += c[i] == '\n';
	int y = r.y + 1;
	while (start < len && y < r.y + r.h) {
		const char *nl = memchr(c + start, '\n', len - start);
		size_t l = nl ? (size_t)(nl - (c + start)) : len - start;
		char s[512];
		hvt_sanitize(s, sizeof(s), c + start, l, 0);
		grid_put(g, y, r.x, r.w, VA_NORMAL, "%3llu %s", (unsigned long long)line, s);
		grid_attr(g, y, r.x, 3, VA_DIM);
		if (y < VIEW_MAP_ROWS) {
			m->rowmap[y].kind = 2;
			m->rowmap[y].v = line;
		}
		y++;
		line++;
		start += l + 1;
	}
}

void view_mem_draw(struct view_model *m, struct view_grid *g, struct rect r)
{
	char t[96];
	snprintf(t, sizeof(t), " memory at %s%#llx (* a byte the last move changed)", m->mem_phys ? "guest-physical " : "",
		 (unsigned long long)m->mem_addr);
	title(g, r, t);
	for (int i = 0; i + 1 < r.h && i < VIEW_MEM_ROWS; i++) {
		uint64_t a = m->mem_addr + 16u * (unsigned)i;
		const uint8_t *old = m->mem_before + 16 * i;
		uint8_t b[16];
		int st = m->mem_phys ? rp_read_phys(view_sess(m), a, b, 16) : rp_read_linear(view_sess(m), a, b, 16);
		int y = r.y + 1 + i, x = r.x, changed = 0;
		x += grid_put(g, y, x, 0, VA_NORMAL, "%012llx ", (unsigned long long)a);
		if (st != HVT_OK) {
			grid_put(g, y, x, 0, VA_DIM, " (not mapped)");
			continue;
		}
		for (int k = 0; k < 16; k++) {
			int ch = m->mem_before_ok[i] && old[k] != b[k];
			changed |= ch;
			x += grid_put(g, y, x, 0, VA_NORMAL, "%s", k == 8 ? "  " : " ");
			x += grid_put(g, y, x, 0, ch ? VA_CHANGED : VA_NORMAL, "%02x", b[k]);
		}
		int mark = x;
		x += grid_put(g, y, x, 0, VA_NORMAL, "  ");
		for (int k = 0; k < 16; k++)
			x += grid_put(g, y, x, 1, m->mem_before_ok[i] && old[k] != b[k] ? VA_CHANGED : VA_NORMAL, "%c",
				      b[k] >= 0x20 && b[k] < 0x7f ? b[k] : '.');
		if (changed)
			grid_put(g, y, mark, 1, VA_CHANGED, "*");
	}
}
