/*
 * hvreplay - replay a Retrovisor trace: verify every exit, print an instruction trace, or
 * measure seeks. The engine is libhvreplay (replay/replay.h); this file parses arguments and
 * prints. Exit status (retrovisor/exit_status.h): 0 success, 1 the replay diverged, 2 the trace
 * cannot be replayed, 4 an I/O error (standard output included), 64 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvreplay.h"
#include "retrovisor/hvtool.h"

/* LeakSanitizer (make SAN=1): Unicorn 2.0.1 itself leaks a 512-byte page bitmap
 * (tb_invalidate_phys_page_fast) once per engine; that is not ours to fix. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

static const char usage_main[] =
	"usage: hvreplay COMMAND [options] FILE\n"
	"Re-execute the guests recorded in a Retrovisor trace (.hvt) and check them against it.\n"
	"\n"
	"  verify FILE      replay every VM, check every exit; exit 0 only if all match\n"
	"  itrace FILE      print each guest instruction with its disassembly and changed registers\n"
	"  seek FILE        time random seeks to exits (for benchmarks)\n"
	"  gdb FILE         serve the recording to gdb, time travel included (docs/debugger.md)\n"
	"\n"
	"`hvreplay COMMAND --help` describes each command's options. Numbers are decimal or\n"
	"hexadecimal after 0x.\n";

static const char usage_verify[] =
	"usage: hvreplay verify [options] FILE\n"
	"Replay every VM of the trace (or one) and check each recorded exit: reason, RIP, the 16\n"
	"general registers and RFLAGS. On a mismatch, report the first one with the last\n"
	"instructions executed before it.\n"
	"\n"
	"  --vm N           only VM N\n"
	"  --budget MB      checkpoint memory budget (default 256)\n"
	"  --history N      instructions shown before a divergence (default 16, at most 64)\n"
	"  -q, --quiet      no progress, no summary: only problems\n"
	"  -h, --help       this text\n";

static const char usage_itrace[] =
	"usage: hvreplay itrace [options] FILE\n"
	"Print every instruction VM N executed, one per line: its instruction count (the number it\n"
	"retires as), address, bytes, disassembly, and the registers it changed. Exits appear\n"
	"where they happened, with what the hypervisor did.\n"
	"\n"
	"  --vm N           the VM (default 0)\n"
	"  --from X         start after X instructions (default: the VM's start)\n"
	"  --to Y           stop after instruction Y (default: the end)\n"
	"  -h, --help       this text\n";

static const char usage_seek[] =
	"usage: hvreplay seek [options] FILE\n"
	"Replay VM N once to the end (timed), then seek to random exits and report the median and\n"
	"worst seek time, the checkpoints and the peak memory.\n"
	"\n"
	"  --vm N           the VM (default 0)\n"
	"  --count N        seeks to make (default 200)\n"
	"  --seed S         random seed (default 1)\n"
	"  --budget MB      checkpoint memory budget (default 256)\n"
	"  -h, --help       this text\n";

int cli_usage(const char *text, int status)
{
	fputs(text, status ? stderr : stdout);
	if (text == usage_main)
		hvt_print_exit_statuses(status ? stderr : stdout);
	return status;
}

/* The options with a value: which commands take each (V verify, I itrace, S seek) and its range. */
enum { O_VM, O_BUDGET, O_HISTORY, O_FROM, O_TO, O_COUNT, O_SEED };
static const struct {
	const char *name, *cmds;
	uint64_t min, max;
} options[] = {
	[O_VM] = {"--vm", "VIS", 0, HVT_MAX_VMS - 1},
	[O_BUDGET] = {"--budget", "VS", 1, 1 << 20}, /* MB */
	[O_HISTORY] = {"--history", "V", 0, 64},
	[O_FROM] = {"--from", "I", 0, UINT64_MAX},
	[O_TO] = {"--to", "I", 0, UINT64_MAX},
	[O_COUNT] = {"--count", "S", 1, 1000000},
	[O_SEED] = {"--seed", "S", 0, UINT64_MAX},
};

/* Common options: fills o; returns the index of FILE or -1 (message printed). */
int cli_parse(int argc, char **argv, const char *usage, struct cli_opts *o)
{
	const char *file = NULL, *cmd = argv[0];
	char letter = !strcmp(cmd, "verify") ? 'V' : !strcmp(cmd, "itrace") ? 'I' : 'S';
	memset(o, 0, sizeof(*o));
	o->count = 200;
	o->seed = 1;
	o->to = UINT64_MAX;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t v;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			o->help = 1;
			return cli_usage(usage, 0) - 1;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			size_t k = 0;
			char why[256];
			while (k < sizeof(options) / sizeof(options[0]) && strcmp(a, options[k].name))
				k++;
			if (k == sizeof(options) / sizeof(options[0]) || !strchr(options[k].cmds, letter)) {
				fprintf(stderr, "hvreplay %s: unknown option %s (see hvreplay %s --help)\n", cmd, a, cmd);
				return -1;
			}
			if (i + 1 >= argc) {
				fprintf(stderr, "hvreplay %s: %s needs a value\n", cmd, a);
				return -1;
			}
			if (hvt_parse_num(a, argv[++i], options[k].min, options[k].max, 0, &v, why, sizeof(why))) {
				fprintf(stderr, "hvreplay %s: %s\n", cmd, why);
				return -1;
			}
			switch (k) {
			case O_VM: o->vm = (unsigned)v, o->have_vm = 1; break;
			case O_BUDGET: o->budget = v << 20; break;
			case O_HISTORY: o->history = (unsigned)v; break;
			case O_FROM: o->from = v, o->have_from = 1; break;
			case O_TO: o->to = v; break;
			case O_COUNT: o->count = v; break;
			case O_SEED: o->seed = v; break;
			}
			continue;
		}
		if (file) {
			fprintf(stderr, "hvreplay: one trace file at a time ('%s' and '%s')\n", file, a);
			return -1;
		}
		file = a;
	}
	if (!file) {
		fputs(usage, stderr);
		return -1;
	}
	if (o->have_from && o->from > o->to) {
		fprintf(stderr, "hvreplay %s: --from %llu is after --to %llu: nothing to show\n", cmd,
			(unsigned long long)o->from, (unsigned long long)o->to);
		return -1;
	}
	o->file = file;
	return cli_check_vm(o);
}

/* A library error on stderr, naming the file once; its exit status. */
int cli_error(const char *file, const struct hvt_err *err)
{
	size_t n = strlen(file);
	if (!strncmp(err->msg, file, n) && err->msg[n] == ':')
		fprintf(stderr, "hvreplay: %s\n", err->msg);
	else
		fprintf(stderr, "hvreplay: %s: %s\n", file, err->msg);
	return err->code == HVT_EINVAL ? EXIT_USAGE : err->code == HVT_EIO || err->code == HVT_ENOMEM ? EXIT_FAILED
											     : EXIT_BAD_TRACE;
}

/*
 * --vm names a VM the trace has, else the command would replay nothing and say nothing; the
 * trace is opened here first, so an unreadable file is said once, before any replay.
 */
int cli_check_vm(struct cli_opts *o)
{
	unsigned ids[HVT_MAX_VMS], n;
	char list[HVT_MAX_VMS * 4] = "";
	struct hvt_err err = {0};

	if (rp_trace_vms(o->file, ids, NULL, HVT_MAX_VMS, &n, &err) < 0) {
		o->status = cli_error(o->file, &err);
		return -1;
	}
	if (n == 0) {
		fprintf(stderr, "hvreplay: %s: no VM in this trace\n", o->file);
		o->status = EXIT_BAD_TRACE;
		return -1;
	}
	/* what the trace declares, checked before anything is replayed (hvt_bounds.h): a trace
	 * whose exit lies past its VM's stop or limit would otherwise replay for hours */
	struct hvt_reader *r;
	int st = hvt_reader_open(&r, o->file, &err);
	if (st >= 0)
		st = hvt_bounds_check(r, &err);
	hvt_reader_close(r);
	if (st < 0) {
		fprintf(stderr, "hvreplay: %s: not replayable: %s\n", o->file, err.msg);
		o->status = st == HVT_ECORRUPT ? EXIT_BAD_TRACE : cli_error(o->file, &err);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (ids[i] == o->vm)
			return 0;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", i ? ", " : "", ids[i]);
	}
	if (!o->have_vm && o->vm == 0) { /* itrace and seek default to VM 0: the first, if not 0 */
		o->vm = ids[0];
		return 0;
	}
	fprintf(stderr, "hvreplay: %s: --vm %u: the trace has no such VM (its VMs: %s)\n", o->file, o->vm, list);
	return -1;
}

static int run(int argc, char **argv)
{
	struct cli_opts o;
	if (argc < 2)
		return cli_usage(usage_main, EXIT_USAGE);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help"))
		return cli_usage(usage_main, 0);
	if (!strcmp(cmd, "gdb")) /* its own options (gdb/replay_server.c) */
		return rgdb_main(argc - 1, argv + 1);
	const char *usage = !strcmp(cmd, "verify") ? usage_verify
			    : !strcmp(cmd, "itrace") ? usage_itrace
			    : !strcmp(cmd, "seek")   ? usage_seek
						     : NULL;
	if (!usage) {
		fprintf(stderr, "hvreplay: unknown command '%s'\n\n", cmd);
		return cli_usage(usage_main, EXIT_USAGE);
	}
	if (cli_parse(argc - 1, argv + 1, usage, &o) < 0)
		return o.help ? 0 : o.status ? o.status : EXIT_USAGE;
	if (!strcmp(cmd, "verify"))
		return cmd_verify(&o);
	if (!strcmp(cmd, "itrace"))
		return cmd_itrace(&o);
	return cmd_seek(&o);
}

/*
 * Ctrl-C (or SIGTERM) during a long replay: say so and end with the status of a tool that could
 * not finish its work, not a silent death by signal. Only async-signal-safe calls here.
 */
static void on_interrupt(int sig)
{
	static const char msg[] = "\nhvreplay: interrupted\n";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_FAILED);
	_exit(EXIT_FAILED);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return hvt_finish_stdout("hvreplay", run(argc, argv), EXIT_FAILED);
}
