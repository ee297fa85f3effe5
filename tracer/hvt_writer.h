/*
 * hvt_writer.h - the writer and the trace-disk import, for the library's own files and its
 * tests: the API is public in retrovisor/hvtrace_writer.h.
 */
#ifndef TRACER_HVT_WRITER_H
#define TRACER_HVT_WRITER_H

#include "retrovisor/hvtrace_writer.h"

#endif
