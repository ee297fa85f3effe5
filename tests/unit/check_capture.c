/*
 * check_capture.c - capture stream -> v1 records (tracer/hvt_capture.c).
 *
 * Capture payloads are built word by word here, converted, and the v1 chunks that come out are
 * decoded with the ordinary decoder: every exit must carry the VM's full register state, built
 * from the registers that follow and the reference (the state at the VM's last entry, RIP at its
 * last exit). A random
 * model also drives the encoder directly, the way the hypervisor used to, and the converter's
 * chunks must be the same bytes. Each malformed record must stop the converter with an error
 * naming its offset, keeping the events before it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hvt_capture.h"
#include "trace_decode.h"
#include "trace_encode.h"
#include "xorshift.h"
#include "check_run.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };
#define RIP HVT_REG_RIP
#define RFLAGS HVT_REG_RFLAGS
#define F(r) (1u << (r)) /* struct xexit.follow: GPR 0-15, RIP (16), RFLAGS (17) */

/* ---- building capture words --------------------------------------------------------------- */
struct words {
	uint64_t *w;
	size_t n, cap;
};

static void put(struct words *b, uint64_t w)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 1024;
		b->w = realloc(b->w, b->cap * sizeof(*b->w));
		ck_assert_ptr_nonnull(b->w);
	}
	b->w[b->n++] = w;
}

static void put_bytes(struct words *b, const void *data, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = 0;
		memcpy(&w, (const uint8_t *)data + i, len - i < 8 ? len - i : 8);
		put(b, w);
	}
}

static void cap_vm_start(struct words *b, unsigned vm, const struct hvt_vm_state *st)
{
	put(b, HVT_CAP_VM_START | (uint64_t)vm << 8);
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

static void cap_exit(struct words *b, const struct xexit *x)
{
	uint64_t w0 = HVT_CAP_EXIT | (uint64_t)x->reason << HVT_CAP_REASON_SHIFT |
		      (uint64_t)x->len << HVT_CAP_LEN_SHIFT | (uint64_t)(x->follow & 0xffff) << HVT_CAP_GPR_SHIFT |
		      (uint64_t)x->post.mask << HVT_CAP_POST_SHIFT;

	if (x->follow & F(RIP))
		w0 |= HVT_CAP_RIP;
	if (x->follow & F(RFLAGS))
		w0 |= HVT_CAP_RFLAGS;
	if (x->has_qual)
		w0 |= HVT_CAP_QUAL;
	if (x->has_gpa)
		w0 |= HVT_CAP_GPA;
	put(b, w0);
	put(b, x->icount);
	for (unsigned i = 0; i < 16; i++) /* the world switch's order: RSP last */
		if (i != RSP && x->follow >> i & 1)
			put(b, x->regs[i]);
	for (unsigned i = RSP; i < HVT_NREGS; i += i == RSP ? RIP - RSP : 1)
		if (x->follow >> i & 1)
			put(b, x->regs[i]);
	if (x->has_qual)
		put(b, x->qual);
	if (x->has_gpa)
		put(b, x->gpa);
	for (unsigned i = 0; i < HVT_POST_NVALS; i++)
		if (x->post.mask >> i & 1)
			put(b, x->post.v[i]);
}

static void cap_blob(struct words *b, unsigned kind, uint64_t gpa, const void *data, uint32_t len)
{
	put(b, kind | (uint64_t)len << 32);
	if (kind == HVT_CAP_MEMWRITE)
		put(b, gpa);
	put_bytes(b, data, len);
}

static void cap_inject(struct words *b, uint32_t info, uint32_t errc)
{
	put(b, HVT_CAP_INJECT | (uint64_t)info << 32);
	put(b, errc);
}

static void cap_switch(struct words *b, unsigned vm)
{
	put(b, HVT_CAP_SWITCH | (uint64_t)vm << 8);
}

static void cap_vm_stop(struct words *b, unsigned vm, unsigned why, uint64_t status, uint64_t detail)
{
	put(b, HVT_CAP_VM_STOP | (uint64_t)vm << 8 | (uint64_t)why << 16);
	put(b, status);
	put(b, detail);
}

static void cap_end(struct words *b, uint64_t status)
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

static int out(void *ctx, const uint8_t *chunk, size_t len, struct hvt_err *err)
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

static void direct_sink(void *ctx, const uint8_t *chunk, uint32_t len)
{
	out(ctx, chunk, len, NULL);
}

static void chunks_free(struct chunks *cs)
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

static void decode(const struct chunks *cs)
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
static int convert(const struct words *b, uint64_t base, struct hvt_err *err)
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

static void regs_eq(const struct got *g, const uint64_t want[HVT_NREGS])
{
	for (unsigned i = 0; i < HVT_NREGS; i++)
		ck_assert_msg(g->regs[i] == want[i], "register %u: %#llx, expected %#llx", i,
			      (unsigned long long)g->regs[i], (unsigned long long)want[i]);
}

static struct hvt_vm_state start_state(unsigned vm)
{
	struct hvt_vm_state st = { .rip = 0x7c00 + vm, .rflags = 2, .cr0 = 0x10, .icount = 10 };

	for (unsigned i = 0; i < 16; i++)
		st.gpr[i] = 0x100 * (vm + 1) + i;
	return st;
}

static void state_regs(const struct hvt_vm_state *st, uint64_t regs[HVT_NREGS])
{
	memcpy(regs, st->gpr, sizeof(st->gpr));
	regs[RIP] = st->rip;
	regs[RFLAGS] = st->rflags;
}

/* ---- the entry-state rule, by hand -------------------------------------------------------- */
START_TEST(test_exit_state)
{
	struct words b = { 0 };
	struct hvt_vm_state st = start_state(0);
	struct hvt_err err;
	uint64_t want[HVT_NREGS];

	cap_vm_start(&b, 0, &st);
	/* cpuid: RAX and RCX follow (RCX unchanged: allowed), the handler sets RAX-RDX. */
	cap_exit(&b, &(struct xexit){ .reason = 10, .len = 2, .icount = 20, .follow = F(RAX) | F(RCX),
				       .regs = { [RAX] = 1, [RCX] = st.gpr[RCX] },
				       .post = { .mask = 0xf, .v = { 0xa0, 0xa1, 0xa2, 0xa3 } } });
	/* Only RIP follows (the next cpuid): the GPRs are those the handler left. */
	cap_exit(&b, &(struct xexit){ .reason = 10, .len = 2, .icount = 30,
				       .follow = F(RIP), .regs = { [RIP] = 0x7c02 },
				       .post = { .mask = 0xf, .v = { 0xa0, 0xa1, 0xa2, 0xa3 } } });
	/* A jump, new RFLAGS, qualification and gpa; the handler sets RFLAGS and CR0 and leaves RIP. */
	cap_exit(&b, &(struct xexit){ .reason = 48, .icount = 30,
				       .follow = F(RSI) | F(RSP) | F(15) | F(RIP) | F(RFLAGS),
				       .regs = { [RSI] = 0x51, [RSP] = 0x6ff8, [15] = 0xf15, [RIP] = 0x8000, [RFLAGS] = 0x246 },
				       .has_qual = 1, .qual = 0x181, .has_gpa = 1, .gpa = 0xfee00010,
				       .post = { .mask = HVT_POST_RFLAGS | HVT_POST_CR0, .v = { [16] = 0x202, [17] = 0x11 } } });
	/* Nothing follows: RFLAGS from the post-state, CR0 is no register, RIP as at the last exit. */
	cap_exit(&b, &(struct xexit){ .reason = 30, .len = 1, .icount = 45 });
	/* The same again: RIP is compared with the previous exit's, not with where the guest resumed. */
	cap_exit(&b, &(struct xexit){ .reason = 30, .len = 1, .icount = 45 });
	ck_assert_int_eq(convert(&b, 0, &err), HVT_OK);

	ck_assert_uint_eq(nevs, 6);
	ck_assert_uint_eq(evs[0].type, HVT_REC_VM_START);
	state_regs(&st, want);
	regs_eq(&evs[0], want);

	want[RAX] = 1;
	ck_assert_uint_eq(evs[1].type, HVT_REC_EXIT);
	ck_assert_uint_eq(evs[1].reason, 10);
	ck_assert_uint_eq(evs[1].icount, 20);
	ck_assert_uint_eq(evs[1].qual, 0); /* absent: 0 */
	ck_assert_uint_eq(evs[1].insn_len, 2);
	ck_assert_uint_eq(evs[1].post_mask, 0xf);
	ck_assert_uint_eq(evs[1].post[3], 0xa3);
	regs_eq(&evs[1], want);

	want[RAX] = 0xa0, want[RCX] = 0xa1, want[RDX] = 0xa2, want[RBX] = 0xa3;
	want[RIP] = 0x7c02;
	ck_assert_uint_eq(evs[2].icount, 30);
	regs_eq(&evs[2], want);

	want[RSI] = 0x51, want[RSP] = 0x6ff8, want[15] = 0xf15, want[RIP] = 0x8000, want[RFLAGS] = 0x246;
	ck_assert_uint_eq(evs[3].reason, 48);
	ck_assert_uint_eq(evs[3].qual, 0x181);
	ck_assert(evs[3].has_gpa);
	ck_assert_uint_eq(evs[3].gpa, 0xfee00010);
	ck_assert_uint_eq(evs[3].insn_len, 0);
	ck_assert_uint_eq(evs[3].post_mask, HVT_POST_RFLAGS | HVT_POST_CR0);
	ck_assert_uint_eq(evs[3].post[17], 0x11);
	regs_eq(&evs[3], want);

	want[RFLAGS] = 0x202;
	ck_assert_uint_eq(evs[4].qual, 0);
	ck_assert(!evs[4].has_gpa);
	regs_eq(&evs[4], want);
	regs_eq(&evs[5], want);
	ck_assert_uint_eq(evs[5].icount, 45); /* the same count again is fine */
	free(b.w);
}
END_TEST

/* Two VMs: each exit starts from its own VM's entry state, SWITCH picks the VM. */
START_TEST(test_switch)
{
	struct words b = { 0 };
	struct hvt_vm_state s0 = start_state(0), s1 = start_state(1);
	struct hvt_err err;
	uint64_t w0[HVT_NREGS], w1[HVT_NREGS];

	cap_vm_start(&b, 0, &s0);
	cap_vm_start(&b, 1, &s1); /* VM 1 is current */
	cap_exit(&b, &(struct xexit){ .reason = 18, .len = 3, .icount = 100, .follow = F(RAX), .regs = { [RAX] = 7 },
				       .post = { .mask = HVT_POST_GPR(RAX), .v = { 70 } } });
	cap_switch(&b, 0);
	cap_exit(&b, &(struct xexit){ .reason = 12, .len = 1, .icount = 11 });
	cap_switch(&b, 1);
	cap_exit(&b, &(struct xexit){ .reason = 52, .icount = 150 });
	ck_assert_int_eq(convert(&b, 0, &err), HVT_OK);

	ck_assert_uint_eq(nevs, 7);
	state_regs(&s0, w0);
	state_regs(&s1, w1);
	w1[RAX] = 7;
	ck_assert_uint_eq(evs[2].vm, 1);
	regs_eq(&evs[2], w1);
	ck_assert_uint_eq(evs[3].type, HVT_REC_SWITCH);
	ck_assert_uint_eq(evs[3].target, 0);
	ck_assert_uint_eq(evs[4].vm, 0);
	ck_assert_uint_eq(evs[4].icount, 11);
	regs_eq(&evs[4], w0);
	w1[RAX] = 70; /* RIP: where VM 1 exited last */
	ck_assert_uint_eq(evs[6].vm, 1);
	ck_assert_uint_eq(evs[6].icount, 150);
	regs_eq(&evs[6], w1);
	free(b.w);
}
END_TEST

/* The records an exit's handler makes, a stop, a restart, and END. */
START_TEST(test_other_records)
{
	struct words b = { 0 };
	struct hvt_vm_state st = start_state(0);
	static uint8_t big[HVT_CAP_BLOB_MAX];
	static const char note[] = "hv: VM 0 wrote 13 bytes";
	struct hvt_err err;
	uint64_t want[HVT_NREGS];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 18, .len = 3, .icount = 50,
				       .follow = F(RBX), .regs = { [RBX] = 0x9000 } });
	cap_blob(&b, HVT_CAP_MEMWRITE, 0x9000, "Hello, world!", 13); /* padded to 2 words */
	cap_inject(&b, 0x80000b0e, 0x12);
	cap_blob(&b, HVT_CAP_NOTE, 0, note, sizeof(note) - 1);
	cap_blob(&b, HVT_CAP_MEMWRITE, 0x10000, big, sizeof(big)); /* two v1 records of 4096 */
	cap_vm_stop(&b, 0, HVT_STOP_TRIPLE_FAULT, 3, 0xdead);
	st.icount = 0; /* restarted from scratch */
	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 12, .icount = 4 });
	cap_end(&b, 42);
	ck_assert_int_eq(convert(&b, 0, &err), HVT_OK);

	ck_assert_uint_eq(nevs, 11);
	ck_assert_uint_eq(evs[2].type, HVT_REC_MEMWRITE);
	ck_assert_uint_eq(evs[2].gpa, 0x9000);
	ck_assert_uint_eq(evs[2].len, 13);
	ck_assert_str_eq(evs[2].text, "Hello, world!");
	ck_assert_uint_eq(evs[3].type, HVT_REC_INJECT);
	ck_assert_uint_eq(evs[3].info, 0x80000b0e);
	ck_assert_uint_eq(evs[3].errc, 0x12);
	ck_assert_uint_eq(evs[4].type, HVT_REC_NOTE);
	ck_assert_str_eq(evs[4].text, note);
	for (int k = 0; k < 2; k++) {
		ck_assert_uint_eq(evs[5 + k].type, HVT_REC_MEMWRITE);
		ck_assert_uint_eq(evs[5 + k].gpa, 0x10000 + 4096 * (unsigned)k);
		ck_assert_uint_eq(evs[5 + k].len, 4096);
		ck_assert_uint_eq(evs[5 + k].data_crc, (uint32_t)crc32(0, big + 4096 * k, 4096));
	}
	ck_assert_uint_eq(evs[7].type, HVT_REC_VM_STOP);
	ck_assert_uint_eq(evs[7].vm, 0);
	ck_assert_uint_eq(evs[7].why, HVT_STOP_TRIPLE_FAULT);
	ck_assert_uint_eq(evs[7].status, 3);
	ck_assert_uint_eq(evs[7].detail, 0xdead);
	ck_assert_uint_eq(evs[8].type, HVT_REC_VM_START);
	state_regs(&st, want);
	ck_assert_uint_eq(evs[9].icount, 4); /* a restart may count from lower */
	regs_eq(&evs[9], want);
	ck_assert_uint_eq(evs[10].type, HVT_REC_END);
	ck_assert_uint_eq(evs[10].status, 42);
	free(b.w);
}
END_TEST

/* ---- a random model: the converter must give the bytes the encoder gave in the hypervisor ---- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	return xorshift64(&rng_state);
}
static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint64_t (*exit_regs)[HVT_NREGS]; /* the state at each exit, in order */
static size_t nexit_regs;

struct mvm {
	int started;
	uint64_t entry[HVT_NREGS], icount; /* the capture's reference (RIP: at the last exit) */
};

/*
 * nexits exits over nvms VMs. The hypervisor's side is played twice: the encoder called
 * directly (what hv/ did before the capture stream) and capture words cut into chunks at
 * record boundaries (cuts[] holds where each chunk ends, in words).
 */
static void model_run(struct hvt_enc *e, struct words *b, size_t *cuts, size_t *ncuts, uint64_t nexits,
		      unsigned nvms, uint64_t seed, int end)
{
	static struct mvm m[HVT_MAX_VMS];
	static uint8_t blob[HVT_CAP_BLOB_MAX];
	int cur = -1;
	size_t last_cut = 0;

	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	memset(m, 0, sizeof(m));
	*ncuts = 0;
	nexit_regs = 0;
	exit_regs = realloc(exit_regs, nexits * sizeof(*exit_regs));
	for (uint64_t i = 0; i < nexits; i++) {
		if (cur < 0 || !m[cur].started || !pick(200)) { /* start (or restart) a VM */
			unsigned vm = pick(nvms);
			struct hvt_vm_state st = start_state(vm);
			st.gpr[pick(16)] = rnd();
			st.icount = pick(2) ? 0 : rnd() >> 24;
			hvt_enc_vm_start(e, vm, &st);
			cap_vm_start(b, vm, &st);
			state_regs(&st, m[vm].entry);
			m[vm].icount = st.icount;
			m[vm].started = 1;
			cur = (int)vm;
		} else if (!pick(20)) { /* the scheduler */
			unsigned vm = pick(nvms);
			hvt_enc_switch(e, vm);
			cap_switch(b, vm);
			cur = (int)vm;
			if (!m[vm].started)
				continue;
		}
		struct mvm *v = &m[cur];
		struct xexit x = { .reason = pick(4) ? 30 + pick(3) : pick(128), .len = pick(4) ? 1 + pick(3) : pick(16) };
		uint64_t regs[HVT_NREGS];

		memcpy(regs, v->entry, sizeof(regs));
		for (unsigned k = pick(4); k; k--) { /* the guest ran: some registers changed */
			unsigned r = pick(HVT_NREGS);
			regs[r] = pick(3) ? regs[r] + pick(64) - 32 : rnd();
		}
		for (unsigned r = 0; r < HVT_NREGS; r++)
			if (regs[r] != v->entry[r] || !pick(50)) { /* unchanged ones may follow too */
				x.follow |= F(r);
				x.regs[r] = regs[r];
			}
		v->icount += pick(8) ? 1 + pick(500) : 0;
		x.icount = v->icount;
		if (pick(3)) {
			x.qual = pick(3) ? pick(4) : rnd();
			x.has_qual = x.qual || !pick(4); /* a zero one may be written */
		}
		if (!pick(8)) {
			x.has_gpa = 1;
			x.gpa = rnd() & 0xffffffff;
		}
		if (pick(2)) {
			x.post.mask = (uint32_t)rnd() & HVT_POST_KNOWN_BITS & (pick(2) ? 0xf : ~0u);
			for (unsigned k = 0; k < HVT_POST_NVALS; k++)
				x.post.v[k] = pick(2) ? k : rnd();
		}
		hvt_enc_exit(e, x.reason, x.icount, regs, x.qual, &x.post, x.len, x.has_gpa, x.gpa);
		cap_exit(b, &x);
		memcpy(exit_regs[nexit_regs++], regs, sizeof(regs));
		for (unsigned r = 0; r < 16; r++)
			if (x.post.mask >> r & 1)
				regs[r] = x.post.v[r];
		if (x.post.mask & HVT_POST_RFLAGS)
			regs[RFLAGS] = x.post.v[16];
		memcpy(v->entry, regs, sizeof(regs)); /* RIP: this exit's, the reference for the next */

		if (!pick(30)) {
			uint32_t len = pick(4) ? 1 + pick(64) : 1 + pick(HVT_CAP_BLOB_MAX);
			uint64_t gpa = rnd() & 0xfffff;
			for (uint32_t k = 0; k < len; k++)
				blob[k] = (uint8_t)rnd();
			hvt_enc_memwrite(e, gpa, blob, len);
			cap_blob(b, HVT_CAP_MEMWRITE, gpa, blob, len);
		}
		if (!pick(10)) {
			uint32_t info = 0x80000000u | pick(256), errc = pick(2) ? 0 : (uint32_t)rnd();
			hvt_enc_inject(e, info, errc);
			cap_inject(b, info, errc);
		}
		if (!pick(100)) { /* longer than the encoder's 4096: cut there, either way */
			uint32_t len = pick(2) ? 1 + pick(40) : HVT_CAP_BLOB_MAX;
			memset(blob, 'a' + (int)pick(26), len);
			hvt_enc_note(e, (const char *)blob, len);
			cap_blob(b, HVT_CAP_NOTE, 0, blob, len);
		}
		if (!pick(150)) {
			unsigned why = pick(HVT_STOP_COUNT);
			uint64_t detail = rnd();
			hvt_enc_vm_stop(e, (unsigned)cur, why, i, detail);
			cap_vm_stop(b, (unsigned)cur, why, i, detail);
			v->started = 0;
		}
		if ((b->n - last_cut) * 8 > 4096 + pick(60000)) /* a capture chunk ends */
			cuts[(*ncuts)++] = last_cut = b->n;
	}
	if (end) {
		hvt_enc_finish(e, 5);
		cap_end(b, 5);
	} else {
		hvt_enc_flush(e);
	}
	cuts[(*ncuts)++] = b->n;
}

static void chunks_same(const struct chunks *a, const struct chunks *b)
{
	ck_assert_uint_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_uint_eq(a->len[i], b->len[i]);
		ck_assert_msg(!memcmp(a->c[i], b->c[i], a->len[i]), "chunk %zu differs", i);
	}
}

/* Every exit's registers, in order, as the model had them. */
static void exits_as_modelled(void)
{
	size_t k = 0;

	for (size_t i = 0; i < nevs; i++)
		if (evs[i].type == HVT_REC_EXIT) {
			ck_assert_uint_lt(k, nexit_regs);
			regs_eq(&evs[i], exit_regs[k++]);
		}
	ck_assert_uint_eq(k, nexit_regs);
}

START_TEST(test_same_bytes_as_the_encoder)
{
	static struct hvt_enc e;
	static size_t cuts[1 << 16];
	static _Alignas(8) uint8_t buf[HVT_CHUNK_MIN];
	struct chunks direct = { 0 }, conv = { 0 };
	struct words b = { 0 };
	struct hvt_err err;
	struct hvt_capture *c;
	size_t ncuts, from = 0;
	uint64_t base = 8 * 512;

	hvt_enc_init(&e, buf, sizeof(buf), direct_sink, &direct);
	model_run(&e, &b, cuts, &ncuts, 40000, _i ? HVT_MAX_VMS : 3, 77 + (uint64_t)_i, 1);
	ck_assert_uint_gt(ncuts, 10);
	ck_assert_uint_gt(direct.n, 5);

	c = hvt_capture_new(out, &conv, &err);
	for (size_t k = 0; k < ncuts; k++) { /* the state carries from chunk to chunk */
		int st = hvt_capture_feed(c, (const uint8_t *)(b.w + from), (cuts[k] - from) * 8, base, &err);
		ck_assert_msg(st == HVT_OK, "capture chunk %zu: %s", k, err.msg);
		base += (cuts[k] - from) * 8 + 64;
		from = cuts[k];
	}
	ck_assert(hvt_capture_ended(c));
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_OK);
	hvt_capture_free(c);
	chunks_same(&direct, &conv);
	decode(&conv);
	exits_as_modelled();
	ck_assert_uint_eq(evs[nevs - 1].type, HVT_REC_END);
	chunks_free(&direct);
	chunks_free(&conv);
	free(b.w);
}
END_TEST

/* No END (the run was cut short): flush gives the partly filled last chunk, as hvt_enc_flush did. */
START_TEST(test_flush_without_end)
{
	static struct hvt_enc e;
	static size_t cuts[1 << 16];
	static _Alignas(8) uint8_t buf[HVT_CHUNK_MIN];
	struct chunks direct = { 0 }, conv = { 0 };
	struct words b = { 0 };
	struct hvt_err err;
	struct hvt_capture *c;
	size_t ncuts;

	hvt_enc_init(&e, buf, sizeof(buf), direct_sink, &direct);
	model_run(&e, &b, cuts, &ncuts, 3000, 2, 5, 0);
	c = hvt_capture_new(out, &conv, &err);
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, b.n * 8, 0, &err), HVT_OK);
	ck_assert(!hvt_capture_ended(c));
	ck_assert_uint_lt(conv.n, direct.n); /* the last chunk is still in the converter */
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_OK);
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_OK); /* nothing new: no empty chunk */
	hvt_capture_free(c);
	chunks_same(&direct, &conv);
	decode(&conv);
	exits_as_modelled();
	ck_assert_uint_ne(evs[nevs - 1].type, HVT_REC_END);
	chunks_free(&direct);
	chunks_free(&conv);
	free(b.w);
}
END_TEST

/* ---- malformed input: an error naming the record, the events before it kept ----------------- */
#define W_EXIT(icount) HVT_CAP_EXIT | 12 << HVT_CAP_REASON_SHIFT, (icount)
static const struct bad {
	const char *what;  /* expected in the message */
	uint64_t w[8];     /* after VM_START 0 and an EXIT at icount 5 */
	unsigned n, at;    /* words, the bad record's first word */
	unsigned kept;     /* records of w[] converted before it */
} bads[] = {
	{ "unknown capture record kind 0", { 0 }, 1, 0, 0 },
	{ "unknown capture record kind 9", { W_EXIT(6), 9 }, 3, 2, 1 },
	{ "unknown capture record kind 15", { 0xffffffffffffffffull }, 1, 0, 0 },
	{ "reserved bits 56-63", { HVT_CAP_EXIT | 1ull << 56, 6 }, 2, 0, 0 },
	{ "VM_START word 0x12 has reserved bits", { HVT_CAP_VM_START | 0x10 }, 1, 0, 0 },
	{ "SWITCH word 0x10005 has reserved bits", { HVT_CAP_SWITCH | 1 << 16 }, 1, 0, 0 },
	{ "INJECT word 0x80000000000000a3 has reserved", { HVT_CAP_INJECT | 0xa0 | 1ull << 63, 0 }, 2, 0, 0 },
	{ "VM_STOP word 0x1000006 has reserved", { HVT_CAP_VM_STOP | 1 << 24, 0, 0 }, 3, 0, 0 },
	{ "END word 0x18 has reserved", { HVT_CAP_END | 0x10, 0 }, 2, 0, 0 },
	{ "MEMWRITE word 0x800000014 has reserved", { HVT_CAP_MEMWRITE | 0x10 | 8ull << 32, 0, 0 }, 3, 0, 0 },
	{ "NOTE word 0x80000007 has reserved", { HVT_CAP_NOTE | 1u << 31 }, 1, 0, 0 },
	{ "INJECT error code 0x100000000 wider", { HVT_CAP_INJECT, 1ull << 32 }, 2, 0, 0 },
	{ "VM_START of VM 16 (max 15)", { HVT_CAP_VM_START | 16 << 8 }, 1, 0, 0 },
	{ "SWITCH of VM 200", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_SWITCH | 200 << 8 }, 2, 1, 1 },
	{ "VM_STOP of VM 16", { HVT_CAP_VM_STOP | 16 << 8, 0, 0 }, 3, 0, 0 },
	{ "VM_STOP reason 9 unknown", { HVT_CAP_VM_STOP | 9 << 16, 0, 0 }, 3, 0, 0 },
	{ "EXIT of 3 words runs past the end of the chunk (2 left)", { HVT_CAP_EXIT | HVT_CAP_GPR(5), 6 }, 2, 0, 0 },
	{ "EXIT of 3 words runs past", { W_EXIT(6), HVT_CAP_EXIT | 1ull << 55, 7 }, 4, 2, 1 },
	{ "EXIT of 2 words runs past", { HVT_CAP_EXIT }, 1, 0, 0 },
	{ "VM_START of 52 words runs past", { HVT_CAP_VM_START, 0, 0, 0 }, 4, 0, 0 },
	{ "MEMWRITE of 20 bytes runs past", { HVT_CAP_MEMWRITE | 20ull << 32, 0x1000, 1, 2 }, 4, 0, 0 },
	{ "NOTE of 9 bytes runs past", { HVT_CAP_NOTE | 9ull << 32, 0x41 }, 2, 0, 0 },
	{ "INJECT of 2 words runs past", { HVT_CAP_INJECT }, 1, 0, 0 },
	{ "VM_STOP of 3 words runs past", { HVT_CAP_VM_STOP, 0 }, 2, 0, 0 },
	{ "END of 2 words runs past", { HVT_CAP_END }, 1, 0, 0 },
	{ "MEMWRITE of 8193 bytes (max 8192)", { HVT_CAP_MEMWRITE | 8193ull << 32, 0 }, 2, 0, 0 },
	{ "NOTE of 4294967295 bytes (max 8192)", { HVT_CAP_NOTE | 0xffffffffull << 32 }, 1, 0, 0 },
	{ "EXIT of VM 0 at instruction 4, before its previous 5", { W_EXIT(4) }, 2, 0, 0 },
	{ "EXIT of VM 0 at instruction 6, before its previous 9", { W_EXIT(9), W_EXIT(6) }, 4, 2, 1 },
	{ "record after END", { HVT_CAP_END, 0, HVT_CAP_SWITCH }, 3, 2, 1 },
	{ "record after END", { HVT_CAP_END, 0, HVT_CAP_END, 0 }, 4, 2, 1 },
	{ "EXIT for VM 0, which is not running", { HVT_CAP_VM_STOP, 0, 0, W_EXIT(6) }, 5, 3, 1 },
	{ "INJECT for VM 0, which is not running", { HVT_CAP_VM_STOP, 0, 0, HVT_CAP_INJECT, 0 }, 5, 3, 1 },
	{ "MEMWRITE for VM 3, which is not running", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_MEMWRITE, 0 }, 3, 1, 1 },
	{ "NOTE for VM 3, which is not running", { HVT_CAP_SWITCH | 3 << 8, HVT_CAP_NOTE }, 2, 1, 1 },
};

START_TEST(test_malformed)
{
	const struct bad *t = &bads[_i];
	struct hvt_vm_state st = start_state(0);
	struct words b = { 0 };
	struct hvt_err err = { 0 };
	uint64_t base = 4096 + 64, want[HVT_NREGS];
	size_t prefix;

	st.icount = 0;
	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 12, .icount = 5, .follow = F(RDI), .regs = { [RDI] = 0x77 } });
	prefix = b.n;
	for (unsigned k = 0; k < t->n; k++)
		put(&b, t->w[k]);
	ck_assert_int_eq(convert(&b, base, &err), HVT_ECORRUPT);
	ck_assert_msg(strstr(err.msg, t->what), "case %d: \"%s\" not in \"%s\"", _i, t->what, err.msg);
	ck_assert_uint_eq(err.offset, base + 8 * (prefix + t->at));
	ck_assert_uint_eq(nevs, 2 + t->kept); /* what came before is kept */
	state_regs(&st, want);
	want[RDI] = 0x77;
	ck_assert_uint_eq(evs[1].type, HVT_REC_EXIT);
	regs_eq(&evs[1], want);
	free(b.w);
}
END_TEST

/* Records that need a running VM, before any VM started. */
START_TEST(test_no_vm)
{
	static const uint64_t recs[][3] = {
		{ HVT_CAP_EXIT, 1 }, { HVT_CAP_INJECT, 0 }, { HVT_CAP_MEMWRITE, 0 }, { HVT_CAP_NOTE },
	};
	static const char *const names[] = { "EXIT", "INJECT", "MEMWRITE", "NOTE" };
	struct words b = { 0 };
	struct hvt_err err;
	char want[64];

	put(&b, HVT_CAP_SWITCH | 1 << 8); /* a VM that never started is current: same answer */
	put(&b, recs[_i][0]);
	put(&b, recs[_i][1]);
	ck_assert_int_eq(convert(&b, 0, &err), HVT_ECORRUPT);
	snprintf(want, sizeof(want), "offset 8: %s for VM 1, which is not running", names[_i]);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(nevs, 1);
	b.n = 0;
	put(&b, recs[_i][0]);
	put(&b, recs[_i][1]);
	ck_assert_int_eq(convert(&b, 0, &err), HVT_ECORRUPT);
	snprintf(want, sizeof(want), "offset 0: %s before any VM started", names[_i]);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(nevs, 0);
	free(b.w);
}
END_TEST

/* Errors that concern the feeding: partial words, input after END or after an error. */
START_TEST(test_feed_errors)
{
	struct hvt_vm_state st = start_state(0);
	struct words b = { 0 };
	struct chunks cs = { 0 };
	struct hvt_err err;
	struct hvt_capture *c = hvt_capture_new(out, &cs, &err);
	const uint8_t *p;

	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 12, .icount = 11 });
	p = (const uint8_t *)b.w;
	ck_assert_int_eq(hvt_capture_feed(c, p, 8 * 52, 100, &err), HVT_OK);
	ck_assert_int_eq(hvt_capture_feed(c, p + 8 * 52, 13, 1000, &err), HVT_ECORRUPT);
	ck_assert_str_eq(err.msg, "offset 1008: capture payload of 13 bytes is not a whole number of words");
	ck_assert_uint_eq(err.offset, 1008);
	ck_assert_int_eq(hvt_capture_feed(c, p + 8 * 52, 16, 1000, &err), HVT_ECORRUPT); /* stopped */
	ck_assert_uint_eq(hvt_capture_nrecords(c), 1);
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_OK);
	hvt_capture_free(c);
	decode(&cs);
	ck_assert_uint_eq(nevs, 1);
	chunks_free(&cs);

	/* END in one chunk, anything in the next. */
	c = hvt_capture_new(out, &cs, &err);
	b.n = 0;
	cap_vm_start(&b, 0, &st);
	cap_end(&b, 0);
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, b.n * 8, 0, &err), HVT_OK);
	ck_assert(hvt_capture_ended(c));
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, 0, 0, &err), HVT_OK); /* empty: fine */
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, 16, 512, &err), HVT_ECORRUPT);
	ck_assert_str_eq(err.msg, "offset 512: record after END");
	ck_assert_uint_eq(hvt_capture_nrecords(c), 2);
	hvt_capture_free(c);
	decode(&cs);
	ck_assert_uint_eq(nevs, 2);
	chunks_free(&cs);
	free(b.w);
}
END_TEST

/* The output refuses a chunk (disk full): the converter stops with its error. */
START_TEST(test_output_error)
{
	struct hvt_vm_state st = start_state(0);
	struct words b = { 0 };
	struct chunks cs = { .fail_at = 2 };
	struct hvt_err err;
	struct hvt_capture *c = hvt_capture_new(out, &cs, &err);
	int st1;

	cap_vm_start(&b, 0, &st);
	for (uint64_t i = 0; i < 30000; i++)
		cap_exit(&b, &(struct xexit){ .reason = 30, .icount = 20 + i, .follow = F(RAX), .regs = { i * 12345 } });
	st1 = hvt_capture_feed(c, (const uint8_t *)b.w, b.n * 8, 0, &err);
	ck_assert_int_eq(st1, HVT_EIO);
	ck_assert_str_eq(err.msg, "test: disk full");
	ck_assert_uint_eq(cs.n, 1);
	ck_assert_int_eq(hvt_capture_flush(c, &err), HVT_EIO);
	ck_assert_int_eq(hvt_capture_feed(c, (const uint8_t *)b.w, 8, 0, &err), HVT_EIO);
	hvt_capture_free(c);
	chunks_free(&cs);
	free(b.w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("capture");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exit_state);
	tcase_add_test(tc, test_switch);
	tcase_add_test(tc, test_other_records);
	tcase_add_loop_test(tc, test_same_bytes_as_the_encoder, 0, 2);
	tcase_add_test(tc, test_flush_without_end);
	tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_loop_test(tc, test_no_vm, 0, 4);
	tcase_add_test(tc, test_feed_errors);
	tcase_add_test(tc, test_output_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
