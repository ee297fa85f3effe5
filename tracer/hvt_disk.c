/*
 * hvt_disk.c - importing the trace disk the hypervisor wrote (trace_format.h, "the trace disk").
 *
 * LBA 0-7 hold struct hvt_disk_header; capture chunks follow from LBA 8, each padded to 512
 * bytes. The hypervisor writes a chunk's payload sectors before its header sector, so a header
 * with the capture chunk magic means a complete chunk, and the first sector without it ends the
 * stream. Each chunk's capture records go through the converter (hvt_capture.c), which feeds
 * the v1 chunks it encodes to the writer. What can still go wrong - an image cut inside a chunk,
 * a malformed capture record, a recording that stopped without END - ends the import with
 * HVT_TRUNCATED after keeping everything before it, down to the last good record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvt_capture.h"
#include "hvt_io.h"
#include "hvt_writer.h"

#define SECTOR 512u

static int add_chunk(void *ctx, const uint8_t *chunk, size_t len, struct hvt_err *err)
{
	return hvt_writer_add_chunk(ctx, chunk, len, err);
}

/* The writer's own failures stop the import as they are; anything else is the chunk's fault. */
static int chunk_unusable(int st, const struct hvt_err *e, const char *path, uint64_t k, uint64_t pos,
			  struct hvt_err *err)
{
	if (st == HVT_EIO || st == HVT_ENOMEM) {
		if (err)
			*err = *e;
		return st;
	}
	return hvt_err_set(err, HVT_TRUNCATED, e->offset,
			   "%s: chunk %llu at LBA %llu unusable, stopped there: %s", path,
			   (unsigned long long)k, (unsigned long long)(pos / SECTOR), e->msg);
}

static int read_chunks(int fd, const char *path, struct hvt_capture *cap,
		       const struct hvt_disk_header *dh, uint8_t *buf, uint64_t *endpos,
		       struct hvt_err *err)
{
	int clean = (dh->flags & HVT_DISK_CLEAN_END) != 0;
	uint64_t pos = (uint64_t)HVT_DISK_FIRST_LBA * SECTOR;
	uint64_t k;
	struct hvt_err e;

	for (k = 0;; k++) {
		struct hvt_chunk_header h;
		uint64_t before;
		ssize_t got;
		int st;

		*endpos = pos;
		if (clean && k == dh->nchunks)
			break;
		if (!clean && hvt_capture_ended(cap))
			break; /* nothing follows END: what is there is from an earlier run */
		got = hvt_pread_all(fd, buf, SECTOR, pos);
		if (got < 0)
			return hvt_err_set(err, HVT_EIO, pos, "%s: %s", path, strerror(errno));
		memcpy(&h, buf, sizeof(h));
		if (got < (ssize_t)sizeof(h) || h.magic != HVT_CAP_MAGIC) {
			if (clean)
				return hvt_err_set(err, HVT_TRUNCATED, pos,
						   "%s: chunk %llu at LBA %llu missing (the header says %llu chunks)",
						   path, (unsigned long long)k,
						   (unsigned long long)(pos / SECTOR),
						   (unsigned long long)dh->nchunks);
			break; /* end of the stream */
		}
		if (h.header_size != sizeof(h) || h.flags || h.stored_size > HVT_CHUNK_MAX ||
		    h.raw_size != h.stored_size || h.stored_size % 8)
			return hvt_err_set(err, HVT_TRUNCATED, pos,
					   "%s: chunk %llu at LBA %llu has an impossible header; stopped there",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR));
		if (h.index != k) {
			if (!clean)
				break; /* a stale chunk from an earlier run on the same image */
			return hvt_err_set(err, HVT_TRUNCATED, pos,
					   "%s: chunk %llu at LBA %llu says it is chunk %llu; stopped there",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR),
					   (unsigned long long)h.index);
		}
		got = hvt_pread_all(fd, buf, sizeof(h) + h.stored_size, pos);
		if (got < 0)
			return hvt_err_set(err, HVT_EIO, pos, "%s: %s", path, strerror(errno));
		if ((size_t)got < sizeof(h) + h.stored_size)
			return hvt_err_set(err, HVT_TRUNCATED, pos,
					   "%s: the image ends inside chunk %llu at LBA %llu (half-written)",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR));
		before = hvt_capture_nrecords(cap);
		st = hvt_capture_feed(cap, buf + sizeof(h), h.stored_size, pos + sizeof(h), &e);
		if (st != HVT_OK)
			return chunk_unusable(st, &e, path, k, pos, err);
		if (hvt_capture_nrecords(cap) - before != h.nevents)
			return hvt_err_set(err, HVT_TRUNCATED, pos,
					   "%s: chunk %llu at LBA %llu says %u records, its payload holds %llu; stopped there",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR), h.nevents,
					   (unsigned long long)(hvt_capture_nrecords(cap) - before));
		pos += (sizeof(h) + h.stored_size + SECTOR - 1) / SECTOR * SECTOR;
	}
	return HVT_OK;
}

static int import_chunks(int fd, const char *path, struct hvt_writer *w,
			 const struct hvt_disk_header *dh, uint8_t *buf, struct hvt_err *err)
{
	struct hvt_capture *cap = hvt_capture_new(add_chunk, w, err);
	uint64_t pos = 0;
	struct hvt_err e;
	int st, fst;

	if (!cap)
		return HVT_ENOMEM;
	st = read_chunks(fd, path, cap, dh, buf, &pos, err);
	/* Whatever stopped the stream, the events converted before it go to the writer. */
	fst = hvt_capture_flush(cap, &e);
	if (fst == HVT_EIO || fst == HVT_ENOMEM) {
		if (err)
			*err = e;
		st = fst;
	} else if (fst != HVT_OK && st >= 0) {
		st = hvt_err_set(err, HVT_TRUNCATED, pos, "%s: the last events were refused: %s", path, e.msg);
	}
	if (st == HVT_OK && (dh->flags & HVT_DISK_CLEAN_END) && hvt_capture_nrecords(cap) != dh->nevents)
		st = hvt_err_set(err, HVT_TRUNCATED, pos, "%s: the header says %llu records, the chunks hold %llu",
				 path, (unsigned long long)dh->nevents,
				 (unsigned long long)hvt_capture_nrecords(cap));
	if (st == HVT_OK && !hvt_capture_ended(cap))
		st = hvt_err_set(err, HVT_TRUNCATED, pos,
				 "%s: the trace stops after record %llu without END (the hypervisor did not finish)",
				 path, (unsigned long long)hvt_capture_nrecords(cap));
	hvt_capture_free(cap);
	return st;
}

int hvt_disk_import(const char *disk_image_path, struct hvt_writer *w,
		    struct hvt_disk_header *out, struct hvt_err *err)
{
	struct hvt_disk_header *dh = malloc(sizeof(*dh));
	uint8_t *buf = malloc(sizeof(struct hvt_chunk_header) + HVT_CHUNK_MAX + SECTOR);
	int fd = -1, st;
	ssize_t got;

	if (!dh || !buf) {
		st = hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "disk import: out of memory");
		goto out;
	}
	if ((fd = open(disk_image_path, O_RDONLY | O_CLOEXEC)) < 0) {
		st = hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: %s", disk_image_path, strerror(errno));
		goto out;
	}
	got = hvt_pread_all(fd, dh, sizeof(*dh), 0);
	if (got < 0) {
		st = hvt_err_set(err, HVT_EIO, 0, "%s: %s", disk_image_path, strerror(errno));
		goto out;
	}
	if (got < (ssize_t)sizeof(*dh)) {
		st = hvt_err_set(err, HVT_ETRUNCATED, (uint64_t)got,
				 "%s: %zd bytes, shorter than the %u-byte trace disk header", disk_image_path,
				 got, HVT_DISK_HEADER_SIZE);
		goto out;
	}
	if (!memcmp(dh->magic, HVT_DISK_MAGIC, 6) && memcmp(dh->magic, HVT_DISK_MAGIC, sizeof(HVT_DISK_MAGIC))) {
		st = hvt_err_set(err, HVT_EVERSION, 0,
				 "%s: a trace disk of another layout (\"%.7s\"), this tool reads \"%s\" "
				 "(hypervisor and host tools from different builds?)",
				 disk_image_path, dh->magic, HVT_DISK_MAGIC);
		goto out;
	}
	if (memcmp(dh->magic, HVT_DISK_MAGIC, sizeof(HVT_DISK_MAGIC))) {
		st = hvt_err_set(err, HVT_ECORRUPT, 0, "%s: not a Retrovisor trace disk (no \"%s\" magic)",
				 disk_image_path, HVT_DISK_MAGIC);
		goto out;
	}
	if (dh->major != HVT_VERSION_MAJOR) {
		st = hvt_err_set(err, HVT_EVERSION, 8,
				 "%s: trace disk format version %u.%u, this tool reads version %u.x",
				 disk_image_path, dh->major, dh->minor, HVT_VERSION_MAJOR);
		goto out;
	}
	if (dh->size != HVT_DISK_HEADER_SIZE || dh->nvms > HVT_MAX_VMS) {
		st = hvt_err_set(err, HVT_ECORRUPT, 12, "%s: disk header size %u / VM count %u invalid",
				 disk_image_path, dh->size, dh->nvms);
		goto out;
	}
	if (out)
		*out = *dh;
	st = import_chunks(fd, disk_image_path, w, dh, buf, err);
out:
	if (fd >= 0)
		close(fd);
	free(dh);
	free(buf);
	return st;
}
