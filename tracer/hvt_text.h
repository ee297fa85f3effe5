/*
 * hvt_text.h - numbers on the command line and text made safe to print: retrovisor/hvtool.h.
 */
#ifndef TRACER_HVT_TEXT_H
#define TRACER_HVT_TEXT_H

#include "retrovisor/hvtool.h"

#endif
