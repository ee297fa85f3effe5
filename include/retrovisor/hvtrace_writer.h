/*
 * hvtrace_writer.h - the trace library's writing side (libhvtrace, link with $(HVTRACE_LIBS)):
 * assembling .hvt files (format: include/retrovisor/trace_format.h, docs/trace-format.md), and
 * importing the trace disk the hypervisor wrote. Public, like retrovisor/hvtrace.h: hvrun builds
 * against it without reaching into tracer/.
 *
 * Typical use (the runner, hvrun):
 *
 *	struct hvt_err err;
 *	struct hvt_disk_header dh;
 *	struct hvt_writer *w = hvt_writer_open("out/demo.hvt", NULL, &err);
 *	int st = hvt_disk_import("out/demo.disk", w, &dh, &err);   // chunks, in order
 *	if (st < 0) ... hvt_writer_discard(w) ...
 *	if (st == HVT_TRUNCATED) warn(err.msg);                     // kept what was complete
 *	hvt_writer_add_section(w, HVT_SEC_RECORDER, HVT_NO_VM, text, len, &err);
 *	hvt_writer_add_vmxcaps(w, &dh, &err);
 *	hvt_writer_add_section(w, HVT_SEC_VM_CONFIG, vm, &cfg, sizeof(cfg), &err);  // per VM
 *	hvt_writer_add_section(w, HVT_SEC_VM_MEMORY, vm, runs, runs_len, &err);    // per VM
 *	hvt_writer_add_vm_states(w, &err);   // VM_STATE sections from each VM's first VM_START
 *	hvt_writer_close(w, (dh.flags & HVT_DISK_CLEAN_END) && st == HVT_OK ? HVT_FILE_COMPLETE : 0, &err);
 *
 * Sections may be added before, between or after chunks: the file puts them first anyway. The
 * writer spools chunks to an unlinked temporary file next to the output, then writes the output
 * under a temporary name and renames it into place at close, so a half-written .hvt never carries
 * the final name. Memory: the sections plus one chunk; chunks are never held all at once.
 *
 * All functions return HVT_OK or a negative enum hvt_status and fill err (may be NULL).
 */
#ifndef RETROVISOR_HVTRACE_WRITER_H
#define RETROVISOR_HVTRACE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/hvtrace.h"
#include "retrovisor/trace_format.h"

struct hvt_writer;

struct hvt_writer_opts {
	int zstd_level;  /* 0: store everything raw; 1..19: zstd-compress chunks and sections
			    where it saves at least 1/8 of the bytes (3 is a good default) */
	int no_validate; /* 1: check each chunk's record structure only, not a full decode
			    (trusted producers; several times faster) */
};

/* Create the writer; the output appears at `path` only at hvt_writer_close. opts may be NULL
 * (no compression, validation on). Returns NULL on error. */
struct hvt_writer *hvt_writer_open(const char *path, const struct hvt_writer_opts *opts,
				   struct hvt_err *err);

/* Add a section (type HVT_SEC_*, vm or HVT_NO_VM); the bytes are copied. */
int hvt_writer_add_section(struct hvt_writer *w, uint32_t type, uint32_t vm, const void *data,
			   size_t len, struct hvt_err *err);

/*
 * Append one raw chunk exactly as the encoder's sink produced it: struct hvt_chunk_header
 * (flags 0, CRCs 0 or valid) followed by the uncompressed payload. The writer checks the header,
 * that chunk indices and event numbers continue the previous chunk, and (unless no_validate)
 * decodes the payload; then compresses it if asked, sets HVT_CHUNK_CRC, the payload CRC and the
 * header CRC, and spools it. A refused chunk leaves the writer usable (the chunk is not added).
 */
int hvt_writer_add_chunk(struct hvt_writer *w, const uint8_t *chunk, size_t len,
			 struct hvt_err *err);

/* An hvt_sink_fn (the library's encoder, tracer/trace_encode.h) that feeds hvt_writer_add_chunk; ctx is the writer.
 * The first error is kept and returned by hvt_writer_close. */
void hvt_writer_sink(void *ctx, const uint8_t *chunk, uint32_t len);

/* The registers a VM started with (its first VM_START record seen in the chunks so far).
 * Returns 1 and fills *out, or 0 when that VM never started. */
int hvt_writer_vm_start_state(const struct hvt_writer *w, unsigned vm, struct hvt_vm_state *out);

/* Re-encoding a trace (tools that derive one trace from another): copy every section of `r`
 * except VM_STATE, which hvt_writer_add_vm_states rebuilds from the VM_START records. `edit`, if
 * not NULL, sees each section first and may replace its bytes: *data is malloc'ed, the callback
 * may free it and store another malloc'ed buffer and its length (returns 0, or -1 to fail with
 * its own message in err). */
typedef int (*hvt_section_edit_fn)(void *ctx, const struct hvt_section_info *si, uint8_t **data, size_t *len,
				   struct hvt_err *err);
int hvt_writer_copy_sections(struct hvt_writer *w, struct hvt_reader *r, hvt_section_edit_fn edit, void *ctx,
			     struct hvt_err *err);

/* One HVT_SEC_VM_STATE section per VM that has a VM_START in the chunks added so far. */
int hvt_writer_add_vm_states(struct hvt_writer *w, struct hvt_err *err);

/* The HVT_SEC_VMXCAPS section from the disk header's VMX capability MSRs. */
int hvt_writer_add_vmxcaps(struct hvt_writer *w, const struct hvt_disk_header *dh,
			   struct hvt_err *err);

/* Counts so far, and whether an END record was among the chunks. */
uint64_t hvt_writer_nevents(const struct hvt_writer *w);
uint64_t hvt_writer_nchunks(const struct hvt_writer *w);
int hvt_writer_saw_end(const struct hvt_writer *w);

/*
 * Write header, sections, chunks, index and footer, and rename the file into place. flags:
 * HVT_FILE_COMPLETE when the recording ended cleanly. Frees w whatever happens; on error no
 * output file is left behind.
 */
int hvt_writer_close(struct hvt_writer *w, uint32_t flags, struct hvt_err *err);

/* Give up: free w and leave no output file. */
void hvt_writer_discard(struct hvt_writer *w);

/*
 * A trace rewriter's loop body (tests/system's trace_hostile, replay/tools/trace_corrupt): one
 * decoded event encoded again as it says, into e. To change something, change a copy of the
 * event first (its reason, icount, insn_len, or post pointing at other values). Returns 1 once
 * END has been encoded (the encoder is finished), else 0.
 */
struct hvt_enc;
int hvt_enc_event(struct hvt_enc *e, const struct hvt_event *ev);

/*
 * Import a trace disk image: check its header (magic, version; copied to *out, which may be
 * NULL), then read every capture chunk from LBA 8, each 512-byte aligned, until a sector without
 * the capture chunk magic (or, when the header says HVT_DISK_CLEAN_END, exactly its chunk
 * count), and turn its records into v1 chunks for the writer (tracer/hvt_capture.h).
 * Returns HVT_OK when the stream ended cleanly with END; HVT_TRUNCATED when it stopped at a
 * half-written chunk or a malformed record (everything before it was imported; err says which
 * chunk and the byte offset in the image); a negative status when nothing could be imported
 * (bad header, I/O error, writer failure).
 */
int hvt_disk_import(const char *disk_image_path, struct hvt_writer *w,
		    struct hvt_disk_header *out, struct hvt_err *err);

#endif
