/*
 * hvt_disk.c - importing the trace disk the hypervisor wrote (trace_format.h, "the trace disk").
 *
 * LBA 0-7 hold struct hvt_disk_header; chunks follow from LBA 8, each padded to 512 bytes. The
 * hypervisor writes a chunk's payload sectors before its header sector, so a header with the chunk
 * magic means a complete chunk, and the first sector without it ends the stream. What can still go
 * wrong - an image cut inside a chunk, a chunk that does not decode, a recording that stopped
 * without END - ends the import with HVT_TRUNCATED after keeping everything before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvt_io.h"
#include "hvt_writer.h"

#define SECTOR 512u

static int import_chunks(int fd, const char *path, struct hvt_writer *w,
			 const struct hvt_disk_header *dh, uint8_t *buf, struct hvt_err *err)
{
	int clean = (dh->flags & HVT_DISK_CLEAN_END) != 0;
	uint64_t pos = (uint64_t)HVT_DISK_FIRST_LBA * SECTOR;
	uint64_t k;
	struct hvt_err e;

	for (k = 0;; k++) {
		struct hvt_chunk_header h;
		ssize_t got;
		int st;

		if (clean && k == dh->nchunks)
			break;
		got = hvt_pread_all(fd, buf, SECTOR, pos);
		if (got < 0)
			return hvt_err_set(err, HVT_EIO, pos, "%s: %s", path, strerror(errno));
		memcpy(&h, buf, sizeof(h));
		if (got < (ssize_t)sizeof(h) || h.magic != HVT_CHUNK_MAGIC) {
			if (clean)
				return hvt_err_set(err, HVT_TRUNCATED, pos,
						   "%s: chunk %llu at LBA %llu missing (the header says %llu chunks)",
						   path, (unsigned long long)k,
						   (unsigned long long)(pos / SECTOR),
						   (unsigned long long)dh->nchunks);
			break; /* end of the stream */
		}
		if (h.header_size != sizeof(h) || h.stored_size > HVT_CHUNK_MAX ||
		    h.raw_size != h.stored_size)
			return hvt_err_set(err, HVT_TRUNCATED, pos,
					   "%s: chunk %llu at LBA %llu has an impossible header; stopped there",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR));
		if (h.index != k && !clean)
			break; /* a stale chunk from an earlier run on the same image */
		got = hvt_pread_all(fd, buf, sizeof(h) + h.stored_size, pos);
		if (got < 0)
			return hvt_err_set(err, HVT_EIO, pos, "%s: %s", path, strerror(errno));
		if ((size_t)got < sizeof(h) + h.stored_size)
			return hvt_err_set(err, HVT_TRUNCATED, pos,
					   "%s: the image ends inside chunk %llu at LBA %llu (half-written)",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR));
		st = hvt_writer_add_chunk(w, buf, sizeof(h) + h.stored_size, &e);
		if (st == HVT_EIO || st == HVT_ENOMEM) {
			if (err)
				*err = e;
			return st;
		}
		if (st != HVT_OK)
			return hvt_err_set(err, HVT_TRUNCATED, pos, "%s: chunk %llu at LBA %llu unusable, stopped there: %s",
					   path, (unsigned long long)k, (unsigned long long)(pos / SECTOR), e.msg);
		pos += (sizeof(h) + h.stored_size + SECTOR - 1) / SECTOR * SECTOR;
	}
	if (clean && hvt_writer_nevents(w) != dh->nevents)
		return hvt_err_set(err, HVT_TRUNCATED, pos, "%s: the header says %llu events, the chunks hold %llu",
				   path, (unsigned long long)dh->nevents,
				   (unsigned long long)hvt_writer_nevents(w));
	if (!hvt_writer_saw_end(w))
		return hvt_err_set(err, HVT_TRUNCATED, pos,
				   "%s: the trace stops after event %llu without END (the hypervisor did not finish)",
				   path, (unsigned long long)hvt_writer_nevents(w));
	return HVT_OK;
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
