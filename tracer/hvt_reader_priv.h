/*
 * hvt_reader_priv.h - the reader's state, shared by hvt_reader.c (open, sections, index) and
 * hvt_reader_iter.c (chunks and events). Not for users of the library.
 */
#ifndef TRACER_HVT_READER_PRIV_H
#define TRACER_HVT_READER_PRIV_H

#include <zstd.h>

#include "hvt_reader.h"

/* A position in the events of an open file, with its own chunk in memory and its own decoder:
 * several cursors over one reader move independently (hvt_cursor_open). The reader's own
 * hvt_reader_next_event/seek use the one embedded in it. */
struct hvt_cursor {
	struct hvt_reader *r;
	size_t cur;                 /* index of the loaded chunk, (size_t)-1 before any */
	int cur_done;               /* its events are exhausted */
	struct hvt_chunk_header ch;
	uint8_t *stored, *raw;      /* raw == stored for an uncompressed chunk */
	size_t raw_len;
	ZSTD_DCtx *dctx;
	struct hvt_dec dec;
};

int hvt_cursor_init(struct hvt_cursor *cu, struct hvt_reader *r, struct hvt_err *err);
void hvt_cursor_fini(struct hvt_cursor *cu);

struct hvt_reader {
	int fd, own_fd;
	char *name;
	struct hvt_reader_info info;
	struct hvt_section_info *sec;
	uint32_t nsec;
	struct hvt_index_entry *index;
	size_t nindex, capindex;
	struct hvt_cursor it;       /* hvt_reader_next_event's position; its dctx also loads sections */
};

uint32_t hvt_crc(const void *p, size_t n);

#endif
