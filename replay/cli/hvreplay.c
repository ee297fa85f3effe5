/*
 * hvreplay - replay a Retrovisor trace: verify every exit, print an instruction trace, or
 * measure seeks. The engine is libhvreplay (replay/replay.h); this file parses arguments and
 * prints. Exit status: 0 success, 1 the replay diverged, 2 the trace cannot be replayed, 64 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvreplay.h"

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
	"\n"
	"`hvreplay COMMAND --help` describes each command's options.\n"
	"Exit status: 0 success, 1 the replay diverged, 2 the trace cannot be replayed, 64 bad usage.\n";

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
	return status;
}

int cli_number(const char *opt, const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "hvreplay: %s wants a number, not '%s'\n", opt, s);
		return -1;
	}
	*v = x;
	return 0;
}

/* Common options: fills o; returns the index of FILE or -1 (message printed). */
int cli_parse(int argc, char **argv, const char *usage, struct cli_opts *o)
{
	const char *file = NULL;
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
			if (i + 1 >= argc) {
				fprintf(stderr, "hvreplay: %s needs a value\n", a);
				return -1;
			}
			if (cli_number(a, argv[++i], &v))
				return -1;
			if (!strcmp(a, "--vm")) {
				o->vm = (unsigned)v;
				o->have_vm = 1;
			} else if (!strcmp(a, "--budget"))
				o->budget = v << 20;
			else if (!strcmp(a, "--history"))
				o->history = (unsigned)v;
			else if (!strcmp(a, "--from"))
				o->from = v, o->have_from = 1;
			else if (!strcmp(a, "--to"))
				o->to = v;
			else if (!strcmp(a, "--count"))
				o->count = v;
			else if (!strcmp(a, "--seed"))
				o->seed = v;
			else {
				fprintf(stderr, "hvreplay: unknown option %s (see --help)\n", a);
				return -1;
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
	o->file = file;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	if (argc < 2)
		return cli_usage(usage_main, 64);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help"))
		return cli_usage(usage_main, 0);
	const char *usage = !strcmp(cmd, "verify") ? usage_verify
			    : !strcmp(cmd, "itrace") ? usage_itrace
			    : !strcmp(cmd, "seek")   ? usage_seek
						     : NULL;
	if (!usage) {
		fprintf(stderr, "hvreplay: unknown command '%s'\n\n", cmd);
		return cli_usage(usage_main, 64);
	}
	if (cli_parse(argc - 1, argv + 1, usage, &o) < 0)
		return o.help ? 0 : 64;
	if (!strcmp(cmd, "verify"))
		return cmd_verify(&o);
	if (!strcmp(cmd, "itrace"))
		return cmd_itrace(&o);
	return cmd_seek(&o);
}
