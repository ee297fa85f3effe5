/*
 * cmd_stat.c - `hvtrace stat`: exits per reason and per VM, like `perf kvm stat report`.
 *
 * This is the hot loop over a whole trace, so it never decodes registers: each chunk is read,
 * CRC-checked and (if need be) decompressed once into the reader's buffer, then trace_scan.c
 * counts its records. No allocation or stdio per event.
 */
#include <getopt.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "hvtrace.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace stat [--vm N] FILE\n\n"
		   "Count VM exits per exit reason, over all VMs and per VM: samples, share of all exits, and\n"
		   "the mean number of guest instructions retired between the previous exit and these.\n"
		   "Sorted by count. --vm N shows that VM only.\n");
}

struct row {
	unsigned reason;
	uint64_t n, insns;
};

static int by_count(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

static void table(const struct hvt_scan *s, uint32_t vms, const char *title)
{
	struct row rows[HVT_REASON_SLOTS];
	uint64_t total = 0, insns = 0;
	size_t n = 0;
	char nb[HVT_NAME_BUF];

	for (unsigned r = 0; r < HVT_REASON_SLOTS; r++) {
		struct row row = { r, 0, 0 };
		for (unsigned v = 0; v < HVT_MAX_VMS; v++)
			if (vms >> v & 1) {
				row.n += s->exits[v][r];
				row.insns += s->insns[v][r];
			}
		if (row.n)
			rows[n++] = row;
		total += row.n;
		insns += row.insns;
	}
	qsort(rows, n, sizeof(rows[0]), by_count);
	printf("%s: %llu exits, %llu instructions\n\n", title, (unsigned long long)total,
	       (unsigned long long)insns);
	printf("%24s %12s %9s %14s\n", "VM-EXIT", "Samples", "Samples%", "Insns/exit");
	for (size_t i = 0; i < n; i++)
		printf("%24s %12llu %8.2f%% %14.2f\n", hvt_reason_name(rows[i].reason, nb),
		       (unsigned long long)rows[i].n, 100.0 * (double)rows[i].n / (double)total,
		       (double)rows[i].insns / (double)rows[i].n);
	printf("%24s %12llu %8.2f%% %14.2f\n\n", "Total", (unsigned long long)total, total ? 100.0 : 0.0,
	       total ? (double)insns / (double)total : 0.0);
}

/* Count chunks [from, to) of r into s. */
static int scan_range(struct hvt_reader *r, struct hvt_scan *s, size_t from, size_t to, int show,
		      struct hvt_err *err)
{
	for (size_t i = from; i < to; i++) {
		const uint8_t *p;
		size_t len;
		const struct hvt_chunk_header *h;
		int st = hvt_reader_chunk_load(r, i, err);
		if (st)
			return st;
		h = hvt_reader_chunk(r, &p, &len);
		if ((st = hvt_scan_chunk(s, h, p, len, err))) {
			hvt_err_prefix(err, "%s: chunk %zu: ", hvt_reader_name(r), i);
			return st;
		}
		if (show)
			progress(r, i);
	}
	return HVT_OK;
}

/* The second half of a parallel scan, on a reader of its own. */
struct scan_job {
	const char *path;
	size_t from, to;
	struct hvt_scan *s;
	struct hvt_err err;
	int st;
};

static void *scan_thread(void *arg)
{
	struct scan_job *j = arg;
	struct hvt_reader *r;
	j->st = hvt_reader_open(&r, j->path, &j->err);
	if (j->st < 0)
		return NULL;
	j->st = scan_range(r, j->s, j->from, j->to, 0, &j->err);
	hvt_reader_close(r);
	return NULL;
}

/* Add the counts of b (the later chunks) into a. */
static void scan_merge(struct hvt_scan *a, const struct hvt_scan *b)
{
	for (unsigned v = 0; v < HVT_MAX_VMS; v++) {
		for (unsigned k = 0; k < HVT_REASON_SLOTS; k++) {
			a->exits[v][k] += b->exits[v][k];
			a->insns[v][k] += b->insns[v][k];
		}
		for (unsigned k = 0; k < HVT_SCAN_TAGS; k++)
			a->records[v][k] += b->records[v][k];
		if (b->seen >> v & 1)
			a->icount[v] = b->icount[v];
		if (!(a->started >> v & 1) && (b->started >> v & 1))
			a->start[v] = b->start[v];
	}
	a->events += b->events;
	a->keyframes += b->keyframes;
	a->seen |= b->seen;
	a->started |= b->started;
	a->ended |= b->ended;
}

/*
 * Count every chunk; also used by info. Chunks decode on their own (each starts with keyframes),
 * so on a large file a second thread, with its own reader, counts the second half.
 */
int stat_scan(struct hvt_reader *r, struct hvt_scan *s, struct hvt_err *err)
{
	size_t n = hvt_reader_info(r)->nchunks;
	struct scan_job job = {0};
	pthread_t tid;
	int threaded = n >= 16 && sysconf(_SC_NPROCESSORS_ONLN) > 1;
	int st;

	if (threaded) {
		job = (struct scan_job){.path = hvt_reader_name(r), .from = n / 2, .to = n};
		if (!(job.s = calloc(1, sizeof(*job.s))) || pthread_create(&tid, NULL, scan_thread, &job)) {
			free(job.s);
			threaded = 0;
		}
	}
	st = scan_range(r, s, 0, threaded ? n / 2 : n, 1, err);
	if (threaded) {
		pthread_join(tid, NULL);
		if (st == HVT_OK && job.st != HVT_OK) {
			*err = job.err;
			st = job.st;
		}
		if (st == HVT_OK)
			scan_merge(s, job.s);
		free(job.s);
	}
	progress_done(r);
	return st;
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = { { "vm", required_argument, 0, 'v' }, { "help", no_argument, 0, 'h' }, { 0 } };
	struct hvt_reader *r;
	struct hvt_err err = { 0 };
	struct hvt_scan *s;
	int c, vm = -1, rc;

	while ((c = getopt_long(argc, argv, "v:h", opts, NULL)) != -1) {
		if (c == 'h') {
			help(stdout);
			return 0;
		}
		if (c == 'v') {
			uint64_t v;
			if (parse_u64("stat", "--vm", optarg, HVT_MAX_VMS - 1, &v))
				return EXIT_USAGE;
			vm = (int)v;
			continue;
		}
		help(stderr);
		return EXIT_USAGE;
	}
	if ((rc = open_file_arg(argc, argv, help, &r, 0)))
		return rc;
	if ((rc = check_vm_arg("stat", r, vm))) {
		hvt_reader_close(r);
		return rc;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		hvt_reader_close(r);
		return EXIT_IOERR;
	}
	rc = stat_scan(r, s, &err);
	if (rc) {
		fprintf(stderr, "hvtrace: %s\n", err.msg);
		rc = exit_code(rc);
	} else {
		char title[64];
		if (vm < 0)
			table(s, s->seen, "Analyze events for all VMs");
		for (unsigned v = 0; v < HVT_MAX_VMS; v++)
			if ((s->seen >> v & 1) && (vm < 0 ? __builtin_popcount(s->seen) > 1 : (int)v == vm)) {
				snprintf(title, sizeof(title), "Analyze events for VM %u", v);
				table(s, 1u << v, title);
			}
	}
	free(s);
	hvt_reader_close(r);
	return rc;
}
