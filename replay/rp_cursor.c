/*
 * rp_cursor.c - one VM's trace as a sequence of steps: an exit together with the records the
 * hypervisor made while handling it, a VM_STOP outside an exit, or the end. The trace library's
 * step iterator does the regrouping (tracer/hvt_steps.c, retrovisor/hvtrace.h section 5); this
 * is the session's handle on it.
 */
#include "rp_priv.h"

int rp_cursor_seek(struct rp_cursor *cu, uint64_t num, struct hvt_err *err)
{
	if (!cu->steps)
		return hvt_steps_open(&cu->steps, cu->r, cu->vm, num, err);
	return hvt_steps_seek(cu->steps, num, err);
}

int rp_cursor_next(struct rp_cursor *cu, struct hvt_step *x, struct hvt_err *err)
{
	int st = hvt_steps_next(cu->steps, x, err);
	return st == HVT_END ? RP_END : st;
}

void rp_cursor_free(struct rp_cursor *cu)
{
	hvt_steps_close(cu->steps);
	cu->steps = NULL;
	hvt_cursor_close(cu->hc);
	cu->hc = NULL;
}
