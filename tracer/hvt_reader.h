/*
 * hvt_reader.h - reading .hvt files (format: include/retrovisor/trace_format.h).
 *
 * Opening checks the file header (magic, version, required features, CRC) and every section
 * (bounds, CRC), then takes the chunk index from the footer when it is intact (an event number
 * is found by binary search, O(log n)) or rebuilds it by walking the chunk headers. A file cut
 * short opens fine and reads up to its last complete chunk; the info says where it stops.
 * Chunks are read one at a time (CRC-checked, decompressed); memory stays bounded by one chunk
 * plus the index.
 */
#ifndef TRACER_HVT_READER_H
#define TRACER_HVT_READER_H

#include "retrovisor/hvtrace.h" /* the reader's API is in the public header */
#include "hvt_status.h"
#include "trace_decode.h"

#endif
