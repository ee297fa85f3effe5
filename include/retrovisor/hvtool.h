/*
 * hvtool.h - what every host tool shares at its boundary (part of libhvtrace, link with
 * $(HVTRACE_LIBS)): numbers on the command line, text from a trace or a guest made safe to
 * print, and the rules for opening inputs and writing outputs.
 *
 * Text:
 * numbers on the command line, and
 * strings taken from a trace or a guest before they reach a terminal or an XML file.
 *
 * Files:
 * how every host tool (hvtrace, hvreplay, hvrun) opens what it reads and writes.
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
#ifndef RETROVISOR_HVTOOL_H
#define RETROVISOR_HVTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "retrovisor/hvtrace.h"

/* ---- text -------------------------------------------------------------------------------- */
/*
 * Every number an option takes, the way VM definitions write them (runner/schema): decimal, or
 * hexadecimal after 0x. A leading 0 is decimal ("010" is ten), never octal. HVT_NUM_SIZE allows
 * a K or M suffix (x 1024, x 1024^2). The value must lie in [min, max]. Returns 0, or -1 with
 * a message naming opt and why in why ("--mem: '18014398509482048K' is too large (at most ...)").
 */
#define HVT_NUM_SIZE 1u
int hvt_parse_num(const char *opt, const char *s, uint64_t min, uint64_t max, unsigned flags, uint64_t *out,
		  char *why, size_t whylen);

/*
 * The one sanitizer for text from a trace or a guest (VM names, recorder text, notes, console
 * output): printable ASCII is kept, every other byte (controls, DEL, and every byte from 0x80 up,
 * so no C1 control, bidi override or invalid UTF-8 gets through) and the backslash become \xHH.
 * Writes at most n-1 characters and a NUL; returns out. Safe for a terminal and for XML
 * character data once &, < and > are escaped (xml=1 escapes them, and " too, as &amp; etc.).
 */
char *hvt_sanitize(char *out, size_t n, const void *in, size_t len, int xml);
/* The same for a NUL-terminated string. */
char *hvt_sanitize_str(char *out, size_t n, const char *in);

/*
 * The name rule every VM name follows, from the command line or XML (runner/schema/retrovisor.xsd,
 * type vmName): 1 to 31 characters from [A-Za-z0-9_.-], so a name can never hold a '/' or a
 * control character. 1 if s follows it.
 */
#define HVT_NAME_MAX 31
int hvt_name_ok(const char *s);

/* "Exit status:" and one line per status of retrovisor/exit_status.h, for each tool's --help. */
void hvt_print_exit_statuses(FILE *f);


/* ---- files ------------------------------------------------------------------------------- */
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
