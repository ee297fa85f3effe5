/*
 * vmdef.h - VM definitions in XML: a <domain> file is one VM, a <system> file several
 * (docs/vm-definitions.md). Every file is parsed without network, DTDs or entities, validated
 * against the schema embedded in hvrun (runner/schema/retrovisor.xsd), then checked for what a
 * schema cannot say. The VMs land in struct run, ready for run_prepare().
 *
 *   vmdef_load       (vmdef.c)      one file's VMs, appended to the run's table
 *   vmdef_xml_read   (vmdef_xml.c)  bytes -> parsed, validated tree, or messages
 *
 * Every message is one line "FILE:LINE: <element>: what", collected in a struct vmdef_diag.
 */
#ifndef RUNNER_VMDEF_H
#define RUNNER_VMDEF_H

#include <stddef.h>

#include "run.h"

#define VMDEF_FILE_MAX (1u << 20) /* a definition file larger than this is refused */

struct vmdef_diag {
	char text[8192]; /* the messages, one a line; cut short (with "...") when full */
	size_t len;
	int nerrors;
};

/* The definitions in PATH, appended to R's VMs. 0, or -1 with the reasons in D. */
int vmdef_load(struct run *r, const char *path, struct vmdef_diag *d);

/* After every file: resolve each <bus>'s names to VM ids (a name may be a VM of a later file).
 * 0, or -1 with the reasons in D. */
int vmdef_resolve_bus(struct run *r, struct vmdef_diag *d);

/* Does this command-line argument name a definition (*.xml) rather than a guest image? */
int vmdef_is_definition(const char *arg);

/* The schema, embedded at build time (vmdef_schema.S). */
extern const char vmdef_xsd[];
extern const char vmdef_xsd_end[];

/* Internal to vmdef*.c. */
struct _xmlDoc;
struct _xmlDoc *vmdef_xml_read(const char *path, const char *from_file, int from_line, struct vmdef_diag *d);
void vmdef_error(struct vmdef_diag *d, const char *file, long line, const char *elem, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
