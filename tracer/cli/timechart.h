/*
 * timechart.h - `hvtrace timechart`'s model, shared by the command that fills it from a trace
 * (cmd_timechart.c) and the SVG writer that draws it (timechart_svg.c).
 */
#ifndef TRACER_CLI_TIMECHART_H
#define TRACER_CLI_TIMECHART_H

#include <stdint.h>
#include <stdio.h>

#include "retrovisor/hvtrace.h"

struct col {              /* one pixel column of one VM */
	uint64_t first, last; /* event numbers of its first and last exit */
	uint32_t exits, injects;
	uint32_t inject_info;     /* the last one */
	uint8_t running, switched, stopped;
};

struct row {
	unsigned vm;
	char name[32 * 4 + 1];    /* sanitized for XML */
	uint64_t exits, injects, switches;
	uint64_t icount, run_from; /* last instruction count; when it took the CPU (UINT64_MAX: not running) */
	unsigned stop_why;
	uint64_t stop_status;
	struct col *cols;         /* W */
	uint32_t *counts;         /* W x nstyles: exits per column per style */
};

struct chart {
	unsigned w, nrows, nstyles;
	struct row rows[HVT_MAX_VMS];
	int row_of[HVT_MAX_VMS];          /* -1: no row */
	int style_of[HVT_REASON_SLOTS];   /* -1: reason absent */
	unsigned reason_of[HVT_REASON_SLOTS];
	uint64_t count_of[HVT_REASON_SLOTS]; /* exits drawn, per style */
	uint64_t total;                   /* the time axis: sum of the VMs' last instruction counts */
	uint64_t clock, exits, injects, switches;
};

/* Write the chart as one SVG document; trace names it in the title. HVT_OK or HVT_ENOMEM. */
int timechart_draw(FILE *f, const struct chart *c, const char *trace);

#endif
