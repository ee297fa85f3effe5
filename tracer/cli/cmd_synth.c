/*
 * cmd_synth.c - `hvtrace synth`: a synthetic trace from the real encoder and writer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hvtrace.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace synth --exits N [--vms K] [--seed S] [--zstd LEVEL] [--chunk BYTES] -o FILE\n\n"
		   "Write a synthetic trace of N exits over K VMs (default 1) through the real encoder and\n"
		   "writer: UART I/O, CPUID, RDTSC, hypercalls, HLT with injections, MMIO EPT violations,\n"
		   "CR0 writes and preemption-timer switches. Same seed, same bytes. --zstd compresses\n"
		   "chunks (default: raw); --chunk sets the encoder buffer (default 262144).\n");
}

int cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exits", required_argument, 0, 'n' }, { "vms", required_argument, 0, 'k' },
		{ "seed", required_argument, 0, 's' },  { "zstd", required_argument, 0, 'z' },
		{ "chunk", required_argument, 0, 'c' }, { "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },        { 0 },
	};
	struct hvt_synth_opts o = { .exits = 1000, .vms = 1 };
	const char *out = NULL;
	struct hvt_err err = { 0 };
	int c, st;
	uint64_t v;

	while ((c = getopt_long(argc, argv, "n:k:s:z:c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return 0;
		case 'n':
			if (parse_u64("synth", "--exits", optarg, UINT64_MAX, &o.exits))
				return EXIT_USAGE;
			break;
		case 'k':
			if (parse_u64("synth", "--vms", optarg, HVT_MAX_VMS, &v))
				return EXIT_USAGE;
			o.vms = (unsigned)v;
			break;
		case 's':
			if (parse_u64("synth", "--seed", optarg, UINT64_MAX, &o.seed))
				return EXIT_USAGE;
			break;
		case 'z':
			if (parse_u64("synth", "--zstd", optarg, 19, &v))
				return EXIT_USAGE;
			o.zstd_level = (int)v;
			break;
		case 'c':
			if (parse_u64("synth", "--chunk", optarg, HVT_CHUNK_MAX, &v))
				return EXIT_USAGE;
			o.chunk_size = (uint32_t)v;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (!out || optind != argc || o.vms < 1) {
		help(stderr);
		return EXIT_USAGE;
	}
	if ((st = hvt_synth_write(out, &o, &err))) {
		fprintf(stderr, "hvtrace synth: %s\n", err.msg);
		return exit_code(st);
	}
	return 0;
}
