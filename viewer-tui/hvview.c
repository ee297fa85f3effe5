/*
 * hvview - step through a recorded run in the terminal, forward and backward, with the
 * hypervisor's side of every exit (docs/viewer.md).
 *
 *   hvview TRACE                   the main screen, at the start of the first VM
 *   hvview --divergence TRACE      at the exit where the replay disagrees with the recording
 *   hvview A.hvt B.hvt             at the first difference between two recordings
 *   hvview --script KEYS [--dump DIR | --screen-dump] [--size WxH] ...   headless, for tests
 *
 * Exit statuses: retrovisor/exit_status.h (0; 2 a trace that cannot be read or replayed; 4 the
 * terminal could not be used or an output could not be written; 64 usage).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "retrovisor/exit_status.h"
#include "retrovisor/hvtool.h"
#include "view.h"

int view_script_run(struct view_model *m, const char *script, const char *dir, int cols, int rows, FILE *timing,
		    char *why, size_t whylen);
int view_curses_run(struct view_model *m, char *why, size_t whylen);

/* Unicorn keeps an allocation until exit on purpose (as in hvreplay.c): not a leak of ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

static void help(FILE *f)
{
	fprintf(f, "usage: hvview [options] TRACE [TRACE2]\n\n"
		   "Step through a recorded run forward and backward: registers, disassembly, the exits\n"
		   "of every VM on one clock, why each exit happened and what the hypervisor did.\n"
		   "With two traces, opens at the first event where they differ (as hvtrace diff).\n\n"
		   "options:\n"
		   "  --divergence       open at the exit where the replay disagrees with the recording\n"
		   "  --script FILE      headless: play the keys in FILE (docs/viewer.md), no terminal\n"
		   "  --dump DIR         with --script: the screen after each step into DIR/NNN.txt\n"
		   "  --screen-dump      with --script: the screens on standard output (the default)\n"
		   "  --size WxH         with --script: the window's size (default 80x24)\n"
		   "  --timing           with --script: milliseconds to open and per step on stderr\n"
		   "  --keys-markdown    the key table as markdown (docs/viewer.md holds it)\n"
		   "  -h, --help         this text\n\n"
		   "keys:\n");
	view_print_keys(f, 0);
	fprintf(f, "\n");
	hvt_print_exit_statuses(f);
}

/* --divergence replays everything before the screen opens: say how far it is (a terminal only). */
static void replay_progress(void *ctx, uint64_t t, uint64_t event, uint64_t nevents)
{
	(void)ctx, (void)t;
	fprintf(stderr, "\rhvview: replaying to find a divergence: event %llu of %llu ", (unsigned long long)event,
		(unsigned long long)nevents);
}

static int status_of(int st)
{
	switch (st) {
	case HVT_EINVAL:
		return RV_EXIT_USAGE;
	case HVT_EIO:
	case HVT_ENOMEM:
		return RV_EXIT_FAILED;
	}
	return RV_EXIT_BROKEN;
}

/* A file that is not there, not readable or not regular is a usage error (exit_status.h). */
static int check_input(const char *path)
{
	struct hvt_err err;
	int fd = hvt_open_input(path, "traces", &err);
	if (fd < 0) {
		fprintf(stderr, "hvview: %s\n", err.msg);
		return RV_EXIT_USAGE;
	}
	hvt_input_close(fd);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"divergence", no_argument, 0, 'd'}, {"script", required_argument, 0, 's'},
		{"dump", required_argument, 0, 'D'}, {"screen-dump", no_argument, 0, 'S'},
		{"size", required_argument, 0, 'z'}, {"keys-markdown", no_argument, 0, 'k'},
		{"timing", no_argument, 0, 't'},     {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *script = NULL, *dir = NULL;
	int divergence = 0, timing = 0, cols = 80, rows = 24, c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			divergence = 1;
			break;
		case 's':
			script = optarg;
			break;
		case 'D':
			dir = optarg;
			break;
		case 'S':
			dir = NULL;
			break;
		case 'z':
			if (sscanf(optarg, "%dx%d", &cols, &rows) != 2 || cols < 1 || rows < 1 || cols > 1000 ||
			    rows > 1000) {
				fprintf(stderr, "hvview: --size: '%s' is not WxH\n", optarg);
				return RV_EXIT_USAGE;
			}
			break;
		case 't':
			timing = 1;
			break;
		case 'k':
			view_print_keys(stdout, 1);
			return fflush(stdout) ? RV_EXIT_FAILED : RV_EXIT_OK;
		case 'h':
			help(stdout);
			return fflush(stdout) ? RV_EXIT_FAILED : RV_EXIT_OK;
		default:
			help(stderr);
			return RV_EXIT_USAGE;
		}
	}
	int nfiles = argc - optind;
	if (nfiles < 1 || nfiles > 2 || (divergence && nfiles != 1)) {
		fprintf(stderr, "hvview: %s (hvview --help)\n",
			nfiles < 1 ? "no trace given" : "one trace, or two to compare (not with --divergence)");
		return RV_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if ((c = check_input(argv[i])))
			return c;
	if (!script && (!isatty(0) || !isatty(1))) {
		fprintf(stderr, "hvview: needs a terminal (or --script KEYS for the headless mode)\n");
		return RV_EXIT_USAGE;
	}
	static struct view_model m;
	struct hvt_err err = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int st = view_open(&m, argv[optind], &err);
	if (st < 0) {
		fprintf(stderr, "hvview: %s: %s\n", argv[optind], err.msg);
		return status_of(st);
	}
	if (m.a.truncated)
		fprintf(stderr, "hvview: %s: the trace is truncated; it opens up to where it stops\n", argv[optind]);
	if (nfiles == 2 && (st = view_open_second(&m, argv[optind + 1], &err)) < 0) {
		fprintf(stderr, "hvview: %s\n", err.msg);
		view_close(&m);
		return status_of(st);
	}
	if (divergence && (st = view_find_divergence(&m, isatty(2) && !script ? replay_progress : NULL, NULL, &err)) < 0) {
		fprintf(stderr, "hvview: %s: %s\n", argv[optind], err.msg);
		view_close(&m);
		return status_of(st);
	}
	if (divergence && isatty(2) && !script)
		fprintf(stderr, "\r\033[K");
	char why[512];
	if (timing && script) { /* the first screen: open, and draw it once */
		struct view_grid g = {0};
		if (grid_resize(&g, rows, cols) == 0)
			view_draw(&m, &g);
		grid_free(&g);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "first screen: %.3f ms\n",
			(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	int rc = script ? view_script_run(&m, script, dir, cols, rows, timing ? stderr : NULL, why, sizeof(why))
			: view_curses_run(&m, why, sizeof(why));
	view_close(&m);
	if (rc < 0) {
		fprintf(stderr, "hvview: %s\n", why);
		return RV_EXIT_FAILED;
	}
	return fflush(stdout) ? RV_EXIT_FAILED : RV_EXIT_OK;
}
