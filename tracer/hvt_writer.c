/*
 * hvt_writer.c - assembling a .hvt file: sections in memory, chunks spooled, all written at close.
 *
 * Layout written (docs/trace-format.md): file header, sections (each padded to 8 bytes), chunks,
 * index (one entry per chunk), footer. Sections come first in the file although callers add them
 * last (the runner learns the VMs' initial states from the chunks), hence the spool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "hvt_file.h"
#include "hvt_writer.h"
#include "hvt_io.h"
#include "trace_decode.h"
#include "trace_scan.h"

struct wsection {
	struct hvt_section_header h;
	uint8_t *data; /* stored bytes */
};

struct hvt_writer {
	char *path;
	int spool;                 /* unlinked temporary file holding the chunks */
	uint64_t spool_len;
	struct hvt_writer_opts opts;
	struct wsection *sec;
	size_t nsec, capsec;
	struct hvt_index_entry *index;
	size_t nindex, capindex;
	uint64_t next_event;
	uint32_t required;
	int saw_end;
	ZSTD_CCtx *cctx;
	uint8_t *zbuf;
	size_t zcap;
	struct hvt_dec dec;
	struct hvt_scan *scan;     /* no_validate: the fast scan instead of the decoder */
	uint32_t started;          /* VMs whose first VM_START we have */
	struct hvt_vm_state start[HVT_MAX_VMS];
	int sink_status;
	struct hvt_err sink_err;
};

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(crc32(0, Z_NULL, 0), p, (uInt)n);
}

struct hvt_writer *hvt_writer_open(const char *path, const struct hvt_writer_opts *opts,
				   struct hvt_err *err)
{
	struct hvt_writer *w = calloc(1, sizeof(*w));
	size_t n = strlen(path);
	char *tmpl;

	if (!w || !(w->path = strdup(path)) || !(tmpl = malloc(n + 16))) {
		if (w)
			free(w->path);
		free(w);
		hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
		return NULL;
	}
	if (opts)
		w->opts = *opts;
	if (hvt_output_check(path, err))
		goto fail;
	if (w->opts.zstd_level < 0 || w->opts.zstd_level > ZSTD_maxCLevel()) {
		hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "writer: zstd level %d out of range 0-%d",
			    w->opts.zstd_level, ZSTD_maxCLevel());
		goto fail;
	}
	/* The spool lives next to the output (same file system, no /tmp size surprise). */
	snprintf(tmpl, n + 16, "%s.spool.XXXXXX", path);
	w->spool = mkstemp(tmpl);
	if (w->spool < 0) {
		hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: cannot create spool file: %s", tmpl,
			    strerror(errno));
		goto fail;
	}
	unlink(tmpl);
	free(tmpl);
	tmpl = NULL;
	if (w->opts.zstd_level) {
		w->cctx = ZSTD_createCCtx();
		w->zcap = ZSTD_compressBound(HVT_CHUNK_MAX);
		w->zbuf = malloc(w->zcap);
		if (!w->cctx || !w->zbuf) {
			hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
			goto fail;
		}
	}
	hvt_dec_init(&w->dec);
	return w;
fail:
	free(tmpl);
	if (w->spool > 0)
		close(w->spool);
	w->spool = -1;
	hvt_writer_discard(w);
	return NULL;
}

void hvt_writer_discard(struct hvt_writer *w)
{
	if (!w)
		return;
	if (w->spool >= 0)
		close(w->spool);
	for (size_t i = 0; i < w->nsec; i++)
		free(w->sec[i].data);
	free(w->sec);
	free(w->index);
	free(w->scan);
	ZSTD_freeCCtx(w->cctx);
	free(w->zbuf);
	free(w->path);
	free(w);
}

/* zstd-compress in into a new buffer if that saves at least 1/8; 1 if it did. */
static int maybe_compress(struct hvt_writer *w, const uint8_t *in, size_t n, uint8_t **out,
			  size_t *outlen)
{
	size_t cap, z;
	uint8_t *buf;

	if (!w->opts.zstd_level || n < 64)
		return 0;
	cap = ZSTD_compressBound(n);
	if (!(buf = malloc(cap)))
		return 0; /* storing raw is always allowed */
	z = ZSTD_compressCCtx(w->cctx, buf, cap, in, n, w->opts.zstd_level);
	if (ZSTD_isError(z) || z > n - n / 8) {
		free(buf);
		return 0;
	}
	*out = buf;
	*outlen = z;
	return 1;
}

int hvt_writer_add_section(struct hvt_writer *w, uint32_t type, uint32_t vm, const void *data,
			   size_t len, struct hvt_err *err)
{
	struct wsection s = { 0 };
	size_t stored = len;

	if (len > UINT32_MAX / 2)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "section type %u: %zu bytes is too large",
				   type, len);
	if (w->nsec == w->capsec) {
		size_t nc = w->capsec ? 2 * w->capsec : 8;
		struct wsection *ns = realloc(w->sec, nc * sizeof(*ns));
		if (!ns)
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
		w->sec = ns;
		w->capsec = nc;
	}
	if (maybe_compress(w, data, len, &s.data, &stored)) {
		s.h.flags = HVT_SEC_ZSTD;
		w->required |= HVT_REQ_ZSTD;
	} else {
		if (!(s.data = malloc(len ? len : 1)))
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
		if (len)
			memcpy(s.data, data, len);
	}
	s.h.type = type;
	s.h.vm = vm;
	s.h.raw_size = (uint32_t)len;
	s.h.stored_size = (uint32_t)stored;
	s.h.crc = crc(s.data, stored);
	w->sec[w->nsec++] = s;
	return HVT_OK;
}

/* Decode the chunk (it must be well formed) and remember each VM's first VM_START. */
static int chunk_validate(struct hvt_writer *w, const struct hvt_chunk_header *h,
			  const uint8_t *payload, struct hvt_err *err)
{
	struct hvt_event ev;
	int st = hvt_dec_chunk(&w->dec, h, payload, h->raw_size, err);

	while (st == HVT_OK && (st = hvt_dec_next(&w->dec, &ev, err)) == HVT_OK) {
		if (ev.type == HVT_REC_VM_START && !(w->started >> ev.vm & 1)) {
			w->start[ev.vm] = *ev.start;
			w->started |= 1u << ev.vm;
		}
		if (ev.type == HVT_REC_END)
			w->saw_end = 1;
	}
	return st == HVT_END ? HVT_OK : st;
}

int hvt_writer_add_chunk(struct hvt_writer *w, const uint8_t *chunk, size_t len,
			 struct hvt_err *err)
{
	struct hvt_chunk_header h;
	const uint8_t *payload = chunk + sizeof(h), *stored = payload;
	uint64_t n = w->nindex;
	size_t z;
	int st;

	if (len < sizeof(h))
		return hvt_err_set(err, HVT_ECORRUPT, 0, "chunk %llu: %zu bytes, shorter than its header",
				   (unsigned long long)n, len);
	memcpy(&h, chunk, sizeof(h));
	if (h.magic != HVT_CHUNK_MAGIC || h.header_size != sizeof(h))
		return hvt_err_set(err, HVT_ECORRUPT, 0, "chunk %llu: bad magic or header size",
				   (unsigned long long)n);
	if (h.flags & ~HVT_CHUNK_CRC)
		return hvt_err_set(err, HVT_ECORRUPT, 6, "chunk %llu: flags %#x (a raw chunk has none)",
				   (unsigned long long)n, h.flags);
	if (h.stored_size != len - sizeof(h) || h.raw_size != h.stored_size || h.raw_size > HVT_CHUNK_MAX)
		return hvt_err_set(err, HVT_ECORRUPT, 8,
				   "chunk %llu: sizes %u/%u do not match the %zu payload bytes (max %u)",
				   (unsigned long long)n, h.stored_size, h.raw_size, len - sizeof(h),
				   HVT_CHUNK_MAX);
	if ((h.flags & HVT_CHUNK_CRC) && h.payload_crc != crc(payload, h.raw_size))
		return hvt_err_set(err, HVT_ECORRUPT, 44, "chunk %llu: payload CRC mismatch",
				   (unsigned long long)n);
	if (h.header_crc && h.header_crc != crc(&h, 60))
		return hvt_err_set(err, HVT_ECORRUPT, 60, "chunk %llu: header CRC mismatch",
				   (unsigned long long)n);
	if (h.index != n || h.first_event != w->next_event)
		return hvt_err_set(err, HVT_ECORRUPT, 16,
				   "chunk %llu: says it is chunk %llu starting at event %llu, expected event %llu",
				   (unsigned long long)n, (unsigned long long)h.index,
				   (unsigned long long)h.first_event, (unsigned long long)w->next_event);
	if (w->opts.no_validate) {
		/* Structure only (fast), and the VM_START states the runner needs. */
		if (!w->scan && !(w->scan = calloc(1, sizeof(*w->scan))))
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
		if ((st = hvt_scan_chunk(w->scan, &h, payload, h.raw_size, err)) != HVT_OK) {
			hvt_err_prefix(err, "chunk %llu: ", (unsigned long long)n);
			return st;
		}
		for (unsigned vm = 0; vm < HVT_MAX_VMS; vm++)
			if ((w->scan->started & ~w->started) >> vm & 1) {
				w->start[vm] = w->scan->start[vm];
				w->started |= 1u << vm;
			}
		w->saw_end |= w->scan->ended;
	} else if ((st = chunk_validate(w, &h, payload, err)) != HVT_OK) {
		hvt_err_prefix(err, "chunk %llu: ", (unsigned long long)n);
		return st;
	}
	if (w->nindex == w->capindex) {
		size_t nc = w->capindex ? 2 * w->capindex : 256;
		struct hvt_index_entry *ni = realloc(w->index, nc * sizeof(*ni));
		if (!ni)
			return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
		w->index = ni;
		w->capindex = nc;
	}

	h.flags = HVT_CHUNK_CRC;
	if (w->opts.zstd_level) {
		z = ZSTD_compressCCtx(w->cctx, w->zbuf, w->zcap, payload, h.raw_size, w->opts.zstd_level);
		if (!ZSTD_isError(z) && z <= h.raw_size - h.raw_size / 8) {
			stored = w->zbuf;
			h.stored_size = (uint32_t)z;
			h.flags |= HVT_CHUNK_ZSTD;
			w->required |= HVT_REQ_ZSTD;
		}
	}
	h.payload_crc = crc(stored, h.stored_size);
	h.header_crc = crc(&h, 60);
	if (hvt_write_all(w->spool, &h, sizeof(h)) || hvt_write_all(w->spool, stored, h.stored_size))
		return hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: writing the spool: %s", w->path,
				   strerror(errno));

	w->index[w->nindex++] = (struct hvt_index_entry){
		.offset = w->spool_len,
		.first_event = h.first_event,
		.first_icount = h.first_icount,
		.nevents = h.nevents,
		.first_vm = h.first_vm,
	};
	w->spool_len += sizeof(h) + h.stored_size;
	w->next_event += h.nevents;
	return HVT_OK;
}

void hvt_writer_sink(void *ctx, const uint8_t *chunk, uint32_t len)
{
	struct hvt_writer *w = ctx;

	if (w->sink_status < 0)
		return; /* later chunks would not continue the refused one */
	w->sink_status = hvt_writer_add_chunk(w, chunk, len, &w->sink_err);
}

int hvt_writer_vm_start_state(const struct hvt_writer *w, unsigned vm, struct hvt_vm_state *out)
{
	if (vm >= HVT_MAX_VMS || !(w->started >> vm & 1))
		return 0;
	*out = w->start[vm];
	return 1;
}

int hvt_writer_copy_sections(struct hvt_writer *w, struct hvt_reader *r, hvt_section_edit_fn edit, void *ctx,
			     struct hvt_err *err)
{
	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *si = hvt_reader_section(r, i);
		uint8_t *data;
		size_t len;
		int st;
		if (si->type == HVT_SEC_VM_STATE)
			continue; /* rebuilt from the VM_START records */
		if ((st = hvt_reader_section_load(r, i, 0, &data, &len, err)) < 0)
			return st;
		if (edit && edit(ctx, si, &data, &len, err) < 0) {
			free(data);
			return err && err->code < 0 ? err->code : HVT_EINVAL;
		}
		st = hvt_writer_add_section(w, si->type, si->vm, data, len, err);
		free(data);
		if (st < 0)
			return st;
	}
	return HVT_OK;
}

int hvt_writer_add_vm_states(struct hvt_writer *w, struct hvt_err *err)
{
	for (unsigned vm = 0; vm < HVT_MAX_VMS; vm++) {
		int st;
		if (!(w->started >> vm & 1))
			continue;
		st = hvt_writer_add_section(w, HVT_SEC_VM_STATE, vm, &w->start[vm], sizeof(w->start[vm]), err);
		if (st)
			return st;
	}
	return HVT_OK;
}

int hvt_writer_add_vmxcaps(struct hvt_writer *w, const struct hvt_disk_header *dh,
			   struct hvt_err *err)
{
	return hvt_writer_add_section(w, HVT_SEC_VMXCAPS, HVT_NO_VM, dh->vmx_msr, sizeof(dh->vmx_msr), err);
}

uint64_t hvt_writer_nevents(const struct hvt_writer *w)
{
	return w->next_event;
}

uint64_t hvt_writer_nchunks(const struct hvt_writer *w)
{
	return w->nindex;
}

int hvt_writer_saw_end(const struct hvt_writer *w)
{
	return w->saw_end;
}

static const uint8_t zeros[8];

/* Header, sections, chunks (copied from the spool), index, footer. */
static int write_file(struct hvt_writer *w, int fd, uint32_t flags, struct hvt_err *err)
{
	struct hvt_file_header fh = { 0 };
	struct hvt_footer ft = { 0 };
	uint64_t hsize = sizeof(fh), index_off, icrc;
	uint8_t *buf;
	ssize_t n;

	for (size_t i = 0; i < w->nsec; i++)
		hsize += sizeof(struct hvt_section_header) + ((w->sec[i].h.stored_size + 7u) & ~7u);
	if (hsize > UINT32_MAX)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "sections total more than 4 GiB");
	index_off = hsize + w->spool_len;

	memcpy(fh.magic, HVT_FILE_MAGIC, sizeof(HVT_FILE_MAGIC));
	fh.major = HVT_VERSION_MAJOR;
	fh.minor = HVT_VERSION_MINOR;
	fh.header_size = (uint32_t)hsize;
	fh.required = w->required;
	fh.nsections = (uint32_t)w->nsec;
	fh.flags = flags & HVT_FILE_COMPLETE;
	fh.footer_offset = index_off + w->nindex * sizeof(struct hvt_index_entry);
	fh.nevents = w->next_event;
	fh.nchunks = w->nindex;
	fh.header_crc = crc(&fh, 60);
	if (hvt_write_all(fd, &fh, sizeof(fh)))
		goto io;
	for (size_t i = 0; i < w->nsec; i++) {
		const struct wsection *s = &w->sec[i];
		if (hvt_write_all(fd, &s->h, sizeof(s->h)) || hvt_write_all(fd, s->data, s->h.stored_size) ||
		    hvt_write_all(fd, zeros, (8 - (s->h.stored_size & 7)) & 7))
			goto io;
	}
	if (lseek(w->spool, 0, SEEK_SET) < 0)
		goto io;
	if (!(buf = malloc(1 << 20)))
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "writer: out of memory");
	while ((n = read(w->spool, buf, 1 << 20)) > 0)
		if (hvt_write_all(fd, buf, (size_t)n))
			break;
	free(buf);
	if (n != 0)
		goto io;
	icrc = crc32(0, Z_NULL, 0);
	for (size_t i = 0; i < w->nindex; i++) {
		w->index[i].offset += hsize;
		icrc = crc32((uLong)icrc, (const Bytef *)&w->index[i], sizeof(w->index[i]));
	}
	if (w->nindex && hvt_write_all(fd, w->index, w->nindex * sizeof(*w->index)))
		goto io;
	memcpy(ft.magic, HVT_FOOTER_MAGIC, sizeof(HVT_FOOTER_MAGIC));
	ft.index_offset = index_off;
	ft.nentries = w->nindex;
	ft.index_crc = (uint32_t)icrc;
	ft.footer_crc = crc(&ft, 28);
	if (hvt_write_all(fd, &ft, sizeof(ft)))
		goto io;
	return HVT_OK;
io:
	return hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: write failed: %s", w->path, strerror(errno));
}

int hvt_writer_close(struct hvt_writer *w, uint32_t flags, struct hvt_err *err)
{
	struct hvt_out o;
	int st;

	if (w->sink_status < 0) {
		if (err)
			*err = w->sink_err;
		st = w->sink_status;
		goto out;
	}
	/* beside the output, renamed over it when whole (hvt_file.h: devices and inputs refused) */
	if ((st = hvt_out_open(&o, w->path, err)))
		goto out;
	st = write_file(w, fileno(o.f), flags, err); /* whole writes on the fd; the FILE holds nothing */
	if (st == HVT_OK)
		st = hvt_out_commit(&o, err);
	else
		hvt_out_abort(&o);
out:
	hvt_writer_discard(w);
	return st;
}

int hvt_enc_event(struct hvt_enc *e, const struct hvt_event *ev)
{
	switch (ev->type) {
	case HVT_REC_VM_START:
		hvt_enc_vm_start(e, ev->vm, ev->start);
		break;
	case HVT_REC_EXIT: {
		struct hvt_post post = { .mask = ev->post_mask };
		if (ev->post)
			memcpy(post.v, ev->post, sizeof(post.v));
		hvt_enc_exit(e, ev->reason, ev->icount, ev->regs, ev->qual, &post, ev->insn_len, ev->has_gpa, ev->gpa);
		break;
	}
	case HVT_REC_VM_STOP:
		hvt_enc_vm_stop(e, ev->vm, ev->stop_why, ev->status, ev->detail);
		break;
	case HVT_REC_INJECT:
		hvt_enc_inject(e, ev->inject_info, ev->inject_err);
		break;
	case HVT_REC_MEMWRITE:
		hvt_enc_memwrite(e, ev->gpa, ev->data, ev->len);
		break;
	case HVT_REC_SWITCH:
		hvt_enc_switch(e, ev->target);
		break;
	case HVT_REC_NOTE:
		hvt_enc_note(e, (const char *)ev->data, ev->len);
		break;
	case HVT_REC_POST: {
		struct hvt_post post = { .mask = ev->post_mask };
		memcpy(post.v, ev->post, sizeof(post.v));
		hvt_enc_post(e, &post);
		break;
	}
	case HVT_REC_END:
		hvt_enc_finish(e, ev->status);
		return 1;
	}
	return 0;
}
