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

#define HVT_SCAN_TAGS 16 /* non-exit records counted by tag (HVT_REC_VM_START .. HVT_REC_END) */

struct hvt_scan {
	uint64_t exits[HVT_MAX_VMS][HVT_REASON_SLOTS];
	uint64_t insns[HVT_MAX_VMS][HVT_REASON_SLOTS]; /* instructions before those exits */
	uint64_t records[HVT_MAX_VMS][HVT_SCAN_TAGS];  /* other numbered records, by VM concerned */
	uint64_t icount[HVT_MAX_VMS];                  /* last absolute instruction count seen */
	uint64_t events;                               /* numbered records */
	uint64_t keyframes;
	uint32_t seen;                                 /* VMs that appeared (bit per VM) */
	uint32_t started;                              /* VMs with a VM_START in start[] */
	struct hvt_vm_state start[HVT_MAX_VMS];        /* each VM's first VM_START */
	int ended;                                     /* an END record was seen */
};

/* Count one chunk's records into s (which the caller zeroes once). */
int hvt_scan_chunk(struct hvt_scan *s, const struct hvt_chunk_header *h, const uint8_t *payload,
		   size_t len, struct hvt_err *err);

#endif
