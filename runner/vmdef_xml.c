/*
 * vmdef_xml.c - the libxml2 side of VM definitions: read a file, parse it safely, validate it
 * against the embedded schema, and turn every libxml2 error into "FILE:LINE: <element>: what".
 *
 * A definition names files (images, included domains) but must never make the parser fetch
 * anything by itself. So: the bytes are read here and parsed from memory with XML_PARSE_NONET
 * and without XML_PARSE_NOENT / XML_PARSE_DTDLOAD; a DOCTYPE stops the parse (no DTD, no
 * entity of any kind, hence no XXE and no "billion laughs"); and while parsing, libxml2's
 * external entity loader is replaced by one that refuses every URL and file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "retrovisor/hvtool.h"
#include "vmdef.h"

struct reader {
	struct vmdef_diag *d;
	const char *file;
	int doctype; /* a DOCTYPE was seen and refused */
};

void vmdef_error(struct vmdef_diag *d, const char *file, long line, const char *elem, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = 0;

	d->nerrors++;
	size_t room = sizeof(d->text) - d->len;
	if (room < 5)
		return;
	int w;
	if (line > 0 && elem)
		w = snprintf(d->text + d->len, room, "%s:%ld: <%s>: %s\n", file, line, elem, msg);
	else if (line > 0)
		w = snprintf(d->text + d->len, room, "%s:%ld: %s\n", file, line, msg);
	else
		w = snprintf(d->text + d->len, room, "%s: %s\n", file, msg);
	if (w < 0 || (size_t)w >= room) {
		d->len = sizeof(d->text) - 5;
		memcpy(d->text + d->len, "...\n", 5);
		d->len += 4;
	} else {
		d->len += (size_t)w;
	}
}

/* "Element 'memory', attribute 'unit': The value ..." -> elem "memory", rest ", attribute ...". */
static void report(struct reader *rd, const xmlError *e, const char *elem)
{
	const char *msg = e->message ? e->message : "error";
	long line = e->line;
	const xmlNode *node = e->node;
	char name[128];

	if (!strncmp(msg, "Element '", 9)) {
		const char *q = strchr(msg + 9, '\'');
		if (q && (size_t)(q - msg - 9) < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(q - msg - 9), msg + 9);
			elem = name;
			msg = q + 1;
			if (*msg == ':')
				msg++;
			while (*msg == ' ')
				msg++;
		}
	} else if (!elem && node && node->type == XML_ELEMENT_NODE) {
		elem = (const char *)node->name;
	}
	if (line <= 0 && node)
		line = xmlGetLineNo(node);
	if (*msg == ',') /* ", attribute 'unit': ..." reads after the element */
		vmdef_error(rd->d, rd->file, line, NULL, "<%s>%s", elem, msg);
	else
		vmdef_error(rd->d, rd->file, line, elem, "%s", msg);
}

/* Parser errors: the element being parsed is the one that was open when things went wrong. */
static void on_parse_error(void *data, xmlErrorPtr e)
{
	struct reader *rd = data;
	if (e->level < XML_ERR_ERROR || (rd->doctype && e->code == XML_ERR_USER_STOP))
		return;
	const xmlParserCtxt *ctxt = e->ctxt;
	report(rd, e, ctxt && ctxt->name ? (const char *)ctxt->name : NULL);
}

static void on_schema_error(void *data, xmlErrorPtr e)
{
	struct reader *rd = data;
	if (e->level >= XML_ERR_ERROR)
		report(rd, e, NULL);
}

/* SAX internalSubset: called for every <!DOCTYPE ...>, before any of its declarations. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct reader *rd = ctxt->_private;
	char elem[96];
	(void)ext_id;
	(void)sys_id;
	snprintf(elem, sizeof(elem), "!DOCTYPE %.80s", name ? (const char *)name : "");
	vmdef_error(rd->d, rd->file, xmlSAX2GetLineNumber(ctx), elem,
		    "DOCTYPE declarations are not allowed in VM definitions (no DTDs, no entities)");
	rd->doctype = 1;
	xmlStopParser(ctxt);
}

static xmlParserInputPtr refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)id;
	struct reader *rd = ctxt ? ctxt->_private : NULL;
	if (rd && !rd->doctype)
		vmdef_error(rd->d, rd->file, ctxt->input ? ctxt->input->line : 0, ctxt->name ? (const char *)ctxt->name : NULL,
			    "refusing to load '%s': definitions may not reference URLs or other files",
			    url ? url : "(unnamed)");
	return NULL;
}

static char *read_all(const char *path, size_t *len, const char *from_file, int from_line, struct vmdef_diag *d)
{
	struct hvt_err err = {0};
	uint8_t *buf;

	/* the message starts with the path: said once */
	if (hvt_read_input(path, "VM definitions", VMDEF_FILE_MAX, 1, &buf, len, &err)) {
		if (from_file)
			vmdef_error(d, from_file, from_line, "include", "cannot read %s", err.msg);
		else
			vmdef_error(d, path, 0, NULL, "cannot read VM definition: %s",
				    err.msg + (strncmp(err.msg, path, strlen(path)) ? 0 : strlen(path) + 2));
		return NULL;
	}
	return (char *)buf;
}

static int validate(xmlDocPtr doc, struct reader *rd)
{
	int errors = rd->d->nerrors, rc = -1;
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(vmdef_xsd, (int)(vmdef_xsd_end - vmdef_xsd));
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vc = NULL;
	struct reader schema_rd = {rd->d, "retrovisor.xsd (embedded)", 0};

	if (pc) {
		xmlSchemaSetParserStructuredErrors(pc, on_schema_error, &schema_rd);
		schema = xmlSchemaParse(pc);
	}
	if (schema && (vc = xmlSchemaNewValidCtxt(schema))) {
		xmlSchemaSetValidStructuredErrors(vc, on_schema_error, rd);
		rc = xmlSchemaValidateDoc(vc, doc);
	}
	if (rc != 0 && rd->d->nerrors == errors)
		vmdef_error(rd->d, rd->file, 0, NULL, rc < 0 ? "the embedded schema could not be loaded" : "does not match the schema");
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc == 0 ? 0 : -1;
}

xmlDocPtr vmdef_xml_read(const char *path, const char *from_file, int from_line, struct vmdef_diag *d)
{
	size_t len;
	char *buf = read_all(path, &len, from_file, from_line, d);
	if (!buf)
		return NULL;

	struct reader rd = {d, path, 0};
	int errors = d->nerrors;
	xmlDocPtr doc = NULL;
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlExternalEntityLoader old_loader = xmlGetExternalEntityLoader();
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_serror_ctx = xmlStructuredErrorContext;

	if (!ctxt) {
		vmdef_error(d, path, 0, NULL, "out of memory");
		free(buf);
		return NULL;
	}
	ctxt->_private = &rd;
	ctxt->sax->internalSubset = on_doctype;
	xmlSetExternalEntityLoader(refuse_loader);
	xmlSetStructuredErrorFunc(&rd, on_parse_error);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, path, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	int well_formed = ctxt->wellFormed;
	xmlSetStructuredErrorFunc(old_serror_ctx, old_serror);
	xmlFreeParserCtxt(ctxt);
	free(buf);

	if (doc && (rd.doctype || !well_formed || d->nerrors > errors)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc && d->nerrors == errors)
		vmdef_error(d, path, 0, NULL, "not well-formed XML");
	/* The loader still refuses: an xsi:schemaLocation hint must not fetch anything either. */
	if (doc && validate(doc, &rd)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlSetExternalEntityLoader(old_loader);
	return doc;
}
