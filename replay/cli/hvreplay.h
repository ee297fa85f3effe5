/* hvreplay.h - the hvreplay tool's commands and shared option parsing. */
#ifndef REPLAY_CLI_HVREPLAY_H
#define REPLAY_CLI_HVREPLAY_H

#include <stdint.h>

#include "retrovisor/hvreplay.h"

#include "retrovisor/exit_status.h"

/* Exit statuses, the same in every tool (retrovisor/exit_status.h). */
#define EXIT_DIVERGED RV_EXIT_NO
#define EXIT_BAD_TRACE RV_EXIT_BROKEN
#define EXIT_FAILED RV_EXIT_FAILED
#define EXIT_USAGE RV_EXIT_USAGE

struct cli_opts {
	const char *file;
	unsigned vm;
	int have_vm, quiet, help, have_from;
	uint64_t budget, from, to, count, seed;
	unsigned history;
	int status; /* cli_parse failed: the exit status (0: usage) */
};

int cli_usage(const char *text, int status);
int cli_check_vm(struct cli_opts *o);
int cli_error(const char *file, const struct hvt_err *err);
int cmd_verify(const struct cli_opts *o);
int cmd_itrace(const struct cli_opts *o);
int cmd_seek(const struct cli_opts *o);
int rgdb_main(int argc, char **argv); /* hvreplay gdb: gdb/replay_server.c */
/* Print a divergence report to stderr. */
void cli_print_divergence(const char *file, const char *vmname, unsigned vm, const struct rp_divergence *d);

#endif
