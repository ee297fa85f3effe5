/*
 * hvt_reader_iter.c - chunks and events of an open .hvt file, one chunk in memory at a time per
 * cursor. A cursor owns its chunk buffers, zstd context and decoder and shares only the reader's
 * descriptor (read with pread, so positions do not interfere), index and sections: several
 * cursors over one open file are independent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_io.h"
#include "hvt_reader_priv.h"

int hvt_cursor_chunk_load(struct hvt_cursor *cu, size_t i, struct hvt_err *err)
{
	struct hvt_reader *r = cu->r;
	const struct hvt_index_entry *e;
	struct hvt_chunk_header *h = &cu->ch;
	uint64_t off, pay, room;
	int st;

	if (i >= r->nindex)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: no chunk %zu", r->name, i);
	e = &r->index[i];
	off = e->offset;
	pay = off + sizeof(*h);
	cu->cur = i;
	cu->cur_done = 1; /* until it decodes */
	if (hvt_pread_all(r->fd, h, sizeof(*h), off) != (ssize_t)sizeof(*h))
		return hvt_err_set(err, HVT_EIO, off, "%s: chunk %zu at offset %llu: %s", r->name, i,
				   (unsigned long long)off, errno ? strerror(errno) : "short read");
	if (h->magic != HVT_CHUNK_MAGIC || h->header_size != sizeof(*h))
		return hvt_err_set(err, HVT_ECORRUPT, off, "%s: chunk %zu at offset %llu: bad magic or header size",
				   r->name, i, (unsigned long long)off);
	if (h->header_crc != hvt_crc(h, 60))
		return hvt_err_set(err, HVT_ECORRUPT, off, "%s: chunk %zu at offset %llu: header CRC mismatch",
				   r->name, i, (unsigned long long)off);
	room = r->info.chunks_end - pay;
	/* every .hvt chunk carries its payload CRC, and its reserved bytes are zero */
	static const uint8_t zero[sizeof(h->reserved)];
	if (!(h->flags & HVT_CHUNK_CRC) || memcmp(h->reserved, zero, sizeof(zero)))
		return hvt_err_set(err, HVT_ECORRUPT, off, "%s: chunk %zu at offset %llu: %s", r->name, i,
				   (unsigned long long)off,
				   h->flags & HVT_CHUNK_CRC ? "reserved bytes not zero" : "no payload CRC (flag clear)");
	if ((h->flags & ~(HVT_CHUNK_ZSTD | HVT_CHUNK_CRC)) || h->index != i ||
	    h->first_event != e->first_event || h->nevents != e->nevents || h->first_vm != e->first_vm ||
	    h->first_icount != e->first_icount || h->raw_size > HVT_CHUNK_MAX || h->stored_size > room ||
	    h->stored_size > ZSTD_compressBound(HVT_CHUNK_MAX) ||
	    (!(h->flags & HVT_CHUNK_ZSTD) && h->raw_size != h->stored_size) ||
	    ((h->flags & HVT_CHUNK_ZSTD) && !(r->info.hdr.required & HVT_REQ_ZSTD)))
		return hvt_err_set(err, HVT_ECORRUPT, off,
				   "%s: chunk %zu at offset %llu: header disagrees with the index or sizes are impossible",
				   r->name, i, (unsigned long long)off);
	if (hvt_pread_all(r->fd, cu->stored, h->stored_size, pay) != (ssize_t)h->stored_size)
		return hvt_err_set(err, HVT_EIO, pay, "%s: chunk %zu: %s", r->name, i,
				   errno ? strerror(errno) : "short read");
	if ((h->flags & HVT_CHUNK_CRC) && h->payload_crc != hvt_crc(cu->stored, h->stored_size))
		return hvt_err_set(err, HVT_ECORRUPT, pay,
				   "%s: chunk %zu at offset %llu: payload CRC mismatch (payload at offset %llu)",
				   r->name, i, (unsigned long long)off, (unsigned long long)pay);
	if (h->flags & HVT_CHUNK_ZSTD) {
		size_t z = ZSTD_decompressDCtx(cu->dctx, cu->raw, h->raw_size, cu->stored, h->stored_size);
		if (ZSTD_isError(z) || z != h->raw_size)
			return hvt_err_set(err, HVT_ECORRUPT, pay,
					   "%s: chunk %zu at offset %llu: zstd payload does not give its %u bytes",
					   r->name, i, (unsigned long long)off, h->raw_size);
		st = hvt_dec_chunk(&cu->dec, h, cu->raw, h->raw_size, err);
		cu->raw_len = h->raw_size;
	} else {
		st = hvt_dec_chunk(&cu->dec, h, cu->stored, h->stored_size, err);
		cu->raw_len = h->stored_size;
	}
	if (st) {
		/* Decoder offsets are payload bytes; for a raw chunk that is a file offset too. */
		if (!(h->flags & HVT_CHUNK_ZSTD) && err && err->offset != HVT_NO_OFFSET)
			err->offset += pay;
		else if (err)
			err->offset = pay;
		hvt_err_prefix(err, "%s: chunk %zu at offset %llu: ", r->name, i, (unsigned long long)off);
		return st;
	}
	cu->cur_done = 0;
	return HVT_OK;
}

const struct hvt_chunk_header *hvt_cursor_chunk(const struct hvt_cursor *cu, const uint8_t **payload,
						size_t *len)
{
	if (cu->cur == (size_t)-1)
		return NULL;
	if (payload)
		*payload = (cu->ch.flags & HVT_CHUNK_ZSTD) ? cu->raw : cu->stored;
	if (len)
		*len = cu->raw_len;
	return &cu->ch;
}

int hvt_cursor_next(struct hvt_cursor *cu, struct hvt_event *ev, struct hvt_err *err)
{
	struct hvt_reader *r = cu->r;

	for (;;) {
		int st;

		if (!cu->cur_done) {
			st = hvt_dec_next(&cu->dec, ev, err);
			if (st != HVT_END) {
				if (st < 0) {
					uint64_t pay = r->index[cu->cur].offset + sizeof(struct hvt_chunk_header);
					if (err && !(cu->ch.flags & HVT_CHUNK_ZSTD) && err->offset != HVT_NO_OFFSET)
						err->offset += pay;
					else if (err)
						err->offset = pay;
					hvt_err_prefix(err, "%s: chunk %zu at offset %llu: ", r->name, cu->cur,
						       (unsigned long long)r->index[cu->cur].offset);
					cu->cur_done = 1;
				}
				return st;
			}
			cu->cur_done = 1;
		}
		if (cu->cur + 1 >= r->nindex && cu->cur != (size_t)-1)
			return HVT_END;
		if (r->nindex == 0)
			return HVT_END;
		if ((st = hvt_cursor_chunk_load(cu, cu->cur + 1, err)))
			return st;
	}
}

int hvt_cursor_seek(struct hvt_cursor *cu, uint64_t evn, struct hvt_err *err)
{
	struct hvt_reader *r = cu->r;
	size_t i = hvt_reader_find_chunk(r, evn);
	struct hvt_event ev;
	int st;

	if (i == (size_t)-1) {
		/* Past the end (or before a gap): nothing more to read. */
		cu->cur = r->nindex ? r->nindex - 1 : (size_t)-1;
		cu->cur_done = 1;
		return evn >= r->info.nevents ? HVT_END : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET,
									"%s: no chunk holds event %llu", r->name,
									(unsigned long long)evn);
	}
	if ((st = hvt_cursor_chunk_load(cu, i, err)))
		return st;
	/* Decode up to the wanted event: the decoder then stands just before it. */
	while (cu->dec.next_num < evn) {
		st = hvt_dec_next(&cu->dec, &ev, err);
		if (st)
			return st < 0 ? st : HVT_END;
	}
	return HVT_OK;
}

int hvt_cursor_init(struct hvt_cursor *cu, struct hvt_reader *r, struct hvt_err *err)
{
	cu->r = r;
	cu->cur = (size_t)-1;
	cu->cur_done = 1;
	if (!(cu->stored = malloc(ZSTD_compressBound(HVT_CHUNK_MAX))) || !(cu->raw = malloc(HVT_CHUNK_MAX)) ||
	    !(cu->dctx = ZSTD_createDCtx())) {
		hvt_cursor_fini(cu);
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	}
	hvt_dec_init(&cu->dec);
	return HVT_OK;
}

void hvt_cursor_fini(struct hvt_cursor *cu)
{
	free(cu->stored);
	free(cu->raw);
	ZSTD_freeDCtx(cu->dctx);
	cu->stored = cu->raw = NULL;
	cu->dctx = NULL;
}

int hvt_cursor_open(struct hvt_cursor **out, struct hvt_reader *r, struct hvt_err *err)
{
	struct hvt_cursor *cu = calloc(1, sizeof(*cu));
	int st;

	*out = NULL;
	if (!cu)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	if ((st = hvt_cursor_init(cu, r, err))) {
		free(cu);
		return st;
	}
	*out = cu;
	return HVT_OK;
}

void hvt_cursor_close(struct hvt_cursor *cu)
{
	if (!cu)
		return;
	hvt_cursor_fini(cu);
	free(cu);
}

/* The reader's own position is its embedded cursor. */
int hvt_reader_chunk_load(struct hvt_reader *r, size_t i, struct hvt_err *err)
{
	return hvt_cursor_chunk_load(&r->it, i, err);
}

const struct hvt_chunk_header *hvt_reader_chunk(const struct hvt_reader *r, const uint8_t **payload, size_t *len)
{
	return hvt_cursor_chunk(&r->it, payload, len);
}

int hvt_reader_next_event(struct hvt_reader *r, struct hvt_event *ev, struct hvt_err *err)
{
	return hvt_cursor_next(&r->it, ev, err);
}

int hvt_reader_seek(struct hvt_reader *r, uint64_t ev, struct hvt_err *err)
{
	return hvt_cursor_seek(&r->it, ev, err);
}
