/*
 * fuzz_capture.c - libFuzzer target for the capture converter (tracer/hvt_capture.c), which reads
 * what the hypervisor left on the trace disk.
 *
 * The input is a sequence of capture chunk payloads separated by the word FUZZ_CAP_SEP (any bytes
 * after the last whole word go with the last payload, so partial words are tried too). Besides
 * the sanitizers, one property is checked: every v1 chunk the converter produces must decode
 * with the ordinary decoder, its events numbered on from the previous chunk's.
 *
 * Seeds come from capture_seeds.c; both are built and run by `make check-fuzz` (tracer/tracer.mk).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_capture.h"
#include "hvt_capture.h"
#include "trace_decode.h"

static struct hvt_dec dec;
static uint64_t next_event;

static int out(void *ctx, const uint8_t *chunk, size_t len, struct hvt_err *err)
{
	struct hvt_chunk_header h;
	struct hvt_event ev;
	int st;

	(void)ctx;
	if (len < sizeof(h))
		abort();
	memcpy(&h, chunk, sizeof(h));
	if (h.magic != HVT_CHUNK_MAGIC || h.raw_size != len - sizeof(h) || h.first_event != next_event)
		abort();
	hvt_dec_init(&dec);
	st = hvt_dec_chunk(&dec, &h, chunk + sizeof(h), h.raw_size, err);
	while (st == HVT_OK)
		st = hvt_dec_next(&dec, &ev, err);
	if (st != HVT_END)
		abort(); /* the converter made records the decoder refuses */
	next_event += h.nevents;
	return HVT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvt_err err;
	struct hvt_capture *c = hvt_capture_new(out, NULL, &err);
	size_t from = 0, words = size / 8;

	if (!c)
		abort();
	next_event = 0;
	for (size_t i = 0; i <= words; i++) {
		uint64_t w = 0;
		if (i < words)
			memcpy(&w, data + 8 * i, 8);
		if (i < words && w != FUZZ_CAP_SEP)
			continue;
		size_t end = i < words ? 8 * i : size;
		if (hvt_capture_feed(c, data + from, end - from, from, &err) != HVT_OK)
			break;
		from = end + 8;
	}
	if (hvt_capture_flush(c, &err) != HVT_OK)
		abort();
	hvt_capture_free(c);
	return 0;
}
