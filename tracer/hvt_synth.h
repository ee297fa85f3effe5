/*
 * hvt_synth.h - synthetic traces: the real encoder and writer driven by a toy guest model, so
 * that tests, benchmarks and fuzz seeds get realistic .hvt files of any size without Bochs.
 */
#ifndef TRACER_HVT_SYNTH_H
#define TRACER_HVT_SYNTH_H

#include "retrovisor/hvtrace.h" /* struct hvt_synth_opts, hvt_synth_write: section 8 */

#endif
