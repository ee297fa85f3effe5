/*
 * replay_monitor.c - the replay stub's monitor commands (gdb's `monitor ...`, the qRcmd packet):
 * time travel by exits, instruction counts and percentages, what the current exit was, the last
 * write of an address, the CPU mode (read by gdb/retrovisor.py at every stop to set gdb's
 * architecture), and the VM gdb looks at. Every answer is text for gdb's console.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/x86_arch.h"

#include "replay_gdb.h"

static const char help[] =
	"Retrovisor replay monitor commands (positions move the current VM; gdb re-reads registers\n"
	"after each one through gdb/retrovisor.py):\n"
	"  help                     this list\n"
	"  where                    exit N of M, instruction count, percentage of the VM's run\n"
	"  goto exit N              to the N-th exit of this VM (1..M), before its effects\n"
	"  goto icount T            to the state after T instructions\n"
	"  goto P%                  to P percent of the VM's instructions\n"
	"  next-exit [REASON]       to the next exit (of that reason, e.g. CPUID, IO_INSTRUCTION)\n"
	"  prev-exit [REASON]       to the previous exit (of that reason)\n"
	"  catch [REASON|none]      continue and reverse-continue also stop at exits of REASON\n"
	"                           (before the hypervisor's effects); without REASON: the list\n"
	"  explain                  the exit at (or last before) this point: reason, what causes it\n"
	"                           (SDM section), qualification, what the hypervisor did\n"
	"  last-write ADDR          the last write of guest-physical byte ADDR before this point\n"
	"  mode                     the CPU mode here, the gdb architecture it needs, the one served\n"
	"  arch [auto|i8086|i386|i386:x86-64]  the target description served from now on (then\n"
	"                           `unset tdesc filename` makes gdb re-read it; retrovisor.py does)\n"
	"  vm [N]                   list the VMs, or look at VM N (its own position in time)\n";

struct text {
	char *p;
	size_t size, len;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (t->len < t->size) {
		int n = vsnprintf(t->p + t->len, t->size - t->len, fmt, ap);
		if (n > 0)
			t->len = t->len + (size_t)n < t->size ? t->len + (size_t)n : t->size - 1;
	}
	va_end(ap);
}

const char *rgdb_mode_name(const struct rp_state *st)
{
	if (!(st->reg[RP_CR0] & CR0_PE))
		return "real";
	return st->mode == 64 ? "long" : st->mode == 16 ? "protected16" : "protected";
}

/* The code size of CS (16, 32 or 64: CS.D, CS.L with EFER.LMA; SDM Vol. 3A, 3.4.5) decides. */
enum gdb_arch rgdb_mode_arch(const struct rp_state *st)
{
	return st->mode == 64 ? GDB_ARCH_X86_64 : st->mode == 32 ? GDB_ARCH_I386 : GDB_ARCH_I8086;
}

/* Index of the first exit of this VM at icount >= t (exits sorted by icount). */
static size_t exit_at_or_after(const struct rgdb_vm *v, uint64_t t)
{
	size_t lo = 0, hi = v->nexits;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v->exits[mid].icount < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void where(struct rgdb *g, struct rp_session *s, struct text *t)
{
	const struct rgdb_vm *v = &g->vm[g->cur];
	struct rp_state st;
	rp_get_state(s, &st);
	/* exits done: those with icount <= t (effects applied); one at icount t + 1 may be next */
	size_t done = exit_at_or_after(v, st.t + 1);
	bool at = done < v->nexits && st.next_exit == v->exits[done].num && v->exits[done].icount == st.t + 1;
	double pct = v->end_icount ? 100.0 * (double)st.t / (double)v->end_icount : 100.0;
	say(t, "VM %u (%s): %s exit %zu of %zu, icount %" PRIu64 " of %" PRIu64 " (%.2f%%), pc %#" PRIx64 ", %s mode\n",
	    v->id, v->name, at ? "at" : "after", at ? done + 1 : done, v->nexits, st.t, v->end_icount, pct, st.pc,
	    rgdb_mode_name(&st));
	if (st.next_exit != UINT64_MAX)
		say(t, "next exit: event %" PRIu64 " at icount %" PRIu64 "\n", st.next_exit, st.next_exit_icount);
}

static int go_exit(struct rgdb *g, struct rp_session *s, size_t i, struct text *t)
{
	struct hvt_err err = {0};
	const struct rgdb_vm *v = &g->vm[g->cur];
	if (i >= v->nexits) {
		say(t, "no such exit (this VM has %zu)\n", v->nexits);
		return -1;
	}
	if (rp_goto_exit(s, v->exits[i].num, &err) < 0) {
		say(t, "goto exit: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* next-exit / prev-exit [REASON] */
static void step_exit(struct rgdb *g, struct rp_session *s, int dir, const char *reason, struct text *t)
{
	const struct rgdb_vm *v = &g->vm[g->cur];
	struct rp_state st;
	rp_get_state(s, &st);
	int want = -1;
	if (reason && *reason) {
		want = hvt_reason_lookup(reason);
		if (want < 0) {
			say(t, "unknown exit reason '%s'\n", reason);
			return;
		}
	}
	/* At an exit (before its effects) the state is t = icount - 1: that exit is "here". */
	size_t here = exit_at_or_after(v, st.t + 1);
	bool at_exit = here < v->nexits && v->exits[here].icount == st.t + 1 && st.next_exit == v->exits[here].num;
	size_t i = dir > 0 ? (at_exit ? here + 1 : here) : here;
	for (;;) {
		if (dir < 0) {
			if (i == 0) {
				say(t, "no earlier exit%s\n", want >= 0 ? " of that reason" : "");
				return;
			}
			i--;
		} else if (i >= v->nexits) {
			say(t, "no later exit%s\n", want >= 0 ? " of that reason" : "");
			return;
		}
		if (want < 0 || v->exits[i].reason == (unsigned)want)
			break;
		if (dir > 0)
			i++;
	}
	if (go_exit(g, s, i, t) == 0)
		where(g, s, t);
}

static void explain(struct rp_session *s, struct text *t)
{
	struct hvt_err err = {0};
	struct rp_exit_detail d;
	struct rp_state st;
	rp_get_state(s, &st);
	/* at an exit (its instruction is the next to retire), that one; else the last one before,
	 * or, before the first exit, the next one */
	bool at = st.next_exit != UINT64_MAX && st.next_exit_icount == st.t + 1;
	int rc = rp_exit_detail(s, at ? 0 : -1, &d, &err);
	const char *which = at ? "at this point" : "last before this point";
	if (rc == RP_NOTFOUND && !at) {
		rc = rp_exit_detail(s, 0, &d, &err);
		which = "next (none before this point)";
	}
	if (rc == RP_NOTFOUND) {
		say(t, "this VM has no exit\n");
		return;
	}
	if (rc < 0) {
		say(t, "explain: %s\n", err.msg);
		return;
	}
	const struct hvt_step *sp = &d.step;
	say(t, "exit %s: event %" PRIu64 ", icount %" PRIu64 ", reason %s (%u), qualification %#" PRIx64 "\n", which,
	    sp->num, sp->icount, d.reason_name, sp->reason, sp->qual);
	say(t, "  %s\n", hvt_reason_describe(sp->reason)); /* what causes it, the list's words */
	say(t, "  at rip %#" PRIx64 "; the hypervisor advanced rip by %u", sp->regs[RV_REG_RIP], sp->insn_len);
	if (sp->post_mask) {
		say(t, ", set");
		for (unsigned b = 0; b < HVT_POST_NVALS; b++)
			if (sp->post_mask & (1u << b)) {
				char nb[32];
				say(t, " %s=%#" PRIx64, hvt_post_name(b, nb), sp->post[b]);
			}
	}
	say(t, "\n");
	if (d.has_io)
		say(t, "  I/O: %s port %#x, %u byte(s)%s%s\n", d.io.in ? "IN" : "OUT", d.io.port, d.io.size,
		    d.io.string ? ", string" : "", d.io.rep ? ", REP" : "");
	if (d.has_cr)
		say(t, "  control register access: CR%u, access type %u\n", d.cr.cr, d.cr.type);
	if (d.has_ept)
		say(t, "  EPT violation at guest-physical %#" PRIx64 "\n", sp->gpa);
	for (unsigned i = 0; i < sp->nmw; i++)
		say(t, "  wrote %u byte(s) at guest-physical %#" PRIx64 "\n", sp->mw[i].len, sp->mw[i].gpa);
	if (d.has_inject)
		say(t, "  injected vector %u at the next entry\n", d.inject.vector);
	if (sp->stopped) {
		char nb[40];
		say(t, "  the VM stopped here: %s\n", hvt_stop_text(sp->stop_why, nb));
	}
}

static void last_write(struct rp_session *s, const char *arg, struct text *t)
{
	char *end;
	uint64_t a = strtoull(arg, &end, 0);
	if (end == arg) {
		say(t, "usage: last-write ADDR (guest-physical)\n");
		return;
	}
	struct hvt_err err = {0};
	struct rp_write_info wi;
	int rc = rp_last_write(s, a, &wi, &err);
	if (rc == RP_NOTFOUND)
		say(t, "%#" PRIx64 " was not written since the VM started (initial memory)\n", a);
	else if (rc < 0)
		say(t, "last-write: %s\n", err.msg);
	else if (wi.by_hv == 1)
		say(t, "%#" PRIx64 " last written by the hypervisor for exit event %" PRIu64 " (icount %" PRIu64 ")\n", a,
		    wi.event, wi.t);
	else if (wi.by_hv == 2)
		say(t, "%#" PRIx64 " last written by event delivery (an interrupt or exception frame) at icount %" PRIu64
		       "\n", a, wi.t);
	else
		say(t, "%#" PRIx64 " last written at icount %" PRIu64 " by %s\n", a, wi.t, wi.text);
}

static void vm_cmd(struct rgdb *g, const char *arg, struct text *t)
{
	if (!*arg) {
		for (unsigned i = 0; i < g->nvms; i++)
			say(t, "%c VM %u (%s): thread %u, %zu exits%s\n", i == g->cur ? '*' : ' ', g->vm[i].id,
			    g->vm[i].name, i + 1, g->vm[i].nexits, g->vm[i].long_mode ? ", reaches long mode" : "");
		return;
	}
	unsigned id = (unsigned)strtoul(arg, NULL, 0);
	for (unsigned i = 0; i < g->nvms; i++)
		if (g->vm[i].id == id) {
			struct hvt_err err = {0};
			g->cur = i;
			if (!rgdb_session(g, &err)) {
				say(t, "vm %u: %s\n", id, err.msg);
				return;
			}
			say(t, "now VM %u (%s), gdb thread %u\n", id, g->vm[i].name, i + 1);
			return;
		}
	say(t, "no VM %u (monitor vm lists them)\n", id);
}

void rgdb_monitor(struct rgdb *g, const char *cmd, char *buf, size_t size)
{
	struct text t = {buf, size, 0};
	struct hvt_err err = {0};
	buf[0] = 0;
	while (*cmd == ' ')
		cmd++;
	struct rp_session *s = rgdb_session(g, &err);
	if (!s) {
		say(&t, "%s\n", err.msg);
		return;
	}
	char word[32] = "", arg1[64] = "", arg2[64] = "";
	sscanf(cmd, "%31s %63s %63s", word, arg1, arg2);
	if (!strcmp(word, "help") || !word[0]) {
		say(&t, "%s", help);
	} else if (!strcmp(word, "where")) {
		where(g, s, &t);
	} else if (!strcmp(word, "mode")) {
		struct rp_state st;
		rp_get_state(s, &st);
		/* one line, read by gdb/retrovisor.py: mode, the architecture it needs, the one served */
		say(&t, "mode: %s %s %s cr0=%#" PRIx64 " efer=%#" PRIx64 " cs=%#x cs.base=%#" PRIx64 " bits=%d\n",
		    rgdb_mode_name(&st), gdb_arch_bfd_name(rgdb_mode_arch(&st)), gdb_arch_bfd_name(g->arch),
		    st.reg[RP_CR0], st.reg[RP_EFER], st.seg[HVT_SEG_CS].sel, st.seg[HVT_SEG_CS].base, st.mode);
	} else if (!strcmp(word, "goto")) {
		size_t len = strlen(arg1);
		char *end;
		if (!strcmp(arg1, "exit")) {
			uint64_t n = strtoull(arg2, &end, 0);
			if (end == arg2 || n == 0) {
				say(&t, "usage: goto exit N (1..%zu)\n", g->vm[g->cur].nexits);
				return;
			}
			if (go_exit(g, s, (size_t)(n - 1), &t) == 0)
				where(g, s, &t);
		} else if (!strcmp(arg1, "icount") || (len && arg1[len - 1] == '%')) {
			uint64_t target;
			if (arg1[len - 1] == '%') {
				double p = strtod(arg1, &end);
				if (end == arg1 || p < 0 || p > 100) {
					say(&t, "usage: goto P%% (0..100)\n");
					return;
				}
				target = (uint64_t)(p / 100.0 * (double)g->vm[g->cur].end_icount);
			} else {
				target = strtoull(arg2, &end, 0);
				if (end == arg2) {
					say(&t, "usage: goto icount T\n");
					return;
				}
			}
			int rc = rp_goto_icount(s, target, &err);
			if (rc < 0)
				say(&t, "goto: %s\n", err.msg);
			else
				where(g, s, &t);
		} else {
			say(&t, "usage: goto exit N | goto icount T | goto P%%\n");
		}
	} else if (!strcmp(word, "next-exit") || !strcmp(word, "prev-exit")) {
		step_exit(g, s, word[0] == 'n' ? 1 : -1, arg1, &t);
	} else if (!strcmp(word, "catch")) {
		if (!strcmp(arg1, "none")) {
			g->ncatch = 0;
		} else if (arg1[0]) {
			int r = hvt_reason_lookup(arg1);
			if (r < 0) {
				say(&t, "unknown exit reason '%s'\n", arg1);
				return;
			}
			bool have = false;
			for (unsigned i = 0; i < g->ncatch; i++)
				have |= g->catch_reasons[i] == (unsigned)r;
			if (!have && g->ncatch < RGDB_MAX_POINTS)
				g->catch_reasons[g->ncatch++] = (unsigned)r;
		}
		say(&t, "catching exits:");
		for (unsigned i = 0; i < g->ncatch; i++) {
			char nb[40];
			say(&t, " %s", hvt_reason_name(g->catch_reasons[i], nb));
		}
		say(&t, "%s\n", g->ncatch ? "" : " none");
	} else if (!strcmp(word, "explain")) {
		explain(s, &t);
	} else if (!strcmp(word, "last-write")) {
		last_write(s, arg1, &t);
	} else if (!strcmp(word, "arch")) {
		/* the description served from now on; gdb must re-read it (unset tdesc filename) */
		int a = -1;
		for (int i = 0; i < GDB_NARCHS; i++)
			if (!strcmp(arg1, gdb_arch_bfd_name((enum gdb_arch)i)))
				a = i;
		if (!strcmp(arg1, "auto")) {
			struct rp_state st;
			rp_get_state(s, &st);
			a = rgdb_mode_arch(&st);
		}
		if (a >= 0)
			g->arch = (enum gdb_arch)a;
		else if (arg1[0])
			say(&t, "usage: arch [auto|i8086|i386|i386:x86-64]\n");
		say(&t, "arch %s\n", gdb_arch_bfd_name(g->arch));
	} else if (!strcmp(word, "vm")) {
		vm_cmd(g, arg1, &t);
	} else {
		say(&t, "unknown monitor command '%s' (monitor help lists them)\n", word);
	}
}
