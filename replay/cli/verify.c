/*
 * verify.c - `hvreplay verify`: replay each VM to its end and check every exit; and
 * `hvreplay seek`: the same once, then timed random seeks (make bench).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hvreplay.h"
#include "retrovisor/hvtool.h"
#include "retrovisor/exit_reasons.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(void *ctx, uint64_t t, uint64_t event, uint64_t nevents)
{
	static double last;
	double n = now();
	(void)ctx;
	if (n - last < 0.1)
		return;
	last = n;
	fprintf(stderr, "\r  event %llu of %llu (%.0f%%), instruction %llu ", (unsigned long long)event,
		(unsigned long long)nevents, nevents ? 100.0 * event / nevents : 0.0, (unsigned long long)t);
}

void cli_print_divergence(const char *file, const char *name, unsigned vm, const struct rp_divergence *d)
{
	char vmname[32 * 4 + 1]; /* the name comes from the trace: sanitized */
	hvt_sanitize_str(vmname, sizeof(vmname), name);
	const char *rn = exit_reason_name(d->reason);
	fprintf(stderr, "hvreplay: %s: VM %u (%s) diverged at exit event %llu (%s, instruction %llu): %s\n", file, vm,
		vmname, (unsigned long long)d->event, rn ? rn : "?", (unsigned long long)d->icount, d->what);
	fprintf(stderr, "  field %s: recorded %#llx, replayed %#llx\n", d->field, (unsigned long long)d->recorded,
		(unsigned long long)d->replayed);
	if (d->note[0])
		fprintf(stderr, "  likely cause: %s\n", d->note);
	if (d->nhist) {
		fprintf(stderr, "  the last %u instructions before it:\n", d->nhist);
		for (unsigned i = 0; i < d->nhist; i++)
			fprintf(stderr, "  %10llu  %s\n", (unsigned long long)d->hist[i].t, d->hist[i].text);
	}
	/* the viewer shows the same moment side by side and lets the user step around it */
	fprintf(stderr, "  open it with: hvview --divergence %s\n", file);
}

/* Open VM vm with the options; prints and returns an exit status on failure (0 on success). */
static int open_vm(const struct cli_opts *o, unsigned vm, struct rp_session **s)
{
	struct rp_opts ro = {.vm = vm, .ckpt_budget = o->budget, .history = o->history};
	struct hvt_err err;
	int st = rp_open(s, o->file, &ro, &err);
	if (st < 0)
		return cli_error(o->file, &err);
	return 0;
}

static int verify_vm(const struct cli_opts *o, unsigned vm, int *truncated_said)
{
	struct rp_session *s;
	struct hvt_err err;
	int rc = open_vm(o, vm, &s);
	if (rc)
		return rc;
	const struct rp_info *in = rp_info(s);
	char name[sizeof(in->name) * 4 + 1];
	hvt_sanitize_str(name, sizeof(name), in->name);
	if ((in->truncated || !in->complete) && !*truncated_said) {
		fprintf(stderr, "hvreplay: %s: the trace is %s%s%s; replaying up to its end\n", o->file,
			in->truncated ? "truncated" : "incomplete (the recording did not end cleanly)",
			in->truncation[0] ? ": " : "", in->truncation);
		*truncated_said = 1;
	}
	double t0 = now();
	int tty = !o->quiet && isatty(2);
	int st = rp_run(s, tty ? progress : NULL, NULL, &err);
	if (tty)
		fprintf(stderr, "\r\033[K");
	struct rp_state state;
	rp_get_state(s, &state);
	if (st == RP_DIVERGED) {
		cli_print_divergence(o->file, in->name, vm, rp_divergence(s));
		rc = EXIT_DIVERGED;
	} else if (st < 0) {
		fprintf(stderr, "hvreplay: %s: VM %u (%s): %s\n", o->file, vm, name, err.msg);
		rc = EXIT_BAD_TRACE;
	} else if (!o->quiet) {
		printf("VM %u (%s): %llu exits match, %llu instructions, %s (%.3f s)\n", vm, name,
		       (unsigned long long)rp_exits_checked(s), (unsigned long long)state.t,
		       state.stopped ? "the VM stopped as recorded" : "the trace ends here", now() - t0);
	}
	rp_close(s);
	return rc;
}

int cmd_verify(const struct cli_opts *o)
{
	unsigned ids[HVT_MAX_VMS], n;
	struct hvt_err err;
	int truncated_said = 0, rc = 0;
	if (rp_trace_vms(o->file, ids, NULL, HVT_MAX_VMS, &n, &err) < 0)
		return cli_error(o->file, &err);
	if (n == 0) {
		fprintf(stderr, "hvreplay: %s: no VM in this trace\n", o->file);
		return EXIT_BAD_TRACE;
	}
	for (unsigned i = 0; i < n; i++) {
		if (o->have_vm && ids[i] != o->vm)
			continue;
		int r = verify_vm(o, ids[i], &truncated_said);
		if (r > rc)
			rc = r;
	}
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			v = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* The exit event numbers of the VM (for random seeks). */
static uint64_t *exit_numbers(const char *file, unsigned vm, size_t *n)
{
	struct hvt_reader *r;
	struct hvt_err err;
	struct hvt_event ev;
	size_t cap = 1024;
	uint64_t *v = malloc(cap * sizeof(*v));
	*n = 0;
	if (!v || hvt_reader_open(&r, file, &err) < 0) {
		free(v);
		return NULL;
	}
	while (hvt_reader_next_event(r, &ev, &err) == HVT_OK) {
		if (ev.type != HVT_REC_EXIT || ev.vm != vm)
			continue;
		if (*n == cap) {
			uint64_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = ev.num;
	}
	hvt_reader_close(r);
	return v;
}

int cmd_seek(const struct cli_opts *o)
{
	struct rp_session *s;
	struct hvt_err err;
	int rc = open_vm(o, o->vm, &s);
	if (rc)
		return rc;
	double t0 = now();
	int st = rp_run(s, NULL, NULL, &err);
	double full = now() - t0;
	if (st != RP_END) {
		if (st == RP_DIVERGED)
			cli_print_divergence(o->file, rp_info(s)->name, o->vm, rp_divergence(s));
		else
			fprintf(stderr, "hvreplay: %s: %s\n", o->file, err.msg);
		rp_close(s);
		return st == RP_DIVERGED ? EXIT_DIVERGED : EXIT_BAD_TRACE;
	}
	size_t nx;
	uint64_t *nums = exit_numbers(o->file, o->vm, &nx);
	double *times = calloc(o->count ? o->count : 1, sizeof(double));
	if (!nums || !nx || !times) {
		fprintf(stderr, "hvreplay: %s: no exits to seek to\n", o->file);
		free(nums);
		free(times);
		rp_close(s);
		return EXIT_BAD_TRACE;
	}
	srand((unsigned)o->seed);
	for (uint64_t i = 0; i < o->count; i++) {
		uint64_t k = ((uint64_t)rand() << 31 | (uint64_t)rand()) % nx;
		double a = now();
		st = rp_goto_exit(s, nums[k], &err);
		times[i] = now() - a;
		if (st < 0 || st == RP_DIVERGED) {
			fprintf(stderr, "hvreplay: seek to exit %llu failed: %s\n", (unsigned long long)nums[k],
				st < 0 ? err.msg : rp_divergence(s)->what);
			rc = EXIT_DIVERGED;
			break;
		}
	}
	qsort(times, o->count, sizeof(double), cmp_double);
	struct rp_ckpt_stats cs;
	rp_ckpt_stats(s, &cs);
	printf("exits %zu, full replay %.3f s\n", nx, full);
	printf("seeks %llu: median %.2f ms, worst %.2f ms\n", (unsigned long long)o->count,
	       1e3 * times[o->count / 2], 1e3 * times[o->count - 1]);
	printf("checkpoints %zu (every %u exits / %llu instructions), %.1f MiB of %.0f MiB budget\n", cs.count,
	       cs.every_exits, (unsigned long long)cs.every_insns, cs.bytes / 1048576.0, cs.budget / 1048576.0);
	printf("guest memory %.1f MiB, peak RSS %.1f MiB\n", rp_info(s)->mem_size / 1048576.0, peak_rss_kib() / 1024.0);
	free(nums);
	free(times);
	rp_close(s);
	return rc;
}
