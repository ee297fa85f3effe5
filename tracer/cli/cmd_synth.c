/*
 * cmd_synth.c - `hvtrace synth`: a synthetic trace from the real encoder and writer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hvt_synth.h"
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

	while ((c = getopt_long(argc, argv, "n:k:s:z:c:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return 0;
		case 'n':
			o.exits = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			o.vms = (unsigned)atoi(optarg);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'z':
			o.zstd_level = atoi(optarg);
			break;
		case 'c':
			o.chunk_size = (uint32_t)strtoul(optarg, NULL, 0);
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
