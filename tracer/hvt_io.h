/*
 * hvt_io.h - the few file helpers libhvtrace shares (whole writes, whole positioned reads).
 */
#ifndef TRACER_HVT_IO_H
#define TRACER_HVT_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* 0, or -1 with errno set. */
int hvt_write_all(int fd, const void *buf, size_t n);
/* Bytes read at off (fewer only at end of file), or -1 with errno set. */
ssize_t hvt_pread_all(int fd, void *buf, size_t n, uint64_t off);

#endif
