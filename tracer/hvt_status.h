/*
 * hvt_status.h - status codes and error messages of the host trace library (libhvtrace).
 *
 * Every library function that can fail returns one of these codes and, when the caller passes a
 * struct hvt_err, fills it with a one-line message naming where the problem is ("chunk 12 at
 * offset 81920: payload CRC mismatch"). The library never prints and never exits; main() does.
 */
#ifndef TRACER_HVT_STATUS_H
#define TRACER_HVT_STATUS_H

#include <stdint.h>

enum hvt_status {
	HVT_OK = 0,
	HVT_END = 1,        /* nothing more to iterate */
	HVT_TRUNCATED = 2,  /* a warning: usable data up to err->offset, then the input stops */
	HVT_EIO = -1,       /* open/read/write failed (errno text in the message) */
	HVT_ECORRUPT = -2,  /* malformed bytes, bad CRC, inconsistent counts */
	HVT_EVERSION = -3,  /* newer/older format version or an unknown required feature */
	HVT_ENOMEM = -4,
	HVT_EINVAL = -5,    /* bad argument or API misuse */
	HVT_ETRUNCATED = -6 /* cut short before anything readable (e.g. inside the file header) */
};

#define HVT_NO_OFFSET UINT64_MAX

struct hvt_err {
	int code;
	uint64_t offset; /* the byte offset the message names, HVT_NO_OFFSET when none */
	char msg[256];
};

/* Fill err (which may be NULL) and return code, so that callers can write
 * `return hvt_err_set(err, HVT_ECORRUPT, off, "...")`. */
int hvt_err_set(struct hvt_err *err, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefix err->msg with more context ("chunk 3: " + old message); keeps code and offset. */
void hvt_err_prefix(struct hvt_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *hvt_status_name(int code);

#endif
