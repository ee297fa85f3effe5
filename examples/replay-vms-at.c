/*
 * replay-vms-at.c - every VM of a trace as of one global event number, on the replay engine's
 * public header: what a multi-VM debugger or viewer shows when the user picks an event.
 *
 *   replay-vms-at TRACE EVENT
 *
 * Prints one line per VM: its id, name, instruction count and RIP, and for the VM whose exit
 * the event is, that exit with its decoded detail. Exit status 0, or 2 when the trace cannot be
 * replayed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "retrovisor/hvreplay.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: replay-vms-at TRACE EVENT\n");
		return 64;
	}
	uint64_t event = strtoull(argv[2], NULL, 0);
	struct rp_timeline *tl;
	struct hvt_err err;
	if (rp_timeline_open(&tl, argv[1], NULL, &err) < 0 || rp_timeline_goto(tl, event, &err) != HVT_OK) {
		fprintf(stderr, "replay-vms-at: %s\n", err.msg);
		return 2;
	}
	printf("as of event %llu:\n", (unsigned long long)event);
	for (unsigned i = 0; i < rp_timeline_nvms(tl); i++) {
		struct rp_session *s = rp_timeline_vm(tl, i);
		struct rp_state st;
		struct rp_exit_detail d;
		rp_get_state(s, &st);
		printf("  %-8s t=%-8llu rip=%#llx", rp_info(s)->name, (unsigned long long)st.t,
		       (unsigned long long)st.reg[RP_RIP]);
		/* the exit about to happen, when it is the event itself */
		if (rp_exit_detail(s, 0, &d, &err) == HVT_OK && d.step.num == event) {
			printf("  at exit %llu: %s", (unsigned long long)event, d.reason_name);
			if (d.has_io)
				printf(" %s port %#x", d.io.in ? "in" : "out", d.io.port);
			printf(", resumes at rip=%#llx", (unsigned long long)d.step.after[RV_REG_RIP]);
		}
		printf("\n");
	}
	rp_timeline_close(tl);
	return 0;
}
