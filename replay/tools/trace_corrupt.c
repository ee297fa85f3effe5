/*
 * trace_corrupt - copy a trace, changing one value the guest received: the post-state register
 * `reg` of exit event `num` (e.g. what an IN or CPUID returned) is XORed with `mask`. Used by
 * tests/system/replay.sh to check that `hvreplay verify` catches it at the right exit.
 *
 *   trace_corrupt IN.hvt OUT.hvt EVENT REG MASK      (REG: 0 RAX, 1 RCX, 2 RDX, 3 RBX, ...)
 *
 * The events are decoded and encoded again (the chunks are CRC-checked, so bytes cannot simply
 * be flipped); sections are copied as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_reader.h"
#include "hvt_writer.h"
#include "trace_encode.h"

static int die(const char *what, const struct hvt_err *e)
{
	fprintf(stderr, "trace_corrupt: %s: %s\n", what, e ? e->msg : "");
	return 2;
}

int main(int argc, char **argv)
{
	struct hvt_reader *r;
	struct hvt_writer *w;
	struct hvt_err err;
	struct hvt_event ev;
	static uint8_t buf[1 << 20] __attribute__((aligned(8)));
	struct hvt_enc enc;
	int changed = 0;
	if (argc != 6)
		return fprintf(stderr, "usage: trace_corrupt IN OUT EVENT REG MASK\n"), 64;
	uint64_t num = strtoull(argv[3], NULL, 0), mask = strtoull(argv[5], NULL, 0);
	unsigned reg = (unsigned)strtoul(argv[4], NULL, 0);
	if (hvt_reader_open(&r, argv[1], &err) < 0)
		return die(argv[1], &err);
	if (!(w = hvt_writer_open(argv[2], NULL, &err)))
		return die(argv[2], &err);
	if (hvt_writer_copy_sections(w, r, NULL, NULL, &err) < 0)
		return die("sections", &err);
	hvt_enc_init(&enc, buf, sizeof(buf), hvt_writer_sink, w);
	int st, ended = 0;
	while ((st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK) {
		uint64_t post[HVT_POST_NVALS];
		if (ev.type == HVT_REC_EXIT && ev.num == num && reg < HVT_POST_NVALS && (ev.post_mask & (1u << reg))) {
			memcpy(post, ev.post, sizeof(post));
			post[reg] ^= mask;
			ev.post = post;
			changed = 1;
		}
		ended |= hvt_enc_event(&enc, &ev); /* 1 after END */
	}
	if (st < 0)
		return die(argv[1], &err);
	if (!ended)
		hvt_enc_flush(&enc);
	if (!changed)
		fprintf(stderr, "trace_corrupt: event %llu has no post-state register %u\n", (unsigned long long)num, reg);
	if (hvt_writer_add_vm_states(w, &err) < 0 || hvt_writer_close(w, ended ? HVT_FILE_COMPLETE : 0, &err) < 0)
		return die(argv[2], &err);
	hvt_reader_close(r);
	return changed ? 0 : 1;
}
