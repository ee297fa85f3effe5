/*
 * hvtrace.c - the hvtrace command: subcommand dispatch and what the subcommands share.
 *
 * Output for scripts goes to stdout and keeps its shape; errors, warnings and progress go to
 * stderr. Exit codes (retrovisor/exit_status.h): 0 fine, 1 truncated (check) or different
 * (diff), 2 corrupt, 4 I/O (standard output included), 64 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "retrovisor/hvtool.h"
#include "hvtrace.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} cmds[] = {
	{ "info", cmd_info, "header, recorder, VMX capabilities, VMs, counts, health" },
	{ "dump", cmd_dump, "one line per event, qualifications decoded" },
	{ "stat", cmd_stat, "exits per reason and per VM, instructions between exits" },
	{ "check", cmd_check, "verify CRCs, ordering and the index (exit 0/1/2: ok/truncated/corrupt)" },
	{ "diff", cmd_diff, "first divergence between two traces" },
	{ "export", cmd_export, "the trace as XML (--xml)" },
	{ "synth", cmd_synth, "write a synthetic trace (tests, benchmarks)" },
	{ "timechart", cmd_timechart, "exits over guest time per VM as an SVG chart" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hvtrace COMMAND [options] FILE...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f, "\n'hvtrace COMMAND --help' describes each one.\n");
	hvt_print_exit_statuses(f);
}

int parse_u64(const char *cmd, const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char why[256];

	if (hvt_parse_num(opt, s, 0, max, 0, out, why, sizeof(why))) {
		fprintf(stderr, "hvtrace %s: %s\n", cmd, why);
		return EXIT_USAGE;
	}
	return 0;
}

/* Exactly one argument after the options, else the help on stderr and -1. */
static int one_file(int argc, void (*help)(FILE *))
{
	if (optind + 1 == argc)
		return 0;
	help(stderr);
	return -1;
}

int parse_file_only(int argc, char **argv, void (*help)(FILE *))
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		help(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : EXIT_USAGE;
	}
	return one_file(argc, help) ? EXIT_USAGE : -1;
}

int open_file_arg(int argc, char **argv, void (*help)(FILE *), struct hvt_reader **r, int quietly)
{
	return one_file(argc, help) ? EXIT_USAGE : open_trace(argv[optind], r, quietly);
}

int check_vm_arg(const char *cmd, struct hvt_reader *r, int vm)
{
	char list[HVT_MAX_VMS * 4] = "";

	if (vm < 0 || hvt_reader_section_find(r, HVT_SEC_VM_CONFIG, (uint32_t)vm) >= 0)
		return 0;
	for (uint32_t i = 0; i < hvt_reader_nsections(r); i++) {
		const struct hvt_section_info *s = hvt_reader_section(r, i);
		if (s->type == HVT_SEC_VM_CONFIG && strlen(list) + 8 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", list[0] ? ", " : "", s->vm);
	}
	fprintf(stderr, "hvtrace %s: --vm %d: %s has no such VM (its VMs: %s)\n", cmd, vm, hvt_reader_name(r),
		list[0] ? list : "none");
	return EXIT_USAGE;
}

int exit_code(int status)
{
	switch (status) {
	case HVT_OK:
	case HVT_END:
		return 0;
	case HVT_TRUNCATED:
	case HVT_ETRUNCATED:
		return EXIT_TRUNC;
	case HVT_ECORRUPT:
	case HVT_EVERSION:
		return EXIT_CORRUPT;
	case HVT_EINVAL:
		return EXIT_USAGE;
	}
	return EXIT_IOERR;
}

int open_trace(const char *path, struct hvt_reader **r, int quietly)
{
	struct hvt_err err = { 0 };
	int st = hvt_reader_open(r, path, &err);
	const struct hvt_reader_info *in;

	if (st) {
		fprintf(stderr, "hvtrace: %s\n", err.msg);
		return exit_code(st) ? exit_code(st) : EXIT_CORRUPT;
	}
	in = hvt_reader_info(*r);
	if (!quietly && in->problem.code)
		fprintf(stderr, "hvtrace: warning: %s: %s\n", path, in->problem.msg);
	return 0;
}

int output_open(const char *cmd, const char *path, struct hvt_out *o)
{
	struct hvt_err err = { 0 };
	int st;

	memset(o, 0, sizeof(*o));
	if (!strcmp(path, "-") || !(st = hvt_out_open(o, path, &err)))
		return 0;
	fprintf(stderr, "hvtrace %s: %s\n", cmd, err.msg);
	return exit_code(st);
}

FILE *output_file(const struct hvt_out *o)
{
	return o->f ? o->f : stdout;
}

int output_close(const char *cmd, struct hvt_out *o, int keep)
{
	struct hvt_err err = { 0 };

	if (!o->f)
		return 0;
	if (!keep) {
		hvt_out_abort(o);
		return 0;
	}
	if (!hvt_out_commit(o, &err))
		return 0;
	fprintf(stderr, "hvtrace %s: %s\n", cmd, err.msg);
	return EXIT_IOERR;
}

static int show_progress(const struct hvt_reader *r)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(2);
	return tty && hvt_reader_info(r)->file_size > (64u << 20);
}

void progress(const struct hvt_reader *r, size_t chunk)
{
	size_t n = hvt_reader_info(r)->nchunks;

	if (!n || (chunk & 63) || !show_progress(r))
		return;
	fprintf(stderr, "\r%s: %3zu%%", hvt_reader_name(r), chunk * 100 / n);
}

void progress_done(const struct hvt_reader *r)
{
	if (show_progress(r))
		fprintf(stderr, "\r%*s\r", (int)strlen(hvt_reader_name(r)) + 8, "");
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hvtrace: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return hvt_finish_stdout("hvtrace", run(argc, argv), EXIT_IOERR);
}
