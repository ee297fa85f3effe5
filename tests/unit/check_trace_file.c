/*
 * check_trace_file.c - .hvt writer -> reader round trips, damage and truncation
 * (tracer/hvt_writer.c, hvt_reader*.c, hvt_synth.c). The trace disk's import: check_trace_disk.c.
 */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hvt_reader.h"
#include "hvt_synth.h"
#include "retrovisor/hvtrace_writer.h"
#include "trace_encode.h"
#include "check_run.h"
#include "check_tmp.h"

static void synth(const char *path, uint64_t exits, unsigned vms, int zstd)
{
	struct hvt_synth_opts o = { .exits = exits, .vms = vms, .seed = 42, .chunk_size = HVT_CHUNK_MIN,
				    .zstd_level = zstd };
	struct hvt_err err;

	ck_assert_msg(hvt_synth_write(path, &o, &err) == HVT_OK, "synth: %s", err.msg);
}

/* Read every event; returns the count, or -status on error (err filled). */
static int64_t read_all(struct hvt_reader *r, struct hvt_err *err)
{
	struct hvt_event ev;
	int64_t n = 0;
	int st;

	while ((st = hvt_reader_next_event(r, &ev, err)) == HVT_OK) {
		ck_assert_uint_eq(ev.num, (uint64_t)n);
		n++;
	}
	return st == HVT_END ? n : st;
}

START_TEST(test_roundtrip_zstd_on_off)
{
	struct hvt_reader *a, *b;
	struct hvt_err err;
	struct hvt_event ea, eb;
	int sa, sb;
	uint64_t n = 0;

	synth(tpath("raw.hvt"), 30000, 3, 0);
	synth(tpath("z.hvt"), 30000, 3, 3);
	ck_assert_int_eq(hvt_reader_open(&a, tpath("raw.hvt"), &err), HVT_OK);
	ck_assert_int_eq(hvt_reader_open(&b, tpath("z.hvt"), &err), HVT_OK);
	ck_assert_uint_eq(hvt_reader_info(a)->hdr.required, 0);
	ck_assert_uint_eq(hvt_reader_info(b)->hdr.required, HVT_REQ_ZSTD);
	ck_assert_uint_lt(hvt_reader_info(b)->file_size, hvt_reader_info(a)->file_size);
	ck_assert(hvt_reader_info(a)->index_from_footer && hvt_reader_info(b)->index_from_footer);
	ck_assert_int_eq(hvt_reader_info(a)->problem.code, 0);
	ck_assert_uint_gt(hvt_reader_info(a)->nchunks, 3);
	ck_assert_uint_eq(hvt_reader_info(a)->nevents, hvt_reader_info(a)->hdr.nevents);
	for (;;) {
		sa = hvt_reader_next_event(a, &ea, &err);
		sb = hvt_reader_next_event(b, &eb, &err);
		ck_assert_int_eq(sa, sb);
		if (sa != HVT_OK)
			break;
		ck_assert_uint_eq(ea.num, n++);
		ck_assert_uint_eq(ea.num, eb.num);
		ck_assert_uint_eq(ea.type, eb.type);
		ck_assert_uint_eq(ea.icount, eb.icount);
		if (ea.type == HVT_REC_EXIT)
			ck_assert(!memcmp(ea.regs, eb.regs, HVT_NREGS * 8));
	}
	ck_assert_int_eq(sa, HVT_END);
	ck_assert_uint_eq(n, hvt_reader_info(a)->hdr.nevents);
	ck_assert_uint_eq(ea.type, HVT_REC_EXIT == 0 ? 0 : ea.type); /* last event seen was END */
	hvt_reader_close(a);
	hvt_reader_close(b);
}
END_TEST

/* The writer API as the runner uses it, sections after chunks. */
struct sinkctx {
	struct hvt_writer *w;
};

START_TEST(test_writer_sections_and_states)
{
	static struct hvt_enc e;
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_writer_opts o = { .zstd_level = 3 };
	struct hvt_err err;
	struct hvt_writer *w = hvt_writer_open(tpath("w.hvt"), &o, &err);
	struct hvt_vm_state st = { .rip = 0x7c00, .rflags = 2, .icount = 5 }, got;
	struct hvt_disk_header dh = { 0 };
	uint64_t regs[HVT_NREGS] = { 0 };
	static const struct hvt_post none;
	struct hvt_reader *r;
	uint8_t *d;
	size_t n;
	char text[3000];
	int i;

	ck_assert_ptr_nonnull(w);
	st.gpr[RV_REG_RBX] = 0x1234;
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	hvt_enc_vm_start(&e, 2, &st);
	for (i = 0; i < 10000; i++) {
		regs[RV_REG_RAX] = (uint64_t)i;
		hvt_enc_exit(&e, 30, 10 * (uint64_t)i + 5, regs, 0x3f80000, &none, 1, 0, 0);
	}
	hvt_enc_finish(&e, 0);
	ck_assert_int_eq(hvt_writer_vm_start_state(w, 2, &got), 1);
	ck_assert_int_eq(hvt_writer_vm_start_state(w, 1, &got) == 0, 1);
	hvt_writer_vm_start_state(w, 2, &got);
	ck_assert(!memcmp(&got, &st, sizeof(st)));
	for (i = 0; i < (int)sizeof(text) - 1; i++)
		text[i] = (char)('a' + i % 7);
	text[sizeof(text) - 1] = 0;
	dh.vmx_msr[0] = 0xabcdef;
	ck_assert_int_eq(hvt_writer_add_section(w, HVT_SEC_RECORDER, HVT_NO_VM, text, strlen(text), &err), 0);
	ck_assert_int_eq(hvt_writer_add_vmxcaps(w, &dh, &err), 0);
	ck_assert_int_eq(hvt_writer_add_vm_states(w, &err), 0);
	ck_assert_uint_eq(hvt_writer_nevents(w), 10002);
	ck_assert_int_eq(hvt_writer_close(w, HVT_FILE_COMPLETE, &err), 0);

	ck_assert_int_eq(hvt_reader_open(&r, tpath("w.hvt"), &err), HVT_OK);
	ck_assert_uint_eq(hvt_reader_info(r)->hdr.flags, HVT_FILE_COMPLETE);
	ck_assert_uint_eq(hvt_reader_nsections(r), 3);
	i = hvt_reader_section_find(r, HVT_SEC_RECORDER, HVT_NO_VM);
	ck_assert_int_eq(hvt_reader_section(r, (uint32_t)i)->flags, HVT_SEC_ZSTD); /* compressible */
	ck_assert_int_eq(hvt_reader_section_load(r, (uint32_t)i, 0, &d, &n, &err), 0);
	ck_assert_str_eq((char *)d, text);
	free(d);
	i = hvt_reader_section_find(r, HVT_SEC_VM_STATE, 2);
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(hvt_reader_section_load(r, (uint32_t)i, 0, &d, &n, &err), 0);
	ck_assert_uint_eq(n, sizeof(st));
	ck_assert(!memcmp(d, &st, sizeof(st)));
	free(d);
	i = hvt_reader_section_find(r, HVT_SEC_VMXCAPS, HVT_NO_VM);
	ck_assert_int_eq(hvt_reader_section_load(r, (uint32_t)i, 8, &d, &n, &err), HVT_ECORRUPT); /* max */
	ck_assert_int_eq(read_all(r, &err), 10002);
	hvt_reader_close(r);
	free(buf);
}
END_TEST

START_TEST(test_writer_refuses_bad_chunks)
{
	static struct hvt_enc e;
	uint8_t *buf = aligned_alloc(8, HVT_CHUNK_MIN);
	struct hvt_err err;
	struct hvt_writer *w = hvt_writer_open(tpath("bad.hvt"), NULL, &err);
	uint8_t chunk[256] = { 0 };
	struct hvt_chunk_header h = { .magic = HVT_CHUNK_MAGIC, .header_size = 64, .index = 5 };

	memcpy(chunk, &h, sizeof(h));
	ck_assert_int_eq(hvt_writer_add_chunk(w, chunk, 10, &err), HVT_ECORRUPT);       /* short */
	ck_assert_int_eq(hvt_writer_add_chunk(w, chunk, 64, &err), HVT_ECORRUPT);       /* index gap */
	h.index = 0;
	h.stored_size = h.raw_size = 3;
	h.nevents = 1;
	memcpy(chunk, &h, sizeof(h));
	chunk[64] = 0x42; /* unknown record tag */
	ck_assert_int_eq(hvt_writer_add_chunk(w, chunk, 67, &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown record tag"));
	/* Still usable. */
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	hvt_enc_finish(&e, 0);
	ck_assert_int_eq(hvt_writer_close(w, 0, &err), HVT_OK);
	free(buf);
}
END_TEST

START_TEST(test_index_seek)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_event ev;
	const struct hvt_index_entry *ix;
	size_t n;
	uint64_t total;

	synth(tpath("s.hvt"), 50000, 2, 1);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("s.hvt"), &err), HVT_OK);
	ix = hvt_reader_index(r, &n);
	total = hvt_reader_info(r)->nevents;
	ck_assert_uint_gt(n, 5);
	for (uint64_t k = 0; k < 300; k++) {
		uint64_t want = (k * 7919 * 7919) % total;
		size_t c = hvt_reader_find_chunk(r, want);
		ck_assert_uint_ne(c, (size_t)-1);
		ck_assert(ix[c].first_event <= want && want < ix[c].first_event + ix[c].nevents);
		ck_assert_int_eq(hvt_reader_seek(r, want, &err), HVT_OK);
		ck_assert_int_eq(hvt_reader_next_event(r, &ev, &err), HVT_OK);
		ck_assert_uint_eq(ev.num, want);
	}
	ck_assert_int_eq(hvt_reader_seek(r, total, &err), HVT_END);
	ck_assert_uint_eq(hvt_reader_find_chunk(r, total), (size_t)-1);
	hvt_reader_close(r);
}
END_TEST

/* A synthetic trace to damage: its bytes, and a reader of the intact file for reference. */
struct victim {
	uint8_t *b;
	size_t n, nix;
	struct hvt_reader *full;
	const struct hvt_index_entry *ix;
	uint32_t hsize;      /* where the chunks start */
	uint64_t chunks_end; /* where the index starts */
};

static void victim_make(struct victim *v, const char *name, uint64_t exits, int zstd)
{
	struct hvt_err err;

	synth(tpath(name), exits, 2, zstd);
	v->b = slurp(tpath(name), &v->n);
	ck_assert_int_eq(hvt_reader_open(&v->full, tpath(name), &err), HVT_OK);
	v->ix = hvt_reader_index(v->full, &v->nix);
	v->hsize = hvt_reader_info(v->full)->hdr.header_size;
	v->chunks_end = hvt_reader_info(v->full)->chunks_end;
}

static void victim_free(struct victim *v)
{
	hvt_reader_close(v->full);
	free(v->b);
}

/* Cut the file everywhere: readable up to the last complete chunk, truncation reported. */
START_TEST(test_truncated)
{
	struct victim v;
	struct hvt_reader *r;
	struct hvt_err err;

	victim_make(&v, "t.hvt", 4000, _i ? 3 : 0);
	for (size_t cut = 0; cut < v.n; cut += 1 + cut / 40) {
		uint64_t want = 0;
		int st;
		spit(tpath("cut.hvt"), v.b, cut);
		st = hvt_reader_open(&r, tpath("cut.hvt"), &err);
		if (cut < v.hsize) {
			ck_assert_msg(st < 0, "cut %zu opened", cut);
			ck_assert(st == HVT_ETRUNCATED || (cut == 0 && st == HVT_ECORRUPT));
			continue;
		}
		ck_assert_msg(st == HVT_OK, "cut at %zu: %s", cut, err.msg);
		ck_assert(hvt_reader_info(r)->truncated);
		ck_assert_uint_le(hvt_reader_info(r)->truncated_at, cut);
		ck_assert_ptr_nonnull(strstr(hvt_reader_info(r)->problem.msg, "truncated at offset"));
		for (size_t c = 0; c < v.nix; c++) {
			uint64_t end = c + 1 < v.nix ? v.ix[c + 1].offset : v.chunks_end; /* the chunk's end */
			if (end <= cut)
				want = v.ix[c].first_event + v.ix[c].nevents;
		}
		ck_assert_int_eq(read_all(r, &err), (int64_t)want);
		hvt_reader_close(r);
	}
	victim_free(&v);
}
END_TEST

/* Flip one bit in each part of the file: the right error, at the right place. */
START_TEST(test_bit_flips)
{
	struct victim v;
	struct hvt_reader *r;
	struct hvt_err err;

	victim_make(&v, "f.hvt", 3000, _i ? 3 : 0);
	for (size_t pos = 0; pos < v.n; pos += 1 + pos / 50 + (pos * 13) % 7) {
		int st;
		v.b[pos] ^= 0x10;
		spit(tpath("flip.hvt"), v.b, v.n);
		v.b[pos] ^= 0x10;
		st = hvt_reader_open(&r, tpath("flip.hvt"), &err);
		if (pos < 64) {
			ck_assert_msg(st == HVT_ECORRUPT, "flip at %zu: %d", pos, st);
			continue;
		}
		if (pos < v.hsize) { /* a section: its header bounds or its CRC */
			if (st == HVT_OK) {
				/* The format covers neither a section's type nor its VM id by a CRC
				 * (trace_format.h), nor a compressed section's raw size until it loads. */
				int blind = 0;
				for (uint32_t i = 0; i < hvt_reader_nsections(v.full); i++) {
					const struct hvt_section_info *s = hvt_reader_section(v.full, i);
					uint64_t h = s->offset - 24;
					blind |= (pos >= h && pos < h + 4) || (pos >= h + 20 && pos < h + 24) ||
						 ((s->flags & HVT_SEC_ZSTD) && pos >= h + 12 && pos < h + 16);
				}
				ck_assert_msg(blind || hvt_reader_info(r)->damaged, "flip at %zu unnoticed", pos);
				ck_assert_uint_le(hvt_reader_info(r)->problem.offset, pos);
				hvt_reader_close(r);
			}
			continue;
		}
		ck_assert_msg(st == HVT_OK, "flip at %zu: %s", pos, err.msg);
		if (pos >= v.chunks_end) { /* index or footer: rebuilt, everything still readable */
			ck_assert_msg(hvt_reader_info(r)->damaged, "flip at %zu of %zu (chunks end %llu) unnoticed", pos, v.n,
				      (unsigned long long)v.chunks_end);
			ck_assert(!hvt_reader_info(r)->index_from_footer);
			ck_assert_int_eq(read_all(r, &err), (int64_t)hvt_reader_info(v.full)->nevents);
			hvt_reader_close(r);
			continue;
		}
		/* In a chunk: reading must fail, naming that chunk (header) or its payload. */
		size_t c = 0;
		while (c + 1 < v.nix && v.ix[c + 1].offset <= pos)
			c++;
		int64_t got = read_all(r, &err);
		ck_assert_msg(got < 0 || hvt_reader_info(r)->damaged, "flip at %zu went unnoticed", pos);
		if (got < 0) {
			ck_assert_int_eq(got, HVT_ECORRUPT);
			uint64_t end = c + 1 < v.nix ? v.ix[c + 1].offset : v.chunks_end;
			ck_assert_msg(err.offset >= v.ix[c].offset && err.offset < end,
				      "flip at %zu (chunk %zu at %llu): error names offset %llu: %s", pos, c,
				      (unsigned long long)v.ix[c].offset, (unsigned long long)err.offset, err.msg);
		}
		hvt_reader_close(r);
	}
	victim_free(&v);
}
END_TEST

static void patch_header(uint8_t *b, size_t off, uint32_t v, int width)
{
	memcpy(b + off, &v, (size_t)width);
	uint32_t c = (uint32_t)crc32(0, b, 60);
	memcpy(b + 60, &c, 4);
}

START_TEST(test_refused_by_name)
{
	size_t n;
	uint8_t *b;
	struct hvt_reader *r;
	struct hvt_err err;

	synth(tpath("v.hvt"), 100, 1, 0);
	b = slurp(tpath("v.hvt"), &n);

	patch_header(b, 8, 2, 2); /* major 2 */
	patch_header(b, 10, 0, 2); /* minor 0 */
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_EVERSION);
	ck_assert_ptr_nonnull(strstr(err.msg, "version 2.0 is newer"));
	patch_header(b, 8, 1, 2);
	patch_header(b, 10, 7, 2); /* minor 7: fine */
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_OK);
	hvt_reader_close(r);
	patch_header(b, 16, 1u << 3, 4); /* unknown required feature */
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_EVERSION);
	ck_assert_ptr_nonnull(strstr(err.msg, "bit 3"));
	patch_header(b, 16, 0, 4);
	patch_header(b, 20, 1u << 9, 4); /* unknown optional feature: ignored */
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_OK);
	hvt_reader_close(r);
	memcpy(b, "NOTATRCE", 8);
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a Retrovisor trace"));
	memcpy(b, HVT_DISK_MAGIC, 8);
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "trace disk image"));
	memcpy(b, "RVDISK1", 8); /* the layout before the capture stream */
	spit(tpath("v2.hvt"), b, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("v2.hvt"), &err), HVT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "trace disk image"));
	free(b);
}
END_TEST

START_TEST(test_absurd_lengths)
{
	size_t n, nix;
	uint8_t *b;
	struct hvt_reader *r;
	struct hvt_err err;
	uint32_t hsize, v, c;
	uint64_t off;

	synth(tpath("a.hvt"), 2000, 1, 0);
	b = slurp(tpath("a.hvt"), &n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("a.hvt"), &err), HVT_OK);
	hsize = hvt_reader_info(r)->hdr.header_size;
	off = hvt_reader_index(r, &nix)[0].offset;
	hvt_reader_close(r);

	/* A section claiming 4 GiB. */
	uint8_t *x = malloc(n);
	memcpy(x, b, n);
	v = 0xfffffff0u;
	memcpy(x + 64 + 8, &v, 4);
	spit(tpath("a2.hvt"), x, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("a2.hvt"), &err), HVT_ECORRUPT);
	/* Header size beyond the file; a section count that cannot fit. */
	memcpy(x, b, n);
	patch_header(x, 12, 0x7fffffff, 4);
	spit(tpath("a2.hvt"), x, n);
	ck_assert_int_lt(hvt_reader_open(&r, tpath("a2.hvt"), &err), 0);
	memcpy(x, b, n);
	patch_header(x, 24, 0x10000000, 4);
	spit(tpath("a2.hvt"), x, n);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("a2.hvt"), &err), HVT_ECORRUPT);
	/* A chunk whose sizes are huge but whose header CRC is right. */
	for (int field = 8; field <= 12; field += 4) {
		memcpy(x, b, n);
		v = 0x7ffffff0u;
		memcpy(x + off + (size_t)field, &v, 4);
		c = (uint32_t)crc32(0, x + off, 60);
		memcpy(x + off + 60, &c, 4);
		spit(tpath("a2.hvt"), x, n);
		ck_assert_int_eq(hvt_reader_open(&r, tpath("a2.hvt"), &err), HVT_OK);
		ck_assert_int_eq(read_all(r, &err), HVT_ECORRUPT);
		ck_assert_uint_eq(err.offset, off);
		hvt_reader_close(r);
	}
	(void)hsize;
	free(x);
	free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace_file");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_roundtrip_zstd_on_off);
	tcase_add_test(tc, test_writer_sections_and_states);
	tcase_add_test(tc, test_writer_refuses_bad_chunks);
	tcase_add_test(tc, test_index_seek);
	tcase_add_loop_test(tc, test_truncated, 0, 2);
	tcase_add_loop_test(tc, test_bit_flips, 0, 2);
	tcase_add_test(tc, test_refused_by_name);
	tcase_add_test(tc, test_absurd_lengths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
