/*
 * hvt_status.c - error messages of libhvtrace (hvt_status.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hvt_status.h"

int hvt_err_set(struct hvt_err *err, int code, uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void hvt_err_prefix(struct hvt_err *err, const char *fmt, ...)
{
	char pre[128], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t n = strlen(pre);
	memcpy(err->msg, pre, n);
	size_t m = strnlen(old, sizeof(old) - 1);
	if (n + m >= sizeof(err->msg))
		m = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + n, old, m);
	err->msg[n + m] = 0;
}

const char *hvt_status_name(int code)
{
	switch (code) {
	case HVT_OK: return "ok";
	case HVT_END: return "end";
	case HVT_TRUNCATED: return "truncated";
	case HVT_EIO: return "I/O error";
	case HVT_ECORRUPT: return "corrupt";
	case HVT_EVERSION: return "unsupported version";
	case HVT_ENOMEM: return "out of memory";
	case HVT_EINVAL: return "invalid argument";
	case HVT_ETRUNCATED: return "truncated";
	}
	return "unknown status";
}
