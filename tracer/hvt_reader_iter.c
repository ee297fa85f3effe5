/*
 * hvt_reader_iter.c - chunks and events of an open .hvt file, one chunk in memory at a time.
 */
#include <errno.h>
#include <string.h>

#include "hvt_io.h"
#include "hvt_reader_priv.h"

int hvt_reader_chunk_load(struct hvt_reader *r, size_t i, struct hvt_err *err)
{
	const struct hvt_index_entry *e;
	struct hvt_chunk_header *h = &r->ch;
	uint64_t off, pay, room;
	int st;

	if (i >= r->nindex)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: no chunk %zu", r->name, i);
	e = &r->index[i];
	off = e->offset;
	pay = off + sizeof(*h);
	r->cur = i;
	r->cur_done = 1; /* until it decodes */
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
	if (hvt_pread_all(r->fd, r->stored, h->stored_size, pay) != (ssize_t)h->stored_size)
		return hvt_err_set(err, HVT_EIO, pay, "%s: chunk %zu: %s", r->name, i,
				   errno ? strerror(errno) : "short read");
	if ((h->flags & HVT_CHUNK_CRC) && h->payload_crc != hvt_crc(r->stored, h->stored_size))
		return hvt_err_set(err, HVT_ECORRUPT, pay,
				   "%s: chunk %zu at offset %llu: payload CRC mismatch (payload at offset %llu)",
				   r->name, i, (unsigned long long)off, (unsigned long long)pay);
	if (h->flags & HVT_CHUNK_ZSTD) {
		size_t z = ZSTD_decompressDCtx(r->dctx, r->raw, h->raw_size, r->stored, h->stored_size);
		if (ZSTD_isError(z) || z != h->raw_size)
			return hvt_err_set(err, HVT_ECORRUPT, pay,
					   "%s: chunk %zu at offset %llu: zstd payload does not give its %u bytes",
					   r->name, i, (unsigned long long)off, h->raw_size);
		st = hvt_dec_chunk(&r->dec, h, r->raw, h->raw_size, err);
		r->raw_len = h->raw_size;
	} else {
		st = hvt_dec_chunk(&r->dec, h, r->stored, h->stored_size, err);
		r->raw_len = h->stored_size;
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
	r->cur_done = 0;
	return HVT_OK;
}

const struct hvt_chunk_header *hvt_reader_chunk(const struct hvt_reader *r, const uint8_t **payload,
						size_t *len)
{
	if (r->cur == (size_t)-1)
		return NULL;
	if (payload)
		*payload = (r->ch.flags & HVT_CHUNK_ZSTD) ? r->raw : r->stored;
	if (len)
		*len = r->raw_len;
	return &r->ch;
}

int hvt_reader_next_event(struct hvt_reader *r, struct hvt_event *ev, struct hvt_err *err)
{
	for (;;) {
		int st;

		if (!r->cur_done) {
			st = hvt_dec_next(&r->dec, ev, err);
			if (st != HVT_END) {
				if (st < 0) {
					uint64_t pay = r->index[r->cur].offset + sizeof(struct hvt_chunk_header);
					if (err && !(r->ch.flags & HVT_CHUNK_ZSTD) && err->offset != HVT_NO_OFFSET)
						err->offset += pay;
					else if (err)
						err->offset = pay;
					hvt_err_prefix(err, "%s: chunk %zu at offset %llu: ", r->name, r->cur,
						       (unsigned long long)r->index[r->cur].offset);
					r->cur_done = 1;
				}
				return st;
			}
			r->cur_done = 1;
		}
		if (r->cur + 1 >= r->nindex && r->cur != (size_t)-1)
			return HVT_END;
		if (r->nindex == 0)
			return HVT_END;
		if ((st = hvt_reader_chunk_load(r, r->cur + 1, err)))
			return st;
	}
}

int hvt_reader_seek(struct hvt_reader *r, uint64_t evn, struct hvt_err *err)
{
	size_t i = hvt_reader_find_chunk(r, evn);
	struct hvt_event ev;
	int st;

	if (i == (size_t)-1) {
		/* Past the end (or before a gap): nothing more to read. */
		r->cur = r->nindex ? r->nindex - 1 : (size_t)-1;
		r->cur_done = 1;
		return evn >= r->info.nevents ? HVT_END : hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET,
									"%s: no chunk holds event %llu", r->name,
									(unsigned long long)evn);
	}
	if ((st = hvt_reader_chunk_load(r, i, err)))
		return st;
	/* Decode up to the wanted event: the decoder then stands just before it. */
	while (r->dec.next_num < evn) {
		st = hvt_dec_next(&r->dec, &ev, err);
		if (st)
			return st < 0 ? st : HVT_END;
	}
	return HVT_OK;
}
