/*
 * hvt_status.h - status codes and errors: retrovisor/hvtrace.h, section 1.
 */
#ifndef TRACER_HVT_STATUS_H
#define TRACER_HVT_STATUS_H

#include "retrovisor/hvtrace.h"

#endif
