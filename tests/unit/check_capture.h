/*
 * check_capture.h - for the capture-converter tests (check_capture.c, check_capture_bad.c):
 * capture payloads built word by word, converted by tracer/hvt_capture.c, and the v1 chunks that
 * come out decoded with the ordinary decoder into a list of events to check.
 */
#ifndef CHECK_CAPTURE_H
#define CHECK_CAPTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hvt_capture.h"
#include "retrovisor/capture.h"
#include "retrovisor/regs.h"
#include "trace_decode.h"
#include "trace_encode.h"

/* Short names for the tests' tables; retrovisor/regs.h is their home. */
enum {
	RAX = RV_REG_RAX, RCX = RV_REG_RCX, RDX = RV_REG_RDX, RBX = RV_REG_RBX, RSP = RV_REG_RSP,
	RBP = RV_REG_RBP, RSI = RV_REG_RSI, RDI = RV_REG_RDI, RIP = RV_REG_RIP, RFLAGS = RV_REG_RFLAGS,
};
#define F(r) HVT_CAP_FOLLOW_REG(r) /* struct xexit.follow: register r follows */

/* ---- building capture words --------------------------------------------------------------- */
struct words {
	uint64_t *w;
	size_t n, cap;
};

static inline void put(struct words *b, uint64_t w)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 1024;
		b->w = realloc(b->w, b->cap * sizeof(*b->w));
		ck_assert_ptr_nonnull(b->w);
	}
	b->w[b->n++] = w;
}

static inline void put_bytes(struct words *b, const void *data, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = 0;
		memcpy(&w, (const uint8_t *)data + i, len - i < 8 ? len - i : 8);
		put(b, w);
	}
}

static inline void cap_vm_start(struct words *b, unsigned vm, const struct hvt_vm_state *st)
{
	put(b, hvt_cap_vm_word(HVT_CAP_VM_START, vm));
	put_bytes(b, st, sizeof(*st));
}

/* An exit as the hypervisor writes it: regs[] holds the values of the registers that follow. */
struct xexit {
	unsigned reason, len;
	uint64_t icount;
	uint32_t follow;
	uint64_t regs[HVT_NREGS];
	int has_qual, has_gpa;
	uint64_t qual, gpa;
	struct hvt_post post;
};

static inline void cap_exit(struct words *b, const struct xexit *x)
{
	uint32_t follow = (x->follow & ((1u << RV_NREGS) - 1)) | (x->has_qual ? HVT_CAP_FOLLOW_QUAL : 0);

	put(b, hvt_cap_exit_word(x->reason, x->len, follow, x->post.mask, x->has_gpa));
	put(b, x->icount);
	for (unsigned k = 0; k < RV_NREGS; k++) /* the world switch's order: RSP after R15 */
		if (x->follow >> hvt_cap_follow_reg(k) & 1)
			put(b, x->regs[hvt_cap_follow_reg(k)]);
	if (x->has_qual)
		put(b, x->qual);
	if (x->has_gpa)
		put(b, x->gpa);
	for (unsigned i = 0; i < RV_POST_NVALS; i++)
		if (x->post.mask >> i & 1)
			put(b, x->post.v[i]);
}

/* POST: a debugger's registers (post-state indices), as hv/trace.c writes them. */
static inline void cap_post(struct words *b, const struct hvt_post *post)
{
	put(b, hvt_cap_post_word(post->mask));
	for (unsigned i = 0; i < RV_POST_NVALS; i++)
		if (post->mask >> i & 1)
			put(b, post->v[i]);
}

static inline void cap_blob(struct words *b, unsigned kind, uint64_t gpa, const void *data, uint32_t len)
{
	put(b, hvt_cap_hi_word(kind, len));
	if (kind == HVT_CAP_MEMWRITE)
		put(b, gpa);
	put_bytes(b, data, len);
}

static inline void cap_inject(struct words *b, uint32_t info, uint32_t errc)
{
	put(b, hvt_cap_hi_word(HVT_CAP_INJECT, info));
	put(b, errc);
}

static inline void cap_switch(struct words *b, unsigned vm)
{
	put(b, hvt_cap_vm_word(HVT_CAP_SWITCH, vm));
}

static inline void cap_vm_stop(struct words *b, unsigned vm, unsigned why, uint64_t status, uint64_t detail)
{
	put(b, hvt_cap_stop_word(vm, why));
	put(b, status);
	put(b, detail);
}

static inline void cap_end(struct words *b, uint64_t status)
{
	put(b, HVT_CAP_END);
	put(b, status);
}

/* ---- the converter's output, decoded ---------------------------------------------------- */
struct chunks {
	uint8_t **c;
	uint32_t *len;
	size_t n, cap;
	int fail_at; /* refuse the chunk with this number (0: none) */
};

static inline int out(void *ctx, const uint8_t *chunk, size_t len, struct hvt_err *err)
{
	struct chunks *cs = ctx;

	if (cs->fail_at && cs->n + 1 == (size_t)cs->fail_at)
		return hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "test: disk full");
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 16;
		cs->c = realloc(cs->c, cs->cap * sizeof(*cs->c));
		cs->len = realloc(cs->len, cs->cap * sizeof(*cs->len));
	}
	cs->c[cs->n] = malloc(len);
	memcpy(cs->c[cs->n], chunk, len);
	cs->len[cs->n++] = (uint32_t)len;
	return HVT_OK;
}

static inline void direct_sink(void *ctx, const uint8_t *chunk, uint32_t len)
{
	out(ctx, chunk, len, NULL);
}

static inline void chunks_free(struct chunks *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i]);
	free(cs->c);
	free(cs->len);
	memset(cs, 0, sizeof(*cs));
}

/* One decoded event, copied out of the decoder. */
struct got {
	uint8_t type, vm, reason, insn_len, has_gpa, why, target;
	uint64_t icount, regs[HVT_NREGS], qual, gpa, status, detail;
	uint32_t post_mask, info, errc, len, data_crc;
	uint64_t post[HVT_POST_NVALS];
	char text[32];
};

static struct got *evs;
static size_t nevs, capevs;

static inline void decode(const struct chunks *cs)
{
	static struct hvt_dec d;
	struct hvt_err err = { 0 };
	struct hvt_event ev;
	struct hvt_chunk_header h;
	int st;

	nevs = 0;
	hvt_dec_init(&d);
	for (size_t i = 0; i < cs->n; i++) {
		memcpy(&h, cs->c[i], sizeof(h));
		ck_assert_uint_eq(h.index, i);
		ck_assert_uint_eq(h.first_event, nevs);
		st = hvt_dec_chunk(&d, &h, cs->c[i] + sizeof(h), h.raw_size, &err);
		ck_assert_msg(st == HVT_OK, "chunk %zu: %s", i, err.msg);
		while ((st = hvt_dec_next(&d, &ev, &err)) == HVT_OK) {
			struct got *g;
			if (nevs == capevs) {
				capevs = capevs ? 2 * capevs : 1024;
				evs = realloc(evs, capevs * sizeof(*evs));
			}
			g = memset(&evs[nevs++], 0, sizeof(*g));
			g->type = ev.type;
			g->vm = ev.vm;
			g->reason = ev.reason;
			g->insn_len = ev.insn_len;
			g->has_gpa = ev.has_gpa;
			g->why = ev.stop_why;
			g->target = ev.target;
			g->icount = ev.icount;
			if (ev.regs)
				memcpy(g->regs, ev.regs, sizeof(g->regs));
			g->qual = ev.qual;
			g->gpa = ev.gpa;
			g->status = ev.status;
			g->detail = ev.detail;
			g->post_mask = ev.post_mask;
			if (ev.post_mask)
				memcpy(g->post, ev.post, sizeof(g->post));
			g->info = ev.inject_info;
			g->errc = ev.inject_err;
			if (ev.type == HVT_REC_MEMWRITE || ev.type == HVT_REC_NOTE) {
				g->len = ev.len;
				g->data_crc = (uint32_t)crc32(0, ev.data, ev.len);
				memcpy(g->text, ev.data, ev.len < sizeof(g->text) - 1 ? ev.len : sizeof(g->text) - 1);
			}
		}
		ck_assert_msg(st == HVT_END, "chunk %zu: %s", i, err.msg);
	}
}

/* Convert words[0..n) as one capture chunk payload at disk offset base; decode what came out. */
static inline int convert(const struct words *b, uint64_t base, struct hvt_err *err)
{
	struct chunks cs = { 0 };
	struct hvt_capture *c = hvt_capture_new(out, &cs, err);
	int st, fst;

	ck_assert_ptr_nonnull(c);
	st = hvt_capture_feed(c, (const uint8_t *)b->w, b->n * 8, base, err);
	fst = hvt_capture_flush(c, NULL);
	ck_assert_int_eq(fst, HVT_OK);
	hvt_capture_free(c);
	decode(&cs);
	chunks_free(&cs);
	return st;
}

static inline void regs_eq(const struct got *g, const uint64_t want[HVT_NREGS])
{
	for (unsigned i = 0; i < HVT_NREGS; i++)
		ck_assert_msg(g->regs[i] == want[i], "register %u: %#llx, expected %#llx", i,
			      (unsigned long long)g->regs[i], (unsigned long long)want[i]);
}

static inline struct hvt_vm_state start_state(unsigned vm)
{
	struct hvt_vm_state st = { .rip = 0x7c00 + vm, .rflags = 2, .cr0 = 0x10, .icount = 10 };

	for (unsigned i = 0; i < 16; i++)
		st.gpr[i] = 0x100 * (vm + 1) + i;
	return st;
}

static inline void state_regs(const struct hvt_vm_state *st, uint64_t regs[HVT_NREGS])
{
	memcpy(regs, st->gpr, sizeof(st->gpr));
	regs[RIP] = st->rip;
	regs[RFLAGS] = st->rflags;
}

#endif
