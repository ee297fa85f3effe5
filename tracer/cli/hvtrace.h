/*
 * hvtrace.h - what the hvtrace subcommands share: exit codes, opening a trace with messages,
 * progress, and the one-line event formatter.
 */
#ifndef TRACER_CLI_HVTRACE_H
#define TRACER_CLI_HVTRACE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "retrovisor/hvtrace.h"
#include "retrovisor/exit_status.h"

/* Exit codes, the same in every tool (retrovisor/exit_status.h): check uses 1 and 2 for
 * truncated and corrupt, diff 1 for "differ". */
#define EXIT_TRUNC RV_EXIT_NO
#define EXIT_CORRUPT RV_EXIT_BROKEN
#define EXIT_IOERR RV_EXIT_FAILED
#define EXIT_USAGE RV_EXIT_USAGE

int cmd_info(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_timechart(int argc, char **argv);

/* An option's number: 0 and *out set, or a message naming the command and option and
 * EXIT_USAGE when s is not a whole number from 0 to max. */
int parse_u64(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out);

/* Arguments of a subcommand that takes only --help and one FILE: -1 to go on with
 * argv[optind], else the exit code (0 after --help). */
int parse_file_only(int argc, char **argv, void (*help)(FILE *));

/* The one FILE argument left after the options (argv[optind]) opened as open_trace does: 0, or
 * the exit code (EXIT_USAGE with the help on stderr when there is not exactly one). */
int open_file_arg(int argc, char **argv, void (*help)(FILE *), struct hvt_reader **r, int quietly);

/* 0 if vm is -1 (all) or a VM the trace configures, else a message and EXIT_USAGE. */
int check_vm_arg(const char *cmd, struct hvt_reader *r, int vm);
/* What `hvtrace check` verifies (sections, every event against hvt_bounds, damage found at
 * open, the event count): HVT_OK (also for a truncated file, as far as it goes), or the first
 * problem in err. info's health line says the same. */
int check_whole(struct hvt_reader *r, uint64_t *nev, struct hvt_err *err);
/* Exit code for a library status. */
int exit_code(int status);
/* Open a trace, printing errors and (quietly=0) truncation/damage warnings to stderr. Returns 0
 * or an exit code. */
int open_trace(const char *path, struct hvt_reader **r, int quietly);
/* -o OUT of a command that writes text: "-" is standard output (o->f stays NULL), anything
 * else a temporary file beside OUT (hvt_out_open). 0, or the message and the exit code. */
struct hvt_out;
int output_open(const char *cmd, const char *path, struct hvt_out *o);
/* Where to write: the temporary file, or stdout. */
FILE *output_file(const struct hvt_out *o);
/* The end of the writing: keep=1 renames the temporary file over OUT (0, or the message and
 * EXIT_IOERR when that fails); keep=0 removes it, leaving the old OUT alone. Nothing for stdout. */
int output_close(const char *cmd, struct hvt_out *o, int keep);

/* Progress on stderr, only when it is a terminal and the file is large. */
void progress(const struct hvt_reader *r, size_t chunk);
void progress_done(const struct hvt_reader *r);

struct hvt_scan;
/* Count every chunk of r into s (stat, info). */
int stat_scan(struct hvt_reader *r, struct hvt_scan *s, struct hvt_err *err);

/* Names: hvt_reason_name and the others of retrovisor/hvtrace.h, section 6. */

/* One event as a dump line (no newline), and the SDM decoding of an exit alone. */
size_t format_event(char *buf, size_t n, const struct hvt_event *ev);
size_t format_exit_detail(char *buf, size_t n, const struct hvt_event *ev);
size_t format_inject(char *buf, size_t n, uint32_t info, uint32_t err);

#endif
