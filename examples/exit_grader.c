/*
 * exit_grader - the shape of a lab grader, using only the public trace library header: count
 * each VM's exits per reason, and check that every CPUID exit resumes the guest just past the
 * CPUID instruction (0F A2, two bytes: SDM Vol. 2A, CPUID), naming the first exit that does not.
 *
 *   exit_grader TRACE.hvt      exit status 0: every CPUID passes; 1: one does not; 2: error
 */
#include <stdio.h>

#include "retrovisor/hvtrace.h"

#define CPUID_LEN 2

static int fail(const struct hvt_err *err)
{
	fprintf(stderr, "exit_grader: %s\n", err->msg);
	return 2;
}

int main(int argc, char **argv)
{
	struct hvt_reader *r;
	struct hvt_err err;
	unsigned ids[HVT_MAX_VMS], verdict = 0;
	char nb[HVT_NAME_BUF];

	if (argc != 2)
		return fprintf(stderr, "usage: exit_grader TRACE.hvt\n"), 2;
	if (hvt_reader_open(&r, argv[1], &err) < 0)
		return fail(&err);
	unsigned nvms = hvt_vm_ids(r, ids, HVT_MAX_VMS);
	for (unsigned i = 0; i < nvms; i++) {
		uint64_t count[HVT_REASON_SLOTS] = { 0 }, total = 0;
		struct hvt_vm_config cfg;
		struct hvt_steps *s;
		struct hvt_step st;
		int rc;

		if (hvt_vm_config(r, ids[i], &cfg, &err) < 0 || hvt_steps_open(&s, r, ids[i], 0, &err) < 0)
			return fail(&err);
		while ((rc = hvt_steps_next(s, &st, &err)) == HVT_OK) {
			if (st.kind != HVT_REC_EXIT)
				continue;
			count[st.reason]++, total++;
			uint64_t moved = st.after[HVT_REG_RIP] - st.regs[HVT_REG_RIP];
			if (st.reason == EXIT_REASON_CPUID && moved != CPUID_LEN && !verdict++)
				printf("FAIL exit %llu (vm%u, CPUID at rip=%#llx): RIP advanced by %llu, CPUID is %d bytes\n",
				       (unsigned long long)st.num, st.vm, (unsigned long long)st.regs[HVT_REG_RIP],
				       (unsigned long long)moved, CPUID_LEN);
		}
		hvt_steps_close(s);
		if (rc < 0)
			return fail(&err);
		printf("vm%u %.31s: %llu exits\n", ids[i], cfg.name, (unsigned long long)total);
		for (unsigned k = 0; k < HVT_REASON_SLOTS; k++)
			if (count[k])
				printf("  %-20s %llu\n", hvt_reason_name(k, nb), (unsigned long long)count[k]);
	}
	hvt_reader_close(r);
	if (!verdict)
		printf("PASS every CPUID exit advances RIP by %d\n", CPUID_LEN);
	return verdict ? 1 : 0;
}
