/*
 * hvt_file.h - how host tools open inputs and write outputs: retrovisor/hvtool.h.
 */
#ifndef TRACER_HVT_FILE_H
#define TRACER_HVT_FILE_H

#include "retrovisor/hvtool.h"

#endif
