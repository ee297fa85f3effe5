/*
 * hvt_reader.h - the reader, for the library's own files and the components that still
 * include it (replay/, runner/): its API is in retrovisor/hvtrace.h, sections 2-3.
 */
#ifndef TRACER_HVT_READER_H
#define TRACER_HVT_READER_H

#include "retrovisor/hvtrace.h"
#include "hvt_status.h"
#include "trace_decode.h"

#endif
