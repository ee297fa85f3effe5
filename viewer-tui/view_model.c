/*
 * view_model.c - opening traces, the position, the history of places, keys to commands.
 *
 * The position is the current VM's instruction count t (hvreplay.h): at an exit means t is the
 * exit's icount - 1, the registers at the exit, the hypervisor's effects not yet applied. Every
 * move goes through the engine (rp_step, rp_goto_exit, rp_resume, ...); the model only
 * remembers where it is and what the registers were before the last move.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/hvtool.h"
#include "retrovisor/x86_arch.h"
#include "view.h"

struct rp_session *view_sess(struct view_model *m)
{
	return rp_timeline_vm(m->a.tl, m->cur);
}

void view_msg(struct view_model *m, int warn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	m->msg_warn = warn;
}

void view_refresh(struct view_model *m)
{
	m->prev = m->st;
	m->have_prev = 1;
	rp_get_state(view_sess(m), &m->st);
}

/*
 * Of what hvview holds, only the replay engine's checkpoints grow with the part of the trace
 * replayed; nothing else is kept per exit (the trace index, in the timeline's reader and in the
 * exit list's, is 32 bytes a chunk of about 2,000 events; the console holds what the guest
 * printed). The engine's default budget, 256 MiB a VM, suits hvreplay's batch work; a 1 MiB
 * guest fills about 12 MiB of it per million exits, so a viewer on a long trace would grow for
 * 20 million exits. hvview gives each VM VIEW_CKPT_PER_MIB per MiB of the largest VM's memory,
 * at most the engine's default: a checkpoint's fixed cost is one pointer per page, so a larger
 * guest gets at least as many checkpoints as a 1 MiB one. Past the budget the engine drops
 * every second checkpoint and doubles the spacing (docs/replay.md, "Checkpoints"): on the
 * 10-million-exit storm, one checkpoint every 4,096 exits, a seek of a few milliseconds.
 */
#define VIEW_CKPT_PER_MIB (16ull << 20)

static uint64_t ckpt_budget(const char *path)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_vm_config cfg;
	unsigned ids[HVT_MAX_VMS];
	uint64_t mem = 0;
	if (hvt_reader_open(&r, path, &err) < 0)
		return 0; /* the timeline's open reports why */
	unsigned n = hvt_vm_ids(r, ids, HVT_MAX_VMS);
	for (unsigned i = 0; i < n && i < HVT_MAX_VMS; i++)
		if (hvt_vm_config(r, ids[i], &cfg, &err) == HVT_OK && cfg.mem_size > mem)
			mem = cfg.mem_size;
	hvt_reader_close(r);
	uint64_t mib = (mem + (1u << 20) - 1) >> 20;
	if (mib == 0)
		mib = 1;
	return mib >= RP_DEFAULT_BUDGET / VIEW_CKPT_PER_MIB ? RP_DEFAULT_BUDGET : mib * VIEW_CKPT_PER_MIB;
}

static int trace_open(struct view_trace *t, const char *path, struct hvt_err *err)
{
	static uint64_t serial;
	memset(t, 0, sizeof(*t));
	t->serial = ++serial;
	snprintf(t->path, sizeof(t->path), "%s", path);
	const char *base = strrchr(path, '/');
	hvt_sanitize_str(t->name, sizeof(t->name), base ? base + 1 : path);
	struct rp_opts o = {.ckpt_budget = ckpt_budget(path)};
	int st = rp_timeline_open(&t->tl, path, &o, err);
	if (st < 0)
		return st;
	t->nvms = rp_timeline_nvms(t->tl);
	if ((st = rp_trace_vms(path, t->ids, t->vmnames, HVT_MAX_VMS, &t->nvms, err)) < 0)
		return st;
	for (unsigned i = 0; i < t->nvms; i++) {
		char tmp[32];
		memcpy(tmp, t->vmnames[i], sizeof(tmp));
		tmp[31] = 0;
		hvt_sanitize_str(t->vmnames[i], sizeof(t->vmnames[i]), tmp);
	}
	if (t->nvms == 0)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "%s: no VM in this trace", t->name);
	if ((st = hvt_reader_open(&t->r, path, err)) < 0 || (st = hvt_cursor_open(&t->cu, t->r, err)) < 0)
		return st;
	const struct rp_info *in = rp_info(rp_timeline_vm(t->tl, 0));
	t->nevents = in->nevents;
	t->truncated = in->truncated;
	hvt_sanitize_str(t->truncation, sizeof(t->truncation), in->truncation);
	return HVT_OK;
}

static void trace_close(struct view_trace *t)
{
	if (t->cu)
		hvt_cursor_close(t->cu);
	if (t->r)
		hvt_reader_close(t->r);
	if (t->tl)
		rp_timeline_close(t->tl);
	memset(t, 0, sizeof(*t));
}

int view_open(struct view_model *m, const char *path, struct hvt_err *err)
{
	memset(m, 0, sizeof(*m));
	m->filt_vm = m->filt_reason = -1;
	int st = trace_open(&m->a, path, err);
	if (st < 0) {
		trace_close(&m->a);
		return st;
	}
	rp_get_state(view_sess(m), &m->st);
	if (m->a.truncated)
		view_msg(m, 1, "the trace is truncated: it opens up to where it stops (%s)", m->a.truncation);
	else
		view_msg(m, 0, "%s: %u VM%s, %llu events. ? for help, q to quit", m->a.name, m->a.nvms,
			 m->a.nvms == 1 ? "" : "s", (unsigned long long)m->a.nevents);
	return HVT_OK;
}

void view_close(struct view_model *m)
{
	trace_close(&m->a);
	trace_close(&m->b);
}

/* ---- places ----------------------------------------------------------------------------- */
static struct view_place here(struct view_model *m)
{
	return (struct view_place){m->cur, m->st.t};
}

void view_remember(struct view_model *m)
{
	struct view_place p = here(m);
	if (m->hpos > 0 && m->hist[m->hpos - 1].vm == p.vm && m->hist[m->hpos - 1].t == p.t)
		return;
	if (m->hpos == VIEW_HISTORY) {
		memmove(m->hist, m->hist + 1, sizeof(m->hist[0]) * (VIEW_HISTORY - 1));
		m->hpos--;
	}
	m->hist[m->hpos++] = p;
	m->nhist = m->hpos; /* a new place drops the places "forward" of it */
}

int view_goto_place(struct view_model *m, const struct view_place *p)
{
	struct hvt_err err;
	m->cur = p->vm;
	int st = rp_goto_icount(view_sess(m), p->t, &err);
	if (st < 0)
		view_msg(m, 1, "%s", err.msg);
	view_refresh(m);
	return st;
}

/* Event `event` of the trace: every VM as of it (rp_timeline_goto); the current VM becomes the
 * event's own VM when it is a VM's event. */
int view_goto_event(struct view_model *m, uint64_t event)
{
	struct hvt_err err;
	struct hvt_event ev;
	if (event >= m->a.nevents)
		event = m->a.nevents ? m->a.nevents - 1 : 0;
	int st = rp_timeline_goto(m->a.tl, event, &err);
	if (st < 0) {
		view_msg(m, 1, "%s", err.msg);
		return st;
	}
	if (hvt_cursor_seek(m->a.cu, event, NULL) == HVT_OK && hvt_cursor_next(m->a.cu, &ev, NULL) == HVT_OK &&
	    ev.type == HVT_REC_EXIT)
		for (unsigned i = 0; i < m->a.nvms; i++)
			if (m->a.ids[i] == ev.vm)
				m->cur = i;
	view_refresh(m);
	return HVT_OK;
}

/* ---- keys ------------------------------------------------------------------------------- */
static const char *prompt_label(enum view_prompt p)
{
	switch (p) {
	case VP_GOTO:
		return "go to (event, N%, tN): ";
	case VP_WHO_REG:
		return "who set register: ";
	case VP_WHO_BYTE:
		return "who wrote the byte at (linear): ";
	case VP_MEMORY:
		return "memory at (ADDR, pADDR): ";
	case VP_SEARCH:
		return "search: ";
	case VP_FILTER:
		return "filter (vm N, reason R, off): ";
	case VP_WATCH:
		return "watch writes to (ADDR [LEN]): ";
	case VP_PRINTED:
		return "go to the exit that printed console line: ";
	case VP_NONE:
		break;
	}
	return "";
}

const char *view_prompt_label(enum view_prompt p)
{
	return prompt_label(p);
}

static void prompt_key(struct view_model *m, int key)
{
	if (key == VK_ESC || key == VK_CTRL_C) {
		m->prompt = VP_NONE;
		view_msg(m, 0, "cancelled");
		return;
	}
	if (key == VK_ENTER || key == '\r') {
		enum view_prompt p = m->prompt;
		m->pbuf[m->plen] = 0;
		m->prompt = VP_NONE;
		m->msg[0] = 0;
		view_prompt_done(m, p, m->pbuf);
		return;
	}
	if (key == VK_BACKSPACE || key == 127 || key == 8) {
		if (m->plen)
			m->plen--;
		return;
	}
	if (key >= 0x20 && key < 0x7f && m->plen + 1 < sizeof(m->pbuf))
		m->pbuf[m->plen++] = (char)key;
}

/* Button 1 on an exit of the list goes to it; on a console line, to the exit that printed it. */
static void click(struct view_model *m)
{
	int y = m->click_y;
	if (m->screen != VS_MAIN || m->prompt != VP_NONE || y < 0 || y >= VIEW_MAP_ROWS)
		return;
	m->msg[0] = 0;
	if (m->rowmap[y].kind == 1) {
		view_remember(m);
		view_goto_event(m, m->rowmap[y].v);
	} else if (m->rowmap[y].kind == 2 && m->click_x >= m->console_x)
		view_console_line(m, m->rowmap[y].v);
}

void view_key(struct view_model *m, int key)
{
	if (key == VK_RESIZE)
		return;
	if (key == VK_CLICK) {
		view_mem_snapshot(m);
		click(m);
		return;
	}
	if (m->prompt != VP_NONE) {
		prompt_key(m, key);
		return;
	}
	if (m->screen == VS_HELP) { /* j/k scroll the list, any other key closes it */
		if (key == 'j' || key == VK_DOWN || key == ' ' || key == VK_PGDN)
			m->help_top += key == VK_PGDN || key == ' ' ? 10 : 1;
		else if (key == 'k' || key == VK_UP || key == VK_PGUP)
			m->help_top -= m->help_top < (key == VK_PGUP ? 10 : 1) ? m->help_top : (key == VK_PGUP ? 10 : 1);
		else
			m->screen = m->back_screen;
		return;
	}
	if (m->screen == VS_DIVERGENCE) { /* a list longer than a small window: j/k scroll it */
		unsigned by = key == VK_PGDN || key == VK_PGUP || key == ' ' ? 10 : 1;
		if (key == 'j' || key == VK_DOWN || key == ' ' || key == VK_PGDN) {
			m->div_top += by; /* view_div_draw clamps it to the list */
			return;
		}
		if (key == 'k' || key == VK_UP || key == VK_PGUP) {
			m->div_top -= m->div_top < by ? m->div_top : by;
			return;
		}
	}
	enum view_cmd c = view_key_cmd(key);
	if (m->screen == VS_DIVERGENCE || m->screen == VS_DIFF) {
		/* these screens show one moment; Enter (or any move) goes on in the main screen */
		if (c == VCMD_QUIT) {
			m->quit = 1;
			return;
		}
		if (c == VCMD_HELP) {
			m->back_screen = m->screen;
			m->screen = VS_HELP;
			return;
		}
		m->screen = VS_MAIN;
		if (key == VK_ENTER || key == VK_ESC || c == VCMD_NONE)
			return;
		m->msg[0] = 0;
	}
	m->msg[0] = 0;
	m->msg_warn = 0;
	view_mem_snapshot(m);
	view_run_command(m, c);
}

void view_start_prompt(struct view_model *m, enum view_prompt p)
{
	m->prompt = p;
	m->plen = 0;
}

/* The memory panel's bytes now: after the next command, the bytes it changed are highlighted. */
void view_mem_snapshot(struct view_model *m)
{
	if (!m->mem_on)
		return;
	for (unsigned i = 0; i < VIEW_MEM_ROWS; i++) {
		uint64_t a = m->mem_addr + 16u * i;
		uint8_t *b = m->mem_before + 16u * i;
		m->mem_before_ok[i] = (m->mem_phys ? rp_read_phys(view_sess(m), a, b, 16)
						   : rp_read_linear(view_sess(m), a, b, 16)) == HVT_OK;
	}
}

/* ---- small helpers ---------------------------------------------------------------------- */
int view_parse_u64(const char *s, uint64_t *v)
{
	char *end;
	while (*s == ' ')
		s++;
	if (!*s)
		return -1;
	*v = strtoull(s, &end, 0);
	while (*end == ' ')
		end++;
	return *end ? -1 : 0;
}

const char *view_mode_name(const struct rp_state *st)
{
	int pe = st->reg[RP_CR0] & CR0_PE, pg = (st->reg[RP_CR0] & CR0_PG) != 0;
	if (!pe)
		return st->mode == 32 ? "real (32-bit code)" : "real mode";
	if (st->mode == 64)
		return "long mode, paging";
	if (st->mode == 16)
		return pg ? "protected 16-bit, paging" : "protected 16-bit";
	return pg ? "protected, paging" : "protected, no paging";
}
