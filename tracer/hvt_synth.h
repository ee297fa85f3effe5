/*
 * hvt_synth.h - synthetic traces: the real encoder and writer driven by a toy guest model, so
 * that tests, benchmarks and fuzz seeds get realistic .hvt files of any size without Bochs.
 */
#ifndef TRACER_HVT_SYNTH_H
#define TRACER_HVT_SYNTH_H

#include <stdint.h>

#include "hvt_status.h"

struct hvt_synth_opts {
	uint64_t exits;      /* VM exits to generate */
	unsigned vms;        /* 1..HVT_MAX_VMS */
	uint64_t seed;       /* same seed, same file */
	uint32_t chunk_size; /* encoder buffer (0: 256 KiB) */
	int zstd_level;      /* 0: raw chunks */
};

int hvt_synth_write(const char *path, const struct hvt_synth_opts *o, struct hvt_err *err);

#endif
