/*
 * cmd_diff.c - `hvtrace diff A B`: the first event where two traces part ways, with context.
 *
 * Events are compared by hvt_event_same (tracer/hvt_diff.c, shared with hvview).
 * Typical use: a recording against its replay, or two runs of the same guest.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace.h"

#define CONTEXT 3

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace diff [--context N] A B\n\n"
		   "Compare two traces event by event and show the first divergence with N (default 3)\n"
		   "events of context. Exit status: 0 same events, 1 different, 2 corrupt,\n"
		   "4 I/O error, 64 usage (hvtrace --help).\n");
}

static void show_more(struct hvt_reader *r, const char *tag, int n)
{
	struct hvt_event ev;
	char line[1024];

	for (int k = 0; k < n && hvt_reader_next_event(r, &ev, NULL) == HVT_OK; k++) {
		format_event(line, sizeof(line), &ev);
		printf("  %s %s\n", tag, line);
	}
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = { { "context", required_argument, 0, 'c' }, { "help", no_argument, 0, 'h' }, { 0 } };
	char ring[16][1024], la[1024], lb[1024];
	struct hvt_reader *a, *b;
	struct hvt_event ea, eb;
	struct hvt_err err = { 0 };
	int c, ctx = CONTEXT, rc, sa, sb;
	uint64_t n = 0;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'h') {
			help(stdout);
			return 0;
		}
		if (c == 'c') {
			uint64_t v;
			if (parse_u64("diff", "--context", optarg, 16, &v))
				return EXIT_USAGE;
			ctx = (int)v;
			continue;
		}
		help(stderr);
		return EXIT_USAGE;
	}
	if (optind + 2 != argc) {
		help(stderr);
		return EXIT_USAGE;
	}
	if ((rc = open_trace(argv[optind], &a, 0)))
		return rc == EXIT_TRUNC ? EXIT_CORRUPT : rc;
	if ((rc = open_trace(argv[optind + 1], &b, 0))) {
		hvt_reader_close(a);
		return rc == EXIT_TRUNC ? EXIT_CORRUPT : rc;
	}
	for (;; n++) {
		sa = hvt_reader_next_event(a, &ea, &err);
		if (sa < 0)
			break;
		sb = hvt_reader_next_event(b, &eb, &err);
		if (sb < 0 || sa != HVT_OK || sb != HVT_OK || !hvt_event_same(&ea, &eb))
			break;
		format_event(ring[n % 16], sizeof(ring[0]), &ea);
	}
	if (sa < 0 || sb < 0) {
		fprintf(stderr, "hvtrace diff: %s\n", err.msg);
		rc = exit_code(sa < 0 ? sa : sb);
	} else if (sa == HVT_END && sb == HVT_END) {
		printf("same: %llu events\n", (unsigned long long)n);
		rc = 0;
	} else {
		printf("traces differ at event %llu:\n", (unsigned long long)n);
		for (uint64_t k = n > (uint64_t)ctx ? n - (uint64_t)ctx : 0; k < n; k++)
			printf("    %s\n", ring[k % 16]);
		if (sa == HVT_OK)
			format_event(la, sizeof(la), &ea);
		else
			snprintf(la, sizeof(la), "(A ends after %llu events)", (unsigned long long)n);
		if (sb == HVT_OK)
			format_event(lb, sizeof(lb), &eb);
		else
			snprintf(lb, sizeof(lb), "(B ends after %llu events)", (unsigned long long)n);
		printf("  A %s\n  B %s\n", la, lb);
		if (sa == HVT_OK)
			show_more(a, "A", ctx < 2 ? ctx : 2);
		if (sb == HVT_OK)
			show_more(b, "B", ctx < 2 ? ctx : 2);
		rc = 1;
	}
	hvt_reader_close(a);
	hvt_reader_close(b);
	return rc;
}
