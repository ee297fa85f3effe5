/*
 * hvt_reader.h - reading .hvt files (format: include/retrovisor/trace_format.h).
 *
 * Opening checks the file header (magic, version, required features, CRC) and every section
 * (bounds, CRC), then takes the chunk index from the footer when it is intact (an event number
 * is found by binary search, O(log n)) or rebuilds it by walking the chunk headers. A file cut
 * short opens fine and reads up to its last complete chunk; the info says where it stops.
 * Chunks are read one at a time (CRC-checked, decompressed); memory stays bounded by one chunk
 * plus the index.
 */
#ifndef TRACER_HVT_READER_H
#define TRACER_HVT_READER_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/trace_format.h"
#include "hvt_status.h"
#include "trace_decode.h"

#define HVT_SECTION_MAX (256u << 20) /* largest section a reader loads (raw bytes) */

struct hvt_reader;

struct hvt_section_info {
	uint64_t offset; /* of the stored payload in the file */
	uint32_t type, flags, stored_size, raw_size, crc, vm;
	int crc_ok;
};

struct hvt_reader_info {
	struct hvt_file_header hdr;
	uint64_t file_size;
	size_t nchunks;          /* usable chunks (the index) */
	uint64_t nevents;        /* events in them */
	uint64_t chunks_end;     /* where chunk data ends (index start or end of readable data) */
	int index_from_footer;   /* 0: rebuilt by scanning the chunk headers */
	int truncated;           /* the file stops early; readable up to truncated_at */
	uint64_t truncated_at;
	int damaged;             /* something is corrupt (problem says what and where) */
	struct hvt_err problem;  /* first problem found while opening (truncation, bad index, ...) */
};

/* Open path; HVT_OK or a negative status (err says why: not a trace, version 2.0 is newer than
 * this reader, requires unknown feature bit 3, header CRC mismatch, ...). */
int hvt_reader_open(struct hvt_reader **out, const char *path, struct hvt_err *err);
/* The same on an open descriptor (not closed by the reader); name is used in messages. */
int hvt_reader_open_fd(struct hvt_reader **out, int fd, const char *name, struct hvt_err *err);
void hvt_reader_close(struct hvt_reader *r);

const struct hvt_reader_info *hvt_reader_info(const struct hvt_reader *r);
const char *hvt_reader_name(const struct hvt_reader *r);

/* Sections, in file order. */
uint32_t hvt_reader_nsections(const struct hvt_reader *r);
const struct hvt_section_info *hvt_reader_section(const struct hvt_reader *r, uint32_t i);
/* Load section i's raw bytes into a malloc'd buffer (caller frees; NUL-terminated past len).
 * Refuses raw sizes above max (0: HVT_SECTION_MAX). */
int hvt_reader_section_load(struct hvt_reader *r, uint32_t i, size_t max, uint8_t **data,
			    size_t *len, struct hvt_err *err);
/* First section of a type (and VM, or HVT_NO_VM for any), or -1. */
int hvt_reader_section_find(const struct hvt_reader *r, uint32_t type, uint32_t vm);

/* The chunk index (from the footer or rebuilt). */
const struct hvt_index_entry *hvt_reader_index(const struct hvt_reader *r, size_t *n);
/* The chunk holding event number ev (binary search), or (size_t)-1. */
size_t hvt_reader_find_chunk(const struct hvt_reader *r, uint64_t ev);

/* Load chunk i (header checks against the index, CRCs, zstd) and start decoding it. */
int hvt_reader_chunk_load(struct hvt_reader *r, size_t i, struct hvt_err *err);
/* The loaded chunk: header as stored, raw payload. */
const struct hvt_chunk_header *hvt_reader_chunk(const struct hvt_reader *r, const uint8_t **payload,
						size_t *len);

/* Events in order across chunks: HVT_OK, HVT_END after the last usable chunk, or negative. */
int hvt_reader_next_event(struct hvt_reader *r, struct hvt_event *ev, struct hvt_err *err);
/* Position so that the next hvt_reader_next_event returns event number ev (HVT_END if past
 * the last event). */
int hvt_reader_seek(struct hvt_reader *r, uint64_t ev, struct hvt_err *err);

#endif
