/*
 * trace_encode.c - records into chunks (format: include/retrovisor/trace_format.h).
 *
 * It runs once per recorded exit when the host converts a trace disk's capture stream
 * (hvt_capture.c), ten million times for a long run, so it is written like an exit path: no
 * library calls, no allocation, one pass over the registers. It used to run inside the hypervisor
 * and still builds freestanding.
 */
#include "trace_encode.h"

static void copy_bytes(uint8_t *dst, const void *src, uint32_t n)
{
	const uint8_t *s = src;
	while (n--)
		*dst++ = *s++;
}

static void zero_bytes(void *dst, size_t n)
{
	uint8_t *d = dst;
	while (n--)
		*d++ = 0;
}

static void ref_reset_caches(struct hvt_ref *r)
{
	zero_bytes(r->qual, sizeof(r->qual));
	zero_bytes(r->post_mask, sizeof(r->post_mask));
}

/* A chunk starts with a keyframe per started VM, the current one last (it becomes current). */
static void put_keyframe(struct hvt_enc *e, unsigned vm)
{
	struct hvt_ref *r = &e->vm[vm];
	uint8_t *p = e->buf + e->len;

	*p++ = HVT_REC_KEYFRAME;
	*p++ = (uint8_t)vm;
	p = hvt_put_varint(p, r->icount);
	for (unsigned i = 0; i < HVT_NREGS; i++)
		p = hvt_put_varint(p, r->regs[i]);
	e->len = (uint32_t)(p - e->buf);
	ref_reset_caches(r);
}

static void chunk_open(struct hvt_enc *e)
{
	e->len = sizeof(struct hvt_chunk_header);
	e->chunk_first_event = e->next_event;
	e->chunk_first_vm = e->current < 0 ? 0 : (uint8_t)e->current;
	e->chunk_first_icount = e->current < 0 ? 0 : e->vm[e->current].icount;
	for (unsigned v = 0; v < HVT_MAX_VMS; v++)
		if (e->vm[v].started && (int)v != e->current)
			put_keyframe(e, v);
	if (e->current >= 0 && e->vm[e->current].started)
		put_keyframe(e, (unsigned)e->current);
}

static void chunk_close(struct hvt_enc *e)
{
	struct hvt_chunk_header *h = (struct hvt_chunk_header *)e->buf;
	uint32_t payload = e->len - (uint32_t)sizeof(*h);

	zero_bytes(h, sizeof(*h));
	h->magic = HVT_CHUNK_MAGIC;
	h->header_size = sizeof(*h);
	h->stored_size = payload;
	h->raw_size = payload;
	h->index = e->chunk_index++;
	h->first_event = e->chunk_first_event;
	h->first_icount = e->chunk_first_icount;
	h->nevents = (uint32_t)(e->next_event - e->chunk_first_event);
	h->first_vm = e->chunk_first_vm;
	e->sink(e->sink_ctx, e->buf, e->len);
}

static void chunk_next(struct hvt_enc *e)
{
	chunk_close(e);
	chunk_open(e);
}

/* Make room for a record of at most n bytes; inline, as this runs on every exit. */
static inline void reserve(struct hvt_enc *e, uint32_t n)
{
	if (__builtin_expect(e->len + n > e->cap, 0))
		chunk_next(e);
}

void hvt_enc_init(struct hvt_enc *e, uint8_t *buf, uint32_t cap, hvt_sink_fn sink, void *ctx)
{
	zero_bytes(e, sizeof(*e));
	e->buf = buf;
	e->cap = cap;
	e->sink = sink;
	e->sink_ctx = ctx;
	e->current = -1;
	chunk_open(e);
}

void hvt_enc_vm_start(struct hvt_enc *e, unsigned vm, const struct hvt_vm_state *st)
{
	struct hvt_ref *r;
	uint8_t *p;

	if (vm >= HVT_MAX_VMS)
		return;
	r = &e->vm[vm];
	reserve(e, 16 + sizeof(*st));
	p = e->buf + e->len;
	*p++ = HVT_REC_VM_START;
	*p++ = (uint8_t)vm;
	p = hvt_put_varint(p, sizeof(*st));
	copy_bytes(p, st, sizeof(*st));
	p += sizeof(*st);
	e->len = (uint32_t)(p - e->buf);
	e->next_event++;

	copy_bytes((uint8_t *)r->regs, st->gpr, sizeof(st->gpr));
	r->regs[HVT_REG_RIP] = st->rip;
	r->regs[HVT_REG_RFLAGS] = st->rflags;
	r->icount = st->icount;
	r->started = 1;
	ref_reset_caches(r);
	e->current = (int)vm;
}

static int post_same(const struct hvt_ref *r, unsigned reason, const struct hvt_post *post,
		     uint32_t post_mask)
{
	if (r->post_mask[reason] != post_mask)
		return 0;
	for (uint32_t m = post_mask; m; m &= m - 1) {
		unsigned b = (unsigned)__builtin_ctz(m);
		if (r->post_vals[reason][b] != post->v[b])
			return 0;
	}
	return 1;
}

static inline uint8_t *put_small(uint8_t *p, uint64_t v)
{
	if (v < 0x80) {
		*p = (uint8_t)v;
		return p + 1;
	}
	return hvt_put_varint(p, v);
}

/*
 * The converter's path: the whole EXIT record in one pass over the output, no copies. First
 * find what changed (one compare per register; most do not change), so the mask can go first,
 * then write only the deltas.
 */
void hvt_enc_exit(struct hvt_enc *e, unsigned reason, uint64_t icount, const uint64_t regs[HVT_NREGS],
		  uint64_t qual, const struct hvt_post *post, unsigned insn_len, int has_gpa, uint64_t gpa)
{
	struct hvt_ref *r;
	uint32_t changed = 0, mask, post_mask = post->mask & HVT_POST_KNOWN_BITS;
	uint8_t *p;

	if (e->current < 0)
		return;
	reserve(e, HVT_REC_MAX_FIXED);
	r = &e->vm[e->current];
	reason &= HVT_REASON_SLOTS - 1;

	const uint64_t *ref = r->regs;
#pragma GCC unroll 16
	for (unsigned i = 0; i < RV_NGPRS; i++)
		if (regs[i] != ref[i])
			changed |= 1u << i;
	mask = changed << HVT_EXIT_GPR_SHIFT | (insn_len & 0xf) << HVT_EXIT_LEN_SHIFT;
	if (regs[HVT_REG_RIP] != r->regs[HVT_REG_RIP])
		mask |= HVT_EXIT_RIP;
	if (regs[HVT_REG_RFLAGS] != r->regs[HVT_REG_RFLAGS])
		mask |= HVT_EXIT_RFLAGS;
	if (qual != r->qual[reason])
		mask |= HVT_EXIT_QUAL;
	if (has_gpa)
		mask |= HVT_EXIT_GPA;
	if (post_mask)
		mask |= post_same(r, reason, post, post_mask) ? HVT_EXIT_POST_AGAIN : HVT_EXIT_POST;

	p = e->buf + e->len;
	*p++ = (uint8_t)(HVT_REC_EXIT | reason);
	p = put_small(p, mask);
	p = put_small(p, icount - r->icount);
	r->icount = icount;
	for (uint32_t m = changed; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);
		p = put_small(p, hvt_zigzag(regs[i] - r->regs[i]));
		r->regs[i] = regs[i];
	}
	if (mask & HVT_EXIT_RIP) {
		p = put_small(p, hvt_zigzag(regs[HVT_REG_RIP] - r->regs[HVT_REG_RIP]));
		r->regs[HVT_REG_RIP] = regs[HVT_REG_RIP];
	}
	if (mask & HVT_EXIT_RFLAGS) {
		p = put_small(p, regs[HVT_REG_RFLAGS] ^ r->regs[HVT_REG_RFLAGS]);
		r->regs[HVT_REG_RFLAGS] = regs[HVT_REG_RFLAGS];
	}
	if (mask & HVT_EXIT_QUAL) {
		p = put_small(p, qual ^ r->qual[reason]);
		r->qual[reason] = qual;
	}
	if (has_gpa)
		p = hvt_put_varint(p, gpa);
	if (mask & HVT_EXIT_POST) {
		p = put_small(p, post_mask);
		for (uint32_t m = post_mask; m; m &= m - 1) {
			unsigned b = (unsigned)__builtin_ctz(m);
			p = hvt_put_varint(p, post->v[b]);
			r->post_vals[reason][b] = post->v[b];
		}
		r->post_mask[reason] = post_mask;
	}
	e->len = (uint32_t)(p - e->buf);
	e->next_event++;
}

void hvt_enc_vm_stop(struct hvt_enc *e, unsigned vm, unsigned why, uint64_t status, uint64_t detail)
{
	uint8_t *p;

	if (vm >= HVT_MAX_VMS)
		return;
	reserve(e, 32);
	p = e->buf + e->len;
	*p++ = HVT_REC_VM_STOP;
	*p++ = (uint8_t)vm;
	*p++ = (uint8_t)why;
	p = hvt_put_varint(p, status);
	p = hvt_put_varint(p, detail);
	e->len = (uint32_t)(p - e->buf);
	e->next_event++;
	e->vm[vm].started = 0;
}

void hvt_enc_inject(struct hvt_enc *e, uint32_t info, uint32_t error_code)
{
	uint8_t *p;

	reserve(e, 16);
	p = e->buf + e->len;
	*p++ = HVT_REC_INJECT;
	p = hvt_put_varint(p, info);
	p = hvt_put_varint(p, error_code);
	e->len = (uint32_t)(p - e->buf);
	e->next_event++;
}

static void put_blob(struct hvt_enc *e, uint8_t tag, int has_gpa, uint64_t gpa, const void *data,
		     uint32_t len)
{
	uint8_t *p;

	reserve(e, 32 + len);
	p = e->buf + e->len;
	*p++ = tag;
	if (has_gpa)
		p = hvt_put_varint(p, gpa);
	p = hvt_put_varint(p, len);
	copy_bytes(p, data, len);
	e->len = (uint32_t)(p + len - e->buf);
	e->next_event++;
}

void hvt_enc_memwrite(struct hvt_enc *e, uint64_t gpa, const void *data, uint32_t len)
{
	const uint8_t *d = data;

	while (len) {
		uint32_t n = len > HVT_BLOB_MAX ? HVT_BLOB_MAX : len;
		put_blob(e, HVT_REC_MEMWRITE, 1, gpa, d, n);
		gpa += n;
		d += n;
		len -= n;
	}
}

void hvt_enc_note(struct hvt_enc *e, const char *text, uint32_t len)
{
	put_blob(e, HVT_REC_NOTE, 0, 0, text, len > HVT_BLOB_MAX ? HVT_BLOB_MAX : len);
}

/* POST: the debugger's registers; they change no reference (the next EXIT's deltas are from the
 * previous exit's values, trace_format.h). */
void hvt_enc_post(struct hvt_enc *e, const struct hvt_post *post)
{
	uint32_t mask = post->mask & HVT_POST_KNOWN_BITS;
	uint8_t *p;

	if (e->current < 0 || !mask)
		return;
	reserve(e, 8 + 10 * HVT_POST_NVALS);
	p = e->buf + e->len;
	*p++ = HVT_REC_POST;
	p = hvt_put_varint(p, mask);
	for (uint32_t m = mask; m; m &= m - 1)
		p = hvt_put_varint(p, post->v[__builtin_ctz(m)]);
	e->len = (uint32_t)(p - e->buf);
	e->next_event++;
}

void hvt_enc_switch(struct hvt_enc *e, unsigned vm)
{
	if (vm >= HVT_MAX_VMS)
		return;
	reserve(e, 2);
	e->buf[e->len++] = HVT_REC_SWITCH;
	e->buf[e->len++] = (uint8_t)vm;
	e->next_event++;
	e->current = (int)vm;
}

void hvt_enc_flush(struct hvt_enc *e)
{
	if (e->next_event != e->chunk_first_event)
		chunk_next(e);
}

void hvt_enc_finish(struct hvt_enc *e, uint64_t status)
{
	uint8_t *p;

	reserve(e, 16);
	p = e->buf + e->len;
	*p++ = HVT_REC_END;
	p = hvt_put_varint(p, status);
	e->len = (uint32_t)(p - e->buf);
	e->next_event++;
	chunk_close(e);
	e->len = sizeof(struct hvt_chunk_header);
	e->chunk_first_event = e->next_event;
}
