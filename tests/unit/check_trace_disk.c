/*
 * check_trace_disk.c - importing a trace disk (tracer/hvt_disk.c with hvt_capture.c): disks made
 * here as the hypervisor writes them, clean, cut short, with a bad record, with stale chunks.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvt_reader.h"
#include "retrovisor/hvtrace_writer.h"
#include "retrovisor/capture.h"
#include "retrovisor/exit_reasons.h"
#include "check_run.h"
#include "check_tmp.h"

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
		disk_rec(&d, 4,
			 hvt_cap_exit_word(EXIT_REASON_CPUID, 2, HVT_CAP_FOLLOW_REG(RV_REG_RDX), HVT_POST_GPR(RV_REG_RAX), 0),
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
			ck_assert_uint_eq(ev.regs[RV_REG_RAX], i ? 9 : 0);
			ck_assert_uint_eq(ev.regs[RV_REG_RDX], i * 3);
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
	uint64_t before = 1 + 1986 + 2 * 2000 + 5; /* records before it */
	struct hvt_err err;
	size_t n;
	uint8_t *b = slurp(tpath("d.img"), &n);
	static const struct {
		uint64_t w0;
		const char *what;
	} cases[] = {
		{ 0xe, "unknown capture record kind 14" },
		{ HVT_CAP_EXIT | 1ull << 60, "reserved bits 57-63" },
		{ HVT_CAP_SWITCH | 16 << 8, "SWITCH of VM 16" },
		{ HVT_CAP_NOTE | 100000ull << 32, "NOTE of 100000 bytes" },
	};
	char want[128];

	/* 8000 words per chunk: the VM_START and 1986 exits, then 2000 exits each. */
	ck_assert_uint_eq(d->chunk_lba[1] - d->chunk_lba[0], (64 + 8 * (1 + HVT_CAP_VM_STATE_WORDS + 4 * 1986) + 511) / 512);
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
	Suite *s = suite_create("trace_disk");
	TCase *tc = tcase_create("disk");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 300);
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
