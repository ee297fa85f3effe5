/*
 * cmd_dump.c - `hvtrace dump`: one line per event, like `perf script`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hvtrace.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace dump [--vm N] [--reason NAME] [--from E] [--to E] [--regs] FILE\n\n"
		   "One line per event: number, VM, the VM's instruction count, the exit reason or record\n"
		   "type, RIP, the qualification decoded per the SDM, and after '->' what the hypervisor\n"
		   "gave back (registers it set, how far it advanced RIP). --from/--to select event numbers\n"
		   "(inclusive; --from seeks through the index), --reason an exit reason by name or number,\n"
		   "--regs adds every register at each exit.\n");
}

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, 0, 'v' },   { "reason", required_argument, 0, 'r' },
		{ "from", required_argument, 0, 'f' }, { "to", required_argument, 0, 't' },
		{ "regs", no_argument, 0, 'R' },       { "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c, vm = -1, reason = -1, regs = 0, rc, st;
	uint64_t from = 0, to = UINT64_MAX, v;
	struct hvt_reader *r;
	struct hvt_event ev;
	struct hvt_err err = { 0 };
	char line[1024];

	while ((c = getopt_long(argc, argv, "v:r:f:t:Rh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return 0;
		case 'v':
			if (parse_u64("dump", "--vm", optarg, HVT_MAX_VMS - 1, &v))
				return EXIT_USAGE;
			vm = (int)v;
			break;
		case 'r':
			if ((reason = hvt_reason_lookup(optarg)) < 0) {
				fprintf(stderr, "hvtrace dump: unknown exit reason '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (parse_u64("dump", "--from", optarg, UINT64_MAX, &from))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_u64("dump", "--to", optarg, UINT64_MAX, &to))
				return EXIT_USAGE;
			break;
		case 'R':
			regs = 1;
			break;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (from > to) {
		fprintf(stderr, "hvtrace dump: --from %llu is after --to %llu: nothing to show\n",
			(unsigned long long)from, (unsigned long long)to);
		return EXIT_USAGE;
	}
	if ((rc = open_file_arg(argc, argv, help, &r, 0)))
		return rc;
	if ((rc = check_vm_arg("dump", r, vm))) {
		hvt_reader_close(r);
		return rc;
	}
	st = from ? hvt_reader_seek(r, from, &err) : HVT_OK;
	while (st == HVT_OK && (st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK) {
		if (ev.num > to) {
			st = HVT_END;
			break;
		}
		if ((vm >= 0 && ev.vm != vm) || (reason >= 0 && (ev.type != HVT_REC_EXIT || ev.reason != reason)))
			continue;
		format_event(line, sizeof(line), &ev);
		fputs(line, stdout);
		if (regs && ev.type == HVT_REC_EXIT) {
			fputs("\n          ", stdout);
			char nb[HVT_NAME_BUF];
			for (unsigned i = 0; i < HVT_NREGS; i++)
				printf(" %s=%#llx", hvt_reg_name(i, nb), (unsigned long long)ev.regs[i]);
		}
		putchar('\n');
	}
	if (st < 0) {
		fflush(stdout);
		fprintf(stderr, "hvtrace: %s\n", err.msg);
	}
	hvt_reader_close(r);
	return st < 0 ? exit_code(st) : 0;
}
