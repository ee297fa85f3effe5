/*
 * trace_decode.c - chunk payloads to events, mirroring trace_encode.c record by record.
 *
 * Each record kind has one small reader below; hvt_dec_next dispatches on the tag. The state
 * updates are those of the encoder, in the same order, so that an encoder/decoder pair always
 * agrees on every VM's reference registers and caches (tests/unit/check_trace_codec.c).
 */
#include <string.h>

#include "trace_decode.h"

#define BAD(d, rec, ...) hvt_err_set(err, HVT_ECORRUPT, (uint64_t)((rec) - (d)->base), __VA_ARGS__)

static void ref_reset_caches(struct hvt_ref *r)
{
	memset(r->qual, 0, sizeof(r->qual));
	memset(r->post_mask, 0, sizeof(r->post_mask));
}

void hvt_dec_init(struct hvt_dec *d)
{
	memset(d, 0, sizeof(*d));
	d->current = -1;
}

static int get(struct hvt_dec *d, const uint8_t *rec, uint64_t *v, const char *what,
	       struct hvt_err *err)
{
	if (hvt_get_varint(&d->p, d->end, v) < 0)
		return BAD(d, rec, "payload byte %zu: %s: varint runs past the end of the chunk or past 64 bits",
			   (size_t)(rec - d->base), what);
	return 0;
}

static int get_u8(struct hvt_dec *d, const uint8_t *rec, uint8_t *v, const char *what,
		  struct hvt_err *err)
{
	if (d->p >= d->end)
		return BAD(d, rec, "payload byte %zu: %s: record cut by the end of the chunk",
			   (size_t)(rec - d->base), what);
	*v = *d->p++;
	return 0;
}

static int get_vm(struct hvt_dec *d, const uint8_t *rec, uint8_t *vm, const char *what,
		  struct hvt_err *err)
{
	if (get_u8(d, rec, vm, what, err))
		return HVT_ECORRUPT;
	if (*vm >= HVT_MAX_VMS)
		return BAD(d, rec, "payload byte %zu: %s: VM id %u out of range (max %u)",
			   (size_t)(rec - d->base), what, *vm, HVT_MAX_VMS - 1);
	return 0;
}

static int read_keyframe(struct hvt_dec *d, const uint8_t *rec, struct hvt_err *err)
{
	uint8_t vm;
	struct hvt_ref *r;
	uint64_t v;

	if (get_vm(d, rec, &vm, "KEYFRAME", err))
		return HVT_ECORRUPT;
	r = &d->vm[vm];
	if (get(d, rec, &v, "KEYFRAME icount", err))
		return HVT_ECORRUPT;
	r->icount = v;
	for (unsigned i = 0; i < HVT_NREGS; i++)
		if (get(d, rec, &r->regs[i], "KEYFRAME register", err))
			return HVT_ECORRUPT;
	ref_reset_caches(r);
	d->have |= 1u << vm;
	d->current = vm;
	return 0;
}

int hvt_dec_chunk(struct hvt_dec *d, const struct hvt_chunk_header *h, const uint8_t *payload,
		  size_t len, struct hvt_err *err)
{
	d->ch = *h;
	d->base = d->p = payload;
	d->end = payload + len;
	d->next_num = h->first_event;
	d->counted = 0;
	d->have = 0;
	d->ended = 0;
	d->current = -1;
	if (h->first_vm >= HVT_MAX_VMS)
		return hvt_err_set(err, HVT_ECORRUPT, HVT_NO_OFFSET,
				   "chunk header: first VM %u out of range", h->first_vm);
	while (d->p < d->end && *d->p == HVT_REC_KEYFRAME) {
		const uint8_t *rec = d->p++;
		if (read_keyframe(d, rec, err))
			return HVT_ECORRUPT;
	}
	if (!d->have)
		return 0; /* nothing started before this chunk */
	d->current = h->first_vm;
	if ((d->have >> h->first_vm & 1) && d->vm[h->first_vm].icount != h->first_icount)
		return hvt_err_set(err, HVT_ECORRUPT, (uint64_t)(d->p - d->base),
				   "chunk header says VM %u is at instruction %llu, its keyframe says %llu",
				   h->first_vm, (unsigned long long)h->first_icount,
				   (unsigned long long)d->vm[h->first_vm].icount);
	return 0;
}

static int read_exit(struct hvt_dec *d, const uint8_t *rec, unsigned reason, struct hvt_event *ev,
		     struct hvt_err *err)
{
	struct hvt_ref *r;
	uint64_t mask, v;

	if (d->current < 0 || !(d->have >> d->current & 1))
		return BAD(d, rec, "payload byte %zu: EXIT for VM %d, which has no reference state here",
			   (size_t)(rec - d->base), d->current);
	r = &d->vm[d->current];
	if (get(d, rec, &mask, "EXIT mask", err) || get(d, rec, &v, "EXIT icount", err))
		return HVT_ECORRUPT;
	if (mask & ~(uint64_t)HVT_EXIT_KNOWN_BITS)
		return BAD(d, rec, "payload byte %zu: EXIT mask %#llx has unknown bits",
			   (size_t)(rec - d->base), (unsigned long long)mask);
	if ((mask & HVT_EXIT_POST) && (mask & HVT_EXIT_POST_AGAIN))
		return BAD(d, rec, "payload byte %zu: EXIT has both POST and POST_AGAIN",
			   (size_t)(rec - d->base));
	r->icount += v;
	for (unsigned i = 0; i < RV_NGPRS; i++)
		if (mask & HVT_EXIT_GPR(i)) {
			if (get(d, rec, &v, "EXIT register delta", err))
				return HVT_ECORRUPT;
			r->regs[i] += hvt_unzigzag(v);
		}
	if (mask & HVT_EXIT_RIP) {
		if (get(d, rec, &v, "EXIT RIP delta", err))
			return HVT_ECORRUPT;
		r->regs[HVT_REG_RIP] += hvt_unzigzag(v);
	}
	if (mask & HVT_EXIT_RFLAGS) {
		if (get(d, rec, &v, "EXIT RFLAGS", err))
			return HVT_ECORRUPT;
		r->regs[HVT_REG_RFLAGS] ^= v;
	}
	if (mask & HVT_EXIT_QUAL) {
		if (get(d, rec, &v, "EXIT qualification", err))
			return HVT_ECORRUPT;
		r->qual[reason] ^= v;
	}
	ev->has_gpa = 0;
	ev->gpa = 0;
	if (mask & HVT_EXIT_GPA) {
		if (get(d, rec, &ev->gpa, "EXIT gpa", err))
			return HVT_ECORRUPT;
		ev->has_gpa = 1;
	}
	ev->post_again = 0;
	if (mask & HVT_EXIT_POST) {
		uint64_t pm;
		if (get(d, rec, &pm, "EXIT post-state mask", err))
			return HVT_ECORRUPT;
		if (!pm || (pm & ~(uint64_t)HVT_POST_KNOWN_BITS))
			return BAD(d, rec, "payload byte %zu: EXIT post-state mask %#llx invalid",
				   (size_t)(rec - d->base), (unsigned long long)pm);
		for (unsigned b = 0; b < HVT_POST_NVALS; b++)
			if (pm >> b & 1 && get(d, rec, &r->post_vals[reason][b], "EXIT post-state value", err))
				return HVT_ECORRUPT;
		r->post_mask[reason] = (uint32_t)pm;
		ev->post_mask = (uint32_t)pm;
	} else if (mask & HVT_EXIT_POST_AGAIN) {
		if (!r->post_mask[reason])
			return BAD(d, rec, "payload byte %zu: EXIT POST_AGAIN but no post-state recorded for reason %u",
				   (size_t)(rec - d->base), reason);
		ev->post_mask = r->post_mask[reason];
		ev->post_again = 1;
	} else {
		ev->post_mask = 0;
	}
	ev->type = HVT_REC_EXIT;
	ev->reason = (uint8_t)reason;
	ev->mask = (uint32_t)mask;
	ev->insn_len = (uint8_t)((mask & HVT_EXIT_LEN_MASK) >> HVT_EXIT_LEN_SHIFT);
	ev->qual = r->qual[reason];
	ev->post = r->post_vals[reason];
	return 0;
}

static int read_vm_start(struct hvt_dec *d, const uint8_t *rec, struct hvt_event *ev,
			 struct hvt_err *err)
{
	uint8_t vm;
	uint64_t size;
	struct hvt_ref *r;

	if (get_vm(d, rec, &vm, "VM_START", err) || get(d, rec, &size, "VM_START size", err))
		return HVT_ECORRUPT;
	if (size > (uint64_t)(d->end - d->p))
		return BAD(d, rec, "payload byte %zu: VM_START of %llu bytes runs past the end of the chunk",
			   (size_t)(rec - d->base), (unsigned long long)size);
	/* Readers take the prefix they know; a shorter (older) state leaves the rest zero. */
	memset(&d->start, 0, sizeof(d->start));
	memcpy(&d->start, d->p, size < sizeof(d->start) ? size : sizeof(d->start));
	ev->data = d->p;
	d->p += size;
	r = &d->vm[vm];
	memcpy(r->regs, d->start.gpr, sizeof(d->start.gpr));
	r->regs[HVT_REG_RIP] = d->start.rip;
	r->regs[HVT_REG_RFLAGS] = d->start.rflags;
	r->icount = d->start.icount;
	ref_reset_caches(r);
	d->have |= 1u << vm;
	d->current = vm;
	ev->start = &d->start;
	ev->len = (uint32_t)size;
	return 0;
}

static int read_blob(struct hvt_dec *d, const uint8_t *rec, struct hvt_event *ev, const char *what,
		     struct hvt_err *err)
{
	uint64_t len;

	if (get(d, rec, &len, what, err))
		return HVT_ECORRUPT;
	if (len > (uint64_t)(d->end - d->p))
		return BAD(d, rec, "payload byte %zu: %s of %llu bytes runs past the end of the chunk",
			   (size_t)(rec - d->base), what, (unsigned long long)len);
	ev->data = d->p;
	ev->len = (uint32_t)len;
	d->p += len;
	return 0;
}

/* Records that are not exits: lifecycle, injections, memory writes, notes. */
static int read_other(struct hvt_dec *d, const uint8_t *rec, uint8_t tag, struct hvt_event *ev,
		      struct hvt_err *err)
{
	uint64_t a, b;
	uint8_t u;

	switch (tag) {
	case HVT_REC_VM_START:
		return read_vm_start(d, rec, ev, err);
	case HVT_REC_VM_STOP:
		if (get_vm(d, rec, &u, "VM_STOP", err) || get_u8(d, rec, &ev->stop_why, "VM_STOP reason", err) ||
		    get(d, rec, &ev->status, "VM_STOP status", err) ||
		    get(d, rec, &ev->detail, "VM_STOP detail", err))
			return HVT_ECORRUPT;
		ev->vm = u;
		return 0;
	case HVT_REC_INJECT:
		if (get(d, rec, &a, "INJECT info", err) || get(d, rec, &b, "INJECT error code", err))
			return HVT_ECORRUPT;
		if (a > UINT32_MAX || b > UINT32_MAX)
			return BAD(d, rec, "payload byte %zu: INJECT value wider than 32 bits",
				   (size_t)(rec - d->base));
		ev->inject_info = (uint32_t)a;
		ev->inject_err = (uint32_t)b;
		return 0;
	case HVT_REC_MEMWRITE:
		if (get(d, rec, &ev->gpa, "MEMWRITE gpa", err))
			return HVT_ECORRUPT;
		return read_blob(d, rec, ev, "MEMWRITE", err);
	case HVT_REC_SWITCH:
		if (get_vm(d, rec, &u, "SWITCH", err))
			return HVT_ECORRUPT;
		d->current = u;
		ev->target = u;
		return 0;
	case HVT_REC_NOTE:
		return read_blob(d, rec, ev, "NOTE", err);
	case HVT_REC_POST:
		if (d->current < 0)
			return BAD(d, rec, "payload byte %zu: POST before any VM", (size_t)(rec - d->base));
		if (get(d, rec, &a, "POST mask", err))
			return HVT_ECORRUPT;
		if (!a || (a & ~(uint64_t)HVT_POST_KNOWN_BITS))
			return BAD(d, rec, "payload byte %zu: POST mask %#llx invalid", (size_t)(rec - d->base),
				   (unsigned long long)a);
		for (unsigned i = 0; i < HVT_POST_NVALS; i++)
			if (a >> i & 1 && get(d, rec, &d->post[i], "POST value", err))
				return HVT_ECORRUPT;
		ev->post_mask = (uint32_t)a;
		ev->post = d->post;
		return 0;
	case HVT_REC_END:
		if (get(d, rec, &ev->status, "END status", err))
			return HVT_ECORRUPT;
		d->ended = 1;
		return 0;
	}
	return BAD(d, rec, "payload byte %zu: unknown record tag %#x", (size_t)(rec - d->base), tag);
}

int hvt_dec_next(struct hvt_dec *d, struct hvt_event *ev, struct hvt_err *err)
{
	const uint8_t *rec;
	uint8_t tag;

	for (;;) {
		if (d->p >= d->end) {
			if (d->counted != d->ch.nevents)
				return hvt_err_set(err, HVT_ECORRUPT, (uint64_t)(d->p - d->base),
						   "chunk header says %u events, the payload holds %u",
						   d->ch.nevents, d->counted);
			return HVT_END;
		}
		rec = d->p;
		if (d->ended)
			return BAD(d, rec, "payload byte %zu: records after END", (size_t)(rec - d->base));
		tag = *d->p++;
		if (tag != HVT_REC_KEYFRAME)
			break;
		if (read_keyframe(d, rec, err))
			return HVT_ECORRUPT;
	}
	ev->offset = (uint32_t)(rec - d->base);
	ev->vm = d->current < 0 ? HVT_NO_VMID : (uint8_t)d->current;
	if (tag & HVT_REC_EXIT) {
		if (read_exit(d, rec, tag & 0x7f, ev, err))
			return HVT_ECORRUPT;
	} else {
		ev->type = tag;
		ev->post_mask = 0;
		if (read_other(d, rec, tag, ev, err))
			return HVT_ECORRUPT;
		if (tag == HVT_REC_VM_START)
			ev->vm = (uint8_t)d->current;
	}
	if (d->counted == d->ch.nevents)
		return BAD(d, rec, "payload byte %zu: more events than the %u the chunk header says",
			   (size_t)(rec - d->base), d->ch.nevents);
	d->counted++;
	ev->num = d->next_num++;
	if (ev->vm != HVT_NO_VMID && (d->have >> ev->vm & 1)) {
		ev->regs = d->vm[ev->vm].regs;
		ev->icount = d->vm[ev->vm].icount;
	} else {
		ev->regs = NULL;
		ev->icount = 0;
	}
	if (ev->type == HVT_REC_VM_STOP)
		d->have &= ~(1u << ev->vm); /* the encoder forgets it too (no keyframe any more) */
	return HVT_OK;
}
