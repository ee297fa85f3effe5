/*
 * replay-last-write.c - the shape of a debugger, on the replay engine's public header: from the
 * end of a trace, find the instruction that last wrote a byte (a watchpoint, resumed backward),
 * step back over it and forward again, and show the code around it.
 *
 *   replay-last-write TRACE LINEAR-ADDRESS [VM]
 *
 * Exit status: 0 found, 1 never written since the VM started, 2 the trace cannot be replayed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "retrovisor/hvreplay.h"

static int fail(struct rp_session *s, const struct hvt_err *err)
{
	fprintf(stderr, "replay-last-write: %s\n", err->msg);
	rp_close(s);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: replay-last-write TRACE LINEAR-ADDRESS [VM]\n");
		return 64;
	}
	struct rp_opts opts = {.vm = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 0};
	uint64_t la = strtoull(argv[2], NULL, 0);
	struct rp_session *s = NULL;
	struct hvt_err err;
	if (rp_open(&s, argv[1], &opts, &err) < 0)
		return fail(s, &err);
	if (rp_run(s, NULL, NULL, &err) != RP_END) /* to the end of the VM, every exit checked */
		return fail(s, &err);

	/* one write watchpoint on the byte; going backward it stops before the writing instruction */
	struct rp_watch w = {.la = la, .len = 1, .kind = RP_WATCH_WRITE};
	struct rp_stopset set = {.wp = &w, .nwp = 1};
	struct rp_stop_info hit;
	int st = rp_resume(s, &set, -1, NULL, &hit, &err);
	if (st == RP_END) {
		printf("%#llx was not written since the VM started\n", (unsigned long long)la);
		rp_close(s);
		return 1;
	}
	if (st != HVT_OK)
		return fail(s, &err);
	printf("last write to %#llx: by the instruction at %#llx, t=%llu (access at %#llx), %#llx -> %#llx\n",
	       (unsigned long long)la, (unsigned long long)hit.insn_pc, (unsigned long long)hit.insn_t,
	       (unsigned long long)hit.data_addr, (unsigned long long)hit.old_value,
	       (unsigned long long)hit.new_value);

	/* the code around it: three instructions the VM executed before, the writer, two after */
	struct rp_insn lines[6];
	unsigned n, at;
	if (rp_disasm_around(s, 3, 3, lines, &n, &at, &err) < 0)
		return fail(s, &err);
	for (unsigned i = 0; i < n; i++)
		printf("%s %#8llx: %-8s %s\n", i == at ? "=>" : "  ", (unsigned long long)lines[i].la,
		       lines[i].mnemonic, lines[i].operands);

	/* stepping over it forward writes the byte again; one step back and it is old again */
	uint8_t before, after;
	rp_read_linear(s, la, &before, 1);
	if (rp_step(s, 1, &err) != HVT_OK || rp_read_linear(s, la, &after, 1) != HVT_OK)
		return fail(s, &err);
	printf("stepped over it: byte %#x -> %#x\n", before, after);
	if (rp_step(s, -1, &err) != HVT_OK)
		return fail(s, &err);
	rp_read_linear(s, la, &after, 1);
	printf("stepped back over it: byte %#x again at t=%llu\n", after, (unsigned long long)hit.insn_t);
	rp_close(s);
	return 0;
}
