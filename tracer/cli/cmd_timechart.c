/*
 * cmd_timechart.c - `hvtrace timechart`: a picture of a run for handouts and reports, in the
 * spirit of `perf timechart`. Exits over guest time, one row per VM, coloured by exit reason;
 * when each VM holds the CPU, the scheduler's switches, the events injected and the stops marked;
 * a legend; a title naming the trace. One self-contained SVG: it opens in a browser and prints.
 *
 * Guest time. The VMs share one CPU, so the clock is the instructions retired by all of them:
 * at every event of VM v, t = sum over the VMs of the last instruction count each reported
 * (v's is the event's). It only moves forward, and with one VM it is that VM's own count.
 *
 * Size. The plot is W pixel columns wide (--width, 1000). Every exit falls into the column of
 * its time and each column of a row is drawn as one stack of its reasons, their heights in
 * proportion to their counts there; neighbouring columns that would be drawn alike are one
 * rectangle. So the file grows with W x VMs x the reasons mixed in a column, never with the
 * number of exits (docs/hvtrace.md gives figures).
 *
 * Print. Colour alone does not survive a greyscale printer: each reason also gets a pattern
 * (solid, lines, hatching, dots), anchored to the page so that neighbouring columns continue it,
 * and the markers differ in shape (a band, triangles, diamonds, a square), not in colour.
 *
 * Two passes over the file: the counting scan of `hvtrace stat` gives the length of the time axis
 * and the reasons present (their styles go by frequency), then the events are decoded once, in
 * order, into the columns (this file); timechart_svg.c draws them. One pass over the events, not
 * one step iterator per VM, because the chart needs the SWITCH records, which belong to no VM's
 * steps, and so the file is decoded once.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retrovisor/hvtool.h"
#include "hvtrace.h"
#include "timechart.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace timechart [--width N] [-o OUT.svg] FILE\n\n"
		   "Draw the trace as an SVG chart (to stdout, or OUT): VM exits over guest time\n"
		   "(instructions retired by all VMs), one row per VM, coloured and patterned by exit\n"
		   "reason; a band where the VM holds the CPU, a triangle where the scheduler switches to\n"
		   "it, a diamond where an event is injected, a square where it stops; a legend with the\n"
		   "exit count of every reason. --width: plot columns, 200 to 10000 (1000); exits that\n"
		   "share a column are drawn as one stack of their reasons, so the file stays small\n"
		   "however long the trace. Hover a column in a browser for its counts.\n\n");
	hvt_print_exit_statuses(f);
}

/* ---- the chart's model: exits into pixel columns ---------------------------------------- */
static unsigned column(const struct chart *c, uint64_t t)
{
	double x = c->total ? (double)t / (double)c->total * c->w : 0;
	return x >= c->w ? c->w - 1 : (unsigned)x;
}

static int by_count(const void *a, const void *b, void *ctx)
{
	const uint64_t *n = ctx;
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	if (n[x] != n[y])
		return n[x] < n[y] ? 1 : -1;
	return x < y ? -1 : x > y;
}

/* Rows for the configured VMs and any other VM the scan saw; styles for the reasons present. */
static int chart_init(struct chart *c, struct hvt_reader *r, const struct hvt_scan *s, unsigned w)
{
	unsigned ids[HVT_MAX_VMS], n = hvt_vm_ids(r, ids, HVT_MAX_VMS);
	uint64_t per_reason[HVT_REASON_SLOTS] = { 0 };
	unsigned order[HVT_REASON_SLOTS], k = 0;
	uint32_t want = s->seen;

	memset(c, 0, sizeof(*c));
	c->w = w;
	for (unsigned i = 0; i < n; i++)
		if (ids[i] < HVT_MAX_VMS)
			want |= 1u << ids[i];
	for (unsigned v = 0; v < HVT_MAX_VMS; v++) {
		c->row_of[v] = -1;
		for (unsigned q = 0; q < HVT_REASON_SLOTS; q++)
			per_reason[q] += s->exits[v][q];
		if (s->seen >> v & 1)
			c->total += s->icount[v];
	}
	for (unsigned q = 0; q < HVT_REASON_SLOTS; q++) {
		c->style_of[q] = -1;
		if (per_reason[q])
			order[k++] = q;
	}
	qsort_r(order, k, sizeof(order[0]), by_count, per_reason);
	for (unsigned i = 0; i < k; i++) {
		c->style_of[order[i]] = (int)i;
		c->reason_of[i] = order[i];
	}
	c->nstyles = k;
	for (unsigned v = 0; v < HVT_MAX_VMS; v++) {
		struct hvt_vm_config cfg;
		struct row *rw = &c->rows[c->nrows];
		if (!(want >> v & 1))
			continue;
		rw->vm = v;
		rw->run_from = UINT64_MAX;
		rw->stop_why = UINT32_MAX;
		if (hvt_vm_config(r, v, &cfg, NULL) == HVT_OK)
			hvt_sanitize(rw->name, sizeof(rw->name), cfg.name, strnlen(cfg.name, sizeof(cfg.name)), 1);
		if (!(rw->cols = calloc(w, sizeof(*rw->cols))) ||
		    !(rw->counts = calloc((size_t)w * (k ? k : 1), sizeof(*rw->counts))))
			return HVT_ENOMEM;
		c->row_of[v] = (int)c->nrows++;
	}
	return HVT_OK;
}

static void chart_free(struct chart *c)
{
	for (unsigned i = 0; i < c->nrows; i++) {
		free(c->rows[i].cols);
		free(c->rows[i].counts);
	}
}

/* The VM gives up the CPU at time t: its band covers the columns since it took it. */
static void run_end(struct chart *c, struct row *rw, uint64_t t)
{
	if (rw->run_from == UINT64_MAX)
		return;
	for (unsigned x = column(c, rw->run_from), e = column(c, t); x <= e; x++)
		rw->cols[x].running = 1;
	rw->run_from = UINT64_MAX;
}

static void run_start(struct chart *c, unsigned vm, uint64_t t, int switched)
{
	struct row *rw;

	for (unsigned i = 0; i < c->nrows; i++) /* one CPU: whoever held it lets go */
		run_end(c, &c->rows[i], t);
	if (vm >= HVT_MAX_VMS || c->row_of[vm] < 0)
		return;
	rw = &c->rows[c->row_of[vm]];
	rw->run_from = t;
	if (switched) {
		rw->cols[column(c, t)].switched = 1;
		rw->switches++;
		c->switches++;
	}
}

/* One event into the columns. */
static void chart_event(struct chart *c, const struct hvt_event *ev)
{
	struct row *rw = ev->vm < HVT_MAX_VMS && c->row_of[ev->vm] >= 0 ? &c->rows[c->row_of[ev->vm]] : NULL;
	struct col *col;
	unsigned x;

	if (rw && ev->icount >= rw->icount) { /* the shared clock advances by this VM's instructions */
		c->clock += ev->icount - rw->icount;
		rw->icount = ev->icount;
	}
	x = column(c, c->clock);
	switch (ev->type) {
	case HVT_REC_VM_START:
		run_start(c, ev->vm, c->clock, 0);
		return;
	case HVT_REC_SWITCH:
		run_start(c, ev->target, c->clock, 1);
		return;
	}
	if (!rw)
		return;
	col = &rw->cols[x];
	switch (ev->type) {
	case HVT_REC_EXIT:
		if (c->style_of[ev->reason] < 0)
			return; /* the scan saw no such exit: cannot happen on the same file */
		if (!col->exits++)
			col->first = ev->num;
		col->last = ev->num;
		rw->counts[(size_t)x * c->nstyles + (unsigned)c->style_of[ev->reason]]++;
		c->count_of[c->style_of[ev->reason]]++;
		rw->exits++;
		c->exits++;
		break;
	case HVT_REC_INJECT:
		col->injects++;
		col->inject_info = ev->inject_info;
		rw->injects++;
		c->injects++;
		break;
	case HVT_REC_VM_STOP:
		col->stopped = 1;
		rw->stop_why = ev->stop_why;
		rw->stop_status = ev->status;
		run_end(c, rw, c->clock);
		break;
	}
}

/* ---- the command ------------------------------------------------------------------------ */
static int collect(struct hvt_reader *r, struct chart *c, unsigned w, struct hvt_err *err)
{
	struct hvt_scan *s = calloc(1, sizeof(*s));
	struct hvt_event ev;
	int st;

	if (!s)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	st = stat_scan(r, s, err);
	if (st == HVT_OK && (st = chart_init(c, r, s, w)) != HVT_OK)
		hvt_err_set(err, st, HVT_NO_OFFSET, "out of memory");
	free(s);
	if (st == HVT_OK)
		st = hvt_reader_seek(r, 0, err);
	while (st == HVT_OK && (st = hvt_reader_next_event(r, &ev, err)) == HVT_OK)
		chart_event(c, &ev);
	if (st == HVT_END) {
		for (unsigned i = 0; i < c->nrows; i++)
			run_end(c, &c->rows[i], c->total);
		st = HVT_OK;
	}
	return st;
}

int cmd_timechart(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "width", required_argument, 0, 'w' }, { "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' }, { 0 },
	};
	const char *out = "-";
	struct hvt_out o = { 0 };
	struct hvt_err err = { 0 };
	struct hvt_reader *r;
	struct chart *c;
	uint64_t w = 1000;
	int ch, rc, st;

	while ((ch = getopt_long(argc, argv, "w:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help(stdout);
			return 0;
		case 'w':
			if (parse_u64("timechart", "--width", optarg, 10000, &w))
				return EXIT_USAGE;
			if (w < 200) {
				fprintf(stderr, "hvtrace timechart: --width: %llu is too narrow (at least 200)\n",
					(unsigned long long)w);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if ((rc = open_file_arg(argc, argv, help, &r, 0)))
		return rc;
	if ((rc = output_open("timechart", out, &o))) {
		hvt_reader_close(r);
		return rc;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		output_close("timechart", &o, 0);
		hvt_reader_close(r);
		return EXIT_IOERR;
	}
	st = collect(r, c, (unsigned)w, &err);
	if (st < 0) {
		fprintf(stderr, "hvtrace: %s\n", err.msg);
		output_close("timechart", &o, 0);
	} else {
		if ((st = timechart_draw(output_file(&o), c, argv[optind])))
			fprintf(stderr, "hvtrace timechart: out of memory\n");
		if (output_close("timechart", &o, st == HVT_OK))
			st = HVT_EIO;
	}
	chart_free(c);
	free(c);
	hvt_reader_close(r);
	return st < 0 ? exit_code(st) : 0;
}
