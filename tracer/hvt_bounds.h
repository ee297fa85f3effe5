/*
 * hvt_bounds.h - the rules every reader applies before trusting a trace: retrovisor/hvtrace.h,
 * section 8 (the rules are listed there).
 */
#ifndef TRACER_HVT_BOUNDS_H
#define TRACER_HVT_BOUNDS_H

#include "hvt_reader.h"

#endif
