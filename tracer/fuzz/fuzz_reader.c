/*
 * fuzz_reader.c - libFuzzer target for everything that reads untrusted trace bytes: the .hvt
 * reader (header, sections, footer index or rebuild, chunk CRCs, zstd), the decoder on every
 * chunk, the fast scanner, and the rules a trace must follow against its own declarations
 * (hvt_bounds.h: what hvtrace check and hvreplay apply before trusting a trace). The input is also fed to the decoder and the scanner directly as
 * one chunk payload, so payload bugs are found without getting past CRCs first.
 *
 * Built and run by `make check-fuzz` (tracer/tracer.mk); a crash, leak, hang or sanitizer report
 * fails the build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvt_bounds.h"
#include "hvt_reader.h"
#include "trace_decode.h"
#include "trace_scan.h"

static struct hvt_dec dec;
static struct hvt_scan scan;

static void payload_direct(const uint8_t *data, size_t size)
{
	struct hvt_chunk_header h = { .magic = HVT_CHUNK_MAGIC, .header_size = 64 };
	struct hvt_event ev;
	struct hvt_err err;
	int st;

	if (size < 2)
		return;
	h.nevents = data[0];
	h.first_vm = data[1] & 0x1f;
	data += 2;
	size -= 2;
	hvt_dec_init(&dec);
	st = hvt_dec_chunk(&dec, &h, data, size, &err);
	for (int k = 0; st == HVT_OK && k < 100000; k++)
		st = hvt_dec_next(&dec, &ev, &err);
	memset(&scan, 0, sizeof(scan));
	hvt_scan_chunk(&scan, &h, data, size, &err);
}

/* The public API on hostile bytes: each configured VM's accessors (with a bounded memory) and
 * its steps, over cursors of their own. */
static void steps(struct hvt_reader *r)
{
	unsigned ids[HVT_MAX_VMS], n = hvt_vm_ids(r, ids, HVT_MAX_VMS);
	static uint8_t mem[1 << 20];
	struct hvt_vm_config cfg;
	struct hvt_vm_state st;
	struct hvt_steps *s;
	struct hvt_step x;
	struct hvt_err err;

	for (unsigned i = 0; i < n; i++) {
		if (hvt_vm_config(r, ids[i], &cfg, &err) == HVT_OK)
			hvt_vm_memory(r, ids[i], mem, cfg.mem_size < sizeof(mem) ? cfg.mem_size : sizeof(mem), &err);
		hvt_vm_initial_state(r, ids[i], &st, NULL, &err);
		if (hvt_steps_open(&s, r, ids[i], 0, &err) != HVT_OK)
			continue;
		for (int k = 0; k < 1000000 && hvt_steps_next(s, &x, &err) == HVT_OK; k++)
			;
		hvt_steps_close(s);
	}
}

static void file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.hvt", 0);
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_event ev;
	uint64_t n = 0;
	int st;

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (hvt_reader_open_fd(&r, fd, "fuzz", &err) == HVT_OK) {
		for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
			uint8_t *d;
			size_t len;
			if (hvt_reader_section_load(r, i, 1 << 20, &d, &len, &err) == HVT_OK)
				free(d);
		}
		while ((st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK && ++n < 1000000)
			;
		hvt_bounds_check(r, &err);
		if (hvt_reader_info(r)->nevents)
			hvt_reader_seek(r, hvt_reader_info(r)->nevents / 2, &err);
		steps(r);
		memset(&scan, 0, sizeof(scan));
		for (size_t i = 0; i < hvt_reader_info(r)->nchunks; i++) {
			const uint8_t *p;
			size_t len;
			if (hvt_reader_chunk_load(r, i, &err) == HVT_OK)
				hvt_scan_chunk(&scan, hvt_reader_chunk(r, &p, &len), p, len, &err);
		}
		hvt_reader_close(r);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	file(data, size);
	payload_direct(data, size);
	return 0;
}
