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
	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *si = hvt_reader_section(r, i);
		uint8_t *data;
		size_t len;
		if (si->type == HVT_SEC_VM_STATE)
			continue; /* rebuilt from the VM_START records */
		if (hvt_reader_section_load(r, i, 0, &data, &len, &err) < 0 ||
		    hvt_writer_add_section(w, si->type, si->vm, data, len, &err) < 0)
			return die("sections", &err);
		free(data);
	}
	hvt_enc_init(&enc, buf, sizeof(buf), hvt_writer_sink, w);
	int st, ended = 0;
	while ((st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK) {
		switch (ev.type) {
		case HVT_REC_VM_START:
			hvt_enc_vm_start(&enc, ev.vm, ev.start);
			break;
		case HVT_REC_EXIT: {
			struct hvt_post post = {.mask = ev.post_mask};
			memcpy(post.v, ev.post, sizeof(post.v));
			if (ev.num == num && reg < HVT_POST_NVALS && (post.mask & (1u << reg))) {
				post.v[reg] ^= mask;
				changed = 1;
			}
			hvt_enc_exit(&enc, ev.reason, ev.icount, ev.regs, ev.qual, &post, ev.insn_len,
				     ev.has_gpa, ev.gpa);
			break;
		}
		case HVT_REC_VM_STOP:
			hvt_enc_vm_stop(&enc, ev.vm, ev.stop_why, ev.status, ev.detail);
			break;
		case HVT_REC_INJECT:
			hvt_enc_inject(&enc, ev.inject_info, ev.inject_err);
			break;
		case HVT_REC_MEMWRITE:
			hvt_enc_memwrite(&enc, ev.gpa, ev.data, ev.len);
			break;
		case HVT_REC_SWITCH:
			hvt_enc_switch(&enc, ev.target);
			break;
		case HVT_REC_NOTE:
			hvt_enc_note(&enc, (const char *)ev.data, ev.len);
			break;
		case HVT_REC_END:
			hvt_enc_finish(&enc, ev.status);
			ended = 1;
			break;
		}
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
