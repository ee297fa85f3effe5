/*
 * hvt_capture.h - the capture stream to v1 records (format: include/retrovisor/trace_format.h,
 * "the capture stream"; docs/trace-format.md, "Capture stream").
 *
 * The hypervisor writes each exit as raw words (what changed since the VM's last entry) so that
 * it spends few instructions per exit; the host turns those words into the delta-encoded v1
 * records by running the same encoder the hypervisor used to run (tracer/trace_encode.c). The
 * converter keeps, per VM, the registers at its last VM entry (RIP: at its last exit), rebuilds
 * each exit's full state from them, calls hvt_enc_exit, then applies the exit's post-state the
 * way the hypervisor does before it enters the VM again.
 *
 * Typical use (hvt_disk.c):
 *
 *	struct hvt_capture *c = hvt_capture_new(add_chunk, writer, &err);
 *	for each capture chunk:  st = hvt_capture_feed(c, payload, len, disk_offset, &err);
 *	hvt_capture_flush(c, &err);    // the last, partly filled v1 chunk (after an error too)
 *	hvt_capture_free(c);
 *
 * Every capture record is checked (kind, reserved bits, VM ids, lengths against the payload,
 * instruction counts that only grow, nothing after END); the first bad one stops the converter
 * with HVT_ECORRUPT and a message naming its byte offset. Records before it are converted and
 * reach the output at the next flush. No allocation per record: one pass over the words.
 */
#ifndef TRACER_HVT_CAPTURE_H
#define TRACER_HVT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "retrovisor/trace_format.h"
#include "hvt_status.h"

struct hvt_capture;

/* Where finished v1 chunks go (header + raw payload, as the encoder's sink makes them): HVT_OK
 * or a negative status with err filled. hvt_writer_add_chunk has this shape. */
typedef int (*hvt_capture_out_fn)(void *ctx, const uint8_t *chunk, size_t len, struct hvt_err *err);

/* A converter whose v1 chunks (up to HVT_CHUNK_MIN bytes each) go to out; NULL when out of memory. */
struct hvt_capture *hvt_capture_new(hvt_capture_out_fn out, void *ctx, struct hvt_err *err);
void hvt_capture_free(struct hvt_capture *c);

/*
 * Convert one capture chunk's payload (len bytes, a multiple of 8; records never span chunks,
 * the per-VM state carries over). base is the payload's byte offset in its container (the disk
 * image), added to the offsets in messages and err->offset. Returns HVT_OK, HVT_ECORRUPT for a
 * malformed record, or the output's status when it refused a chunk. After an error the
 * converter takes no more input (it returns that status again).
 */
int hvt_capture_feed(struct hvt_capture *c, const uint8_t *payload, size_t len, uint64_t base,
		     struct hvt_err *err);

/* Hand the partly filled v1 chunk to the output now (nothing to do after END). HVT_OK or the
 * output's status. Call it at the end of an import that has no END, and after a feed error. */
int hvt_capture_flush(struct hvt_capture *c, struct hvt_err *err);

/* Capture records converted so far (what the disk header's nevents counts), and whether END
 * was among them. */
uint64_t hvt_capture_nrecords(const struct hvt_capture *c);
int hvt_capture_ended(const struct hvt_capture *c);

#endif
