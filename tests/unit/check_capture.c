/*
 * check_capture.c - capture stream -> v1 records (tracer/hvt_capture.c).
 *
 * Capture payloads are built word by word here, converted, and the v1 chunks that come out are
 * decoded with the ordinary decoder: every exit must carry the VM's full register state, built
 * from the registers that follow and the reference (the state at the VM's last entry, RIP at its
 * last exit). A random
 * model also drives the encoder directly, the way the hypervisor used to, and the converter's
 * chunks must be the same bytes. Malformed input: check_capture_bad.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_capture.h"
#include "check_run.h"
#include "retrovisor/xorshift.h"

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
				       .post = { .mask = HVT_POST_RFLAGS | HVT_POST_CR0, .v = { [RV_POST_RFLAGS] = 0x202, [RV_POST_CR0] = 0x11 } } });
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
	ck_assert_uint_eq(evs[1].post[RV_POST_RBX], 0xa3);
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
	ck_assert_uint_eq(evs[3].post[RV_POST_CR0], 0x11);
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

/*
 * A debugger's register writes while the VM is held after an exit (POST): the record comes
 * through with its values, and the next exit's registers that do not follow are the debugger's
 * (the VM entered with them), while RIP is compared with the held exit's RIP as before.
 */
START_TEST(test_post_record)
{
	struct words b = { 0 };
	struct hvt_vm_state st = start_state(0);
	struct hvt_err err;
	uint64_t want[HVT_NREGS];
	struct hvt_post dbg = { .mask = HVT_POST_GPR(RAX) | HVT_POST_RFLAGS | HVT_POST_RIP };

	dbg.v[RV_POST_RAX] = 0x1234;
	dbg.v[RV_POST_RFLAGS] = 0x2c3;
	dbg.v[RV_POST_RIP] = 0x7d00;
	cap_vm_start(&b, 0, &st);
	cap_exit(&b, &(struct xexit){ .reason = 0, .icount = 20, .follow = F(RIP), .regs = { [RIP] = 0x7c10 },
				       .has_qual = 1, .qual = 1 }); /* the #DB of a breakpoint */
	cap_post(&b, &dbg);
	/* the guest ran from 0x7d00 with RAX and RFLAGS as set: nothing else follows but RIP */
	cap_exit(&b, &(struct xexit){ .reason = 10, .len = 2, .icount = 30, .follow = F(RIP), .regs = { [RIP] = 0x7d08 } });
	cap_end(&b, 0);
	ck_assert_int_eq(convert(&b, 0, &err), HVT_OK);

	ck_assert_uint_eq(nevs, 5);
	ck_assert_uint_eq(evs[2].type, HVT_REC_POST);
	ck_assert_uint_eq(evs[2].vm, 0);
	ck_assert_uint_eq(evs[2].post_mask, dbg.mask);
	ck_assert_uint_eq(evs[2].post[RV_POST_RAX], 0x1234);
	ck_assert_uint_eq(evs[2].post[RV_POST_RIP], 0x7d00);
	ck_assert_uint_eq(evs[2].post[RV_POST_RFLAGS], 0x2c3);
	state_regs(&st, want);
	want[RAX] = 0x1234, want[RFLAGS] = 0x2c3, want[RIP] = 0x7d08;
	ck_assert_uint_eq(evs[3].type, HVT_REC_EXIT);
	regs_eq(&evs[3], want);
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
			x.post.mask = (uint32_t)rnd() & HVT_POST_KNOWN_BITS & ~HVT_POST_RIP & (pick(2) ? 0xf : ~0u); /* an exit never sets RIP */
			for (unsigned k = 0; k < HVT_POST_NVALS; k++)
				x.post.v[k] = pick(2) ? k : rnd();
		}
		hvt_enc_exit(e, x.reason, x.icount, regs, x.qual, &x.post, x.len, x.has_gpa, x.gpa);
		cap_exit(b, &x);
		memcpy(exit_regs[nexit_regs++], regs, sizeof(regs));
		rv_post_apply(regs, x.post.mask, x.post.v, 0);
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

static Suite *suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("capture");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exit_state);
	tcase_add_test(tc, test_switch);
	tcase_add_test(tc, test_other_records);
	tcase_add_test(tc, test_post_record);
	tcase_add_loop_test(tc, test_same_bytes_as_the_encoder, 0, 2);
	tcase_add_test(tc, test_flush_without_end);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
