/*
 * hvt_reader.c - opening a .hvt file: file header, sections, and the chunk index (taken from the
 * footer when it checks out, else rebuilt by walking the chunk headers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hvt_file.h"
#include "hvt_io.h"
#include "hvt_reader_priv.h"

uint32_t hvt_crc(const void *p, size_t n)
{
	return (uint32_t)crc32(crc32(0, Z_NULL, 0), p, (uInt)n);
}

/* The first problem found while opening is kept in info.problem; later ones are dropped. */
static void problem(struct hvt_reader *r, int code, uint64_t off, const char *msg)
{
	if (code == HVT_ECORRUPT)
		r->info.damaged = 1;
	if (r->info.problem.code)
		return;
	r->info.problem.code = code;
	r->info.problem.offset = off;
	strncpy(r->info.problem.msg, msg, sizeof(r->info.problem.msg) - 1);
}

static void truncated(struct hvt_reader *r, uint64_t off, const char *what)
{
	char msg[200];

	r->info.truncated = 1;
	r->info.truncated_at = off;
	snprintf(msg, sizeof(msg), "truncated at offset %llu (%s; file is %llu bytes)",
		 (unsigned long long)off, what, (unsigned long long)r->info.file_size);
	problem(r, HVT_TRUNCATED, off, msg);
}

static const char *feature_names(uint32_t bits, char *buf, size_t n)
{
	size_t k = 0;

	buf[0] = 0;
	for (unsigned b = 0; b < 32 && k < n; b++)
		if (bits >> b & 1)
			k += (size_t)snprintf(buf + k, n - k, "%s%s%u", k ? ", " : "",
					      (1u << b) == HVT_REQ_ZSTD ? "zstd/bit " : "bit ", b);
	return buf;
}

static int check_header(struct hvt_reader *r, struct hvt_err *err)
{
	struct hvt_file_header *h = &r->info.hdr;
	ssize_t got = hvt_pread_all(r->fd, h, sizeof(*h), 0);
	char names[128];

	if (got < 0)
		return hvt_err_set(err, HVT_EIO, 0, "%s: %s", r->name, strerror(errno));
	if (got >= 8 && !memcmp(h->magic, HVT_DISK_MAGIC, 6)) /* "RVDISK", any layout */
		return hvt_err_set(err, HVT_ECORRUPT, 0,
				   "%s: this is a trace disk image, not a .hvt file (hvrun imports it)", r->name);
	if (memcmp(h->magic, HVT_FILE_MAGIC, (size_t)got < 8 ? (size_t)got : 8) || got == 0)
		return hvt_err_set(err, HVT_ECORRUPT, 0, "%s: not a Retrovisor trace (no \"%s\" magic)",
				   r->name, HVT_FILE_MAGIC);
	if (got < (ssize_t)sizeof(*h))
		return hvt_err_set(err, HVT_ETRUNCATED, (uint64_t)got,
				   "%s: truncated at offset %zd, inside the 64-byte file header", r->name, got);
	if (h->header_crc != hvt_crc(h, 60))
		return hvt_err_set(err, HVT_ECORRUPT, 60, "%s: file header CRC mismatch (offset 60)", r->name);
	if (h->major != HVT_VERSION_MAJOR)
		return hvt_err_set(err, HVT_EVERSION, 8,
				   "%s: trace format version %u.%u is %s than this reader's %u.%u", r->name,
				   h->major, h->minor, h->major > HVT_VERSION_MAJOR ? "newer" : "older",
				   HVT_VERSION_MAJOR, HVT_VERSION_MINOR);
	if (h->required & ~HVT_REQ_KNOWN)
		return hvt_err_set(err, HVT_EVERSION, 16,
				   "%s: requires feature(s) this reader does not know: %s (known: zstd)",
				   r->name, feature_names(h->required & ~HVT_REQ_KNOWN, names, sizeof(names)));
	if (h->header_size < sizeof(*h) ||
	    (uint64_t)h->nsections * sizeof(struct hvt_section_header) > h->header_size - sizeof(*h))
		return hvt_err_set(err, HVT_ECORRUPT, 12, "%s: header size %u cannot hold %u sections",
				   r->name, h->header_size, h->nsections);
	if (h->header_size > r->info.file_size)
		return hvt_err_set(err, HVT_ETRUNCATED, r->info.file_size,
				   "%s: truncated at offset %llu, inside the sections (they end at %u)", r->name,
				   (unsigned long long)r->info.file_size, h->header_size);
	return HVT_OK;
}

/* CRC of a file range, read in blocks. */
static int crc_range(struct hvt_reader *r, uint64_t off, uint64_t n, uint32_t *out)
{
	uint8_t buf[16384];
	uLong c = crc32(0, Z_NULL, 0);

	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if (hvt_pread_all(r->fd, buf, k, off) != (ssize_t)k)
			return -1;
		c = crc32(c, buf, (uInt)k);
		off += k;
		n -= k;
	}
	*out = (uint32_t)c;
	return 0;
}

static int read_sections(struct hvt_reader *r, struct hvt_err *err)
{
	const struct hvt_file_header *h = &r->info.hdr;
	uint64_t off = sizeof(*h);

	r->nsec = h->nsections;
	if (r->nsec && !(r->sec = calloc(r->nsec, sizeof(*r->sec))))
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	for (uint32_t i = 0; i < r->nsec; i++) {
		struct hvt_section_header sh;
		struct hvt_section_info *s = &r->sec[i];
		uint32_t c;
		char msg[160];

		if (hvt_pread_all(r->fd, &sh, sizeof(sh), off) != (ssize_t)sizeof(sh))
			return hvt_err_set(err, HVT_EIO, off, "%s: reading section %u: %s", r->name, i,
					   strerror(errno));
		if (sh.stored_size > h->header_size - off - sizeof(sh))
			return hvt_err_set(err, HVT_ECORRUPT, off,
					   "%s: section %u at offset %llu: %u bytes run past the sections' end (%u)",
					   r->name, i, (unsigned long long)off, sh.stored_size, h->header_size);
		if ((sh.flags & ~HVT_SEC_ZSTD) || (!(sh.flags & HVT_SEC_ZSTD) && sh.raw_size != sh.stored_size) ||
		    ((sh.flags & HVT_SEC_ZSTD) && !(h->required & HVT_REQ_ZSTD)))
			return hvt_err_set(err, HVT_ECORRUPT, off, "%s: section %u at offset %llu: bad flags/sizes",
					   r->name, i, (unsigned long long)off);
		*s = (struct hvt_section_info){ .offset = off + sizeof(sh), .type = sh.type, .flags = sh.flags,
						.stored_size = sh.stored_size, .raw_size = sh.raw_size,
						.crc = sh.crc, .vm = sh.vm };
		if (crc_range(r, s->offset, sh.stored_size, &c))
			return hvt_err_set(err, HVT_EIO, s->offset, "%s: %s", r->name, strerror(errno));
		s->crc_ok = c == sh.crc;
		if (!s->crc_ok) {
			snprintf(msg, sizeof(msg), "section %u (type %u) at offset %llu: CRC mismatch", i,
				 sh.type, (unsigned long long)off);
			problem(r, HVT_ECORRUPT, off, msg);
		}
		off = s->offset + ((sh.stored_size + 7ull) & ~7ull);
		/* The padding is zero; it is not under the CRC, so look at it. */
		uint8_t pad[8] = { 0 };
		size_t np = (size_t)(off - s->offset - sh.stored_size);
		if (np && (hvt_pread_all(r->fd, pad, np, s->offset + sh.stored_size) != (ssize_t)np ||
			   memcmp(pad, "\0\0\0\0\0\0\0\0", np))) {
			snprintf(msg, sizeof(msg), "section %u at offset %llu: padding is not zero", i,
				 (unsigned long long)(s->offset - sizeof(sh)));
			problem(r, HVT_ECORRUPT, s->offset + sh.stored_size, msg);
		}
	}
	if (off != h->header_size)
		return hvt_err_set(err, HVT_ECORRUPT, off, "%s: sections end at %llu, the header says %u",
				   r->name, (unsigned long long)off, h->header_size);
	return HVT_OK;
}

static int index_push(struct hvt_reader *r, const struct hvt_index_entry *e)
{
	if (r->nindex == r->capindex) {
		size_t nc = r->capindex ? 2 * r->capindex : 64;
		struct hvt_index_entry *ni = realloc(r->index, nc * sizeof(*ni));
		if (!ni)
			return -1;
		r->index = ni;
		r->capindex = nc;
	}
	r->index[r->nindex++] = *e;
	return 0;
}

/* The footer's index, if everything about it checks out; else a reason in why. */
static int index_from_footer(struct hvt_reader *r, char *why, size_t n)
{
	const struct hvt_file_header *h = &r->info.hdr;
	struct hvt_footer f;
	uint64_t fo = h->footer_offset, next_ev = 0, next_off = h->header_size;

	if (!fo) {
		snprintf(why, n, "the file has no index");
		return -1;
	}
	if (fo + sizeof(f) != r->info.file_size || fo < h->header_size) {
		snprintf(why, n, "footer offset %llu does not fit the %llu-byte file",
			 (unsigned long long)fo, (unsigned long long)r->info.file_size);
		return -1;
	}
	if (hvt_pread_all(r->fd, &f, sizeof(f), fo) != (ssize_t)sizeof(f) ||
	    memcmp(f.magic, HVT_FOOTER_MAGIC, 8) || f.footer_crc != hvt_crc(&f, 28)) {
		snprintf(why, n, "footer at offset %llu is damaged", (unsigned long long)fo);
		return -1;
	}
	if (f.nentries != h->nchunks || f.index_offset < h->header_size ||
	    f.nentries > (fo - f.index_offset) / sizeof(struct hvt_index_entry) ||
	    f.index_offset + f.nentries * sizeof(struct hvt_index_entry) != fo) {
		snprintf(why, n, "footer at offset %llu describes an impossible index", (unsigned long long)fo);
		return -1;
	}
	/* nentries * 32 bytes lie inside the file (checked above): a bounded allocation. */
	struct hvt_index_entry *ni = realloc(r->index, (f.nentries ? f.nentries : 1) * sizeof(*ni));
	if (!ni) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	r->index = ni;
	r->capindex = f.nentries ? (size_t)f.nentries : 1;
	if (hvt_pread_all(r->fd, r->index, f.nentries * sizeof(*r->index), f.index_offset) !=
	    (ssize_t)(f.nentries * sizeof(*r->index))) {
		snprintf(why, n, "index unreadable");
		return -1;
	}
	r->nindex = (size_t)f.nentries;
	uint32_t c = hvt_crc(r->index, r->nindex * sizeof(*r->index));
	for (size_t i = 0; i < r->nindex; i++) {
		const struct hvt_index_entry *e = &r->index[i];
		/* Chunks are contiguous, in order, numbered without gaps; each holds its header. */
		uint64_t end = i + 1 < r->nindex ? r->index[i + 1].offset : f.index_offset;
		if (e->offset != next_off || e->first_event != next_ev || e->first_vm >= HVT_MAX_VMS ||
		    end < e->offset + sizeof(struct hvt_chunk_header) ||
		    end - e->offset - sizeof(struct hvt_chunk_header) > ZSTD_compressBound(HVT_CHUNK_MAX)) {
			snprintf(why, n, "index entry %zu at offset %llu is inconsistent", i,
				 (unsigned long long)(f.index_offset + i * sizeof(*e)));
			return -1;
		}
		next_ev = e->first_event + e->nevents;
		next_off = end;
	}
	if (c != f.index_crc) {
		snprintf(why, n, "index CRC mismatch");
		return -1;
	}
	if (next_ev != h->nevents) {
		snprintf(why, n, "index holds %llu events, the header says %llu", (unsigned long long)next_ev,
			 (unsigned long long)h->nevents);
		return -1;
	}
	r->info.chunks_end = f.index_offset;
	return 0;
}

/* Walk the chunk headers from the end of the sections; stop at the first that is cut short
 * (truncated) or damaged (corrupt). */
static int index_rebuild(struct hvt_reader *r, struct hvt_err *err)
{
	const struct hvt_file_header *h = &r->info.hdr;
	uint64_t off = h->header_size, end = r->info.file_size, next_ev = 0, index_at = 0;
	char msg[200];

	if (h->footer_offset && h->footer_offset >= h->header_size &&
	    (h->footer_offset - h->header_size) / sizeof(struct hvt_index_entry) >= h->nchunks)
		index_at = h->footer_offset - h->nchunks * sizeof(struct hvt_index_entry);
	for (uint64_t k = 0;; k++) {
		struct hvt_chunk_header ch;
		struct hvt_index_entry e;

		if (off == end) {
			if (h->footer_offset)
				truncated(r, off, "the index and footer are missing");
			break;
		}
		if (index_at && off == index_at) {
			if (h->footer_offset + sizeof(struct hvt_footer) > end)
				truncated(r, off, "all chunks present, index or footer cut");
			break;
		}
		if (end - off < sizeof(ch)) {
			truncated(r, off, "chunk header cut");
			break;
		}
		if (hvt_pread_all(r->fd, &ch, sizeof(ch), off) != (ssize_t)sizeof(ch))
			return hvt_err_set(err, HVT_EIO, off, "%s: %s", r->name, strerror(errno));
		if (ch.magic != HVT_CHUNK_MAGIC || ch.header_size != sizeof(ch) ||
		    ch.header_crc != hvt_crc(&ch, 60) || ch.index != k || ch.first_event != next_ev ||
		    ch.first_vm >= HVT_MAX_VMS) {
			snprintf(msg, sizeof(msg), "chunk %llu at offset %llu: header damaged (magic, CRC or numbering)",
				 (unsigned long long)k, (unsigned long long)off);
			problem(r, HVT_ECORRUPT, off, msg);
			break;
		}
		if (ch.stored_size > end - off - sizeof(ch)) {
			truncated(r, off, "chunk payload cut");
			break;
		}
		e = (struct hvt_index_entry){ off, ch.first_event, ch.first_icount, ch.nevents, ch.first_vm };
		if (index_push(r, &e))
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
		next_ev += ch.nevents;
		off += sizeof(ch) + ch.stored_size;
	}
	r->info.chunks_end = off;
	return HVT_OK;
}

int hvt_reader_open_fd(struct hvt_reader **out, int fd, const char *name, struct hvt_err *err)
{
	struct hvt_reader *r = calloc(1, sizeof(*r));
	struct stat sb;
	char why[160];
	int st;

	*out = NULL;
	if (!r || !(r->name = strdup(name))) {
		free(r);
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	}
	r->fd = fd;
	r->it.r = r;
	r->it.cur = (size_t)-1;
	if (fstat(fd, &sb)) {
		st = hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: %s", name, strerror(errno));
		goto fail;
	}
	r->info.file_size = (uint64_t)sb.st_size;
	if ((st = check_header(r, err)) || (st = read_sections(r, err)))
		goto fail;
	if (index_from_footer(r, why, sizeof(why)) == 0) {
		r->info.index_from_footer = 1;
	} else {
		char msg[200];
		r->nindex = 0; /* what index_from_footer may have left */
		if (r->info.hdr.footer_offset && r->info.hdr.footer_offset + sizeof(struct hvt_footer) ==
		    r->info.file_size) {
			/* The file is whole, yet the index is bad: that is damage, not truncation. */
			snprintf(msg, sizeof(msg), "index unusable (%s); rebuilt by scanning", why);
			problem(r, HVT_ECORRUPT, r->info.hdr.footer_offset, msg);
		} else if (r->info.hdr.footer_offset &&
			   r->info.hdr.footer_offset + sizeof(struct hvt_footer) < r->info.file_size) {
			/* longer than the header says: not a cut copy, something was appended */
			snprintf(msg, sizeof(msg), "%llu bytes after the footer (another trace appended?)",
				 (unsigned long long)(r->info.file_size - r->info.hdr.footer_offset -
						      sizeof(struct hvt_footer)));
			problem(r, HVT_ECORRUPT, r->info.hdr.footer_offset + sizeof(struct hvt_footer), msg);
		}
		if ((st = index_rebuild(r, err)))
			goto fail;
	}
	r->info.nchunks = r->nindex;
	r->info.nevents = r->nindex ? r->index[r->nindex - 1].first_event + r->index[r->nindex - 1].nevents : 0;
	if ((st = hvt_cursor_init(&r->it, r, err)))
		goto fail;
	*out = r;
	return HVT_OK;
fail:
	hvt_reader_close(r);
	return st;
}

int hvt_reader_open(struct hvt_reader **out, const char *path, struct hvt_err *err)
{
	struct hvt_err e = { 0 };
	int fd = hvt_open_input(path, "traces", &e);
	int st;

	*out = NULL;
	if (fd < 0) {
		if (err)
			*err = e;
		return e.code;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	st = hvt_reader_open_fd(out, fd, path, err);
	if (st)
		hvt_input_close(fd);
	else
		(*out)->own_fd = 1;
	return st;
}

void hvt_reader_close(struct hvt_reader *r)
{
	if (!r)
		return;
	if (r->own_fd)
		hvt_input_close(r->fd);
	free(r->name);
	free(r->sec);
	free(r->index);
	hvt_cursor_fini(&r->it);
	free(r);
}

const struct hvt_reader_info *hvt_reader_info(const struct hvt_reader *r)
{
	return &r->info;
}

const char *hvt_reader_name(const struct hvt_reader *r)
{
	return r->name;
}

uint32_t hvt_reader_nsections(const struct hvt_reader *r)
{
	return r->nsec;
}

const struct hvt_section_info *hvt_reader_section(const struct hvt_reader *r, uint32_t i)
{
	return i < r->nsec ? &r->sec[i] : NULL;
}

int hvt_reader_section_find(const struct hvt_reader *r, uint32_t type, uint32_t vm)
{
	for (uint32_t i = 0; i < r->nsec; i++)
		if (r->sec[i].type == type && (vm == HVT_NO_VM || r->sec[i].vm == vm))
			return (int)i;
	return -1;
}

int hvt_reader_section_load(struct hvt_reader *r, uint32_t i, size_t max, uint8_t **data,
			    size_t *len, struct hvt_err *err)
{
	const struct hvt_section_info *s = hvt_reader_section(r, i);
	uint8_t *stored, *raw;
	size_t z;

	*data = NULL;
	*len = 0;
	if (!s)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "no section %u", i);
	if (!s->crc_ok)
		return hvt_err_set(err, HVT_ECORRUPT, s->offset, "%s: section %u at offset %llu: CRC mismatch",
				   r->name, i, (unsigned long long)s->offset);
	if (s->raw_size > (max ? max : HVT_SECTION_MAX))
		return hvt_err_set(err, HVT_ECORRUPT, s->offset, "%s: section %u: %u bytes is more than %zu",
				   r->name, i, s->raw_size, max ? max : (size_t)HVT_SECTION_MAX);
	if (!(stored = malloc(s->stored_size + 1ull)))
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	if (hvt_pread_all(r->fd, stored, s->stored_size, s->offset) != (ssize_t)s->stored_size) {
		free(stored);
		return hvt_err_set(err, HVT_EIO, s->offset, "%s: %s", r->name, strerror(errno));
	}
	if (!(s->flags & HVT_SEC_ZSTD)) {
		stored[s->stored_size] = 0;
		*data = stored;
		*len = s->stored_size;
		return HVT_OK;
	}
	if (!(raw = malloc(s->raw_size + 1ull))) {
		free(stored);
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	}
	z = ZSTD_decompressDCtx(r->it.dctx, raw, s->raw_size, stored, s->stored_size);
	free(stored);
	if (ZSTD_isError(z) || z != s->raw_size) {
		free(raw);
		return hvt_err_set(err, HVT_ECORRUPT, s->offset, "%s: section %u: zstd data does not give its %u bytes",
				   r->name, i, s->raw_size);
	}
	raw[z] = 0;
	*data = raw;
	*len = z;
	return HVT_OK;
}

const struct hvt_index_entry *hvt_reader_index(const struct hvt_reader *r, size_t *n)
{
	*n = r->nindex;
	return r->index;
}

size_t hvt_reader_find_chunk(const struct hvt_reader *r, uint64_t ev)
{
	size_t lo = 0, hi = r->nindex;

	/* The last chunk whose first event is <= ev, if ev falls inside it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->index[mid].first_event <= ev)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct hvt_index_entry *e = &r->index[lo - 1];
		if (ev < e->first_event + e->nevents)
			return lo - 1;
		if (e->nevents)
			break;
		lo--; /* empty chunks share first_event with the next; not expected, but harmless */
	}
	return (size_t)-1;
}

int hvt_reader_section_struct(struct hvt_reader *r, uint32_t i, void *dst, size_t size, struct hvt_err *err)
{
	uint8_t *data;
	size_t len;
	int st = hvt_reader_section_load(r, i, HVT_SECTION_STRUCT_MAX, &data, &len, err);

	if (st)
		return st;
	memset(dst, 0, size);
	memcpy(dst, data, len < size ? len : size);
	free(data);
	return HVT_OK;
}
