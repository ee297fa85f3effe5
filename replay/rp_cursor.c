/*
 * rp_cursor.c - one VM's trace as a sequence of steps: an exit together with the records the
 * hypervisor made while handling it (MEMWRITE, INJECT, VM_STOP follow their EXIT, see
 * tracer/trace_encode.h), or a VM_STOP outside an exit, or the end.
 *
 * The reader's event pointers live only until its next call, so everything is copied out; the
 * cursor keeps one event of lookahead to know where a step ends.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rp_priv.h"

static int fetch(struct rp_cursor *cu, struct hvt_err *err)
{
	if (cu->have_la || cu->at_end)
		return HVT_OK;
	int st = hvt_cursor_next(cu->hc, &cu->la, err);
	if (st == HVT_END) {
		cu->at_end = 1;
		return HVT_OK;
	}
	if (st < 0)
		return st;
	if (cu->la.regs)
		memcpy(cu->la_regs, cu->la.regs, sizeof(cu->la_regs));
	cu->la.regs = cu->la_regs;
	cu->have_la = 1;
	return HVT_OK;
}

int rp_cursor_seek(struct rp_cursor *cu, uint64_t num, struct hvt_err *err)
{
	cu->have_la = 0;
	cu->at_end = 0;
	int st = hvt_cursor_seek(cu->hc, num, err);
	if (st == HVT_END) {
		cu->at_end = 1;
		return HVT_OK;
	}
	return st < 0 ? st : HVT_OK;
}

static int keep_memwrite(struct rp_cursor *cu, struct rp_xrec *x, const struct hvt_event *ev, struct hvt_err *err)
{
	if (x->nmw == RP_MAX_MEMW)
		return hvt_err_set(err, RP_EUNSUPPORTED, HVT_NO_OFFSET, "event %llu: more than %d memory writes in one exit",
				   (unsigned long long)ev->num, RP_MAX_MEMW);
	unsigned i = x->nmw++;
	if (cu->mwcap[i] < ev->len) {
		uint8_t *p = realloc(cu->mwbuf[i], ev->len);
		if (!p)
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
		cu->mwbuf[i] = p;
		cu->mwcap[i] = ev->len;
	}
	if (ev->len) /* a 0-byte write has no buffer yet: memcpy(NULL, ...) is undefined */
		memcpy(cu->mwbuf[i], ev->data, ev->len);
	x->mw[i].gpa = ev->gpa;
	x->mw[i].len = ev->len;
	x->mw[i].data = cu->mwbuf[i];
	return HVT_OK;
}

int rp_cursor_next(struct rp_cursor *cu, struct rp_xrec *x, struct hvt_err *err)
{
	int st;
	memset(x, 0, offsetof(struct rp_xrec, mw));
	x->nmw = 0;
	x->has_inject = 0;
	x->stopped = 0;
	for (;;) {
		if ((st = fetch(cu, err)) < 0)
			return st;
		if (cu->at_end) {
			x->kind = HVT_REC_END;
			x->resume = hvt_reader_info(cu->r)->nevents;
			return RP_END;
		}
		struct hvt_event *ev = &cu->la;
		cu->have_la = 0;
		if (ev->type == HVT_REC_END) {
			x->kind = HVT_REC_END;
			x->num = ev->num;
			x->resume = ev->num;
			cu->at_end = 1;
			return RP_END;
		}
		if (ev->vm != cu->vm)
			continue;
		if (ev->type == HVT_REC_VM_STOP) {
			x->kind = HVT_REC_VM_STOP;
			x->num = ev->num;
			x->icount = ev->icount;
			x->stopped = 1;
			x->stop_why = ev->stop_why;
			x->stop_status = ev->status;
			x->stop_detail = ev->detail;
			x->resume = ev->num + 1;
			return HVT_OK;
		}
		if (ev->type != HVT_REC_EXIT)
			continue; /* VM_START (handled at open), NOTE, SWITCH, a stray record */
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
		break;
	}
	/*
	 * What happens to this VM before it runs again belongs to this step: the records its
	 * handler made (MEMWRITE, INJECT, VM_STOP follow the EXIT), and, with several VMs, an
	 * INJECT made when the scheduler hands it the CPU again (after other VMs' records and a
	 * SWITCH: a VM woken from HLT by its timer). The step ends at this VM's next EXIT.
	 */
	for (;;) {
		if ((st = fetch(cu, err)) < 0)
			return st;
		if (cu->at_end) {
			x->resume = hvt_reader_info(cu->r)->nevents;
			return HVT_OK;
		}
		struct hvt_event *ev = &cu->la;
		if (ev->type == HVT_REC_END || (ev->vm == cu->vm && (ev->type == HVT_REC_EXIT || ev->type == HVT_REC_VM_START))) {
			x->resume = ev->num;
			return HVT_OK;
		}
		cu->have_la = 0;
		if (ev->vm != cu->vm)
			continue; /* another VM's record, or a SWITCH away from this one */
		if (ev->type == HVT_REC_MEMWRITE) {
			if ((st = keep_memwrite(cu, x, ev, err)) < 0)
				return st;
		} else if (ev->type == HVT_REC_INJECT) {
			x->has_inject = 1;
			x->inject_info = ev->inject_info;
			x->inject_err = ev->inject_err;
		} else if (ev->type == HVT_REC_VM_STOP) {
			x->stopped = 1;
			x->stop_why = ev->stop_why;
			x->stop_status = ev->status;
			x->stop_detail = ev->detail;
		}
	}
}

void rp_cursor_free(struct rp_cursor *cu)
{
	hvt_cursor_close(cu->hc);
	cu->hc = NULL;
	for (unsigned i = 0; i < RP_MAX_MEMW; i++) {
		free(cu->mwbuf[i]);
		cu->mwbuf[i] = NULL;
		cu->mwcap[i] = 0;
	}
}
