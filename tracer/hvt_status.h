/*
 * hvt_status.h - status codes and error messages of the host trace library (libhvtrace).
 *
 * Every library function that can fail returns one of these codes and, when the caller passes a
 * struct hvt_err, fills it with a one-line message naming where the problem is ("chunk 12 at
 * offset 81920: payload CRC mismatch"). The library never prints and never exits; main() does.
 */
#ifndef TRACER_HVT_STATUS_H
#define TRACER_HVT_STATUS_H

#include "retrovisor/hvtrace.h" /* enum hvt_status, struct hvt_err, hvt_err_set: the public header */

#endif
