/*
 * trace_decode.h - chunk payload bytes to events (format: include/retrovisor/trace_format.h).
 *
 * The decoder keeps, per VM, exactly the reference state the encoder keeps (struct hvt_ref:
 * registers at the previous exit, the per-reason qualification and post-state caches) and resets
 * it where the encoder does (KEYFRAME, VM_START). It does no I/O and allocates nothing: the
 * caller hands it one chunk at a time (header + raw payload) and pulls events out.
 *
 * Every length, count and varint is checked against the end of the payload; malformed bytes
 * give HVT_ECORRUPT with err->offset = the payload byte offset of the offending record.
 *
 * A chunk decodes on its own: hvt_dec_chunk forgets every VM, reads the chunk's leading
 * keyframes, then makes the header's first_vm current (the VM the encoder had current; it is
 * also the last keyframe unless that VM had stopped) and checks its instruction count.
 */
#ifndef TRACER_TRACE_DECODE_H
#define TRACER_TRACE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/trace_format.h"
#include "hvt_status.h"
#include "retrovisor/hvtrace.h"
#include "trace_encode.h"

/* struct hvt_event and HVT_NO_VMID: retrovisor/hvtrace.h */
struct hvt_dec {
	const uint8_t *base, *p, *end; /* the payload and the read position */
	struct hvt_chunk_header ch;    /* the chunk being decoded */
	uint64_t next_num;             /* number of the next numbered record */
	uint32_t counted;              /* numbered records so far in this chunk */
	uint32_t have;                 /* VMs with reference state in this chunk (bit per VM) */
	int current;                   /* -1: none */
	int ended;                     /* END seen */
	struct hvt_vm_state start;     /* the last VM_START's state */
	uint64_t post[HVT_POST_NVALS]; /* the last POST record's values */
	struct hvt_ref vm[HVT_MAX_VMS];
};

void hvt_dec_init(struct hvt_dec *d);
/* Start decoding a chunk: h as stored (only first_event, nevents, first_vm, first_icount are
 * used), payload = raw (uncompressed) payload. Reads the leading keyframes. */
int hvt_dec_chunk(struct hvt_dec *d, const struct hvt_chunk_header *h, const uint8_t *payload,
		  size_t len, struct hvt_err *err);
/* Next event: HVT_OK, HVT_END at the end of the chunk (after checking the event count), or a
 * negative status. */
int hvt_dec_next(struct hvt_dec *d, struct hvt_event *ev, struct hvt_err *err);

/* Read a varint at *pp (bounded by end); 0 or -1 when it runs past end or past 64 bits. */
static inline int hvt_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return -1;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

#endif
