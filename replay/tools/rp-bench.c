/*
 * rp-bench - replay figures of one trace through the public API (replay/bench.sh, issue 13):
 *
 *   rp-bench TRACE WATCH-LA [SEEKS]
 *
 *   verify   rp_run from the start: instructions per second
 *   watch    the same run as rp_resume forward with a write watchpoint on linear WATCH-LA
 *            (choose an address the guest never writes: the run goes to the end)
 *   seek     SEEKS rp_goto_icount to random positions (not only exits) after the full run:
 *            median and worst milliseconds
 *   back     from 20 random positions, 50 rp_step(-1) each: median and worst milliseconds of
 *            the first step back and of the later ones, and the instructions they replayed
 *
 * Timing only: it prints figures and never decides anything (docs/performance.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retrovisor/hvreplay.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *ms, unsigned n)
{
	qsort(ms, n, sizeof(*ms), cmp);
	printf("%-10s %5u  median %8.3f ms  worst %8.3f ms\n", what, n, ms[n / 2], ms[n - 1]);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

static int die(const char *what, const struct hvt_err *err)
{
	fprintf(stderr, "rp-bench: %s: %s\n", what, err->msg);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rp-bench TRACE WATCH-LA [SEEKS]\n");
		return 64;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t la = strtoull(argv[2], NULL, 0), seed = 88172645463325252ull;
	unsigned nseek = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 200;
	struct rp_opts o = {0};
	struct rp_session *s;
	struct hvt_err err;
	struct rp_state st;

	if (rp_open(&s, argv[1], &o, &err) != RP_OK)
		return die("open", &err);
	rp_get_state(s, &st);
	uint64_t t0 = st.t;
	double a = now();
	if (rp_run(s, NULL, NULL, &err) != RP_END)
		return die("verify", &err);
	double dt = now() - a;
	rp_get_state(s, &st);
	uint64_t end = st.t;
	printf("verify     %llu insns  %.3f s  %.1f M insns/s\n", (unsigned long long)(end - t0), dt,
	       (end - t0) / dt / 1e6);

	struct rp_session *w;
	struct rp_watch wp = {.la = la, .len = 1, .kind = RP_WATCH_WRITE};
	struct rp_stopset set = {.wp = &wp, .nwp = 1};
	struct rp_stop_info si;
	struct rp_control ctl = {.chunk = 1ull << 40};
	if (rp_open(&w, argv[1], &o, &err) != RP_OK)
		return die("open", &err);
	a = now();
	int r = rp_resume(w, &set, 1, &ctl, &si, &err);
	dt = now() - a;
	if (r < 0)
		return die("watch", &err);
	rp_get_state(w, &st);
	printf("watch      %llu insns  %.3f s  %.1f M insns/s%s\n", (unsigned long long)(st.t - t0), dt,
	       (st.t - t0) / dt / 1e6, r == RP_END ? "" : "  (the watchpoint hit: choose another address)");
	rp_close(w);

	double *ms = calloc(nseek > 1000 ? nseek : 1000, sizeof(*ms));
	for (unsigned i = 0; i < nseek; i++) {
		uint64_t t = t0 + rnd(&seed) % (end - t0 + 1);
		a = now();
		if (rp_goto_icount(s, t, &err) < 0)
			return die("seek", &err);
		ms[i] = (now() - a) * 1e3;
	}
	report("seek", ms, nseek);

	double first[20];
	unsigned nlater = 0;
	struct rp_ckpt_stats cs;
	uint64_t rep_first = 0, rep_later = 0;
	for (unsigned p = 0; p < 20; p++) {
		uint64_t t = t0 + 100 + rnd(&seed) % (end - t0 - 100);
		if (rp_goto_icount(s, t, &err) < 0)
			return die("seek", &err);
		for (unsigned i = 0; i < 50; i++) {
			rp_ckpt_stats(s, &cs);
			uint64_t before = cs.replayed;
			a = now();
			if (rp_step(s, -1, &err) != RP_OK)
				return die("step back", &err);
			double d = (now() - a) * 1e3;
			rp_ckpt_stats(s, &cs);
			if (i == 0) {
				first[p] = d;
				rep_first = cs.replayed - before > rep_first ? cs.replayed - before : rep_first;
			} else {
				ms[nlater++] = d;
				rep_later = cs.replayed - before > rep_later ? cs.replayed - before : rep_later;
			}
		}
	}
	report("back 1st", first, 20);
	report("back later", ms, nlater);
	printf("back       replayed at most %llu insns for a first step back, %llu for a later one\n",
	       (unsigned long long)rep_first, (unsigned long long)rep_later);
	rp_ckpt_stats(s, &cs);
	printf("ckpts      %zu, every %u exits / %llu insns, %.1f MiB\n", cs.count, cs.every_exits,
	       (unsigned long long)cs.every_insns, cs.bytes / 1048576.0);
	free(ms);
	rp_close(s);
	return 0;
}
