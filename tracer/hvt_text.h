/*
 * hvt_text.h - text that crosses the boundary of a host tool: numbers on the command line, and
 * strings taken from a trace or a guest before they reach a terminal or an XML file.
 */
#ifndef TRACER_HVT_TEXT_H
#define TRACER_HVT_TEXT_H

#include "retrovisor/hvtool.h" /* the API is public: section "text" there */

#endif
