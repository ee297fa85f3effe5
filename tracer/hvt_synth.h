/*
 * hvt_synth.h - synthetic traces: retrovisor/hvtrace.h, section 8.
 */
#ifndef TRACER_HVT_SYNTH_H
#define TRACER_HVT_SYNTH_H

#include "retrovisor/hvtrace.h"

#endif
