/*
 * hvt_steps.c - one VM's trace as a sequence of steps (retrovisor/hvtrace.h, section 5): an
 * exit together with the records the hypervisor made while handling it (MEMWRITE, INJECT,
 * VM_STOP follow their EXIT: tracer/trace_encode.h), or a VM_STOP outside an exit, or the end.
 *
 * The cursor's event pointers live only until its next call, so everything is copied out; the
 * iterator keeps one event of lookahead to know where a step ends.
 */
#include <stdlib.h>
#include <string.h>

#include "hvt_reader_priv.h"
#include "retrovisor/regs.h"

struct hvt_steps {
	struct hvt_cursor *cu;
	unsigned vm;
	struct hvt_event la; /* lookahead (its registers copied out below) */
	uint64_t la_regs[HVT_NREGS];
	int have_la, at_end;
	uint64_t last[HVT_NREGS]; /* the VM's registers after its last step */
	struct hvt_memwrite *mw;
	uint8_t **mwbuf;
	uint32_t *mwcap;
	unsigned nmw, capmw;
};

int hvt_steps_open(struct hvt_steps **out, struct hvt_reader *r, unsigned vm, uint64_t from, struct hvt_err *err)
{
	struct hvt_steps *s = calloc(1, sizeof(*s));
	int st;

	*out = NULL;
	if (!s)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	s->vm = vm;
	if ((st = hvt_cursor_open(&s->cu, r, err)) || (st = hvt_steps_seek(s, from, err))) {
		hvt_steps_close(s);
		return st;
	}
	*out = s;
	return HVT_OK;
}

void hvt_steps_close(struct hvt_steps *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->capmw; i++)
		free(s->mwbuf[i]);
	free(s->mwbuf);
	free(s->mwcap);
	free(s->mw);
	hvt_cursor_close(s->cu);
	free(s);
}

int hvt_steps_seek(struct hvt_steps *s, uint64_t from, struct hvt_err *err)
{
	s->have_la = 0;
	s->at_end = 0;
	int st = hvt_cursor_seek(s->cu, from, err);
	if (st == HVT_END) {
		s->at_end = 1;
		return HVT_OK;
	}
	return st < 0 ? st : HVT_OK;
}

static int fetch(struct hvt_steps *s, struct hvt_err *err)
{
	if (s->have_la || s->at_end)
		return HVT_OK;
	int st = hvt_cursor_next(s->cu, &s->la, err);
	if (st == HVT_END) {
		s->at_end = 1;
		return HVT_OK;
	}
	if (st < 0)
		return st;
	if (s->la.regs)
		memcpy(s->la_regs, s->la.regs, sizeof(s->la_regs));
	s->la.regs = s->la.regs ? s->la_regs : NULL;
	s->have_la = 1;
	return HVT_OK;
}

static int keep_memwrite(struct hvt_steps *s, const struct hvt_event *ev, struct hvt_err *err)
{
	if (s->nmw == s->capmw) {
		unsigned cap = s->capmw ? 2 * s->capmw : 4;
		struct hvt_memwrite *mw = realloc(s->mw, cap * sizeof(*mw));
		if (mw)
			s->mw = mw;
		uint8_t **bufs = realloc(s->mwbuf, cap * sizeof(*bufs));
		if (bufs)
			s->mwbuf = bufs;
		uint32_t *caps = realloc(s->mwcap, cap * sizeof(*caps));
		if (caps)
			s->mwcap = caps;
		if (!mw || !bufs || !caps)
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
		for (unsigned i = s->capmw; i < cap; i++) {
			s->mwbuf[i] = NULL;
			s->mwcap[i] = 0;
		}
		s->capmw = cap;
	}
	unsigned i = s->nmw++;
	if (s->mwcap[i] < ev->len) {
		uint8_t *p = realloc(s->mwbuf[i], ev->len);
		if (!p)
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
		s->mwbuf[i] = p;
		s->mwcap[i] = ev->len;
	}
	if (ev->len) /* a 0-byte write has no buffer yet: memcpy(NULL, ...) is undefined */
		memcpy(s->mwbuf[i], ev->data, ev->len);
	s->mw[i] = (struct hvt_memwrite){ .gpa = ev->gpa, .len = ev->len, .data = s->mwbuf[i] };
	return HVT_OK;
}

static void stop_from(struct hvt_step *x, const struct hvt_event *ev)
{
	x->stopped = 1;
	x->stop_why = ev->stop_why;
	x->stop_status = ev->status;
	x->stop_detail = ev->detail;
}

/* The end of this VM's events: the last known registers, the number after the last event. */
static int end_step(struct hvt_steps *s, struct hvt_step *x, uint64_t num)
{
	x->kind = HVT_REC_END;
	x->num = num;
	x->resume = num;
	memcpy(x->regs, s->last, sizeof(x->regs));
	memcpy(x->after, s->last, sizeof(x->after));
	return HVT_END;
}

int hvt_steps_next(struct hvt_steps *s, struct hvt_step *x, struct hvt_err *err)
{
	const uint64_t nevents = hvt_reader_info(s->cu->r)->nevents;
	int st;

	memset(x, 0, sizeof(*x));
	x->vm = s->vm;
	s->nmw = 0;
	for (;;) {
		if ((st = fetch(s, err)) < 0)
			return st;
		if (s->at_end)
			return end_step(s, x, nevents);
		struct hvt_event *ev = &s->la;
		s->have_la = 0;
		if (ev->type == HVT_REC_END) {
			s->at_end = 1;
			return end_step(s, x, ev->num);
		}
		if (ev->vm != s->vm)
			continue;
		if (ev->type == HVT_REC_VM_START && ev->regs)
			memcpy(s->last, ev->regs, sizeof(s->last));
		if (ev->type == HVT_REC_VM_STOP) {
			x->kind = HVT_REC_VM_STOP;
			x->num = ev->num;
			x->icount = ev->icount;
			x->resume = ev->num + 1;
			memcpy(x->regs, s->last, sizeof(x->regs));
			memcpy(x->after, s->last, sizeof(x->after));
			stop_from(x, ev);
			return HVT_OK;
		}
		if (ev->type != HVT_REC_EXIT)
			continue; /* VM_START, NOTE, SWITCH, a stray record */
		x->kind = HVT_REC_EXIT;
		x->num = ev->num;
		x->icount = ev->icount;
		x->reason = ev->reason;
		memcpy(x->regs, ev->regs, sizeof(x->regs));
		x->qual = ev->qual;
		x->gpa = ev->gpa;
		x->has_gpa = ev->has_gpa;
		x->post_mask = ev->post_mask;
		if (ev->post)
			memcpy(x->post, ev->post, sizeof(x->post));
		x->insn_len = ev->insn_len;
		/* the registers the VM resumes with (CR0/CR3/CR4/EFER stay in post) */
		memcpy(x->after, x->regs, sizeof(x->after));
		rv_post_apply(x->after, x->post_mask, x->post, x->insn_len);
		memcpy(s->last, x->after, sizeof(s->last));
		break;
	}
	/*
	 * What happens to this VM before it runs again belongs to this step: the records its
	 * handler made (MEMWRITE, INJECT, VM_STOP follow the EXIT), and, with several VMs, an
	 * INJECT made when the scheduler hands it the CPU again (after other VMs' records and a
	 * SWITCH: a VM woken from HLT by its timer). The step ends at this VM's next EXIT.
	 */
	for (;;) {
		if ((st = fetch(s, err)) < 0)
			return st;
		if (s->at_end) {
			x->resume = nevents;
			break;
		}
		struct hvt_event *ev = &s->la;
		if (ev->type == HVT_REC_END ||
		    (ev->vm == s->vm && (ev->type == HVT_REC_EXIT || ev->type == HVT_REC_VM_START))) {
			x->resume = ev->num;
			break;
		}
		s->have_la = 0;
		if (ev->vm != s->vm)
			continue; /* another VM's record, or a SWITCH away from this one */
		if (ev->type == HVT_REC_MEMWRITE) {
			if ((st = keep_memwrite(s, ev, err)) < 0)
				return st;
		} else if (ev->type == HVT_REC_POST && x->kind == HVT_REC_EXIT) {
			/* a debugger's registers: more of this exit's post-state, applied after it */
			x->post_mask |= ev->post_mask;
			for (uint32_t m = ev->post_mask; m; m &= m - 1)
				x->post[__builtin_ctz(m)] = ev->post[__builtin_ctz(m)];
			rv_post_apply(x->after, ev->post_mask, ev->post, 0);
			memcpy(s->last, x->after, sizeof(s->last));
		} else if (ev->type == HVT_REC_INJECT) {
			x->has_inject = 1;
			x->inject_info = ev->inject_info;
			x->inject_err = ev->inject_err;
		} else if (ev->type == HVT_REC_VM_STOP) {
			stop_from(x, ev);
		}
	}
	x->nmw = s->nmw;
	x->mw = s->mw;
	return HVT_OK;
}
