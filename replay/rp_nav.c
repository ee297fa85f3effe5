/*
 * rp_nav.c - moving through the replay: to an exit, to an instruction count, one step either
 * way, forward or backward to an address, an exit or a memory write, and "who wrote this".
 *
 * Every backward move is a forward move from an earlier checkpoint: restore the last checkpoint
 * at or before the goal and play forward to it. Backward searches replay one checkpoint interval
 * at a time, newest first, remembering the last hit in each: the first interval with a hit
 * holds the answer.
 */
#include <stdio.h>
#include <string.h>

#include "retrovisor/x86_arch.h"
#include "rp_priv.h"

/* Writes to a watched guest-physical range (navigation only: this hook slows everything). */
static void hook_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value, void *user)
{
	struct rp_cpu *c = user;
	uint64_t pa = addr;
	(void)uc;
	(void)type;
	(void)value;
	if (c->raw)
		return;
	if ((rp_cpu_reg(c, RP_CR0) >> 31) && rp_mmu_translate(c, addr, &pa))
		return;
	if (pa + (uint64_t)size <= c->watch_lo || pa >= c->watch_hi)
		return;
	c->last_write_n = c->t_base + c->executed;
	c->last_write_pc = c->cur_pc;
	c->last_write_hv = 0;
	if (c->watch_write_stop) {
		if (c->stop == RP_STOP_NONE)
			c->stop = RP_STOP_WATCH;
		uc_emu_stop(c->uc);
	}
}

int rp_cpu_watch_writes(struct rp_cpu *c, int on, uint64_t lo, uint64_t hi)
{
	c->watch_lo = lo;
	c->watch_hi = hi;
	c->last_write_n = UINT64_MAX;
	if (on && !c->watch_write_on) {
		if (uc_hook_add(c->uc, &c->h_write, UC_HOOK_MEM_WRITE, (void *)hook_write, c, 1, 0) != UC_ERR_OK)
			return -1;
	} else if (!on && c->watch_write_on) {
		uc_hook_del(c->uc, c->h_write);
	}
	c->watch_write_on = on;
	/* translated code and the TLB were made without (or with) the hook */
	uc_ctl_flush_tlb(c->uc);
	rp_cpu_set_reg(c, RP_CR3, rp_cpu_reg(c, RP_CR3));
	return 0;
}


/* From the current point, or from a checkpoint when that is closer or we must go back. */
int rp_goto_icount(struct rp_session *s, uint64_t t, struct hvt_err *err)
{
	long i = rp_ckpt_find(&s->ck, t);
	if (i < 0)
		i = 0;
	if (s->diverged || t < s->t || (s->ck.v[i].t > s->t && !s->stopped)) {
		if (s->diverged && s->ck.v[i].t > s->div.icount)
			i = rp_ckpt_find(&s->ck, s->div.icount - 1);
		int st = rp_ckpt_restore(s, (size_t)(i < 0 ? 0 : i), err);
		if (st < 0)
			return st;
		s->diverged = 0;
	}
	return rp_play_to(s, t, err);
}

/* An event by number, through a second cursor over the reader (the first feeds the session). */
static int lookup(struct rp_session *s, uint64_t num, struct hvt_event *ev, struct hvt_err *err)
{
	int st;
	if (!s->look && (st = hvt_cursor_open(&s->look, s->r, err)) < 0)
		return st;
	if ((st = hvt_cursor_seek(s->look, num, err)) < 0)
		return st;
	if (st == HVT_END || (st = hvt_cursor_next(s->look, ev, err)) == HVT_END)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "no event %llu in this trace", (unsigned long long)num);
	return st;
}

int rp_goto_exit(struct rp_session *s, uint64_t num, struct hvt_err *err)
{
	struct hvt_event ev;
	int st = lookup(s, num, &ev, err);
	if (st < 0)
		return st;
	if (ev.type != HVT_REC_EXIT || ev.vm != s->opts.vm)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "event %llu is not an exit of VM %u",
				   (unsigned long long)num, s->opts.vm);
	uint64_t t = ev.icount ? ev.icount - 1 : 0;
	/* several exits can share an instruction count; land on this one */
	if ((st = rp_goto_icount(s, t, err)) != HVT_OK)
		return st;
	while ((st = rp_peek(s, err)) == HVT_OK && s->next.kind == HVT_REC_EXIT && s->next.num < num &&
	       s->next.icount == ev.icount) {
		if ((st = rp_play_to(s, s->t + (s->next.icount > s->t ? 1 : 0), err)) != HVT_OK)
			return st;
	}
	return st < 0 ? st : HVT_OK;
}

/*
 * One instruction back: restore the last checkpoint before t - 1 and replay from there. That
 * replay is cut in pieces, with a temporary checkpoint after each (rp_ckpt_take_near): the next
 * step back finds one within a piece, and its own replay subdivides that piece again. Pieces are
 * an eighth of the distance, never under RP_NEAR_INSNS: a first step back replays up to one
 * checkpoint spacing, each later one at most an eighth of the piece it falls in, down to
 * 8 * RP_NEAR_INSNS instructions at most (docs/replay.md, "Stepping back").
 */
#define RP_NEAR_INSNS 1024
static int step_back(struct rp_session *s, struct hvt_err *err)
{
	uint64_t t = s->t - 1;
	long i = rp_ckpt_find(&s->ck, t);
	if (s->diverged || i < 0 || t - s->ck.v[i].t <= RP_NEAR_INSNS)
		return rp_goto_icount(s, t, err);
	uint64_t from = s->ck.v[i].t, piece = (t - from) / 8;
	if (piece < RP_NEAR_INSNS)
		piece = RP_NEAR_INSNS;
	int st = rp_goto_icount(s, from, err);
	for (uint64_t at = from + piece; st == HVT_OK && at < t; at += piece) {
		if ((st = rp_play_to(s, at, err)) == HVT_OK && s->t == at)
			st = rp_ckpt_take_near(s, err);
	}
	return st == HVT_OK ? rp_play_to(s, t, err) : st;
}

int rp_step(struct rp_session *s, int dir, struct hvt_err *err)
{
	if (dir >= 0) {
		if (s->stopped)
			return RP_END;
		return rp_play_to(s, s->t + 1, err);
	}
	if (s->t == s->start.icount)
		return RP_END;
	return step_back(s, err);
}

static void watches_off(struct rp_session *s)
{
	s->cpu.watch_pc_on = 0;
	s->cpu.watch_record = 0;
	s->watch_exit_on = 0;
	if (s->cpu.watch_write_on)
		rp_cpu_watch_writes(&s->cpu, 0, 0, 0);
}

static int watches_on(struct rp_session *s, const struct rp_target *tg, int record)
{
	s->cpu.watch_t0 = s->t;
	s->cpu.watch_record = record;
	s->cpu.last_pc_t = UINT64_MAX;
	s->last_exit_t = UINT64_MAX;
	switch (tg->kind) {
	case RP_TO_ADDRESS:
		s->cpu.watch_pc = tg->a;
		s->cpu.watch_pc_on = 1;
		return 0;
	case RP_TO_EXIT:
		s->watch_exit_on = 1;
		s->watch_exit_reason = tg->reason;
		return 0;
	case RP_TO_WRITE:
		s->cpu.watch_write_stop = !record;
		return rp_cpu_watch_writes(&s->cpu, 1, tg->a, tg->a + (tg->len ? tg->len : 1));
	}
	return -1;
}

/* In record mode: the position of the last hit in the interval just replayed. */
static uint64_t last_hit(struct rp_session *s, const struct rp_target *tg)
{
	switch (tg->kind) {
	case RP_TO_ADDRESS:
		return s->cpu.last_pc_t;
	case RP_TO_EXIT:
		return s->last_exit_t;
	case RP_TO_WRITE:
		return s->cpu.last_write_n;
	}
	return UINT64_MAX;
}

static int run_forward(struct rp_session *s, const struct rp_target *tg, struct hvt_err *err)
{
	if (watches_on(s, tg, 0) < 0)
		return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "cannot install the watch");
	int st = rp_play_to(s, UINT64_MAX, err);
	watches_off(s);
	if (st == RP_HIT)
		return HVT_OK;
	if (st == HVT_OK || st == RP_END)
		return RP_NOTFOUND;
	return st;
}

/* Backward: replay [checkpoint, end) intervals, newest first, each in record mode. A write is
 * reported at the position after the writing instruction, like a forward search. */
static int run_backward(struct rp_session *s, const struct rp_target *tg, uint64_t *hit, struct hvt_err *err)
{
	uint64_t end = s->t;
	long i = rp_ckpt_find(&s->ck, end ? end - 1 : 0);
	int st;
	*hit = UINT64_MAX;
	for (; i >= 0; i--) {
		if ((st = rp_ckpt_restore(s, (size_t)i, err)) < 0)
			return st;
		uint64_t from = s->t;
		if (watches_on(s, tg, 1) < 0)
			return hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "cannot install the watch");
		s->cpu.watch_t0 = from ? from - 1 : 0; /* the interval's first position counts */
		if (tg->kind == RP_TO_EXIT)
			s->watch_exit_reason = tg->reason == -1 ? -2 : tg->reason;
		st = rp_play_to(s, end, err);
		uint64_t h = last_hit(s, tg);
		watches_off(s);
		if (st < 0)
			return st;
		/* strictly before where the search started (a write: at or before it) */
		if (h != UINT64_MAX && (h < end || (tg->kind == RP_TO_WRITE && h <= end))) {
			*hit = h;
			return HVT_OK;
		}
		end = from;
		if (from == 0)
			break;
	}
	return RP_NOTFOUND;
}

int rp_run_to(struct rp_session *s, const struct rp_target *tg, int dir, struct hvt_err *err)
{
	if (dir > 0)
		return run_forward(s, tg, err);
	uint64_t start = s->t, hit;
	int st = run_backward(s, tg, &hit, err);
	if (st == HVT_OK)
		return rp_goto_icount(s, hit, err);
	if (st == RP_NOTFOUND) {
		int r = rp_goto_icount(s, s->start.icount, err);
		(void)start;
		return r < 0 ? r : RP_NOTFOUND;
	}
	return st;
}

int rp_last_write(struct rp_session *s, uint64_t gpa, struct rp_write_info *wi, struct hvt_err *err)
{
	struct rp_target tg = {.kind = RP_TO_WRITE, .a = gpa, .len = 1};
	uint64_t here = s->t, hit;
	memset(wi, 0, sizeof(*wi));
	int st = run_backward(s, &tg, &hit, err);
	if (st == HVT_OK) {
		wi->t = hit;
		wi->pc = s->cpu.last_write_pc;
		wi->by_hv = s->cpu.last_write_hv;
		wi->event = s->last_write_ev;
	}
	int r = rp_goto_icount(s, here, err);
	if (r < 0)
		return r;
	if (st != HVT_OK)
		return st;
	if (wi->by_hv == 1) {
		snprintf(wi->text, sizeof(wi->text), "the hypervisor (memory write of exit event %llu)",
			 (unsigned long long)wi->event);
	} else if (wi->by_hv == 2) {
		snprintf(wi->text, sizeof(wi->text), "an interrupt or exception frame pushed by the CPU");
	} else {
		uint8_t code[16];
		if (rp_mmu_read(&s->cpu, wi->pc, code, sizeof(code)) ||
		    rp_disasm_one(code, sizeof(code), wi->pc, rp_cpu_mode(&s->cpu), wi->text, sizeof(wi->text)) <= 0)
			snprintf(wi->text, sizeof(wi->text), "%#llx", (unsigned long long)wi->pc);
	}
	return HVT_OK;
}

int rp_exit_near(struct rp_session *s, int dir, struct rp_exit_info *out, struct hvt_err *err)
{
	int st;
	memset(out, 0, sizeof(*out));
	if (dir > 0) {
		if (s->stopped)
			return RP_NOTFOUND;
		if ((st = rp_peek(s, err)) != HVT_OK)
			return st == RP_END ? RP_NOTFOUND : st;
		if (s->next.kind != HVT_REC_EXIT)
			return RP_NOTFOUND;
		out->num = s->next.num;
		out->icount = s->next.icount;
		out->reason = s->next.reason;
		out->rip = s->next.regs[RP_RIP];
		return HVT_OK;
	}
	struct rp_target tg = {.kind = RP_TO_EXIT, .reason = -1};
	uint64_t here = s->t, hit;
	st = run_backward(s, &tg, &hit, err);
	uint64_t ev = s->last_exit_ev;
	int r = rp_goto_icount(s, here, err);
	if (r < 0)
		return r;
	if (st != HVT_OK)
		return st;
	struct hvt_event e;
	if ((st = lookup(s, ev, &e, err)) < 0)
		return st;
	out->num = e.num;
	out->icount = e.icount;
	out->reason = e.reason;
	out->rip = e.regs ? e.regs[RP_RIP] : 0;
	return HVT_OK;
}

int rp_get_state(struct rp_session *s, struct rp_state *st)
{
	struct hvt_err err;
	memset(st, 0, sizeof(*st));
	st->t = s->t;
	rp_cpu_get_gprs(&s->cpu, st->reg);
	for (unsigned r = RP_CR0; r < RP_NREGS; r++)
		st->reg[r] = rp_cpu_reg(&s->cpu, r);
	for (unsigned i = 0; i < HVT_NSEGS; i++)
		rp_cpu_get_seg(&s->cpu, i, &st->seg[i]);
	uc_x86_mmr m = {0};
	uc_reg_read(s->cpu.uc, UC_X86_REG_GDTR, &m);
	st->gdtr_base = m.base;
	st->gdtr_limit = m.limit;
	uc_reg_read(s->cpu.uc, UC_X86_REG_IDTR, &m);
	st->idtr_base = m.base;
	st->idtr_limit = m.limit;
	st->mode = rp_cpu_mode(&s->cpu);
	st->pc = rp_cpu_pc(&s->cpu);
	st->stopped = s->stopped;
	st->next_exit = UINT64_MAX;
	if (!s->stopped && rp_peek(s, &err) == HVT_OK && s->next.kind == HVT_REC_EXIT) {
		st->next_exit = s->next.num;
		st->next_exit_icount = s->next.icount;
	}
	return HVT_OK;
}

int rp_read_phys(struct rp_session *s, uint64_t gpa, void *buf, size_t len)
{
	if (gpa > s->cpu.mem_size || len > s->cpu.mem_size - gpa)
		return HVT_EINVAL;
	memcpy(buf, s->cpu.mem + gpa, len);
	return HVT_OK;
}

int rp_read_linear(struct rp_session *s, uint64_t la, void *buf, size_t len)
{
	return rp_mmu_read(&s->cpu, la, buf, len) ? HVT_EINVAL : HVT_OK;
}

void rp_ckpt_stats(const struct rp_session *s, struct rp_ckpt_stats *st)
{
	st->count = s->ck.n;
	st->bytes = s->ck.bytes;
	st->budget = s->ck.budget;
	st->every_exits = s->ck.every_exits;
	st->every_insns = s->ck.every_insns;
	st->replayed = s->replayed;
}
