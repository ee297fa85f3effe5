/*
 * hvt_file.h - how every host tool opens what it reads and writes (hvtrace, hvreplay, hvrun).
 *
 * Inputs are opened without blocking (a FIFO given as a trace must not hang the tool in open())
 * and must be regular files: traces are read at random offsets, images and definitions are read
 * whole, and a device such as /dev/zero never ends. Each input's device and inode is remembered,
 * so that an output naming the same file ("-o t.hvt t.hvt", or a hard link to it) is refused
 * before anything is written. Outputs must be absent or regular files (writing to the trace of
 * "-o /dev/null" would rename a regular file over the device); they are written to a temporary
 * file in the same folder and renamed into place, so a failed run leaves the old file whole.
 *
 * Inputs and outputs are checked in the order a tool opens them; the table of inputs holds
 * HVT_FILE_INPUTS_MAX entries, process-wide (the tools are single-threaded).
 */
#ifndef TRACER_HVT_FILE_H
#define TRACER_HVT_FILE_H

#include "retrovisor/hvtool.h" /* the API is public: section "files" there */

#endif
