/*
 * cmd_check.c - `hvtrace check`: is this trace whole and sound, and if not, where does it break.
 *
 * Verifies the file header, every section (CRC, zstd, sizes), every chunk (header CRC, payload
 * CRC, zstd, agreement with the index), every record (full decode: event numbers, counts), the
 * ordering of instruction counts per VM, and the index against the chunks. Prints one line; the
 * first problem is named with its file offset. Exit 0 healthy, 1 truncated, 2 corrupt.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hvtrace.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace check FILE\n\n"
		   "Verify header, section and chunk CRCs, zstd data, event numbering, the index, and the\n"
		   "records against what the trace declares: VM configurations (memory at most 1 GiB),\n"
		   "instruction counts in order and within each VM's limit, no exit after its VM's stop,\n"
		   "exit reasons from the SDM's list. Prints 'ok', 'truncated at offset N' or 'corrupt at offset N'.\n"
		   "Exit status: 0 healthy, 1 truncated, 2 corrupt, 4 I/O error, 64 usage (hvtrace --help).\n");
}

static int sections_ok(struct hvt_reader *r, struct hvt_err *err)
{
	static const uint32_t exact[] = { [HVT_SEC_VMXCAPS] = HVT_VMX_MSR_COUNT * 8,
					  [HVT_SEC_VM_CONFIG] = sizeof(struct hvt_vm_config) };

	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *s = hvt_reader_section(r, i);
		uint8_t *d;
		size_t n;
		int st = hvt_reader_section_load(r, i, 0, &d, &n, err);
		if (st)
			return st;
		free(d);
		if (s->type < sizeof(exact) / sizeof(exact[0]) && exact[s->type] && n != exact[s->type])
			return hvt_err_set(err, HVT_ECORRUPT, s->offset - 24, "section %u (type %u): %zu bytes, expected %u",
					   i, s->type, n, exact[s->type]);
		if (s->type == HVT_SEC_VM_STATE && n < HVT_VM_STATE_MIN)
			return hvt_err_set(err, HVT_ECORRUPT, s->offset - 24, "section %u: VM state of %zu bytes", i, n);
	}
	return HVT_OK;
}

/* Every event, decoded, against what the trace declares (hvt_bounds.h): instruction counts
 * never go backwards within a run of a VM nor pass its limit, no exit after its stop, ... */
static int events_ok(struct hvt_reader *r, uint64_t *nev, struct hvt_err *err)
{
	struct hvt_bounds b;
	size_t nix;
	const struct hvt_index_entry *ix = hvt_reader_index(r, &nix);
	struct hvt_event ev;
	size_t chunk = (size_t)-1;
	int st;

	*nev = 0;
	if ((st = hvt_bounds_init(&b, r, err)))
		return st;
	while ((st = hvt_reader_next_event(r, &ev, err)) == HVT_OK) {
		const struct hvt_chunk_header *h = hvt_reader_chunk(r, NULL, NULL);
		if (h->index != chunk) {
			chunk = (size_t)h->index;
			progress(r, chunk);
		}
		if ((st = hvt_bounds_chunks(&b, r, chunk + 1, err)))
			return st;
		if ((st = hvt_bounds_event(&b, &ev, err))) {
			/* where: the record itself, or its chunk's payload when compressed */
			err->offset = ix[chunk].offset + sizeof(struct hvt_chunk_header) +
				      (h->flags & HVT_CHUNK_ZSTD ? 0 : ev.offset);
			return st;
		}
		(*nev)++;
	}
	progress_done(r);
	if (st == HVT_END)
		st = hvt_bounds_chunks(&b, r, nix, err);
	return st;
}

int check_whole(struct hvt_reader *r, uint64_t *nev, struct hvt_err *err)
{
	const struct hvt_reader_info *in = hvt_reader_info(r);
	int st;

	*nev = 0;
	/* Problems in file order: sections, then chunks, then what opening found at the end. */
	if ((st = sections_ok(r, err)) || (st = hvt_reader_seek(r, 0, err)) || (st = events_ok(r, nev, err)))
		return st;
	if (in->damaged) {
		*err = in->problem;
		return HVT_ECORRUPT;
	}
	if (!in->truncated && *nev != in->hdr.nevents)
		return hvt_err_set(err, HVT_ECORRUPT, 40, "the header says %llu events, the chunks hold %llu",
				   (unsigned long long)in->hdr.nevents, (unsigned long long)*nev);
	return HVT_OK;
}

int cmd_check(int argc, char **argv)
{
	struct hvt_reader *r;
	const struct hvt_reader_info *in;
	struct hvt_err err = { 0 };
	uint64_t nev = 0;
	int c, st;

	if ((c = parse_file_only(argc, argv, help)) >= 0)
		return c;
	st = hvt_reader_open(&r, argv[optind], &err);
	if (st) {
		if (st == HVT_ETRUNCATED)
			printf("truncated at offset %llu: %s\n", (unsigned long long)err.offset, err.msg);
		else if (st == HVT_EIO || st == HVT_ENOMEM)
			fprintf(stderr, "hvtrace check: %s\n", err.msg);
		else
			printf("corrupt at offset %llu: %s\n",
			       (unsigned long long)(err.offset == HVT_NO_OFFSET ? 0 : err.offset), err.msg);
		return exit_code(st);
	}
	in = hvt_reader_info(r);
	st = check_whole(r, &nev, &err);
	if (st == HVT_EIO || st == HVT_ENOMEM) {
		fprintf(stderr, "hvtrace check: %s\n", err.msg);
	} else if (st) {
		printf("corrupt at offset %llu: %s\n", (unsigned long long)(err.offset == HVT_NO_OFFSET ? 0 : err.offset),
		       err.msg);
	} else if (in->truncated) {
		printf("truncated at offset %llu: %llu events in %zu complete chunks readable; file is %llu bytes\n",
		       (unsigned long long)in->truncated_at, (unsigned long long)nev, in->nchunks,
		       (unsigned long long)in->file_size);
		st = HVT_TRUNCATED;
	} else {
		printf("ok: %llu events in %zu chunks, %u sections, index %s%s\n", (unsigned long long)nev,
		       in->nchunks, in->hdr.nsections, in->index_from_footer ? "intact" : "absent (rebuilt)",
		       in->hdr.flags & HVT_FILE_COMPLETE ? "" : ", recording incomplete");
	}
	hvt_reader_close(r);
	return exit_code(st);
}
