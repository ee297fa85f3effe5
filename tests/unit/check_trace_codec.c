/*
 * check_trace_codec.c - encoder -> decoder round trips (tracer/trace_encode.c, trace_decode.c).
 *
 * A random model drives the encoder the way the capture converter does (VM starts, exits followed
 * by the records their handler made, switches, stops, restarts) and writes down what every event
 * must decode to. The chunks the sink receives are then decoded in order and each
 * on its own, and every field is compared: registers at every exit, qualification, gpa, post-state,
 * instruction length, payloads, event numbers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "trace_decode.h"
#include "trace_encode.h"
#include "retrovisor/xorshift.h"
#include "check_run.h"

/* ---- the sink: copies of every chunk ---------------------------------------------------- */
struct chunks {
	uint8_t **c;
	uint32_t *len;
	size_t n, cap;
};

static void sink(void *ctx, const uint8_t *chunk, uint32_t len)
{
	struct chunks *cs = ctx;

	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 16;
		cs->c = realloc(cs->c, cs->cap * sizeof(*cs->c));
		cs->len = realloc(cs->len, cs->cap * sizeof(*cs->len));
	}
	cs->c[cs->n] = malloc(len);
	memcpy(cs->c[cs->n], chunk, len);
	cs->len[cs->n++] = len;
}

static void chunks_free(struct chunks *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i]);
	free(cs->c);
	free(cs->len);
	memset(cs, 0, sizeof(*cs));
}

/* ---- what each event must decode to ------------------------------------------------------ */
struct want {
	uint8_t type, vm, reason, insn_len, has_gpa, why;
	uint64_t regs[HVT_NREGS], icount, qual, gpa, status, detail;
	uint32_t post_mask, info, errc, len;
	uint64_t post[HVT_POST_NVALS];
	uint8_t data[64];
};

static struct want *wants;
static size_t nwant, capwant;

static struct want *want_push(void)
{
	if (nwant == capwant) {
		capwant = capwant ? 2 * capwant : 1024;
		wants = realloc(wants, capwant * sizeof(*wants));
	}
	memset(&wants[nwant], 0, sizeof(*wants));
	return &wants[nwant++];
}

/* ---- the model ------------------------------------------------------------------------------ */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	return xorshift64(&rng_state);
}
static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

struct vmm {
	int started;
	uint64_t regs[HVT_NREGS], icount;
};

static struct vmm vms[HVT_MAX_VMS];
static int cur;

static void model_start(struct hvt_enc *e, unsigned vm)
{
	struct hvt_vm_state st = { 0 };
	struct want *w;

	for (unsigned i = 0; i < 16; i++)
		st.gpr[i] = pick(3) ? rnd() : i;
	st.rip = 0x7c00 + vm;
	st.rflags = 2;
	st.cr0 = 0x10;
	st.icount = pick(2) ? 0 : rnd() >> 20;
	hvt_enc_vm_start(e, vm, &st);
	vms[vm].started = 1;
	memcpy(vms[vm].regs, st.gpr, sizeof(st.gpr));
	vms[vm].regs[HVT_REG_RIP] = st.rip;
	vms[vm].regs[HVT_REG_RFLAGS] = st.rflags;
	vms[vm].icount = st.icount;
	cur = (int)vm;
	w = want_push();
	w->type = HVT_REC_VM_START;
	w->vm = (uint8_t)vm;
	memcpy(w->regs, vms[vm].regs, sizeof(w->regs));
	w->icount = st.icount;
}

/* Records an exit's handler made: they come after the EXIT, in the order made. */
static void model_handler_records(struct hvt_enc *e)
{
	unsigned n = pick(4) ? 0 : 1 + pick(3);

	for (unsigned k = 0; k < n; k++) {
		struct want *w = want_push();
		w->vm = (uint8_t)cur;
		switch (pick(3)) {
		case 0:
			w->type = HVT_REC_INJECT;
			w->info = 0x80000000u | pick(256);
			w->errc = pick(2) ? 0 : (uint32_t)rnd();
			hvt_enc_inject(e, w->info, w->errc);
			break;
		case 1:
			w->type = HVT_REC_MEMWRITE;
			w->gpa = rnd() >> 30;
			w->len = 1 + pick(sizeof(w->data));
			for (unsigned i = 0; i < w->len; i++)
				w->data[i] = (uint8_t)rnd();
			hvt_enc_memwrite(e, w->gpa, w->data, w->len);
			break;
		default:
			w->type = HVT_REC_NOTE;
			w->len = pick(sizeof(w->data));
			for (unsigned i = 0; i < w->len; i++)
				w->data[i] = (uint8_t)('a' + pick(26));
			hvt_enc_note(e, (const char *)w->data, w->len);
			break;
		}
	}
}

static const uint64_t quals[] = { 0, 0x3f80000, 0x3fd0008, 0x10, 0x181, 0xffffffffffffffffull };

static void model_exit(struct hvt_enc *e)
{
	struct vmm *m = &vms[cur];
	struct hvt_post post = { 0 };
	struct want *w;
	unsigned reason = pick(4) ? (unsigned)(10 + pick(4) * 6) : pick(HVT_REASON_SLOTS);
	unsigned len = pick(16), changes = pick(5);
	uint64_t qual = pick(3) ? quals[pick(6)] : rnd();
	int has_gpa = !pick(5);
	uint64_t gpa = rnd() >> pick(64);

	for (unsigned k = 0; k < changes; k++) {
		unsigned i = pick(HVT_NREGS);
		m->regs[i] = pick(2) ? m->regs[i] + pick(64) - 32 : rnd();
	}
	if (pick(2))
		m->regs[HVT_REG_RIP] += pick(100);
	m->icount += pick(3) ? pick(1000) : rnd() >> 16;
	/* Post-state: often the same per reason (POST_AGAIN), sometimes none, sometimes new. */
	if (pick(4)) {
		post.mask = (reason % 3 == 0) ? (HVT_POST_GPR(0) | HVT_POST_GPR(2)) : (uint32_t)(rnd() & HVT_POST_KNOWN_BITS & ~HVT_POST_RIP);
		for (unsigned b = 0; b < HVT_POST_NVALS; b++)
			post.v[b] = pick(2) ? b * 0x1000 + reason : rnd();
	}

	w = want_push();
	w->type = HVT_REC_EXIT;
	w->vm = (uint8_t)cur;
	w->reason = (uint8_t)reason;
	memcpy(w->regs, m->regs, sizeof(w->regs));
	w->icount = m->icount;
	w->qual = qual;
	w->insn_len = (uint8_t)len;
	w->has_gpa = (uint8_t)has_gpa;
	w->gpa = has_gpa ? gpa : 0;
	w->post_mask = post.mask;
	memcpy(w->post, post.v, sizeof(post.v));

	hvt_enc_exit(e, reason, m->icount, m->regs, qual, &post, len, has_gpa, gpa);
	model_handler_records(e);
	if (!pick(200)) {
		/* The handler stops its own VM (a shutdown hypercall, a triple fault). */
		struct want *s = want_push();
		s->type = HVT_REC_VM_STOP;
		s->vm = (uint8_t)cur;
		s->why = (uint8_t)pick(HVT_STOP_COUNT);
		s->status = rnd();
		s->detail = pick(2) ? 0 : rnd();
		hvt_enc_vm_stop(e, (unsigned)cur, s->why, s->status, s->detail);
		m->started = 0;
	}
}

static void model_switch(struct hvt_enc *e)
{
	unsigned vm = pick(HVT_MAX_VMS);
	struct want *w;

	if (!vms[vm].started) {
		model_start(e, vm);
		return;
	}
	hvt_enc_switch(e, vm);
	w = want_push();
	w->type = HVT_REC_SWITCH;
	w->vm = (uint8_t)cur;
	w->why = (uint8_t)vm; /* the target */
	cur = (int)vm;
}

/* Drive the encoder with n random steps over up to nvms VMs; chunks go to cs. */
static void model_run(struct chunks *cs, unsigned n, unsigned nvms, uint32_t cap, uint64_t seed)
{
	static struct hvt_enc e;
	uint8_t *buf = aligned_alloc(8, cap);

	rng_state = seed | 1;
	nwant = 0;
	memset(vms, 0, sizeof(vms));
	hvt_enc_init(&e, buf, cap, sink, cs);
	model_start(&e, 0);
	for (unsigned i = 0; i < n; i++) {
		if (!vms[cur].started || (nvms > 1 && !pick(50))) {
			unsigned vm = pick(nvms);
			if (!vms[vm].started)
				model_start(&e, vm);
			else if (vm != (unsigned)cur) {
				struct want *w;
				hvt_enc_switch(&e, vm);
				w = want_push();
				w->type = HVT_REC_SWITCH;
				w->vm = (uint8_t)cur;
				w->why = (uint8_t)vm;
				cur = (int)vm;
			}
			if (!vms[cur].started)
				model_start(&e, (unsigned)cur);
			continue;
		}
		if (!pick(500))
			hvt_enc_flush(&e);
		model_exit(&e);
	}
	(void)model_switch;
	hvt_enc_finish(&e, 7);
	struct want *w = want_push();
	w->type = HVT_REC_END;
	w->vm = (uint8_t)cur;
	w->status = 7;
	free(buf);
}

/* ---- comparing -------------------------------------------------------------------------------- */
static void check_event(const struct hvt_event *ev, const struct want *w, uint64_t num)
{
	ck_assert_uint_eq(ev->num, num);
	ck_assert_uint_eq(ev->type, w->type);
	switch (w->type) {
	case HVT_REC_EXIT:
		ck_assert_uint_eq(ev->vm, w->vm);
		ck_assert_uint_eq(ev->reason, w->reason);
		ck_assert_msg(!memcmp(ev->regs, w->regs, sizeof(w->regs)), "event %llu: registers differ",
			      (unsigned long long)num);
		ck_assert_uint_eq(ev->icount, w->icount);
		ck_assert_uint_eq(ev->qual, w->qual);
		ck_assert_uint_eq(ev->insn_len, w->insn_len);
		ck_assert_uint_eq(ev->has_gpa, w->has_gpa);
		ck_assert_uint_eq(ev->gpa, w->gpa);
		ck_assert_uint_eq(ev->post_mask, w->post_mask);
		for (unsigned b = 0; b < HVT_POST_NVALS; b++)
			if (w->post_mask >> b & 1)
				ck_assert_uint_eq(ev->post[b], w->post[b]);
		break;
	case HVT_REC_VM_START:
		ck_assert_uint_eq(ev->vm, w->vm);
		ck_assert(!memcmp(ev->regs, w->regs, sizeof(w->regs)));
		ck_assert_uint_eq(ev->start->icount, w->icount);
		break;
	case HVT_REC_VM_STOP:
		ck_assert_uint_eq(ev->vm, w->vm);
		ck_assert_uint_eq(ev->stop_why, w->why);
		ck_assert_uint_eq(ev->status, w->status);
		ck_assert_uint_eq(ev->detail, w->detail);
		break;
	case HVT_REC_INJECT:
		ck_assert_uint_eq(ev->vm, w->vm);
		ck_assert_uint_eq(ev->inject_info, w->info);
		ck_assert_uint_eq(ev->inject_err, w->errc);
		break;
	case HVT_REC_MEMWRITE:
	case HVT_REC_NOTE:
		ck_assert_uint_eq(ev->vm, w->vm);
		ck_assert_uint_eq(ev->len, w->len);
		ck_assert(!memcmp(ev->data, w->data, w->len));
		if (w->type == HVT_REC_MEMWRITE)
			ck_assert_uint_eq(ev->gpa, w->gpa);
		break;
	case HVT_REC_SWITCH:
		ck_assert_uint_eq(ev->vm, w->vm);
		ck_assert_uint_eq(ev->target, w->why);
		break;
	case HVT_REC_END:
		ck_assert_uint_eq(ev->status, w->status);
		break;
	}
}

/*
 * Decode chunks [from, n) with one decoder; compare against wants. Event numbers run on from
 * chunk to chunk without a gap, so the records after an exit have the numbers of the order they
 * were made in. Returns events seen.
 */
static uint64_t decode_all(const struct chunks *cs, size_t from, int fresh_each)
{
	static struct hvt_dec d;
	struct hvt_err err = { 0 };
	struct hvt_event ev;
	struct hvt_chunk_header h;
	uint64_t seen = 0, next = 0;
	int st;

	hvt_dec_init(&d);
	for (size_t i = from; i < cs->n; i++) {
		memcpy(&h, cs->c[i], sizeof(h));
		ck_assert_uint_eq(h.magic, HVT_CHUNK_MAGIC);
		ck_assert_uint_eq(h.index, i);
		if (i > from)
			ck_assert_uint_eq(h.first_event, next);
		next = h.first_event + h.nevents;
		ck_assert_uint_eq(h.stored_size, cs->len[i] - sizeof(h));
		ck_assert_uint_le(h.raw_size, HVT_CHUNK_MAX);
		if (fresh_each)
			hvt_dec_init(&d);
		st = hvt_dec_chunk(&d, &h, cs->c[i] + sizeof(h), h.raw_size, &err);
		ck_assert_msg(st == HVT_OK, "chunk %zu: %s", i, err.msg);
		for (uint32_t k = 0; k < h.nevents; k++) {
			st = hvt_dec_next(&d, &ev, &err);
			ck_assert_msg(st == HVT_OK, "chunk %zu event %u: %s (%d)", i, k, err.msg, st);
			ck_assert_uint_lt(ev.num, nwant);
			check_event(&ev, &wants[ev.num], h.first_event + k);
			seen++;
		}
		st = hvt_dec_next(&d, &ev, &err);
		ck_assert_msg(st == HVT_END, "chunk %zu: expected its end: %s", i, err.msg);
	}
	return seen;
}

/* The model made each kind of record an exit's handler makes, right after an EXIT. */
static void check_after_exit_kinds(void)
{
	static const uint8_t kinds[] = { HVT_REC_INJECT, HVT_REC_MEMWRITE, HVT_REC_NOTE, HVT_REC_VM_STOP };

	for (size_t k = 0; k < sizeof(kinds); k++) {
		size_t i = 1;
		while (i < nwant && !(wants[i - 1].type == HVT_REC_EXIT && wants[i].type == kinds[k]))
			i++;
		ck_assert_msg(i < nwant, "no record of type %u right after an exit", kinds[k]);
	}
}

START_TEST(test_roundtrip_random)
{
	struct chunks cs = { 0 };

	model_run(&cs, 20000, 4, HVT_CHUNK_MIN, 0x1234 + (uint64_t)_i);
	ck_assert_uint_gt(cs.n, 2); /* the run crossed chunk boundaries */
	check_after_exit_kinds();
	ck_assert_uint_eq(decode_all(&cs, 0, 0), nwant);
	/* Each chunk decodes on its own (keyframes), and from any starting chunk. */
	decode_all(&cs, 0, 1);
	decode_all(&cs, cs.n / 2, 0);
	chunks_free(&cs);
}
END_TEST

START_TEST(test_roundtrip_many_vms_small_chunks)
{
	struct chunks cs = { 0 };

	model_run(&cs, 30000, HVT_MAX_VMS, HVT_CHUNK_MIN / 2, 99);
	ck_assert_uint_gt(cs.n, 5);
	ck_assert_uint_eq(decode_all(&cs, 0, 1), nwant);
	chunks_free(&cs);
}
END_TEST

/* Hand-made sequence: POST then POST_AGAIN then a changed value, and the mask bits chosen. */
START_TEST(test_post_again)
{
	static struct hvt_enc e;
	struct chunks cs = { 0 };
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_vm_state st = { .rip = 0x1000, .rflags = 2 };
	uint64_t regs[HVT_NREGS] = { 0 };
	struct hvt_post p = { .mask = HVT_POST_GPR(RV_REG_RAX) | HVT_POST_GPR(RV_REG_RDX) };
	static struct hvt_dec d;
	struct hvt_event ev;
	struct hvt_chunk_header h;

	regs[HVT_REG_RIP] = 0x1000;
	regs[HVT_REG_RFLAGS] = 2;
	p.v[RV_POST_RAX] = 0x1234;
	p.v[RV_POST_RDX] = 0x5678;
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, sink, &cs);
	hvt_enc_vm_start(&e, 0, &st);
	for (int i = 0; i < 3; i++) {
		if (i == 2)
			p.v[RV_POST_RDX] = 0x9999;
		hvt_enc_exit(&e, 16, 100 * (i + 1), regs, 0, &p, 2, 0, 0);
	}
	hvt_enc_finish(&e, 0);
	ck_assert_uint_eq(cs.n, 1);
	memcpy(&h, cs.c[0], sizeof(h));
	ck_assert_uint_eq(h.nevents, 5);
	hvt_dec_init(&d);
	ck_assert_int_eq(hvt_dec_chunk(&d, &h, cs.c[0] + 64, h.raw_size, NULL), HVT_OK);
	ck_assert_int_eq(hvt_dec_next(&d, &ev, NULL), HVT_OK);
	ck_assert_uint_eq(ev.type, HVT_REC_VM_START);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(hvt_dec_next(&d, &ev, NULL), HVT_OK);
		ck_assert_uint_eq(ev.type, HVT_REC_EXIT);
		ck_assert_uint_eq(ev.icount, 100 * (i + 1));
		ck_assert_uint_eq(ev.post_mask, p.mask);
		ck_assert_uint_eq(ev.post[RV_POST_RAX], 0x1234);
		ck_assert_uint_eq(ev.post[RV_POST_RDX], i == 2 ? 0x9999 : 0x5678);
		ck_assert_int_eq(ev.post_again, i == 1);
		ck_assert_uint_eq(!!(ev.mask & HVT_EXIT_POST), i != 1);
		ck_assert_uint_eq(ev.insn_len, 2);
		/* Nothing changed but the icount: tag, 2-byte mask, icount delta, post. */
		ck_assert_uint_eq(ev.mask & ~(HVT_EXIT_POST | HVT_EXIT_POST_AGAIN | HVT_EXIT_LEN_MASK), 0);
	}
	chunks_free(&cs);
	free(buf);
}
END_TEST

/* Every prefix and random damage of a payload: errors with offsets, never a crash. */
START_TEST(test_malformed_payloads)
{
	struct chunks cs = { 0 };
	static struct hvt_dec d;
	struct hvt_err err;
	struct hvt_event ev;
	struct hvt_chunk_header h;
	uint64_t errors = 0;

	model_run(&cs, 2000, 3, HVT_CHUNK_MIN, 5);
	memcpy(&h, cs.c[0], sizeof(h));
	for (uint32_t cut = 0; cut < h.raw_size; cut += 1 + cut / 64) {
		int st;
		hvt_dec_init(&d);
		st = hvt_dec_chunk(&d, &h, cs.c[0] + 64, cut, &err);
		while (st == HVT_OK)
			st = hvt_dec_next(&d, &ev, &err);
		ck_assert_int_lt(st, 0); /* a cut payload never decodes cleanly: the count is short */
		ck_assert(err.offset == HVT_NO_OFFSET || err.offset <= cut);
		errors++;
	}
	rng_state = 77;
	for (int trial = 0; trial < 3000; trial++) {
		uint8_t *copy = malloc(h.raw_size);
		int st;
		memcpy(copy, cs.c[0] + 64, h.raw_size);
		for (int k = 0; k < 1 + trial % 4; k++)
			copy[pick(h.raw_size)] ^= (uint8_t)(1u << pick(8));
		hvt_dec_init(&d);
		st = hvt_dec_chunk(&d, &h, copy, h.raw_size, &err);
		while (st == HVT_OK)
			st = hvt_dec_next(&d, &ev, &err);
		if (st < 0) {
			ck_assert(err.offset == HVT_NO_OFFSET || err.offset <= h.raw_size);
			ck_assert(err.msg[0]);
		}
		free(copy);
	}
	ck_assert_uint_gt(errors, 0);
	chunks_free(&cs);
}
END_TEST

START_TEST(test_varint_limits)
{
	uint8_t buf[16], *p;
	const uint8_t *q;
	uint64_t v;
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 1ull << 35, UINT64_MAX };
	static const uint8_t too_long[11] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0 };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		p = hvt_put_varint(buf, vals[i]);
		q = buf;
		ck_assert_int_eq(hvt_get_varint(&q, p, &v), 0);
		ck_assert_uint_eq(v, vals[i]);
		ck_assert_ptr_eq(q, p);
		q = buf;
		if (p - buf > 1)
			ck_assert_int_eq(hvt_get_varint(&q, p - 1, &v), -1); /* cut */
		ck_assert_uint_eq(hvt_unzigzag(hvt_zigzag(vals[i])), vals[i]);
		ck_assert_uint_eq(hvt_unzigzag(hvt_zigzag(0 - vals[i])), 0 - vals[i]);
	}
	q = too_long;
	ck_assert_int_eq(hvt_get_varint(&q, too_long + sizeof(too_long), &v), -1); /* > 64 bits */
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace_codec");
	TCase *tc = tcase_create("codec");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_roundtrip_random, 0, 4);
	tcase_add_test(tc, test_roundtrip_many_vms_small_chunks);
	tcase_add_test(tc, test_post_again);
	tcase_add_test(tc, test_malformed_payloads);
	tcase_add_test(tc, test_varint_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
