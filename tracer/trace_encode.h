/*
 * trace_encode.h - the record encoder (host; freestanding-clean): what the capture converter,
 * the synthetic-trace generator and the tests use to write records.
 *
 * The encoder turns events into the chunk payload records of include/retrovisor/trace_format.h
 * and hands each full chunk (header + payload, uncompressed, no CRC) to a sink callback. It keeps,
 * per VM, exactly the reference state the decoder keeps, so every record can be a delta.
 *
 * It allocates nothing, calls nothing from a C library and never fails: a record that would not
 * fit closes the chunk first. The caller provides the buffer (HVT_CHUNK_MIN bytes or more,
 * 8-byte aligned). VM ids of HVT_MAX_VMS or more are ignored, as is an exit before any VM started.
 *
 * An exit is one call, made after its handler ran: records of what the handler did (INJECT,
 * MEMWRITE, NOTE, VM_STOP) come after it and get higher event numbers, as they happened later.
 */
#ifndef TRACER_TRACE_ENCODE_H
#define TRACER_TRACE_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/trace_format.h"

#define HVT_REC_MAX_FIXED 512 /* an upper bound on any record but MEMWRITE/NOTE payload bytes */
#define HVT_BLOB_MAX 4096     /* the largest MEMWRITE or NOTE payload one record carries */

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
	struct hvt_ref vm[HVT_MAX_VMS];
};

void hvt_enc_init(struct hvt_enc *e, uint8_t *buf, uint32_t cap, hvt_sink_fn sink, void *ctx);
/* A VM is loaded: full initial state (its registers become the reference). */
void hvt_enc_vm_start(struct hvt_enc *e, unsigned vm, const struct hvt_vm_state *st);
/* An exit, after its handler: regs is the state at the exit (before the handler), post what
 * the handler set. */
void hvt_enc_exit(struct hvt_enc *e, unsigned reason, uint64_t icount, const uint64_t regs[HVT_NREGS],
		  uint64_t qual, const struct hvt_post *post, unsigned insn_len, int has_gpa, uint64_t gpa);
void hvt_enc_vm_stop(struct hvt_enc *e, unsigned vm, unsigned why, uint64_t status, uint64_t detail);
void hvt_enc_inject(struct hvt_enc *e, uint32_t info, uint32_t error_code);
void hvt_enc_memwrite(struct hvt_enc *e, uint64_t gpa, const void *data, uint32_t len);
void hvt_enc_post(struct hvt_enc *e, const struct hvt_post *post);
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
