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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hvt_status.h"

#define HVT_FILE_INPUTS_MAX 256

/*
 * Open path read-only as one of `kinds` ("traces", "guest images", ...): the fd (blocking mode
 * restored), or -1 with err: HVT_EINVAL when path cannot be opened or is not a regular file
 * ("x: a FIFO, not a regular file: traces must be seekable regular files").
 */
int hvt_open_input(const char *path, const char *kinds, struct hvt_err *err);
/* Close an fd from hvt_open_input: it is no longer an input (its inode may be reused). */
void hvt_input_close(int fd);

/* The whole of a regular file of at most max bytes, NUL-terminated (the NUL is not counted in
 * *len); malloc'd. The file stays an input for the life of the process (hvrun's image). -1 with err (HVT_EINVAL: cannot open, not regular, empty when !allow_empty,
 * larger than max; HVT_EIO: read error). */
int hvt_read_input(const char *path, const char *kinds, uint64_t max, int allow_empty, uint8_t **buf,
		   size_t *len, struct hvt_err *err);

/* HVT_OK if path may be written: absent, or a regular file that is none of the inputs opened so
 * far. HVT_EINVAL with a message otherwise. */
int hvt_output_check(const char *path, struct hvt_err *err);

/* Create the folders above path that do not exist yet ("out/" of "out/demo.hvt"). */
int hvt_make_parents(const char *path, struct hvt_err *err);

/* A text output: hvt_out_open checks the path (hvt_output_check) and opens a temporary file beside
 * it; hvt_out_commit flushes, checks for write errors and renames it over path; hvt_out_abort
 * removes it. */
struct hvt_out {
	FILE *f;
	char *path, *tmp;
};
int hvt_out_open(struct hvt_out *o, const char *path, struct hvt_err *err);
int hvt_out_commit(struct hvt_out *o, struct hvt_err *err);
void hvt_out_abort(struct hvt_out *o);

/*
 * The end of main(): flush and close stdout, and if anything written there was lost (a full
 * disk, "> /dev/full", a closed pipe) say so on stderr as "prog: standard output: why" and
 * return fail_status; else return status unchanged.
 */
int hvt_finish_stdout(const char *prog, int status, int fail_status);

#endif
