/*
 * view_who.c - "who set this?" for a register and for a byte, and the search.
 *
 * A byte: the engine's backward write watchpoint (rp_resume) stops before the instruction that
 * last wrote it; a write by the hypervisor (an exit's MEMWRITE) or by event delivery counts as a
 * write of the instruction that exited or was interrupted, and the exit panel then shows it.
 *
 * A register has no watchpoint in the engine, so the search scans: windows going back from the
 * current point (4096 instructions, doubling), each stepped forward, the last step that changed
 * the register winning. A step across an exit applies the handler's effects, so a change there
 * is the hypervisor's. Comparing values, a write of the same value is not a change.
 */
#include <string.h>
#include <strings.h>

#include "view.h"

#define WHO_SCAN_MAX (64u << 20) /* instructions examined before giving up (about a minute) */

static int reg_lookup(const char *name)
{
	char n[16];
	snprintf(n, sizeof(n), "%s", name);
	for (unsigned r = 0; r < RP_NREGS; r++)
		if (!strcasecmp(n, rp_reg_name(r)))
			return (int)r;
	if ((n[0] == 'e' || n[0] == 'E') && strlen(n) == 3) { /* eax: the low half of rax */
		n[0] = 'r';
		for (unsigned r = 0; r < RP_NREGS; r++)
			if (!strcasecmp(n, rp_reg_name(r)))
				return (int)r;
	}
	return -1;
}

/* Esc or Ctrl-C (the curses layer's poll, a signal): checked every mask + 1 calls. */
static int cancelled(struct view_model *m, uint64_t k, uint64_t mask)
{
	if ((k & mask) == 0 && m->poll)
		m->poll(m);
	return atomic_load(&m->cancel);
}

int view_who_reg(struct view_model *m, const char *name)
{
	struct rp_session *s = view_sess(m);
	struct hvt_err err;
	struct rp_state st;
	int r = reg_lookup(name);
	if (r < 0) {
		view_msg(m, 1, "who set: '%s' is not a register (rax .. r15, rip, rflags, cr0 .. efer)", name);
		return -1;
	}
	rp_get_state(s, &st);
	const uint64_t start = st.t, v = st.reg[r];
	uint64_t hi = start, w = 4096, scanned = 0;
	view_remember(m);
	/* windows [lo, hi) going back, each scanned forward: a seek costs about as much as a few
	 * hundred steps, a step under a microsecond (make bench) */
	for (;;) {
		uint64_t lo = hi > w ? hi - w : 0, hit = UINT64_MAX, ev = 0, oldv = 0, prevv;
		int by_exit = 0;
		if (rp_goto_icount(s, lo, &err) < 0)
			goto fail;
		rp_get_state(s, &st);
		prevv = st.reg[r];
		for (uint64_t t = lo; t < hi; t++) {
			if (cancelled(m, ++scanned, 0xffff) || scanned > WHO_SCAN_MAX)
				goto give_up;
			int exit_here = st.next_exit != UINT64_MAX && st.t + 1 == st.next_exit_icount;
			uint64_t exit_ev = st.next_exit;
			if (rp_step(s, 1, &err) != RP_OK)
				break;
			rp_get_state(s, &st);
			if (st.reg[r] != prevv) { /* the step retiring as t + 1 changed it */
				hit = st.t;
				by_exit = exit_here;
				ev = exit_ev;
				oldv = prevv;
			}
			prevv = st.reg[r];
		}
		if (hit != UINT64_MAX) {
			rp_goto_icount(s, hit - 1, &err);
			view_refresh(m);
			if (by_exit) {
				struct rp_exit_detail d;
				char nb[HVT_NAME_BUF];
				const char *rn = rp_exit_detail(s, 0, &d, NULL) == HVT_OK ? d.reason_name : "?";
				view_msg(m, 0, "%s: set by the hypervisor at exit %llu (%s): %#llx -> %#llx", name,
					 (unsigned long long)ev, rn, (unsigned long long)oldv, (unsigned long long)v);
				(void)nb;
			} else
				view_msg(m, 0, "%s: set by the instruction at %#llx (t=%llu), %#llx from there", name,
					 (unsigned long long)m->st.pc, (unsigned long long)hit, (unsigned long long)v);
			return 0;
		}
		if (lo == 0) {
			rp_goto_icount(s, 0, &err);
			view_refresh(m);
			view_msg(m, 0, "%s = %#llx since the VM started (its initial state)", name, (unsigned long long)v);
			return 0;
		}
		hi = lo;
		if (w < (1u << 20))
			w *= 2;
	}
give_up:
	atomic_store(&m->cancel, 0);
	rp_goto_icount(s, start, &err);
	view_refresh(m);
	view_msg(m, 0, "who set %s: %s", name,
		 scanned > WHO_SCAN_MAX ? "not found in the last 64M instructions" : "cancelled: the position is where it was");
	return 1;
fail:
	rp_goto_icount(s, start, NULL);
	view_refresh(m);
	view_msg(m, 1, "who set %s: %s", name, err.msg);
	return -1;
}

int view_who_byte(struct view_model *m, const char *addr)
{
	uint64_t la;
	if (view_parse_u64(addr, &la)) {
		view_msg(m, 1, "who wrote: '%s' is not an address", addr);
		return -1;
	}
	struct rp_watch w = {.la = la, .len = 1, .kind = RP_WATCH_WRITE};
	struct rp_stopset set = {.wp = &w, .nwp = 1};
	struct rp_stop_info si;
	struct hvt_err err;
	struct rp_control ctl = view_control(m);
	view_remember(m);
	int st = rp_resume(view_sess(m), &set, -1, &ctl, &si, &err);
	if (st == RP_CANCELLED)
		atomic_store(&m->cancel, 0);
	view_refresh(m);
	if (st == RP_OK && si.kind == RP_STOPPED_WATCH) {
		/* a write across an exit is the hypervisor's (MEMWRITE) or the delivery of the event it
		 * injected (the frame pushed on the stack), counted as the exiting instruction's */
		struct rp_exit_detail d;
		char by[96];
		snprintf(by, sizeof(by), "the instruction at %#llx", (unsigned long long)si.insn_pc);
		if (m->st.next_exit != UINT64_MAX && m->st.t + 1 == m->st.next_exit_icount &&
		    rp_exit_detail(view_sess(m), 0, &d, NULL) == HVT_OK) {
			if (d.step.nmw)
				snprintf(by, sizeof(by), "the hypervisor (a MEMWRITE of exit %llu)",
					 (unsigned long long)d.step.num);
			else if (d.has_inject)
				snprintf(by, sizeof(by), "delivering vector %u, injected at exit %llu", d.inject.vector,
					 (unsigned long long)d.step.num);
		}
		view_msg(m, 0, "byte %#llx: %#llx -> %#llx by %s, t=%llu", (unsigned long long)la,
			 (unsigned long long)si.old_value, (unsigned long long)si.new_value, by,
			 (unsigned long long)si.insn_t);
		return 0;
	}
	if (st == RP_END || st == RP_NOTFOUND)
		view_msg(m, 0, "byte %#llx: not written since the VM started (initial memory)", (unsigned long long)la);
	else if (st == RP_CANCELLED)
		view_msg(m, 0, "cancelled: the position is where it was");
	else
		view_msg(m, 1, "who wrote %#llx: %s", (unsigned long long)la, err.msg);
	return st;
}

/* ---- search ----------------------------------------------------------------------------- */
static int contains(const char *hay, size_t len, const char *needle, size_t from)
{
	size_t n = strlen(needle);
	for (size_t i = from; n && i + n <= len; i++)
		if (!memcmp(hay + i, needle, n))
			return 1;
	return 0;
}

/* Back to the exit that printed console byte `off` (already printed: off < the console's length
 * here): going back through the exits that can print (I/O, hypercalls), the first one whose
 * console before it is no longer than off is the one whose effects wrote that byte. */
static int printed_by(struct view_model *m, size_t off, struct rp_stop_info *si, struct hvt_err *err)
{
	struct rp_session *s = view_sess(m);
	unsigned rs[] = {EXIT_REASON_IO_INSTRUCTION, EXIT_REASON_VMCALL};
	struct rp_stopset set = {.reasons = rs, .nreasons = 2};
	struct rp_control ctl = view_control(m);
	for (uint64_t k = 0;; k++) {
		size_t l0;
		if (cancelled(m, k, 63))
			return RP_CANCELLED;
		int st = rp_resume(s, &set, -1, &ctl, si, err);
		if (st != RP_OK)
			return st;
		rp_console(s, &l0);
		if (l0 <= off)
			return RP_OK;
	}
}

/* The exit that prints `text` on the console, after (dir > 0) or before the current point. */
static int search_text(struct view_model *m, const char *text, int dir, struct rp_stop_info *si, struct hvt_err *err)
{
	struct rp_session *s = view_sess(m);
	unsigned rs[] = {EXIT_REASON_IO_INSTRUCTION, EXIT_REASON_VMCALL};
	struct rp_stopset set = {.reasons = rs, .nreasons = 2};
	struct rp_control ctl = view_control(m);
	size_t len, n = strlen(text), oend = 0;
	const char *con = rp_console(s, &len);
	if (dir < 0) { /* the last occurrence already printed: the exit that completed it */
		for (size_t i = 0; n && i + n <= len; i++)
			if (!memcmp(con + i, text, n))
				oend = i + n;
		return oend ? printed_by(m, oend - 1, si, err) : RP_NOTFOUND;
	}
	for (uint64_t k = 0;; k++) {
		if (cancelled(m, k, 63))
			return RP_CANCELLED; /* between hits: the caller goes back where it started */
		int st = rp_resume(s, &set, dir, &ctl, si, err);
		if (st != RP_OK)
			return st;
		size_t l0, l1;
		rp_console(s, &l0);
		if (rp_step(s, 1, err) < 0)
			return -1;
		con = rp_console(s, &l1);
		int hit = l1 > l0 && contains(con, l1, text, l0 + 1 > n ? l0 + 1 - n : 0);
		if (rp_step(s, -1, err) < 0)
			return -1;
		if (hit)
			return RP_OK;
	}
}

/* Console line `line` (from 1, as the console panel numbers them): the exit that printed its
 * first character. */
int view_console_line(struct view_model *m, uint64_t line)
{
	struct rp_stop_info si;
	struct hvt_err err = {0};
	size_t len, off = 0;
	const char *c = rp_console(view_sess(m), &len);
	for (uint64_t l = 1; l < line && off < len; off++)
		if (c[off] == '\n')
			l++;
	if (line == 0 || off >= len) {
		view_msg(m, 1, "console line %llu: the console has not printed it yet", (unsigned long long)line);
		return RP_NOTFOUND;
	}
	uint64_t t0 = m->st.t;
	view_remember(m);
	int st = printed_by(m, off, &si, &err);
	if (st != RP_OK)
		rp_goto_icount(view_sess(m), t0, NULL);
	if (st == RP_CANCELLED)
		atomic_store(&m->cancel, 0);
	view_refresh(m);
	if (st == RP_OK)
		view_msg(m, 0, "console line %llu starts with what this exit printed", (unsigned long long)line);
	else
		view_msg(m, st < 0, "console line %llu: %s", (unsigned long long)line,
			 st == RP_CANCELLED ? "cancelled" : st < 0 ? err.msg : "no exit printed it");
	return st;
}

static int search_port(struct view_model *m, uint64_t port, int dir, struct rp_stop_info *si, struct hvt_err *err)
{
	unsigned rs[] = {EXIT_REASON_IO_INSTRUCTION};
	struct rp_stopset set = {.reasons = rs, .nreasons = 1};
	struct rp_control ctl = view_control(m);
	struct rp_exit_detail d;
	for (uint64_t k = 0;; k++) {
		if (cancelled(m, k, 63))
			return RP_CANCELLED;
		int st = rp_resume(view_sess(m), &set, dir, &ctl, si, err);
		if (st != RP_OK)
			return st;
		if (rp_exit_detail(view_sess(m), 0, &d, err) == HVT_OK && d.has_io && d.io.port == port)
			return RP_OK;
	}
}

int view_search(struct view_model *m, const char *q, int dir)
{
	struct rp_session *s = view_sess(m);
	struct rp_stop_info si;
	struct hvt_err err = {0};
	struct rp_control ctl = view_control(m);
	struct rp_state st0;
	uint64_t v;
	int st, reason;
	rp_get_state(s, &st0);
	view_remember(m);
	if (!strncasecmp(q, "port ", 5) && !view_parse_u64(q + 5, &v))
		st = search_port(m, v, dir, &si, &err);
	else if (!strncasecmp(q, "addr ", 5) && !view_parse_u64(q + 5, &v)) {
		struct rp_stopset set = {.bp = &v, .nbp = 1};
		st = rp_resume(s, &set, dir, &ctl, &si, &err);
	} else if (!strncasecmp(q, "text ", 5))
		st = search_text(m, q + 5, dir, &si, &err);
	else if ((reason = hvt_reason_lookup(q)) >= 0) {
		unsigned r = (unsigned)reason;
		struct rp_stopset set = {.reasons = &r, .nreasons = 1};
		st = rp_resume(s, &set, dir, &ctl, &si, &err);
	} else
		st = search_text(m, q, dir, &si, &err);
	if (st != RP_OK) /* nothing found, cancelled or failed: back where the search started */
		rp_goto_icount(s, st0.t, NULL);
	if (st == RP_CANCELLED)
		atomic_store(&m->cancel, 0);
	view_refresh(m);
	if (st == RP_OK)
		view_msg(m, 0, "found '%s' at instruction %llu", q, (unsigned long long)m->st.t);
	else if (st == RP_END || st == RP_NOTFOUND)
		view_msg(m, 0, "'%s': not found %s", q, dir > 0 ? "after this point" : "before this point");
	else if (st == RP_CANCELLED)
		view_msg(m, 0, "cancelled: the position is where it was");
	else
		view_msg(m, 1, "search: %s", err.msg);
	return st;
}
