/*
 * hvt_diff.c - are two events the same? The one comparison `hvtrace diff` and hvview's
 * two-recordings screen use to find where two runs of a guest part ways.
 *
 * Events are compared field by field: type, VM, instruction count; for exits the reason, all
 * registers, qualification, gpa, post-state and instruction length; payloads for the rest.
 */
#include <string.h>

#include "retrovisor/hvtrace.h"

int hvt_event_same(const struct hvt_event *a, const struct hvt_event *b)
{
	if (a->type != b->type || a->vm != b->vm || a->icount != b->icount)
		return 0;
	switch (a->type) {
	case HVT_REC_EXIT:
		if (a->reason != b->reason || a->qual != b->qual || a->has_gpa != b->has_gpa || a->gpa != b->gpa ||
		    a->insn_len != b->insn_len || a->post_mask != b->post_mask ||
		    memcmp(a->regs, b->regs, HVT_NREGS * sizeof(uint64_t)))
			return 0;
		for (unsigned i = 0; i < HVT_POST_NVALS; i++)
			if ((a->post_mask >> i & 1) && a->post[i] != b->post[i])
				return 0;
		return 1;
	case HVT_REC_POST:
		if (a->post_mask != b->post_mask)
			return 0;
		for (unsigned i = 0; i < HVT_POST_NVALS; i++)
			if ((a->post_mask >> i & 1) && a->post[i] != b->post[i])
				return 0;
		return 1;
	case HVT_REC_VM_START:
		return !memcmp(a->start, b->start, sizeof(*a->start));
	case HVT_REC_VM_STOP:
		return a->stop_why == b->stop_why && a->status == b->status && a->detail == b->detail;
	case HVT_REC_INJECT:
		return a->inject_info == b->inject_info && a->inject_err == b->inject_err;
	case HVT_REC_MEMWRITE:
	case HVT_REC_NOTE:
		return a->gpa == b->gpa && a->len == b->len && !memcmp(a->data, b->data, a->len);
	case HVT_REC_SWITCH:
		return a->target == b->target;
	case HVT_REC_END:
		return a->status == b->status;
	}
	return 1;
}
