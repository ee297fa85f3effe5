/*
 * replay_target.c - the replay stub's answers (see replay_gdb.h): registers, memory, threads,
 * breakpoints and watchpoints, and time travel in both directions through rp_resume, with the
 * semantics rr's users know: resuming never stops at the starting point; a watchpoint going
 * backward stops before the instruction that wrote; the start and the end of history are the
 * replaylog:begin and replaylog:end stops (never an exit reply: gdb could not go back after
 * one); Ctrl-C cancels a long resume and returns to where it started. The past is read-only:
 * G, P, M and X get an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/hvtool.h"
#include "retrovisor/x86_arch.h"

#include "replay_gdb.h"

/* Error replies: gdb prints the number; errno-style as gdbserver's (EFAULT, EINVAL, EPERM). */
#define E_PERM "E01"
#define E_FAULT "E0e"
#define E_INVAL "E16"

/* ---- opening: the exit index and the layout -------------------------------------------- */
static int index_vm(struct hvt_reader *r, struct rgdb_vm *v, struct hvt_err *err)
{
	struct hvt_vm_state st0;
	if (hvt_vm_initial_state(r, v->id, &st0, NULL, err) == HVT_OK && (st0.efer & EFER_LME))
		v->long_mode = true;
	struct hvt_steps *steps;
	int rc = hvt_steps_open(&steps, r, v->id, 0, err);
	if (rc < 0)
		return rc;
	size_t cap = 0;
	struct hvt_step st;
	while ((rc = hvt_steps_next(steps, &st, err)) == HVT_OK || rc == HVT_END) {
		if (rc == HVT_END)
			break;
		if (st.icount > v->end_icount)
			v->end_icount = st.icount;
		if ((st.post_mask & HVT_POST_EFER) && (st.post[RV_POST_EFER] & EFER_LME))
			v->long_mode = true; /* EFER.LME set: with CR0.PG the VM is in long mode */
		if (!(st.kind & HVT_REC_EXIT))
			continue;
		if (v->nexits == cap) {
			cap = cap ? 2 * cap : 1024;
			struct rgdb_exit *n = realloc(v->exits, cap * sizeof(*n));
			if (!n) {
				hvt_steps_close(steps);
				return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory indexing exits");
			}
			v->exits = n;
		}
		v->exits[v->nexits++] = (struct rgdb_exit){st.num, st.icount, st.reason};
	}
	hvt_steps_close(steps);
	return rc < 0 ? rc : 0;
}

int rgdb_open(struct rgdb *g, const char *path, unsigned first_vm, int arch, struct hvt_err *err)
{
	unsigned ids[RGDB_MAX_VMS], n;
	char names[RGDB_MAX_VMS][32];
	memset(g, 0, sizeof(*g));
	g->path = path;
	int rc = rp_trace_vms(path, ids, names, RGDB_MAX_VMS, &n, err);
	if (rc < 0)
		return rc;
	if (!n)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "the trace has no VM");
	struct hvt_reader *r;
	if ((rc = hvt_reader_open(&r, path, err)) < 0)
		return rc;
	g->cur = n;
	for (unsigned i = 0; i < n; i++) {
		struct rgdb_vm *v = &g->vm[i];
		v->id = ids[i];
		hvt_sanitize_str(v->name, sizeof(v->name), names[i]); /* gdb shows it: text from a file */
		if ((rc = index_vm(r, v, err)) < 0) {
			hvt_reader_close(r);
			g->nvms = i + 1;
			rgdb_close(g);
			return rc;
		}
		if (v->id == first_vm)
			g->cur = i;
	}
	hvt_reader_close(r);
	g->nvms = n;
	if (g->cur == n) {
		rgdb_close(g);
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "the trace has no VM %u", first_vm);
	}
	g->last = (struct rsp_stop){.sig = RSP_SIGTRAP, .thread = g->cur + 1};
	struct rp_session *s = rgdb_session(g, err);
	if (!s)
		return err->code;
	struct rp_state st;
	rp_get_state(s, &st);
	g->arch = arch >= 0 ? (enum gdb_arch)arch : rgdb_mode_arch(&st);
	g->arch_forced = arch >= 0;
	g->first = g->cur;
	return 0;
}

void rgdb_close(struct rgdb *g)
{
	for (unsigned i = 0; i < g->nvms; i++) {
		if (g->vm[i].s)
			rp_close(g->vm[i].s);
		free(g->vm[i].exits);
	}
	g->nvms = 0;
}

void rgdb_reset(struct rgdb *g)
{
	struct hvt_err err = {0};
	g->npt = 0;
	g->ncatch = 0;
	for (unsigned i = 0; i < g->nvms; i++)
		if (g->vm[i].s)
			rp_goto_icount(g->vm[i].s, 0, &err);
	g->cur = g->first;
	g->last = (struct rsp_stop){.sig = RSP_SIGTRAP, .thread = g->cur + 1};
	struct rp_session *s = rgdb_session(g, &err);
	if (s && !g->arch_forced) {
		struct rp_state st;
		rp_get_state(s, &st);
		g->arch = rgdb_mode_arch(&st);
	}
}

struct rp_session *rgdb_session(struct rgdb *g, struct hvt_err *err)
{
	struct rgdb_vm *v = &g->vm[g->cur];
	if (!v->s) {
		struct rp_opts o = {.vm = v->id};
		if (rp_open(&v->s, g->path, &o, err) < 0)
			v->s = NULL;
	}
	return v->s;
}

/* ---- registers and memory -------------------------------------------------------------- */
static uint64_t reg_value(const struct rp_state *st, uint8_t src, bool *have)
{
	*have = true;
	if (src < RV_NREGS)
		return st->reg[src]; /* the replay's register file is in RV_REG_* order */
	switch (src) {
	case GDB_SRC_SEL_ES: return st->seg[HVT_SEG_ES].sel;
	case GDB_SRC_SEL_CS: return st->seg[HVT_SEG_CS].sel;
	case GDB_SRC_SEL_SS: return st->seg[HVT_SEG_SS].sel;
	case GDB_SRC_SEL_DS: return st->seg[HVT_SEG_DS].sel;
	case GDB_SRC_SEL_FS: return st->seg[HVT_SEG_FS].sel;
	case GDB_SRC_SEL_GS: return st->seg[HVT_SEG_GS].sel;
	case GDB_SRC_FS_BASE: return st->seg[HVT_SEG_FS].base;
	case GDB_SRC_GS_BASE: return st->seg[HVT_SEG_GS].base;
	case GDB_SRC_CR0: return st->reg[RP_CR0];
	case GDB_SRC_CR2: return st->reg[RP_CR2];
	case GDB_SRC_CR3: return st->reg[RP_CR3];
	case GDB_SRC_CR4: return st->reg[RP_CR4];
	case GDB_SRC_EFER: return st->reg[RP_EFER];
	}
	*have = false;
	return 0;
}

static void out_reg(struct rsp_out *o, const struct rp_state *st, const struct gdb_reg_desc *r)
{
	bool have;
	uint64_t v = reg_value(st, r->src, &have);
	if (have)
		rsp_out_le(o, v, r->bits / 8);
	else
		rsp_out_unavailable(o, r->bits / 8);
}

/* m, x: as much as is readable from la (linear, the same addresses Z uses); E0e if none. */
static size_t read_mem(struct rp_session *s, uint64_t la, uint8_t *buf, size_t len)
{
	if (rp_read_linear(s, la, buf, len) == 0)
		return len;
	size_t n = 0; /* a short read: byte by byte up to the first unmapped one */
	while (n < len && rp_read_linear(s, la + n, buf + n, 1) == 0)
		n++;
	return n;
}

/* ---- resuming -------------------------------------------------------------------------- */
static void on_progress(void *ctx, uint64_t t, uint64_t searched, uint64_t unused)
{
	struct rgdb *g = ctx;
	(void)t, (void)searched, (void)unused;
	if (g->poll_interrupt && g->poll_interrupt(g->poll_ctx))
		atomic_store(&g->cancel, 1);
}

/* Resume the current VM: dir +1/-1; step: one instruction (watchpoints still reported). */
static void resume(struct rgdb *g, int dir, bool step, struct rsp_stop *stop)
{
	struct hvt_err err = {0};
	struct rp_session *s = rgdb_session(g, &err);
	*stop = (struct rsp_stop){.sig = RSP_SIGTRAP, .thread = g->cur + 1};
	if (!s)
		return;
	uint64_t bp[RGDB_MAX_POINTS];
	struct rp_watch wp[RGDB_MAX_POINTS];
	unsigned bpi[RGDB_MAX_POINTS], wpi[RGDB_MAX_POINTS], nbp = 0, nwp = 0;
	for (unsigned i = 0; i < g->npt; i++) {
		const struct rgdb_point *p = &g->pt[i];
		if (p->type <= RSP_HWBREAK) {
			if (!step) {
				bpi[nbp] = i;
				bp[nbp++] = p->addr;
			}
		} else {
			static const enum rp_watch_kind kinds[] = {
				[RSP_WATCH_WRITE] = RP_WATCH_WRITE, [RSP_WATCH_READ] = RP_WATCH_READ,
				[RSP_WATCH_ACCESS] = RP_WATCH_ACCESS};
			wpi[nwp] = i;
			wp[nwp++] = (struct rp_watch){p->addr, p->len, kinds[p->type]};
		}
	}
	struct rp_state st;
	rp_get_state(s, &st);
	struct rp_stopset set = {.bp = bp, .nbp = nbp, .wp = wp, .nwp = nwp};
	if (!step) { /* monitor catch: exits of these reasons stop a continue, both ways */
		set.reasons = g->catch_reasons;
		set.nreasons = g->ncatch;
	}
	if (step) {
		if (dir < 0 && st.t == 0) {
			stop->reason = RSP_STOP_REPLAY_BEGIN;
			return;
		}
		set.has_icount = 1;
		set.icount = dir > 0 ? st.t + 1 : st.t - 1;
	}
	atomic_store(&g->cancel, 0);
	struct rp_control ctl = {.progress = on_progress, .ctx = g, .cancel = &g->cancel, .chunk = g->chunk};
	struct rp_stop_info info;
	int rc = rp_resume(s, &set, dir, &ctl, &info, &err);
	if (rc == RP_CANCELLED) {
		stop->sig = RSP_SIGINT;
		return;
	}
	if (rc == RP_END || rc == RP_NOTFOUND) {
		stop->reason = dir > 0 ? RSP_STOP_REPLAY_END : RSP_STOP_REPLAY_BEGIN;
		return;
	}
	if (rc < 0 || rc == RP_DIVERGED) { /* the replay cannot go on: say where it stands */
		fprintf(stderr, "hvreplay gdb: %s\n", rc < 0 ? err.msg : "the replay diverged from the recording");
		stop->reason = dir > 0 ? RSP_STOP_REPLAY_END : RSP_STOP_REPLAY_BEGIN;
		return;
	}
	if (info.kind == RP_STOPPED_BREAK && info.index < nbp) {
		enum rsp_point type = g->pt[bpi[info.index]].type;
		if (type == RSP_SWBREAK && g->swbreak)
			stop->reason = RSP_STOP_SWBREAK;
		else if (type == RSP_HWBREAK && g->hwbreak)
			stop->reason = RSP_STOP_HWBREAK;
	} else if (info.kind == RP_STOPPED_WATCH && info.index < nwp) {
		const struct rgdb_point *p = &g->pt[wpi[info.index]];
		stop->reason = p->type == RSP_WATCH_WRITE  ? RSP_STOP_WATCH
			       : p->type == RSP_WATCH_READ ? RSP_STOP_RWATCH
							   : RSP_STOP_AWATCH;
		/* the data address gdb matches against its watchpoints: inside the watched range */
		stop->addr = info.data_addr >= p->addr && info.data_addr < p->addr + p->len ? info.data_addr : p->addr;
	}
}

/* The first vCont action that applies to the current thread. */
static const struct rsp_vcont_action *vcont_action(const struct rgdb *g, const struct rsp_req *req)
{
	for (unsigned i = 0; i < req->nactions; i++)
		if (req->actions[i].thread == RSP_THREAD_ALL || req->actions[i].thread == (int64_t)g->cur + 1)
			return &req->actions[i];
	return NULL;
}

/* ---- points ---------------------------------------------------------------------------- */
static const char *insert_point(struct rgdb *g, const struct rsp_req *req)
{
	if (req->point >= RSP_WATCH_WRITE && (req->len < 1 || req->len > 8))
		return ""; /* a range rp_resume does not watch: gdb falls back to single-stepping */
	for (unsigned i = 0; i < g->npt; i++) /* idempotent (E.2, Z packets) */
		if (g->pt[i].type == req->point && g->pt[i].addr == req->addr && g->pt[i].len == req->len)
			return "OK";
	if (g->npt == RGDB_MAX_POINTS)
		return E_INVAL;
	g->pt[g->npt++] = (struct rgdb_point){req->point, req->addr, req->len};
	return "OK";
}

static const char *remove_point(struct rgdb *g, const struct rsp_req *req)
{
	for (unsigned i = 0; i < g->npt; i++)
		if (g->pt[i].type == req->point && g->pt[i].addr == req->addr &&
		    (g->pt[i].len == req->len || req->point <= RSP_HWBREAK)) {
			g->pt[i] = g->pt[--g->npt];
			return "OK";
		}
	return "OK";
}

/* ---- the answers ----------------------------------------------------------------------- */
static size_t stop_reply(struct rgdb *g, const struct rsp_stop *st, uint8_t *out, size_t cap)
{
	g->last = *st;
	return rsp_reply_stop(out, cap, st);
}

static bool thread_ok(const struct rgdb *g, int64_t t)
{
	return t == RSP_THREAD_ALL || t == RSP_THREAD_ANY || (t > 0 && t <= (int64_t)g->nvms);
}

bool rgdb_answer(struct rgdb *g, const struct rsp_req *req, uint8_t *out, size_t cap, size_t *out_len)
{
	struct hvt_err err = {0};
	struct rp_session *s = rgdb_session(g, &err);
	struct rp_state st;
	struct rsp_out o;
	struct rsp_stop stop;
	const char *text = "";
	char tmp[8192];
	bool keep = true;
	if (s)
		rp_get_state(s, &st);
	else
		memset(&st, 0, sizeof(st));
	switch (req->kind) {
	case RSP_REQ_UNKNOWN:
	case RSP_REQ_MUST_REPLY_EMPTY:
	case RSP_REQ_OFFSETS:
	case RSP_REQ_TSTATUS:
		break;
	case RSP_REQ_MALFORMED:
		text = E_INVAL;
		break;
	case RSP_REQ_WRITE_REGS:
	case RSP_REQ_WRITE_REG:
	case RSP_REQ_WRITE_MEM:
	case RSP_REQ_WRITE_MEM_BIN:
		text = E_PERM; /* the past is read-only */
		break;
	case RSP_REQ_SUPPORTED:
		g->swbreak = req->gdb_swbreak;
		g->hwbreak = req->gdb_hwbreak;
		snprintf(tmp, sizeof(tmp),
			 "PacketSize=%zx;QStartNoAckMode+;qXfer:features:read+;ReverseContinue+;ReverseStep+;"
			 "vContSupported+%s%s",
			 (size_t)RGDB_PACKET_SIZE, g->swbreak ? ";swbreak+" : "", g->hwbreak ? ";hwbreak+" : "");
		text = tmp;
		break;
	case RSP_REQ_START_NOACK:
	case RSP_REQ_SYMBOL:
		text = "OK";
		break;
	case RSP_REQ_XFER_FEATURES: {
		if (strcmp(req->text, "target.xml")) {
			text = "E00";
			break;
		}
		size_t len;
		const char *doc = gdb_tdesc_arch(g->arch, &len);
		*out_len = rsp_reply_xfer(out, cap, doc, len, req->addr, req->len);
		return true;
	}
	case RSP_REQ_HALT_REASON:
		*out_len = stop_reply(g, &g->last, out, cap);
		return true;
	case RSP_REQ_ATTACHED:
		text = "1"; /* attached: quitting gdb detaches instead of killing */
		break;
	case RSP_REQ_THREAD_FIRST:
		rsp_out_begin(&o, out, cap);
		rsp_out_char(&o, 'm');
		for (unsigned i = 0; i < g->nvms; i++) {
			if (i)
				rsp_out_char(&o, ',');
			rsp_out_u64(&o, i + 1);
		}
		*out_len = rsp_out_end(&o);
		return true;
	case RSP_REQ_THREAD_NEXT:
		text = "l";
		break;
	case RSP_REQ_CURRENT_THREAD:
		snprintf(tmp, sizeof(tmp), "QC%x", g->cur + 1);
		text = tmp;
		break;
	case RSP_REQ_THREAD_EXTRA:
		if (req->thread > 0 && req->thread <= (int64_t)g->nvms) {
			char desc[sizeof(g->vm[0].name) + 32];
			const struct rgdb_vm *v = &g->vm[req->thread - 1];
			snprintf(desc, sizeof(desc), "VM %u %s", v->id, v->name);
			rsp_out_begin(&o, out, cap);
			rsp_out_hexstr(&o, desc);
			*out_len = rsp_out_end(&o);
			return true;
		}
		text = E_INVAL;
		break;
	case RSP_REQ_THREAD_ALIVE:
		text = req->thread > 0 && req->thread <= (int64_t)g->nvms ? "OK" : "E01";
		break;
	case RSP_REQ_SET_THREAD:
		/* any thread is accepted (gdb sends Hg with the old thread after a reverse step) */
		if (!thread_ok(g, req->thread)) {
			text = "E01";
			break;
		}
		if (req->op == 'g' && req->thread > 0)
			g->cur = (unsigned)req->thread - 1;
		text = "OK";
		break;
	case RSP_REQ_READ_REGS: {
		unsigned n;
		const struct gdb_reg_desc *r = gdb_regs(gdb_arch_layout(g->arch), &n);
		rsp_out_begin(&o, out, cap);
		for (unsigned i = 0; i < n; i++)
			out_reg(&o, &st, &r[i]);
		*out_len = rsp_out_end(&o);
		return true;
	}
	case RSP_REQ_READ_REG: {
		unsigned n;
		const struct gdb_reg_desc *r = gdb_regs(gdb_arch_layout(g->arch), &n);
		if (req->reg >= n) {
			text = E_INVAL;
			break;
		}
		rsp_out_begin(&o, out, cap);
		out_reg(&o, &st, &r[req->reg]);
		*out_len = rsp_out_end(&o);
		return true;
	}
	case RSP_REQ_READ_MEM:
	case RSP_REQ_READ_MEM_BIN: {
		bool bin = req->kind == RSP_REQ_READ_MEM_BIN;
		/* what fits: hex doubles each byte, binary escapes at most double it */
		size_t max = (cap - 8) / 2, len = req->len < max ? (size_t)req->len : max;
		if (len > sizeof(tmp))
			len = sizeof(tmp);
		size_t n = s ? read_mem(s, req->addr, (uint8_t *)tmp, len) : 0;
		if (!n && len) { /* nothing readable (m, x: an error only then) */
			text = E_FAULT;
			break;
		}
		rsp_out_begin(&o, out, cap);
		if (bin) { /* gdb 16's x: 'b' then the bytes, so that no data is not the empty reply */
			rsp_out_char(&o, 'b');
			rsp_out_bin(&o, tmp, n);
		} else {
			rsp_out_hex(&o, tmp, n);
		}
		*out_len = rsp_out_end(&o);
		return true;
	}
	case RSP_REQ_INSERT_POINT:
		text = insert_point(g, req);
		break;
	case RSP_REQ_REMOVE_POINT:
		text = remove_point(g, req);
		break;
	case RSP_REQ_VCONT_QUERY:
		text = "vCont;c;C;s;S";
		break;
	case RSP_REQ_VCONT: {
		const struct rsp_vcont_action *a = vcont_action(g, req);
		if (!a || !(a->action == 'c' || a->action == 'C' || a->action == 's' || a->action == 'S')) {
			text = E_INVAL;
			break;
		}
		if (a->thread > 0 && a->thread <= (int64_t)g->nvms)
			g->cur = (unsigned)a->thread - 1;
		resume(g, 1, a->action == 's' || a->action == 'S', &stop);
		*out_len = stop_reply(g, &stop, out, cap);
		return true;
	}
	case RSP_REQ_CONTINUE:
	case RSP_REQ_STEP:
		if (req->has_addr) { /* resuming elsewhere would rewrite the past */
			text = E_PERM;
			break;
		}
		resume(g, 1, req->kind == RSP_REQ_STEP, &stop);
		*out_len = stop_reply(g, &stop, out, cap);
		return true;
	case RSP_REQ_REVERSE_CONTINUE:
	case RSP_REQ_REVERSE_STEP:
		resume(g, -1, req->kind == RSP_REQ_REVERSE_STEP, &stop);
		*out_len = stop_reply(g, &stop, out, cap);
		return true;
	case RSP_REQ_RCMD:
		rgdb_monitor(g, req->text, tmp, sizeof(tmp));
		if (!tmp[0]) {
			text = "OK";
			break;
		}
		rsp_out_begin(&o, out, cap);
		rsp_out_hexstr(&o, tmp);
		*out_len = rsp_out_end(&o);
		return true;
	case RSP_REQ_DETACH:
	case RSP_REQ_KILL:
		text = "OK";
		keep = false;
		break;
	}
	*out_len = rsp_reply(out, cap, text);
	return keep;
}
