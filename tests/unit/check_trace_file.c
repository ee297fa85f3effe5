/*
 * check_trace_file.c - .hvt writer -> reader round trips, damage and truncation
 * (tracer/hvt_writer.c, hvt_reader*.c, hvt_disk.c with hvt_capture.c, hvt_synth.c).
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
#include "hvt_writer.h"
#include "trace_encode.h"
#include "check_run.h"

static char dir[64];

static const char *tpath(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void setup(void)
{
	strcpy(dir, "/tmp/check_trace_file.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long sz;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)sz + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

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
	st.gpr[3] = 0x1234;
	hvt_enc_init(&e, buf, HVT_CHUNK_MIN, hvt_writer_sink, w);
	hvt_enc_vm_start(&e, 2, &st);
	for (i = 0; i < 10000; i++) {
		regs[0] = (uint64_t)i;
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

/*
 * A trace disk as the hypervisor writes it: header, capture chunks from LBA 8 padded to 512
 * bytes (trace_format.h, "the capture stream"), records appended word by word.
 */
#define DISK_CHUNK_WORDS 8000
struct disk {
	FILE *f;
	uint64_t lba;
	uint64_t chunks, records, chunk_records;
	uint64_t chunk_lba[64];
	uint64_t w[DISK_CHUNK_WORDS];
	size_t n;
};

static void disk_close_chunk(struct disk *d)
{
	static const uint8_t zero[512];
	struct hvt_chunk_header h = { .magic = HVT_CAP_MAGIC, .header_size = sizeof(h) };
	uint32_t len = (uint32_t)(sizeof(h) + d->n * 8);

	if (!d->n)
		return;
	h.stored_size = h.raw_size = (uint32_t)(d->n * 8);
	h.index = d->chunks;
	h.nevents = (uint32_t)d->chunk_records;
	fseek(d->f, (long)(d->lba * 512), SEEK_SET);
	fwrite(&h, 1, sizeof(h), d->f);
	fwrite(d->w, 8, d->n, d->f);
	fwrite(zero, 1, (512 - len % 512) % 512, d->f);
	ck_assert_uint_lt(d->chunks, 64);
	d->chunk_lba[d->chunks++] = d->lba;
	d->lba += (len + 511) / 512;
	d->n = 0;
	d->chunk_records = 0;
}

/* One capture record of n words: w0, then the other words from the arguments. */
static void disk_rec(struct disk *d, size_t n, ...)
{
	va_list ap;

	if (d->n + n > DISK_CHUNK_WORDS)
		disk_close_chunk(d);
	va_start(ap, n);
	for (size_t k = 0; k < n; k++)
		d->w[d->n++] = va_arg(ap, uint64_t);
	va_end(ap);
	d->records++;
	d->chunk_records++;
}

static void disk_header(struct disk *d, int clean)
{
	struct hvt_disk_header dh = { .major = HVT_VERSION_MAJOR, .size = HVT_DISK_HEADER_SIZE, .nvms = 1 };

	memcpy(dh.magic, HVT_DISK_MAGIC, 8);
	dh.flags = clean ? HVT_DISK_CLEAN_END : 0;
	dh.nchunks = d->chunks;
	dh.nevents = d->records;
	dh.vmx_msr[0] = 0x1234;
	fseek(d->f, 0, SEEK_SET);
	fwrite(&dh, 1, sizeof(dh), d->f);
}

/*
 * VM 0 starts at 0x7c00; each exit (reason 10) has RDX = 3 i following, the handler sets RAX to
 * 9 and skips 2 bytes. The decoded exit i must show RAX 9 (0 at the first), RDX 3 i and RIP
 * 0x7c00 (it never follows: the guest loops). Returns the disk (closed) for its chunk positions.
 */
static struct disk *make_disk(const char *path, int clean, int nexits)
{
	static struct disk d;
	struct hvt_vm_state st = { .rip = 0x7c00 };
	uint64_t w[1 + HVT_CAP_VM_STATE_WORDS];

	memset(&d, 0, sizeof(d));
	d.f = fopen(path, "w+b");
	d.lba = HVT_DISK_FIRST_LBA;
	ck_assert_ptr_nonnull(d.f);
	w[0] = HVT_CAP_VM_START;
	memcpy(w + 1, &st, sizeof(st));
	if (d.n + 1 + HVT_CAP_VM_STATE_WORDS <= DISK_CHUNK_WORDS) {
		memcpy(d.w, w, sizeof(w));
		d.n = 1 + HVT_CAP_VM_STATE_WORDS;
		d.records = d.chunk_records = 1;
	}
	for (int i = 0; i < nexits; i++)
		disk_rec(&d, 4, (uint64_t)(HVT_CAP_EXIT | 10 << HVT_CAP_REASON_SHIFT | 2 << HVT_CAP_LEN_SHIFT |
					    HVT_CAP_GPR(2) | (uint64_t)HVT_POST_GPR(0) << HVT_CAP_POST_SHIFT),
			 (uint64_t)i * 100, (uint64_t)i * 3, (uint64_t)9);
	if (clean)
		disk_rec(&d, 2, (uint64_t)HVT_CAP_END, (uint64_t)0);
	disk_close_chunk(&d);
	disk_header(&d, clean);
	fclose(d.f);
	return &d;
}

/* Import path into out; returns the status, err filled. The .hvt is closed (kept) either way. */
static int import(const char *path, const char *out, struct hvt_err *err)
{
	struct hvt_err e2;
	struct hvt_disk_header dh;
	struct hvt_writer *w = hvt_writer_open(out, NULL, err);
	int st;

	ck_assert_ptr_nonnull(w);
	st = hvt_disk_import(path, w, &dh, err);
	if (st < 0) {
		hvt_writer_discard(w);
		return st;
	}
	ck_assert_int_eq(hvt_writer_add_vm_states(w, &e2), 0);
	ck_assert_int_eq(hvt_writer_close(w, st == HVT_OK ? HVT_FILE_COMPLETE : 0, &e2), 0);
	return st;
}

/* Every event of a .hvt from make_disk, checked; returns the count. */
static int64_t read_disk_events(const char *path)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_event ev;
	int64_t n = 0;
	int st;

	ck_assert_int_eq(hvt_reader_open(&r, path, &err), HVT_OK);
	while ((st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK) {
		if (ev.type == HVT_REC_EXIT) {
			uint64_t i = (uint64_t)n - 1;
			ck_assert_uint_eq(ev.icount, i * 100);
			ck_assert_uint_eq(ev.regs[0], i ? 9 : 0);
			ck_assert_uint_eq(ev.regs[2], i * 3);
			ck_assert_uint_eq(ev.regs[HVT_REG_RIP], 0x7c00);
			ck_assert_uint_eq(ev.insn_len, 2);
			ck_assert_uint_eq(ev.post_mask, HVT_POST_GPR(0));
		}
		n++;
	}
	ck_assert_msg(st == HVT_END, "%s", err.msg);
	hvt_reader_close(r);
	return n;
}

START_TEST(test_disk_import)
{
	struct hvt_err err;
	struct hvt_disk_header dh;
	struct hvt_writer *w;
	struct hvt_reader *r;
	struct disk *d = make_disk(tpath("d.img"), 1, 20000);
	uint64_t end_lba = d->lba, cut = d->chunk_lba[d->chunks - 2] * 512 + 4096;
	size_t n;
	uint8_t *b;
	int st;

	ck_assert_uint_gt(d->chunks, 5);
	w = hvt_writer_open(tpath("d.hvt"), NULL, &err);
	ck_assert_int_eq(hvt_disk_import(tpath("d.img"), w, &dh, &err), HVT_OK);
	ck_assert_uint_eq(dh.vmx_msr[0], 0x1234);
	ck_assert_int_eq(hvt_writer_add_vmxcaps(w, &dh, &err), 0);
	ck_assert_int_eq(hvt_writer_add_vm_states(w, &err), 0);
	ck_assert_int_eq(hvt_writer_close(w, HVT_FILE_COMPLETE, &err), 0);
	ck_assert_int_eq(read_disk_events(tpath("d.hvt")), 20002);
	ck_assert_int_eq(hvt_reader_open(&r, tpath("d.hvt"), &err), HVT_OK);
	ck_assert_int_ge(hvt_reader_section_find(r, HVT_SEC_VM_STATE, 0), 0);
	hvt_reader_close(r);

	/* Cut inside the last but one chunk: the others are kept, truncation reported. */
	b = slurp(tpath("d.img"), &n);
	ck_assert_uint_eq(n, end_lba * 512);
	struct hvt_disk_header *h = (struct hvt_disk_header *)b;
	h->flags = 0;
	spit(tpath("cut.img"), b, cut);
	w = hvt_writer_open(tpath("c.hvt"), NULL, &err);
	st = hvt_disk_import(tpath("cut.img"), w, &dh, &err);
	ck_assert_int_eq(st, HVT_TRUNCATED);
	ck_assert_msg(strstr(err.msg, "half-written"), "%s", err.msg);
	ck_assert_uint_gt(hvt_writer_nchunks(w), 0);
	ck_assert_int_eq(hvt_writer_close(w, 0, &err), 0);
	ck_assert_int_gt(read_disk_events(tpath("c.hvt")), 1000);
	free(b);

	/* The hypervisor never finished: no END, but every converted event is there. */
	make_disk(tpath("u.img"), 0, 500);
	ck_assert_int_eq(import(tpath("u.img"), tpath("u.hvt"), &err), HVT_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(err.msg, "after record 501 without END"));
	ck_assert_int_eq(read_disk_events(tpath("u.hvt")), 501);
	w = hvt_writer_open(tpath("u2.hvt"), NULL, &err);
	ck_assert_int_eq(hvt_disk_import(tpath("u.img"), w, &dh, &err), HVT_TRUNCATED);
	hvt_writer_discard(w);
	ck_assert_int_ne(access(tpath("u2.hvt"), F_OK), 0); /* discard leaves nothing */

	/* Not a disk; a disk of the layout before the capture stream. */
	w = hvt_writer_open(tpath("x.hvt"), NULL, &err);
	ck_assert_int_eq(hvt_disk_import(tpath("d.hvt"), w, &dh, &err), HVT_ECORRUPT);
	b = slurp(tpath("d.img"), &n);
	memcpy(b, "RVDISK1", 8);
	spit(tpath("old.img"), b, n);
	ck_assert_int_eq(hvt_disk_import(tpath("old.img"), w, &dh, &err), HVT_EVERSION);
	ck_assert_ptr_nonnull(strstr(err.msg, "another layout (\"RVDISK1\")"));
	hvt_writer_discard(w);
	free(b);
}
END_TEST

/* A malformed record in chunk 3: the import stops there, keeping every record before it. */
START_TEST(test_disk_bad_record)
{
	struct disk *d = make_disk(tpath("d.img"), 1, 20000);
	uint64_t off = d->chunk_lba[3] * 512 + 64 + 5 * 32; /* the sixth exit of chunk 3 */
	uint64_t before = 1 + 1987 + 2 * 2000 + 5; /* records before it */
	struct hvt_err err;
	size_t n;
	uint8_t *b = slurp(tpath("d.img"), &n);
	static const struct {
		uint64_t w0;
		const char *what;
	} cases[] = {
		{ 0xe, "unknown capture record kind 14" },
		{ HVT_CAP_EXIT | 1ull << 60, "reserved bits 56-63" },
		{ HVT_CAP_SWITCH | 16 << 8, "SWITCH of VM 16" },
		{ HVT_CAP_NOTE | 100000ull << 32, "NOTE of 100000 bytes" },
	};
	char want[128];

	/* 8000 words per chunk: the VM_START and 1987 exits, then 2000 exits each. */
	ck_assert_uint_eq(d->chunk_lba[1] - d->chunk_lba[0], (64 + 8 * (52 + 4 * 1987) + 511) / 512);
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint64_t saved;
		memcpy(&saved, b + off, 8);
		memcpy(b + off, &cases[k].w0, 8);
		spit(tpath("bad.img"), b, n);
		memcpy(b + off, &saved, 8);
		ck_assert_int_eq(import(tpath("bad.img"), tpath("bad.hvt"), &err), HVT_TRUNCATED);
		snprintf(want, sizeof(want), "bad.img: chunk 3 at LBA %llu unusable, stopped there: offset %llu: ",
			 (unsigned long long)d->chunk_lba[3], (unsigned long long)off);
		ck_assert_msg(strstr(err.msg, want) && strstr(err.msg, cases[k].what), "%s", err.msg);
		ck_assert_uint_eq(err.offset, off);
		ck_assert_int_eq(read_disk_events(tpath("bad.hvt")), (int64_t)before);
	}
	free(b);
}
END_TEST

/* Chunk and header bookkeeping: counts, indices, stale chunks of an earlier run. */
START_TEST(test_disk_bookkeeping)
{
	struct disk *d = make_disk(tpath("d.img"), 1, 5000);
	uint64_t lba2 = d->chunk_lba[2], end = d->lba, nrec = d->records;
	struct hvt_disk_header *dh;
	struct hvt_chunk_header h;
	struct hvt_err err;
	size_t n;
	uint8_t *b = slurp(tpath("d.img"), &n), *x = malloc(n + 4096);

	ck_assert_uint_eq(d->chunks, 3);
	/* The header counts one record more than the chunks hold. */
	memcpy(x, b, n);
	dh = (struct hvt_disk_header *)x;
	dh->nevents++;
	spit(tpath("x.img"), x, n);
	ck_assert_int_eq(import(tpath("x.img"), tpath("x.hvt"), &err), HVT_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(err.msg, "the header says 5003 records, the chunks hold 5002"));
	ck_assert_int_eq(read_disk_events(tpath("x.hvt")), (int64_t)nrec);

	/* A chunk header whose record count is wrong. */
	memcpy(x, b, n);
	memcpy(&h, x + lba2 * 512, sizeof(h));
	h.nevents--;
	memcpy(x + lba2 * 512, &h, sizeof(h));
	spit(tpath("x.img"), x, n);
	ck_assert_int_eq(import(tpath("x.img"), tpath("x.hvt"), &err), HVT_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(err.msg, "chunk 2 at LBA"));
	ck_assert_ptr_nonnull(strstr(err.msg, "records, its payload holds"));

	/* A payload that is not whole words; an index out of sequence under CLEAN_END. */
	memcpy(x, b, n);
	memcpy(&h, x + lba2 * 512, sizeof(h));
	h.stored_size = h.raw_size = h.stored_size - 4;
	memcpy(x + lba2 * 512, &h, sizeof(h));
	spit(tpath("x.img"), x, n);
	ck_assert_int_eq(import(tpath("x.img"), tpath("x.hvt"), &err), HVT_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(err.msg, "chunk 2 at LBA"));
	ck_assert_ptr_nonnull(strstr(err.msg, "impossible header"));
	memcpy(x, b, n);
	memcpy(&h, x + lba2 * 512, sizeof(h));
	h.index = 7;
	memcpy(x + lba2 * 512, &h, sizeof(h));
	spit(tpath("x.img"), x, n);
	ck_assert_int_eq(import(tpath("x.img"), tpath("x.hvt"), &err), HVT_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(err.msg, "chunk 2 at LBA"));
	ck_assert_ptr_nonnull(strstr(err.msg, "says it is chunk 7"));

	/* Without CLEAN_END, the same chunk is a leftover of an earlier run: the stream ends there. */
	dh = (struct hvt_disk_header *)x;
	dh->flags = 0;
	spit(tpath("x.img"), x, n);
	ck_assert_int_eq(import(tpath("x.img"), tpath("x.hvt"), &err), HVT_TRUNCATED);
	ck_assert_ptr_nonnull(strstr(err.msg, "without END"));
	ck_assert_int_lt(read_disk_events(tpath("x.hvt")), (int64_t)nrec);

	/* After END, whatever follows on the image is not read (an earlier, longer run's chunks). */
	memcpy(x, b, n);
	dh = (struct hvt_disk_header *)x;
	dh->flags = 0;
	memcpy(x + end * 512, x + lba2 * 512, 4096); /* a stale chunk 2 behind the real one */
	spit(tpath("x.img"), x, n + 4096);
	ck_assert_int_eq(import(tpath("x.img"), tpath("x.hvt"), &err), HVT_OK);
	ck_assert_int_eq(read_disk_events(tpath("x.hvt")), (int64_t)nrec);
	free(x);
	free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace_file");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_roundtrip_zstd_on_off);
	tcase_add_test(tc, test_writer_sections_and_states);
	tcase_add_test(tc, test_writer_refuses_bad_chunks);
	tcase_add_test(tc, test_index_seek);
	tcase_add_loop_test(tc, test_truncated, 0, 2);
	tcase_add_loop_test(tc, test_bit_flips, 0, 2);
	tcase_add_test(tc, test_refused_by_name);
	tcase_add_test(tc, test_absurd_lengths);
	tcase_add_test(tc, test_disk_import);
	tcase_add_test(tc, test_disk_bad_record);
	tcase_add_test(tc, test_disk_bookkeeping);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
