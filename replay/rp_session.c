/*
 * rp_session.c - a replay session: open one VM of a trace, and play it forward.
 *
 * Playing forward alternates two things. Between exits the guest runs on Unicorn for exactly
 * (icount - 1) - t instructions, which leaves it at the next exiting instruction (the recorded
 * icount includes that instruction). At the exit the registers are checked and the recorded
 * effects applied, which retires the exiting instruction: t = icount. Checkpoints are taken on
 * the way, at the spacing rp_ckpt.c keeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_priv.h"

static int load_memory(struct rp_session *s, struct hvt_err *err)
{
	const uint8_t *p = s->image, *end = s->image + s->image_len;
	while (p < end) {
		uint64_t gpa, len;
		if (end - p < 16)
			return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u memory section: run header cut short", s->opts.vm);
		memcpy(&gpa, p, 8);
		memcpy(&len, p + 8, 8);
		p += 16;
		if (len > (uint64_t)(end - p) || gpa > s->cpu.mem_size || len > s->cpu.mem_size - gpa)
			return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
					   "VM %u memory section: run of %llu bytes at %#llx does not fit", s->opts.vm,
					   (unsigned long long)len, (unsigned long long)gpa);
		memcpy(s->cpu.mem + gpa, p, len);
		p += len;
	}
	return HVT_OK;
}

static int load_section(struct rp_session *s, uint32_t type, void *dst, size_t size, uint8_t **whole, size_t *wlen,
			struct hvt_err *err)
{
	int i = hvt_reader_section_find(s->r, type, s->opts.vm);
	uint8_t *data;
	size_t len;
	if (i < 0)
		return 1;
	int st = hvt_reader_section_load(s->r, (uint32_t)i, 0, &data, &len, err);
	if (st < 0)
		return st;
	if (whole) {
		*whole = data;
		*wlen = len;
		return HVT_OK;
	}
	memset(dst, 0, size);
	memcpy(dst, data, len < size ? len : size);
	free(data);
	return HVT_OK;
}

/* The VM_START record: its number, and the state when there is no VM_STATE section. */
static int find_start(struct rp_session *s, int have_state, struct hvt_err *err)
{
	struct hvt_event ev;
	int st;
	if ((st = hvt_cursor_seek(s->cur.hc, 0, err)) < 0)
		return st;
	while ((st = hvt_cursor_next(s->cur.hc, &ev, err)) == HVT_OK) {
		if (ev.type == HVT_REC_VM_START && ev.vm == s->opts.vm) {
			s->start_event = ev.num;
			if (!have_state && ev.start)
				s->start = *ev.start;
			return HVT_OK;
		}
	}
	if (st < 0)
		return st;
	return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET, "VM %u never starts in this trace", s->opts.vm);
}

int rp_session_reset(struct rp_session *s, struct hvt_err *err)
{
	return rp_ckpt_restore(s, 0, err);
}

/* The UART's lines (hv/uart.c) make the console text, newlines put back. */
static void console_line(void *ctx, int vm, const char *text, uint32_t len, int newline)
{
	struct rp_session *s = ctx;
	(void)vm;
	rp_console_append(s, text, len);
	if (newline)
		rp_console_append(s, "\n", 1);
}

int rp_open(struct rp_session **out, const char *path, const struct rp_opts *opts, struct hvt_err *err)
{
	struct hvt_reader *r;
	int st;
	*out = NULL;
	if ((st = hvt_reader_open(&r, path, err)) < 0)
		return st;
	if ((st = rp_open_shared(out, r, opts, err)) < 0) {
		hvt_reader_close(r);
		return st;
	}
	(*out)->own_r = 1;
	return st;
}

int rp_open_shared(struct rp_session **out, struct hvt_reader *r, const struct rp_opts *opts, struct hvt_err *err)
{
	struct rp_session *s = calloc(1, sizeof(*s));
	const char *path = hvt_reader_name(r);
	int st;
	*out = NULL;
	if (!s)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	s->r = r;
	if (opts)
		s->opts = *opts;
	if (!s->opts.history)
		s->opts.history = 16;
	if (s->opts.history > RP_HISTORY_MAX)
		s->opts.history = RP_HISTORY_MAX;
	if ((st = hvt_cursor_open(&s->cur.hc, s->r, err)) < 0)
		goto fail;
	const struct hvt_reader_info *ri = hvt_reader_info(s->r);
	s->info.nevents = ri->nevents;
	s->info.truncated = ri->truncated;
	s->info.complete = !!(ri->hdr.flags & HVT_FILE_COMPLETE);
	if (ri->truncated || ri->damaged)
		snprintf(s->info.truncation, sizeof(s->info.truncation), "%s", ri->problem.msg);

	if ((st = load_section(s, HVT_SEC_VM_CONFIG, &s->cfg, sizeof(s->cfg), NULL, NULL, err)) != HVT_OK) {
		if (st > 0)
			st = hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: no VM %u in this trace", path, s->opts.vm);
		goto fail;
	}
	/* the rules every reader applies before trusting a configuration (memory bounded by what
	 * hvrun can create: a 4 KB trace must not make replay allocate 4 GiB) */
	if ((st = hvt_vm_config_check(&s->cfg, sizeof(s->cfg), s->opts.vm, err)) != HVT_OK)
		goto fail;
	snprintf(s->info.name, sizeof(s->info.name), "%.31s", s->cfg.name);
	s->info.mem_size = s->cfg.mem_size;
	int have_state = load_section(s, HVT_SEC_VM_STATE, &s->start, sizeof(s->start), NULL, NULL, err);
	if (have_state < 0) {
		st = have_state;
		goto fail;
	}
	if ((st = find_start(s, have_state == HVT_OK, err)) < 0)
		goto fail;
	st = load_section(s, HVT_SEC_VM_MEMORY, NULL, 0, &s->image, &s->image_len, err);
	if (st < 0)
		goto fail;
	if ((st = rp_cpu_open(&s->cpu, s->cfg.mem_size, err)) < 0)
		goto fail;
	{
		const char *e = getenv("RP_CAREFUL");
		s->cpu.careful = s->opts.careful || (e && *e && strcmp(e, "0") != 0);
	}
	if ((st = load_memory(s, err)) < 0 || (st = rp_boot(&s->cpu, &s->start, err)) < 0)
		goto fail;
	rp_fault_scan(&s->cpu, 0, s->cpu.mem_size);
	s->cur.r = s->r;
	s->cur.vm = s->opts.vm;
	uart_init(&s->uart, (int)s->opts.vm, NULL, 0, console_line, s);
	s->t = s->start.icount;
	s->resume = s->start_event + 1;
	if ((st = rp_cursor_seek(&s->cur, s->resume, err)) < 0 ||
	    (st = rp_ckpt_init(&s->ck, &s->opts, s->cpu.mem_size, err)) < 0 || (st = rp_ckpt_take(s, err)) < 0)
		goto fail;
	*out = s;
	return HVT_OK;
fail:
	rp_close(s);
	return st;
}

void rp_close(struct rp_session *s)
{
	if (!s)
		return;
	rp_ckpt_free(&s->ck);
	rp_cursor_free(&s->cur);
	rp_cpu_close(&s->cpu);
	hvt_steps_close(s->steps);
	hvt_cursor_close(s->look);
	if (s->r && s->own_r)
		hvt_reader_close(s->r);
	free(s->image);
	free(s->console);
	free(s);
}

int rp_trace_vms(const char *path, unsigned *ids, char (*names)[32], unsigned max, unsigned *n, struct hvt_err *err)
{
	struct hvt_reader *r;
	int st = hvt_reader_open(&r, path, err);
	*n = 0;
	if (st < 0)
		return st;
	for (uint32_t i = 0; i < hvt_reader_nsections(r) && *n < max; i++) {
		const struct hvt_section_info *si = hvt_reader_section(r, i);
		struct hvt_vm_config cfg;
		uint8_t *data;
		size_t len;
		if (si->type != HVT_SEC_VM_CONFIG)
			continue;
		if ((st = hvt_reader_section_load(r, i, 0, &data, &len, err)) < 0)
			break;
		memset(&cfg, 0, sizeof(cfg));
		memcpy(&cfg, data, len < sizeof(cfg) ? len : sizeof(cfg));
		free(data);
		ids[*n] = si->vm;
		if (names)
			snprintf(names[*n], 32, "%.31s", cfg.name);
		(*n)++;
	}
	hvt_reader_close(r);
	return st < 0 ? st : HVT_OK;
}

const struct rp_info *rp_info(const struct rp_session *s) { return &s->info; }
const struct rp_divergence *rp_divergence(const struct rp_session *s) { return s->diverged ? &s->div : NULL; }
uint64_t rp_exits_checked(const struct rp_session *s) { return s->exits_done; }

void rp_console_append(struct rp_session *s, const void *p, size_t n)
{
	if (s->console_len + n > s->console_cap) {
		size_t cap = s->console_cap ? s->console_cap : 4096;
		while (cap < s->console_len + n)
			cap *= 2;
		char *c = realloc(s->console, cap);
		if (!c)
			return;
		s->console = c;
		s->console_cap = cap;
	}
	memcpy(s->console + s->console_len, p, n);
	s->console_len += n;
}

const char *rp_console(const struct rp_session *s, size_t *len)
{
	*len = s->console_len;
	return s->console ? s->console : "";
}

int rp_peek(struct rp_session *s, struct hvt_err *err)
{
	if (s->have_next)
		return s->next.kind == HVT_REC_END ? RP_END : HVT_OK;
	int st = rp_cursor_next(&s->cur, &s->next, err);
	if (st < 0)
		return st;
	s->have_next = 1;
	return st;
}

uint64_t rp_resume_point(const struct rp_session *s)
{
	if (!s->have_next)
		return s->resume;
	return s->next.kind == HVT_REC_END ? s->next.resume : s->next.num;
}

static int maybe_checkpoint(struct rp_session *s, struct hvt_err *err)
{
	if (s->exits_done - s->last_ck_exits < s->ck.every_exits && s->t - s->last_ck_t < s->ck.every_insns)
		return HVT_OK;
	uint64_t saved = s->resume;
	s->resume = rp_resume_point(s);
	int st = rp_ckpt_take(s, err);
	s->resume = saved;
	return st;
}

/*
 * A run counted by blocks (rp_block.c) left the recorded path: it stopped for something other
 * than its budget (an access outside memory, an exiting instruction, ...), and where inside a
 * block that happened only the per-instruction path can tell. Play the stretch from t0 again
 * that way, from the last checkpoint before it, so that the stop (and the divergence report)
 * is the careful path's to the instruction. Rare: the replay ends there.
 */
static int rerun_careful(struct rp_session *s, uint64_t t0, uint64_t step, struct hvt_err *err)
{
	long i = rp_ckpt_find(&s->ck, t0);
	int was = s->cpu.careful, st;
	if (i < 0)
		return HVT_OK; /* no checkpoint to start from: keep the fast path's stop */
	s->cpu.careful = 1;
	st = rp_ckpt_restore(s, (size_t)i, err);
	if (st == HVT_OK)
		st = rp_play_to(s, t0, err);
	if (st == HVT_OK && s->t == t0) {
		s->cpu.t_base = s->t;
		st = rp_cpu_run(&s->cpu, step, err);
	} else if (st == HVT_OK) {
		st = hvt_err_set(err, RP_EUNICORN, HVT_NO_OFFSET, "replaying %llu again stopped at %llu",
				 (unsigned long long)t0, (unsigned long long)s->t);
	}
	s->cpu.careful = was;
	return st < 0 ? st : HVT_OK;
}

/* Run n instructions; a stop other than the budget is a divergence at exit x. */
static int run_insns(struct rp_session *s, const struct hvt_step *x, uint64_t n, struct hvt_err *err)
{
	while (n) {
		uint64_t step = n < s->ck.every_insns ? n : s->ck.every_insns, t0 = s->t;
		s->cpu.t_base = s->t;
		int st = rp_cpu_run(&s->cpu, step, err);
		if (st < 0)
			return st;
		if (s->cpu.fast && s->cpu.stop != RP_STOP_BUDGET && s->cpu.stop != RP_STOP_WATCH &&
		    (st = rerun_careful(s, t0, step, err)) < 0)
			return st;
		s->t += s->cpu.executed;
		s->replayed += s->cpu.executed;
		n -= s->cpu.executed;
		if (s->cpu.stop == RP_STOP_WATCH)
			return RP_HIT; /* the caller's watch hit: not an error */
		if (s->cpu.stop != RP_STOP_BUDGET) {
			if (!x)
				return RP_END;
			return rp_diverge(s, x, "execution", x->icount - 1, s->t,
					  "replay stopped after %llu instructions, %llu before the recorded %s exit: %s",
					  (unsigned long long)s->t,
					  (unsigned long long)(x->icount - 1 - s->t), rp_reason_name(x->reason),
					  s->cpu.stop_msg[0] ? s->cpu.stop_msg : "the CPU halted");
		}
		if ((st = maybe_checkpoint(s, err)) < 0)
			return st;
		/* a long stretch without exits (a VM without an instruction limit whose next exit
		 * is far ahead) reports progress between its pieces too; Ctrl-C ends hvreplay from
		 * its signal handler wherever it is */
		if (s->progress && x)
			s->progress(s->progress_ctx, s->t, x->num, s->info.nevents);
	}
	return HVT_OK;
}

int rp_play_to(struct rp_session *s, uint64_t target, struct hvt_err *err)
{
	int st;
	for (;;) {
		if (s->diverged)
			return RP_DIVERGED;
		if (s->stopped)
			return s->t == target ? HVT_OK : RP_END;
		if ((st = rp_peek(s, err)) < 0)
			return st;
		if (st == RP_END) {
			/* the trace stops (cut short, or END without VM_STOP): nothing is known after
			 * the last exit, so the replay ends there too */
			s->ended = 1;
			return s->t == target ? HVT_OK : RP_END;
		}
		struct hvt_step *x = &s->next;
		if (x->kind == HVT_REC_VM_STOP) {
			/* stopped outside an exit (e.g. a failed VM entry): it runs no further */
			s->stopped = 1;
			s->have_next = 0;
			s->resume = x->resume;
			continue;
		}
		if (x->icount < s->t)
			return rp_diverge(s, x, "icount", x->icount, s->t,
					  "exit at instruction %llu, but replay is already at instruction %llu",
					  (unsigned long long)x->icount, (unsigned long long)s->t);
		uint64_t at = x->icount > s->t ? x->icount - 1 : s->t;
		if (target < at) {
			return run_insns(s, x, target - s->t, err);
		}
		if ((st = run_insns(s, x, at - s->t, err)) != HVT_OK)
			return st;
		if (target == s->t && target < x->icount)
			return HVT_OK; /* at the exit, before its effects */
		if (s->cpu.watch_pc_on && s->t > s->cpu.watch_t0 && rp_cpu_pc(&s->cpu) == s->cpu.watch_pc) {
			if (!s->cpu.watch_record)
				return RP_HIT;
			s->cpu.last_pc_t = s->t;
		}
		if (s->cpu.nbps) { /* the exiting instruction runs as the exit, not in Unicorn */
			uint64_t pc = rp_cpu_pc(&s->cpu);
			for (unsigned i = 0; i < s->cpu.nbps; i++)
				if (pc == s->cpu.bps[i])
					s->cpu.bp_seen = 1;
		}
		if (s->watch_exit_on && (s->watch_exit_reason < 0 || (unsigned)s->watch_exit_reason == x->reason) &&
		    (s->t > s->cpu.watch_t0 || s->watch_exit_reason == -2)) {
			s->last_exit_t = s->t;
			s->last_exit_ev = x->num;
			if (!s->cpu.watch_record)
				return RP_HIT;
		}
		if ((st = rp_exit_check(s, x, err)) != HVT_OK)
			return st;
		if ((st = rp_exit_apply(s, x, err)) != HVT_OK)
			return st;
		if (s->cpu.watch_write_on)
			for (unsigned i = 0; i < x->nmw; i++)
				if (x->mw[i].gpa < s->cpu.watch_hi && x->mw[i].gpa + x->mw[i].len > s->cpu.watch_lo) {
					s->cpu.last_write_n = s->t;
					s->cpu.last_write_pc = 0;
					s->cpu.last_write_hv = 1;
					s->last_write_ev = x->num;
					if (s->cpu.watch_write_stop) {
						s->have_next = 0;
						s->resume = x->resume;
						return RP_HIT;
					}
				}
		s->have_next = 0;
		s->resume = x->resume;
		if (s->progress && (s->exits_done & 1023) == 0)
			s->progress(s->progress_ctx, s->t, x->num, s->info.nevents);
		if ((st = maybe_checkpoint(s, err)) < 0)
			return st;
	}
}

/* After a divergence: replay the last instructions before it again, recording their PCs. */
static void collect_history(struct rp_session *s)
{
	struct hvt_err err;
	uint64_t tdiv = s->t;
	unsigned h = s->opts.history;
	struct rp_divergence d = s->div;
	uint64_t from = tdiv > h ? tdiv - h : 0;
	long i = rp_ckpt_find(&s->ck, from);
	s->diverged = 0;
	if (i < 0 || rp_ckpt_restore(s, (size_t)i, &err) < 0 || rp_play_to(s, from, &err) != HVT_OK) {
		s->diverged = 1;
		s->div = d;
		return;
	}
	s->cpu.hist_on = 1;
	s->cpu.hist_n = s->cpu.hist_pos = 0;
	rp_play_to(s, tdiv, &err);
	s->cpu.hist_on = 0;
	s->diverged = 1;
	s->div = d;
	unsigned n = s->cpu.hist_n;
	if (n > h)
		n = h;
	for (unsigned k = 0; k < n; k++) {
		unsigned idx = (s->cpu.hist_pos + RP_HISTORY_MAX - n + k) % RP_HISTORY_MAX;
		uint8_t code[16];
		s->div.hist[k].t = s->cpu.hist_t[idx];
		s->div.hist[k].pc = s->cpu.hist_pc[idx];
		size_t got = rp_mmu_read(&s->cpu, s->cpu.hist_pc[idx], code, 16) ? 0 : 16;
		if (!got || rp_disasm_one(code, got, s->cpu.hist_pc[idx], rp_cpu_mode(&s->cpu), s->div.hist[k].text,
					  sizeof(s->div.hist[k].text)) <= 0)
			snprintf(s->div.hist[k].text, sizeof(s->div.hist[k].text), "%#llx: (not readable)",
				 (unsigned long long)s->cpu.hist_pc[idx]);
	}
	s->div.nhist = n;
}

int rp_run(struct rp_session *s, rp_progress_fn progress, void *ctx, struct hvt_err *err)
{
	s->progress = progress;
	s->progress_ctx = ctx;
	int st = rp_play_to(s, UINT64_MAX, err);
	s->progress = NULL;
	if (st == RP_DIVERGED)
		collect_history(s);
	if (st == HVT_OK)
		st = RP_END;
	return st;
}
