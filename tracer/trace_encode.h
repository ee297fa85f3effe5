/*
 * trace_encode.h - the record encoder, shared by the hypervisor (freestanding) and the host.
 *
 * The encoder turns events into the chunk payload records of include/retrovisor/trace_format.h
 * and hands each full chunk (header + payload, uncompressed, no CRC) to a sink callback. It keeps,
 * per VM, exactly the reference state the decoder keeps, so every record can be a delta.
 *
 * It allocates nothing, calls nothing from a C library and never fails: a record that would not
 * fit closes the chunk first. The caller provides the buffer (HVT_CHUNK_MIN bytes or more,
 * 8-byte aligned). VM ids of HVT_MAX_VMS or more are ignored, as is an exit before any VM started.
 *
 * An exit is recorded in two halves around its handler. The handler may record INJECT, MEMWRITE,
 * NOTE, VM_STOP and SWITCH in between (up to HVT_PEND_ROOM bytes of them): they happened after
 * the exit, so hvt_enc_exit_end puts the EXIT record in front of them and the EXIT keeps the
 * lower event number. No chunk is closed while an exit is pending (hvt_enc_flush waits). If the
 * handler records more than HVT_PEND_ROOM bytes, restarts its own VM, or the next exit begins
 * without hvt_enc_exit_end, the pending exit is recorded without post-state and instruction
 * length (the trace stays decodable; only that exit's post-state is lost).
 */
#ifndef TRACER_TRACE_ENCODE_H
#define TRACER_TRACE_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/trace_format.h"

#define HVT_REASON_SLOTS 128 /* reasons 0-127 fit the EXIT tag */
#define HVT_REC_MAX_FIXED 512 /* an upper bound on any record but MEMWRITE/NOTE payload bytes */
#define HVT_BLOB_MAX 4096     /* the largest MEMWRITE or NOTE payload one record carries */
#define HVT_PEND_ROOM (3 * (HVT_BLOB_MAX + 32)) /* records a handler may make mid-exit */

/* The reference state of one VM: what the decoder will know after the last record. */
struct hvt_ref {
	uint64_t regs[HVT_NREGS]; /* at the previous exit (or keyframe / start) */
	uint64_t icount;          /* instructions retired at that point */
	uint64_t qual[HVT_REASON_SLOTS];
	uint32_t post_mask[HVT_REASON_SLOTS];
	uint64_t post_vals[HVT_REASON_SLOTS][HVT_POST_NVALS];
	int started;
};

/* Values a handler left behind, indexed by HVT_POST_* bit number; only set bits are read. */
struct hvt_post {
	uint32_t mask;
	uint64_t v[HVT_POST_NVALS];
};

typedef void (*hvt_sink_fn)(void *ctx, const uint8_t *chunk, uint32_t len);

struct hvt_enc {
	uint8_t *buf;      /* chunk under construction: header then payload */
	uint32_t cap;      /* bytes available in buf */
	uint32_t len;      /* bytes used, header included */
	uint64_t chunk_index;
	uint64_t next_event;  /* number the next numbered record gets */
	uint64_t chunk_first_event;
	uint64_t chunk_first_icount;
	uint8_t chunk_first_vm;
	int current;          /* VM the records refer to, -1 before any */
	hvt_sink_fn sink;
	void *sink_ctx;
	/* Between hvt_enc_exit_begin and hvt_enc_exit_end: the exit-state part of the record. */
	uint8_t pend[HVT_REC_MAX_FIXED];
	uint32_t pend_len;
	uint32_t pend_mask;
	unsigned pend_reason;
	uint64_t pend_icount_delta;
	uint32_t pend_pos;    /* where the EXIT record goes in buf */
	uint8_t pend_vm;
	uint8_t pending;      /* between exit_begin and exit_end */
	struct hvt_ref vm[HVT_MAX_VMS];
};

void hvt_enc_init(struct hvt_enc *e, uint8_t *buf, uint32_t cap, hvt_sink_fn sink, void *ctx);
/* A VM is loaded: full initial state (its registers become the reference). */
void hvt_enc_vm_start(struct hvt_enc *e, unsigned vm, const struct hvt_vm_state *st);
/*
 * An exit in one call, after its handler: regs is the state at the exit (before the handler),
 * post what the handler set. The hypervisor's hot path; records the handler's side effects
 * (MEMWRITE, INJECT, VM_STOP) are made after it.
 */
void hvt_enc_exit(struct hvt_enc *e, unsigned reason, uint64_t icount, const uint64_t regs[HVT_NREGS],
		  uint64_t qual, const struct hvt_post *post, unsigned insn_len, int has_gpa, uint64_t gpa);
/* An exit, in two halves around the handler: the state at the exit, then what the handler did. */
void hvt_enc_exit_begin(struct hvt_enc *e, unsigned reason, uint64_t icount,
			const uint64_t regs[HVT_NREGS], uint64_t qual);
void hvt_enc_exit_end(struct hvt_enc *e, const struct hvt_post *post, unsigned insn_len,
		      int has_gpa, uint64_t gpa);
void hvt_enc_vm_stop(struct hvt_enc *e, unsigned vm, unsigned why, uint64_t status, uint64_t detail);
void hvt_enc_inject(struct hvt_enc *e, uint32_t info, uint32_t error_code);
void hvt_enc_memwrite(struct hvt_enc *e, uint64_t gpa, const void *data, uint32_t len);
void hvt_enc_switch(struct hvt_enc *e, unsigned vm);
void hvt_enc_note(struct hvt_enc *e, const char *text, uint32_t len);
/* END record, then the last (partial) chunk goes to the sink. */
void hvt_enc_finish(struct hvt_enc *e, uint64_t status);
/* Close the current chunk now if it holds any event (e.g. before a risky step). */
void hvt_enc_flush(struct hvt_enc *e);

/* Varint helpers, shared with the decoder. */
static inline uint64_t hvt_zigzag(uint64_t delta)
{
	return (delta << 1) ^ (uint64_t)((int64_t)delta >> 63);
}
static inline uint64_t hvt_unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}
static inline uint8_t *hvt_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

#endif
