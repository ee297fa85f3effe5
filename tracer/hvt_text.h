/*
 * hvt_text.h - text that crosses the boundary of a host tool: numbers on the command line, and
 * strings taken from a trace or a guest before they reach a terminal or an XML file.
 */
#ifndef TRACER_HVT_TEXT_H
#define TRACER_HVT_TEXT_H

#include <stddef.h>
#include <stdint.h>

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
#include <stdio.h>
void hvt_print_exit_statuses(FILE *f);

#endif
