/*
 * rp_debug.c - resume until any of a set of stops (breakpoints, watchpoints, catchpoints, an
 * instruction count), forward or backward, in chunks that report progress and can be cancelled;
 * the exit at or next to the current point with its decoded detail.
 *
 * Both directions single-step (rp_step) with two memory hooks installed only for the duration
 * of a resume that has watchpoints, so `hvreplay verify` and rp_run pay nothing. Forward, the
 * single steps run only inside a window where something may have happened: the replay first runs
 * a window of up to RP_WINDOW instructions at full speed with the hook only noting that a watched
 * range was touched or a breakpoint's address reached (the counting hook compares, rp_cpu.c);
 * a window where nothing was noted, no watched value changed and nothing wrote guest
 * memory behind the guest's back is done, and any other is replayed again from its start one
 * step at a time, which finds the exact stop. Backward windows with only breakpoints and
 * watchpoints are checked the same way before they are stepped. Going backward
 * replays windows [lo, hi) ending where the search started, newest first, each from the nearest
 * checkpoint (rp_goto_icount), remembering the last hit in the window: the first window with a
 * hit holds the answer. Windows double in size, so a hit far back costs a few replays of the
 * distance, and a cancel returns within one chunk.
 */
#include <stdio.h>
#include <string.h>

#include "rp_priv.h"

/* Internal results, apart from every rp_status: a fast window to step through again; a step
 * that found no stop. */
#define AGAIN 100
#define GO_ON 101
#define RP_WINDOW 65536 /* instructions of a fast window */

struct dbg {
	struct rp_session *s;
	const struct rp_stopset *set;
	int fast;             /* inside a fast window: only note touches (touched) */
	int touched;          /* a watched range or a breakpoint address was reached */
	int hit;              /* index of the watchpoint the last step touched, or -1 */
	uint64_t addr;        /* the access's data address */
	enum rp_watch_kind access;
};

/* Unicorn passes the linear address of a data access (after segmentation, before paging). */
static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct dbg *d = user;
	enum rp_watch_kind k = type == UC_MEM_WRITE ? RP_WATCH_WRITE : RP_WATCH_READ;
	(void)uc;
	(void)value;
	if (d->s->cpu.raw || d->hit >= 0)
		return; /* the engine's own stubs are not the guest's accesses */
	for (unsigned i = 0; i < d->set->nwp; i++) {
		const struct rp_watch *w = &d->set->wp[i];
		if ((w->kind & k) && addr < w->la + (w->len ? w->len : 1) && addr + (uint64_t)size > w->la) {
			if (d->fast) {
				d->touched = 1;
				return;
			}
			d->hit = (int)i;
			d->addr = addr;
			d->access = k;
			return;
		}
	}
}

/* One memory hook for all watchpoints, over all addresses: hook_mem checks the ranges. */
static int hooks(struct rp_session *s, struct dbg *d, int on, uc_hook *h, struct hvt_err *err)
{
	if (!d->set->nwp)
		return HVT_OK;
	if (on && uc_hook_add(s->cpu.uc, h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)hook_mem, d, 1, 0))
		return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "cannot install the watchpoint hook");
	if (!on)
		uc_hook_del(s->cpu.uc, *h);
	/* translated code and the TLB were made without (or with) the hook: Unicorn decides at
	 * translation whether a block's accesses call memory hooks (UC_CTL_TB_FLUSH drops it all) */
	uc_ctl_flush_tlb(s->cpu.uc);
	return rp_cpu_flush_tlb(&s->cpu, err);
}

/* The watched ranges' values (up to 8 bytes each; ok[i] = 0 where unmapped). */
static void values(struct rp_session *s, const struct rp_stopset *set, uint64_t *v, int *ok)
{
	for (unsigned i = 0; i < set->nwp && i < 64; i++) {
		uint64_t len = set->wp[i].len ? set->wp[i].len : 1;
		v[i] = 0;
		ok[i] = len <= 8 && rp_read_linear(s, set->wp[i].la, &v[i], (size_t)len) == HVT_OK;
	}
}

/* After a step: did it touch a watchpoint? (The hook saw it, or a written range's value changed:
 * the hypervisor's MEMWRITE or a pushed event frame, which no guest access hook sees.) */
static int watch_hit(struct rp_session *s, struct dbg *d, const uint64_t *old, const int *oldok,
		     struct rp_stop_info *out)
{
	const struct rp_stopset *set = d->set;
	uint64_t now[64];
	int ok[64];
	if (!set->nwp)
		return 0;
	values(s, set, now, ok);
	int i = d->hit;
	for (unsigned j = 0; i < 0 && j < set->nwp && j < 64; j++)
		if ((set->wp[j].kind & RP_WATCH_WRITE) && oldok[j] && ok[j] && old[j] != now[j]) {
			i = (int)j;
			d->addr = set->wp[j].la;
			d->access = RP_WATCH_WRITE;
		}
	if (i < 0)
		return 0;
	out->kind = RP_STOPPED_WATCH;
	out->index = (unsigned)i;
	out->data_addr = d->addr;
	out->access = d->access;
	out->have_values = i < 64 && oldok[i] && ok[i];
	out->old_value = i < 64 ? old[i] : 0;
	out->new_value = i < 64 ? now[i] : 0;
	return 1;
}

/* At the current position: a breakpoint, the instruction count, or a caught exit next? */
static int stop_here(struct rp_session *s, const struct rp_stopset *set, struct rp_stop_info *out)
{
	struct hvt_err err;
	uint64_t pc = rp_cpu_pc(&s->cpu);
	for (unsigned i = 0; i < set->nbp; i++)
		if (set->bp[i] == pc) {
			out->kind = RP_STOPPED_BREAK;
			out->index = i;
			return 1;
		}
	if (set->has_icount && s->t == set->icount) {
		out->kind = RP_STOPPED_ICOUNT;
		return 1;
	}
	if (set->nreasons && !s->stopped && rp_peek(s, &err) == HVT_OK && s->next.kind == HVT_REC_EXIT &&
	    s->next.icount == s->t + 1)
		for (unsigned i = 0; i < set->nreasons; i++)
			if (set->reasons[i] == s->next.reason) {
				out->kind = RP_STOPPED_CATCH;
				out->index = i;
				out->event = s->next.num;
				out->reason = s->next.reason;
				return 1;
			}
	return 0;
}

static int check_cancel(struct rp_session *s, const struct rp_control *ctl, uint64_t done, uint64_t start,
			struct hvt_err *err)
{
	if (ctl && ctl->progress)
		ctl->progress(ctl->ctx, s->t, done, 0);
	if (!ctl || !ctl->cancel || !atomic_load(ctl->cancel))
		return HVT_OK;
	int st = rp_goto_icount(s, start, err);
	return st < 0 ? st : RP_CANCELLED;
}

/* One careful step: GO_ON, HVT_OK at a stop (out filled), or what rp_step returned. */
static int forward_step(struct rp_session *s, struct dbg *d, uint64_t *old, int *oldok, struct rp_stop_info *out,
			struct hvt_err *err)
{
	uint64_t p = s->t, pc = rp_cpu_pc(&s->cpu);
	values(s, d->set, old, oldok);
	d->hit = -1;
	int st = rp_step(s, 1, err);
	if (st != HVT_OK)
		return st;
	if (watch_hit(s, d, old, oldok, out)) {
		out->insn_t = p;
		out->insn_pc = pc;
		return HVT_OK;
	}
	return stop_here(s, d->set, out) ? HVT_OK : GO_ON;
}

/* Run [s->t, end) at full speed: AGAIN if it must be stepped again (something may have stopped
 * it inside), else what rp_play_to returned (HVT_OK at end, RP_END, RP_DIVERGED, an error). */
static int fast_window(struct rp_session *s, struct dbg *d, uint64_t end, struct hvt_err *err)
{
	uint64_t old[64], now[64], side = s->cpu.side_writes;
	int oldok[64], ok[64];
	values(s, d->set, old, oldok);
	d->touched = 0;
	d->hit = -1; /* the replay to the window's start may have seen one */
	d->fast = 1;
	s->cpu.bp_seen = 0;
	s->cpu.bps = d->set->bp;
	s->cpu.nbps = d->set->nbp;
	int st = rp_play_to(s, end, err);
	s->cpu.nbps = 0;
	d->fast = 0;
	if (st < 0)
		return st;
	if (d->touched || s->cpu.bp_seen || s->cpu.side_writes != side)
		return AGAIN;
	values(s, d->set, now, ok);
	for (unsigned i = 0; i < d->set->nwp && i < 64; i++)
		if (ok[i] != oldok[i] || now[i] != old[i])
			return AGAIN;
	return st;
}

/* The end of the next fast window from s->t, at most len long (never past a caught exit or the
 * icount stop). */
static uint64_t window_end(struct rp_session *s, const struct rp_stopset *set, uint64_t len)
{
	struct hvt_err err;
	uint64_t end = s->t + len;
	if (set->has_icount && set->icount > s->t && set->icount < end)
		end = set->icount;
	if (set->nreasons && rp_peek(s, &err) == HVT_OK && s->next.kind == HVT_REC_EXIT && s->next.icount - 1 < end)
		end = s->next.icount > s->t + 1 ? s->next.icount - 1 : s->t; /* at it: step over it */
	return end;
}

static int forward(struct rp_session *s, struct dbg *d, const struct rp_control *ctl, uint64_t chunk,
		   struct rp_stop_info *out, struct hvt_err *err)
{
	uint64_t start = s->t, old[64], done = 0, wend = s->t;
	int oldok[64], st;
	/* catchpoints make every exit a window edge (window_end). A caller that chose its chunk
	 * (ctl->chunk) is asked about cancelling at least that often (hvreplay.h): windows no longer
	 * than it; by default RP_WINDOW, and the cancel check follows each window. */
	int fast = !s->cpu.careful;
	uint64_t wlen = ctl && ctl->chunk && ctl->chunk < RP_WINDOW ? ctl->chunk : RP_WINDOW;
	for (uint64_t n = 1;; n++) {
		while (fast && s->t >= wend) {
			uint64_t from = s->t, end = window_end(s, d->set, wlen);
			if (end <= from + 1)
				break; /* a catch or the icount just ahead: step */
			if ((st = fast_window(s, d, end, err)) < 0 || st == RP_END)
				goto out;
			if (st == AGAIN || st == RP_DIVERGED) { /* step through it again (a stop may come
								    * before the divergence) */
				if ((st = rp_goto_icount(s, from, err)) != HVT_OK)
					goto out;
				wend = end;
				break;
			}
			done += end - from;
			if (stop_here(s, d->set, out)) {
				st = HVT_OK;
				goto out;
			}
			if (done >= chunk) {
				done = 0;
				if ((st = check_cancel(s, ctl, n, start, err)) != HVT_OK)
					goto out;
			}
			wend = s->t;
		}
		if ((st = forward_step(s, d, old, oldok, out, err)) != GO_ON)
			goto out;
		if (++done >= chunk) {
			done = 0;
			if ((st = check_cancel(s, ctl, n, start, err)) != HVT_OK)
				goto out;
		}
	}
out:
	return st;
}

static int backward(struct rp_session *s, struct dbg *d, const struct rp_control *ctl, uint64_t chunk,
		    struct rp_stop_info *out, struct hvt_err *err)
{
	uint64_t start = s->t, origin = s->start.icount, hi = start, win = chunk, done = 0, old[64];
	int oldok[64], st;
	while (hi > origin) {
		uint64_t lo = hi - origin > win ? hi - win : origin;
		struct rp_stop_info best = {.kind = RP_STOPPED_NONE}, here;
		if ((st = rp_goto_icount(s, lo, err)) != HVT_OK)
			return st < 0 ? st : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "cannot replay to %llu",
							   (unsigned long long)lo);
		/* breakpoints and watchpoints only: a window where nothing was noted at full speed
		 * has no stop (catchpoints and counts are found by the single steps) */
		if (!s->cpu.careful && !d->set->nreasons && !d->set->has_icount) {
			if ((st = fast_window(s, d, hi, err)) < 0)
				return st;
			if (st == HVT_OK && s->t == hi) {
				done += hi - lo;
				if (done >= chunk) {
					done = 0;
					if ((st = check_cancel(s, ctl, done, start, err)) != HVT_OK)
						return st;
				}
				hi = lo;
				if (win < (1ull << 22))
					win *= 2;
				continue;
			}
			if ((st = rp_goto_icount(s, lo, err)) != HVT_OK)
				return st < 0 ? st : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET,
								   "cannot replay to %llu", (unsigned long long)lo);
		}
		while (s->t < hi) {
			uint64_t p = s->t, pc = rp_cpu_pc(&s->cpu);
			memset(&here, 0, sizeof(here));
			if (stop_here(s, d->set, &here)) {
				here.t = p;
				best = here;
			}
			values(s, d->set, old, oldok);
			d->hit = -1;
			if ((st = rp_step(s, 1, err)) < 0 || st == RP_DIVERGED)
				return st;
			memset(&here, 0, sizeof(here));
			if (watch_hit(s, d, old, oldok, &here)) {
				here.t = here.insn_t = p;
				here.insn_pc = pc;
				best = here;
			}
			if (st == RP_END || s->t == p)
				break;
			if (++done % chunk == 0 && (st = check_cancel(s, ctl, done, start, err)) != HVT_OK)
				return st;
		}
		if (best.kind != RP_STOPPED_NONE) {
			if ((st = rp_goto_icount(s, best.t, err)) != HVT_OK)
				return st < 0 ? st : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "lost the hit");
			*out = best;
			if (out->kind == RP_STOPPED_CATCH)
				/* land on the exit itself when several share its instruction count */
				return rp_goto_exit(s, out->event, err);
			return HVT_OK;
		}
		hi = lo;
		if (win < (1ull << 22))
			win *= 2;
	}
	st = rp_goto_icount(s, origin, err);
	return st < 0 ? st : RP_END;
}

int rp_resume(struct rp_session *s, const struct rp_stopset *set, int dir, const struct rp_control *ctl,
	      struct rp_stop_info *out, struct hvt_err *err)
{
	struct dbg d = {.s = s, .set = set, .hit = -1};
	uc_hook h = 0;
	uint64_t chunk = ctl && ctl->chunk ? ctl->chunk : 4096;
	memset(out, 0, sizeof(*out));
	if (set->nwp > 64)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "at most 64 watchpoints");
	int st = hooks(s, &d, 1, &h, err);
	if (st < 0)
		return st;
	st = dir > 0 ? forward(s, &d, ctl, chunk, out, err) : backward(s, &d, ctl, chunk, out, err);
	int hs = hooks(s, &d, 0, &h, err);
	if (st == HVT_OK || st == RP_END || st == RP_CANCELLED) {
		if (st != HVT_OK)
			out->kind = RP_STOPPED_NONE;
		out->t = s->t;
		out->pc = rp_cpu_pc(&s->cpu);
	}
	return st < 0 ? st : hs < 0 ? hs : st;
}

int rp_exit_detail(struct rp_session *s, int dir, struct rp_exit_detail *out, struct hvt_err *err)
{
	struct rp_exit_info xi;
	int st;
	memset(out, 0, sizeof(*out));
	/* the exit about to be applied is the next one (rp_exit_near with dir > 0) */
	if ((st = rp_exit_near(s, dir >= 0 ? 1 : -1, &xi, err)) != HVT_OK)
		return st;
	uint64_t num = xi.num;
	if (!s->steps && (st = hvt_steps_open(&s->steps, s->r, s->opts.vm, num, err)) < 0)
		return st;
	if ((st = hvt_steps_seek(s->steps, num, err)) < 0 || (st = hvt_steps_next(s->steps, &out->step, err)) < 0)
		return st;
	if (st != HVT_OK || out->step.num != num || out->step.kind != HVT_REC_EXIT)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "exit %llu not found by the step iterator",
				   (unsigned long long)num);
	const struct hvt_step *x = &out->step;
	char nb[HVT_NAME_BUF];
	snprintf(out->reason_name, sizeof(out->reason_name), "%s", hvt_reason_name(x->reason, nb));
	out->has_io = hvt_decode_io(x->reason, x->qual, x->regs, &out->io);
	out->has_cr = hvt_decode_cr(x->reason, x->qual, x->regs, &out->cr);
	out->has_ept = x->has_gpa && hvt_decode_ept(x->reason, x->qual, x->gpa, &out->ept);
	if ((out->has_inject = x->has_inject))
		hvt_decode_intr(x->inject_info, x->inject_err, &out->inject);
	return HVT_OK;
}
