/*
 * rp_timeline.c - every VM of a trace at its state as of one global event number.
 *
 * The recording interleaves the VMs' records in one numbered sequence; between two of its own
 * exits a VM runs instructions whose place among the other VMs' records is not recorded (the
 * hypervisor switches VMs only at exits). So "as of event E" is defined at exit granularity:
 * everything numbered below E has happened, E is about to. Which exit of each VM that is comes
 * from the trace library's step iterator, one per VM. The sessions and the iterators all read
 * the file through one reader, each with cursors of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "rp_priv.h"

struct rp_timeline {
	struct hvt_reader *r;
	unsigned n;
	struct rp_session *vm[HVT_MAX_VMS];
	struct hvt_steps *steps[HVT_MAX_VMS];
};

int rp_timeline_open(struct rp_timeline **out, const char *path, const struct rp_opts *opts, struct hvt_err *err)
{
	unsigned ids[HVT_MAX_VMS], n;
	char names[HVT_MAX_VMS][32];
	int st = rp_trace_vms(path, ids, names, HVT_MAX_VMS, &n, err);
	*out = NULL;
	if (st < 0)
		return st;
	struct rp_timeline *tl = calloc(1, sizeof(*tl));
	if (!tl)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	if ((st = hvt_reader_open(&tl->r, path, err)) < 0) {
		free(tl);
		return st;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rp_opts o = opts ? *opts : (struct rp_opts){0};
		o.vm = ids[i];
		if ((st = rp_open_shared(&tl->vm[i], tl->r, &o, err)) < 0 ||
		    (st = hvt_steps_open(&tl->steps[i], tl->r, ids[i], 0, err)) < 0) {
			hvt_err_prefix(err, "VM %u: ", ids[i]);
			tl->n = i + 1;
			rp_timeline_close(tl);
			return st;
		}
		tl->n = i + 1;
	}
	*out = tl;
	return HVT_OK;
}

void rp_timeline_close(struct rp_timeline *tl)
{
	if (!tl)
		return;
	for (unsigned i = 0; i < tl->n; i++) {
		hvt_steps_close(tl->steps[i]);
		rp_close(tl->vm[i]);
	}
	hvt_reader_close(tl->r);
	free(tl);
}

unsigned rp_timeline_nvms(const struct rp_timeline *tl) { return tl->n; }
struct rp_session *rp_timeline_vm(struct rp_timeline *tl, unsigned i) { return i < tl->n ? tl->vm[i] : NULL; }

/* VM i as of event e: at exit e when it is this VM's, else after its last exit below e. */
static int place(struct rp_timeline *tl, unsigned i, uint64_t e, struct hvt_err *err)
{
	struct rp_session *s = tl->vm[i];
	struct hvt_step x;
	uint64_t last_icount = UINT64_MAX;
	int st;
	if ((st = hvt_steps_seek(tl->steps[i], 0, err)) < 0)
		return st;
	while ((st = hvt_steps_next(tl->steps[i], &x, err)) == HVT_OK && x.num <= e) {
		if (x.kind != HVT_REC_EXIT)
			continue;
		if (x.num == e)
			return rp_goto_exit(s, e, err);
		last_icount = x.icount;
	}
	if (st < 0)
		return st;
	st = rp_goto_icount(s, last_icount == UINT64_MAX ? s->start.icount : last_icount, err);
	return st == RP_END ? HVT_OK : st;
}

int rp_timeline_goto(struct rp_timeline *tl, uint64_t event, struct hvt_err *err)
{
	for (unsigned i = 0; i < tl->n; i++) {
		int st = place(tl, i, event, err);
		if (st != HVT_OK) {
			if (st < 0)
				hvt_err_prefix(err, "VM %u: ", tl->vm[i]->opts.vm);
			return st;
		}
	}
	return HVT_OK;
}
