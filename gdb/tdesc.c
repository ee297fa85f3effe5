/*
 * tdesc.c - the target descriptions (GDB manual, appendix G "Target Descriptions") and register
 * offsets generated from the one register list, gdb/regs_desc.h. Freestanding (the hypervisor's
 * stub serves the same XML): no libc, static buffers built on first use.
 */
#include "regs_desc.h"

static const struct gdb_reg_desc amd64_regs[] = {
#define GDB_DESC(name, bits, type, group, feat, src) {name, bits, type, group, feat, src},
	GDB_AMD64_REGS(GDB_DESC)
};
static const struct gdb_reg_desc i386_regs[] = {
	GDB_I386_REGS(GDB_DESC)
#undef GDB_DESC
};

static const char *const feature_names[GDB_NFEATS] = {
	[GDB_FEAT_CORE] = "org.gnu.gdb.i386.core",
	[GDB_FEAT_SSE] = "org.gnu.gdb.i386.sse",
	[GDB_FEAT_SEGMENTS] = "org.gnu.gdb.i386.segments",
	[GDB_FEAT_SYS] = "org.retrovisor.sys",
};

const struct gdb_reg_desc *gdb_regs(enum gdb_layout l, unsigned *n)
{
	if (l == GDB_LAYOUT_AMD64) {
		*n = sizeof(amd64_regs) / sizeof(amd64_regs[0]);
		return amd64_regs;
	}
	*n = sizeof(i386_regs) / sizeof(i386_regs[0]);
	return i386_regs;
}

unsigned gdb_reg_offset(enum gdb_layout l, unsigned i)
{
	unsigned n, off = 0;
	const struct gdb_reg_desc *r = gdb_regs(l, &n);
	for (unsigned k = 0; k < i && k < n; k++)
		off += r[k].bits / 8;
	return off;
}

unsigned gdb_regs_size(enum gdb_layout l)
{
	unsigned n;
	gdb_regs(l, &n);
	return gdb_reg_offset(l, n);
}

const char *gdb_arch_name(enum gdb_layout l)
{
	return l == GDB_LAYOUT_AMD64 ? "i386:x86-64" : "i386";
}

struct sbuf {
	char *p;
	size_t cap, len;
};

static void put(struct sbuf *b, const char *s)
{
	while (*s) {
		if (b->len + 1 < b->cap)
			b->p[b->len++] = *s;
		s++;
	}
	b->p[b->len < b->cap ? b->len : b->cap - 1] = 0;
}

static void put_uint(struct sbuf *b, unsigned v)
{
	char d[12];
	int i = 11;
	d[i] = 0;
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, d + i);
}

static size_t build(enum gdb_layout l, const char *arch, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0};
	unsigned n;
	const struct gdb_reg_desc *r = gdb_regs(l, &n);
	int feat = -1;
	put(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
		"<architecture>");
	put(&b, arch);
	put(&b, "</architecture>\n<osabi>none</osabi>\n"); /* a bare machine, not GNU/Linux */
	for (unsigned i = 0; i < n; i++) {
		if (r[i].feature != feat) {
			if (feat >= 0)
				put(&b, "</feature>\n");
			feat = r[i].feature;
			put(&b, "<feature name=\"");
			put(&b, feature_names[feat]);
			put(&b, "\">\n");
		}
		put(&b, "<reg name=\"");
		put(&b, r[i].name);
		put(&b, "\" bitsize=\"");
		put_uint(&b, r[i].bits);
		put(&b, "\" type=\"");
		put(&b, r[i].type);
		put(&b, "\" group=\"");
		put(&b, r[i].group);
		put(&b, "\" regnum=\"");
		put_uint(&b, i);
		put(&b, "\"/>\n");
	}
	put(&b, "</feature>\n</target>\n");
	return b.len;
}

const char *gdb_tdesc(enum gdb_layout l, size_t *len)
{
	static char xml[2][12288];
	static size_t xml_len[2];
	unsigned k = l == GDB_LAYOUT_AMD64;
	if (!xml_len[k])
		xml_len[k] = build(l, gdb_arch_name(l), xml[k], sizeof(xml[k]));
	*len = xml_len[k];
	return xml[k];
}

enum gdb_layout gdb_arch_layout(enum gdb_arch a)
{
	return a == GDB_ARCH_X86_64 ? GDB_LAYOUT_AMD64 : GDB_LAYOUT_I386;
}

const char *gdb_arch_bfd_name(enum gdb_arch a)
{
	return a == GDB_ARCH_X86_64 ? "i386:x86-64" : a == GDB_ARCH_I386 ? "i386" : "i8086";
}

const char *gdb_tdesc_arch(enum gdb_arch a, size_t *len)
{
	static char xml[GDB_NARCHS][12288];
	static size_t xml_len[GDB_NARCHS];
	unsigned k = (unsigned)a < GDB_NARCHS ? (unsigned)a : GDB_ARCH_X86_64;
	if (!xml_len[k])
		xml_len[k] = build(gdb_arch_layout(k), gdb_arch_bfd_name(k), xml[k], sizeof(xml[k]));
	*len = xml_len[k];
	return xml[k];
}
