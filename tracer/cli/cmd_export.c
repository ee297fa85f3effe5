/*
 * cmd_export.c - `hvtrace export --xml`: the whole trace as XML, through libxml2's text writer.
 * The element and attribute names are documented in docs/trace-format.md ("XML export").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "retrovisor/hvtool.h"
#include "hvtrace.h"

static void help(FILE *f)
{
	fprintf(f, "usage: hvtrace export --xml [--regs] [--from E] [--to E] [-o OUT] FILE\n\n"
		   "Write the trace as XML (to stdout, or OUT): a <trace> element with the header, the\n"
		   "recorder text, one <vm> per VM configuration and one element per event. --regs adds\n"
		   "every register at each exit. Element names: docs/trace-format.md.\n");
}

#define ATTR(w, name, ...) xmlTextWriterWriteFormatAttribute(w, BAD_CAST(name), __VA_ARGS__)

static void hex_attr(xmlTextWriterPtr w, const char *name, uint64_t v)
{
	ATTR(w, name, "%#llx", (unsigned long long)v);
}

static void write_event(xmlTextWriterPtr w, const struct hvt_event *ev, int regs)
{
	char buf[256];

	switch (ev->type) {
	case HVT_REC_EXIT:
		xmlTextWriterStartElement(w, BAD_CAST "exit");
		break;
	case HVT_REC_VM_START:
		xmlTextWriterStartElement(w, BAD_CAST "vm-start");
		break;
	case HVT_REC_VM_STOP:
		xmlTextWriterStartElement(w, BAD_CAST "vm-stop");
		break;
	case HVT_REC_INJECT:
		xmlTextWriterStartElement(w, BAD_CAST "inject");
		break;
	case HVT_REC_MEMWRITE:
		xmlTextWriterStartElement(w, BAD_CAST "memwrite");
		break;
	case HVT_REC_SWITCH:
		xmlTextWriterStartElement(w, BAD_CAST "switch");
		break;
	case HVT_REC_NOTE:
		xmlTextWriterStartElement(w, BAD_CAST "note");
		break;
	case HVT_REC_POST:
		xmlTextWriterStartElement(w, BAD_CAST "debugger-post");
		break;
	default:
		xmlTextWriterStartElement(w, BAD_CAST "end");
	}
	ATTR(w, "n", "%llu", (unsigned long long)ev->num);
	if (ev->vm != HVT_NO_VMID) {
		ATTR(w, "vm", "%u", ev->vm);
		ATTR(w, "icount", "%llu", (unsigned long long)ev->icount);
	}
	switch (ev->type) {
	case HVT_REC_EXIT:
		ATTR(w, "reason", "%s", hvt_reason_name(ev->reason, buf));
		ATTR(w, "code", "%u", ev->reason);
		hex_attr(w, "rip", ev->regs[HVT_REG_RIP]);
		hex_attr(w, "qual", ev->qual);
		if (ev->has_gpa)
			hex_attr(w, "gpa", ev->gpa);
		ATTR(w, "len", "%u", ev->insn_len);
		format_exit_detail(buf, sizeof(buf), ev);
		if (buf[0])
			ATTR(w, "detail", "%s", buf);
		if (regs) {
			xmlTextWriterStartElement(w, BAD_CAST "regs");
			for (unsigned i = 0; i < HVT_NREGS; i++)
				hex_attr(w, hvt_reg_name(i, buf), ev->regs[i]);
			xmlTextWriterEndElement(w);
		}
		if (ev->post_mask) {
			xmlTextWriterStartElement(w, BAD_CAST "post");
			for (unsigned b = 0; b < HVT_POST_NVALS; b++)
				if (ev->post_mask >> b & 1)
					hex_attr(w, hvt_post_name(b, buf), ev->post[b]);
			xmlTextWriterEndElement(w);
		}
		break;
	case HVT_REC_VM_START:
		hex_attr(w, "rip", ev->start->rip);
		hex_attr(w, "rflags", ev->start->rflags);
		hex_attr(w, "cr0", ev->start->cr0);
		hex_attr(w, "cr3", ev->start->cr3);
		hex_attr(w, "cr4", ev->start->cr4);
		hex_attr(w, "efer", ev->start->efer);
		break;
	case HVT_REC_VM_STOP:
		ATTR(w, "reason", "%s", hvt_stop_reason_name(ev->stop_why, buf));
		hex_attr(w, "status", ev->status);
		hex_attr(w, "detail", ev->detail);
		break;
	case HVT_REC_INJECT:
		ATTR(w, "vector", "%u", vmx_intr_vector(ev->inject_info));
		hex_attr(w, "info", ev->inject_info);
		hex_attr(w, "error-code", ev->inject_err);
		break;
	case HVT_REC_MEMWRITE:
		hex_attr(w, "gpa", ev->gpa);
		ATTR(w, "len", "%u", ev->len);
		xmlTextWriterWriteBinHex(w, (const char *)ev->data, 0, (int)ev->len);
		break;
	case HVT_REC_SWITCH:
		ATTR(w, "to", "%u", ev->target);
		break;
	case HVT_REC_NOTE: {
		/* XML 1.0 cannot carry control characters, and the file must be valid UTF-8: the
		 * sanitizer leaves printable ASCII only (the writer escapes & < >). */
		size_t n = (size_t)ev->len * 4 + 1;
		char *t = malloc(n);
		if (t)
			xmlTextWriterWriteString(w, BAD_CAST hvt_sanitize(t, n, ev->data, ev->len, 0));
		free(t);
		break;
	}
	case HVT_REC_END:
		hex_attr(w, "status", ev->status);
		break;
	case HVT_REC_POST:
		for (unsigned b = 0; b < HVT_POST_NVALS; b++)
			if (ev->post_mask >> b & 1)
				hex_attr(w, hvt_post_name(b, buf), ev->post[b]);
		break;
	}
	xmlTextWriterEndElement(w);
}

static void write_head(xmlTextWriterPtr w, struct hvt_reader *r, const char *path)
{
	const struct hvt_reader_info *in = hvt_reader_info(r);
	struct hvt_err err;
	uint8_t *d;
	size_t n;
	int i;

	char text[4096];

	xmlTextWriterStartElement(w, BAD_CAST "trace");
	ATTR(w, "file", "%s", hvt_sanitize_str(text, sizeof(text), path));
	ATTR(w, "version", "%u.%u", in->hdr.major, in->hdr.minor);
	ATTR(w, "events", "%llu", (unsigned long long)in->nevents);
	ATTR(w, "chunks", "%zu", in->nchunks);
	ATTR(w, "complete", "%s", in->hdr.flags & HVT_FILE_COMPLETE ? "yes" : "no");
	if (in->truncated)
		ATTR(w, "truncated-at", "%llu", (unsigned long long)in->truncated_at);
	if ((i = hvt_reader_section_find(r, HVT_SEC_RECORDER, HVT_NO_VM)) >= 0 &&
	    !hvt_reader_section_load(r, (uint32_t)i, 1 << 20, &d, &n, &err)) {
		/* the recorder's lines stay lines; everything else in them goes through the sanitizer */
		char *t = malloc(n * 4 + 1);
		size_t o = 0;
		for (size_t a = 0; t && a < n; a++) {
			if (d[a] == '\n')
				t[o++] = '\n';
			else
				o += strlen(hvt_sanitize(t + o, 5, d + a, 1, 0));
		}
		if (t) {
			t[o] = 0;
			xmlTextWriterWriteElement(w, BAD_CAST "recorder", BAD_CAST t);
		}
		free(t);
		free(d);
	}
	for (uint32_t k = 0; k < hvt_reader_nsections(r); k++) {
		struct hvt_vm_config c;
		char name[33], safe[33 * 4 + 1];
		if (hvt_reader_section(r, k)->type != HVT_SEC_VM_CONFIG ||
		    hvt_reader_section_struct(r, k, &c, sizeof(c), &err))
			continue;
		memcpy(name, c.name, 32);
		name[32] = 0;
		xmlTextWriterStartElement(w, BAD_CAST "vm");
		ATTR(w, "id", "%u", c.id);
		ATTR(w, "name", "%s", hvt_sanitize_str(safe, sizeof(safe), name));
		ATTR(w, "mode", "%u", c.mode);
		ATTR(w, "mem", "%llu", (unsigned long long)c.mem_size);
		hex_attr(w, "entry", c.entry);
		xmlTextWriterEndElement(w);
	}
}

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx, (void)msg;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "xml", no_argument, 0, 'x' },        { "regs", no_argument, 0, 'R' },
		{ "from", required_argument, 0, 'f' }, { "to", required_argument, 0, 't' },
		{ "output", required_argument, 0, 'o' }, { "help", no_argument, 0, 'h' },
		{ 0 },
	};
	int c, xml = 0, regs = 0, rc, st;
	uint64_t from = 0, to = UINT64_MAX;
	const char *out = "-";
	struct hvt_out o = { 0 };
	struct hvt_reader *r;
	struct hvt_event ev;
	struct hvt_err err = { 0 };
	xmlTextWriterPtr w;

	while ((c = getopt_long(argc, argv, "xRf:t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return 0;
		case 'x':
			xml = 1;
			break;
		case 'R':
			regs = 1;
			break;
		case 'f':
			if (parse_u64("export", "--from", optarg, UINT64_MAX, &from))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_u64("export", "--to", optarg, UINT64_MAX, &to))
				return EXIT_USAGE;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (!xml) {
		help(stderr);
		return EXIT_USAGE;
	}
	if (from > to) {
		fprintf(stderr, "hvtrace export: --from %llu is after --to %llu: nothing to export\n",
			(unsigned long long)from, (unsigned long long)to);
		return EXIT_USAGE;
	}
	if ((rc = open_file_arg(argc, argv, help, &r, 0)))
		return rc;
	/* -o: a temporary file beside OUT, renamed over it only when all went well */
	if ((rc = output_open("export", out, &o))) {
		hvt_reader_close(r);
		return rc;
	}
	/* libxml2 would print its own "I/O error" lines before ours: errors are said once, here */
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlOutputBufferPtr ob = xmlOutputBufferCreateFile(output_file(&o), NULL);
	if (!ob || !(w = xmlNewTextWriter(ob))) {
		fprintf(stderr, "hvtrace export: out of memory\n");
		if (ob)
			xmlOutputBufferClose(ob);
		output_close("export", &o, 0);
		hvt_reader_close(r);
		return EXIT_IOERR;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	write_head(w, r, argv[optind]);
	xmlTextWriterStartElement(w, BAD_CAST "events");
	st = from ? hvt_reader_seek(r, from, &err) : HVT_OK;
	while (st == HVT_OK && (st = hvt_reader_next_event(r, &ev, &err)) == HVT_OK && ev.num <= to)
		write_event(w, &ev, regs);
	if (st < 0) /* a read error stops the export and is said; the partial OUT is not kept */
		fprintf(stderr, "hvtrace: %s\n", err.msg);
	xmlTextWriterEndDocument(w);
	int werr = xmlTextWriterFlush(w) < 0;
	xmlFreeTextWriter(w); /* closes the output buffer, not the FILE */
	if (output_close("export", &o, st >= 0 && !werr))
		st = HVT_EIO;
	if (werr && st >= 0) {
		if (strcmp(out, "-")) /* stdout: said by hvt_finish_stdout */
			fprintf(stderr, "hvtrace export: writing %s failed\n", out);
		st = HVT_EIO;
	}
	hvt_reader_close(r);
	xmlCleanupParser();
	return st < 0 ? exit_code(st) : 0;
}
