/*
 * trace_scan.h - counting exits without decoding registers (what `hvtrace stat` and `info` need).
 *
 * The scanner walks a chunk payload record by record like the decoder, but it skips register
 * deltas, qualifications and post-state values instead of applying them: an EXIT costs its tag,
 * two varints and one skip over the rest. It keeps only the current VM and each VM's absolute
 * instruction count. Bounds are checked as in the decoder; the per-reason caches are not kept,
 * so the few checks that need them (POST_AGAIN with nothing cached) are left to the decoder.
 */
#ifndef TRACER_TRACE_SCAN_H
#define TRACER_TRACE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/trace_format.h"
#include "hvt_status.h"
#include "trace_encode.h"

#include "retrovisor/hvtrace.h" /* struct hvt_scan, hvt_scan_chunk: section 8 */

#endif
