/*
 * vmdef.c - from a validated definition tree to VMs: defaults, numbers, paths relative to the
 * file, images, and the checks a schema cannot express (unique names, the image fits in
 * memory above its load address, the entry is inside memory and, in real mode, below 64 KiB,
 * at most HVT_MAX_VMS VMs). The schema has already fixed which elements exist, their order
 * and their lexical form, so this file trusts the shape and checks only the values.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <libxml/tree.h>

#include "retrovisor/hvtool.h"
#include "vmdef.h"

struct ctx {
	struct run *r;
	struct vmdef_diag *d;
	const char *file; /* the definition being read */
	char dir[4096];   /* its folder: relative paths start here */
};

#define ERR(c, node, ...) vmdef_error((c)->d, (c)->file, xmlGetLineNo(node), (const char *)(node)->name, __VA_ARGS__)

int vmdef_is_definition(const char *arg)
{
	size_t n = strlen(arg);
	return n > 4 && !strcmp(arg + n - 4, ".xml");
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}

/* An attribute's or element's text, trimmed (the schema's xs:token allows the blanks). */
static char *text(xmlNodePtr node, const char *attr)
{
	xmlChar *raw = attr ? xmlGetProp(node, (const xmlChar *)attr) : xmlNodeGetContent(node);
	if (!raw)
		return NULL;
	const char *s = (const char *)raw;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	char *out = strndup(s, n);
	xmlFree(raw);
	return out;
}

/*
 * A number as the schema's "number" type writes it: decimal, or hex with 0x, read by the parser
 * every command-line option uses (retrovisor/hvtool.h). 1: absent, 0: read, -1: error given.
 */
static int number(struct ctx *c, xmlNodePtr node, const char *attr, uint64_t *out)
{
	char *s = text(node, attr), why[256];
	if (!s)
		return 1;
	int rc = hvt_parse_num(attr ? attr : "value", s, 0, UINT64_MAX, 0, out, why, sizeof(why));
	if (rc)
		ERR(c, node, "%s", why);
	free(s);
	return rc;
}

static int network_path(const char *p)
{
	const char *colon = strstr(p, "://");
	return colon != NULL;
}

/* PATH as written in the definition, made relative to the definition's folder. */
static char *resolve(struct ctx *c, const char *p)
{
	char *out;
	if (p[0] == '/' || !strcmp(c->dir, "."))
		out = strdup(p);
	else if (asprintf(&out, "%s/%s", c->dir, p) < 0)
		out = NULL;
	return out;
}

static int check_name(struct ctx *c, xmlNodePtr node, const char *name)
{
	const struct run *r = c->r;
	for (int i = 0; i < r->nvms; i++)
		if (!strcmp(r->vm[i].cfg.name, name)) {
			ERR(c, node, "VM name '%s' is already used by VM %d (%s:%d)", name, i,
			    r->vm[i].def_file ? r->vm[i].def_file : "command line", r->vm[i].def_line);
			return -1;
		}
	return 0;
}

static int load_memory(struct ctx *c, xmlNodePtr node, uint64_t *mem)
{
	uint64_t v;
	if (number(c, node, NULL, &v))
		return -1;
	char *unit = text(node, "unit");
	unsigned shift = !unit || !strcmp(unit, "KiB") ? 10 : !strcmp(unit, "MiB") ? 20 : 30;
	free(unit);
	if (v > RUN_VM_MEM_MAX >> shift || (v << shift) < RUN_VM_MEM_MIN) {
		ERR(c, node, "%llu %s is outside 64 KiB..1 GiB", (unsigned long long)v,
		    shift == 10 ? "KiB" : shift == 20 ? "MiB" : "GiB");
		return -1;
	}
	*mem = v << shift;
	if (*mem & 0xfff) {
		ERR(c, node, "%llu KiB is not a multiple of 4 KiB (EPT maps whole pages)", (unsigned long long)(*mem >> 10));
		return -1;
	}
	return 0;
}

static int load_image(struct ctx *c, xmlNodePtr node, struct run_vm *v)
{
	char *p = text(node, NULL);
	struct hvt_err err = {0};
	int rc = -1;

	if (!p)
		return -1;
	if (network_path(p)) {
		ERR(c, node, "'%s' is a network reference; an image must be a local file", p);
		free(p);
		return -1;
	}
	v->image_path = resolve(c, p);
	free(p);
	if (!v->image_path)
		ERR(c, node, "out of memory");
	else if (hvt_read_input(v->image_path, "guest images", v->cfg.mem_size, 0, &v->image, &v->image_size, &err))
		ERR(c, node, "cannot open guest image %s", err.msg);
	else
		rc = 0;
	return rc;
}

static int load_devices(struct ctx *c, xmlNodePtr devices, struct run_vm *v)
{
	xmlNodePtr input = child(child(devices, "serial"), "input");
	if (child(devices, "timer"))
		v->cfg.flags |= HVT_VM_PIT; /* model="pit", the only one the schema allows */
	if (!input)
		return 0;
	xmlChar *s = xmlNodeGetContent(input); /* verbatim: blanks and line breaks are input too */
	size_t n = s ? strlen((const char *)s) : 0;
	int rc = 0;
	if (n > RUN_INPUT_MAX) {
		ERR(c, input, "%zu bytes of input is more than the %d a VM may have", n, RUN_INPUT_MAX);
		rc = -1;
	} else if (n > 0) {
		v->input = malloc(n);
		if (v->input)
			memcpy(v->input, s, n), v->input_size = n;
	}
	xmlFree(s);
	return rc;
}

/* <bus>: the names of the VMs it may send to, kept for run_prepare to resolve (a name may be a
 * VM of a later file). No <bus>: every VM; an empty <bus/>: none. */
static int load_bus(struct ctx *c, xmlNodePtr bus, struct run_vm *v)
{
	if (!bus)
		return 0;
	size_t len = 0;
	v->bus_line = (int)xmlGetLineNo(bus);
	if (!(v->bus_send = calloc(1, 1)))
		return -1;
	for (xmlNodePtr n = bus->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		char *to = text(n, "to"), *p;
		if (!to)
			continue; /* the schema requires it */
		if (!(p = realloc(v->bus_send, len + strlen(to) + 2))) {
			free(to);
			ERR(c, n, "out of memory");
			return -1;
		}
		v->bus_send = p;
		len += (size_t)sprintf(p + len, "%s\n", to);
		free(to);
	}
	return 0;
}

/* The addresses: load (default by mode), entry (default: load); both inside memory. */
static int load_os(struct ctx *c, xmlNodePtr os, struct run_vm *v)
{
	xmlNodePtr image = child(os, "image"), entry = child(os, "entry");
	uint64_t load = 0, addr = 0;
	char *mode = entry ? text(entry, "mode") : NULL;
	int pm32 = mode && !strcmp(mode, "pm32");
	free(mode);

	v->cfg.mode = pm32 ? HVT_MODE_PROT32 : HVT_MODE_REAL;
	int rl = number(c, image, "load", &load);
	int ra = entry ? number(c, entry, "address", &addr) : 1;
	if (rl < 0 || ra < 0)
		return -1;
	if (rl)
		load = pm32 ? 0x10000 : 0x7c00;
	if (ra)
		addr = load;
	v->cfg.load_addr = load;
	v->cfg.entry = addr;
	if (load_image(c, image, v))
		return -1;
	if (load >= v->cfg.mem_size || v->image_size > v->cfg.mem_size - load) {
		ERR(c, image, "guest image %s (%zu bytes) does not fit at %#llx in %llu KiB of memory", v->image_path,
		    v->image_size, (unsigned long long)load, (unsigned long long)(v->cfg.mem_size >> 10));
		return -1;
	}
	xmlNodePtr at = entry ? entry : image;
	if (addr >= v->cfg.mem_size) {
		ERR(c, at, "entry %#llx is outside the VM's %llu KiB of memory", (unsigned long long)addr,
		    (unsigned long long)(v->cfg.mem_size >> 10));
		return -1;
	}
	if (!pm32 && addr > 0xffff) {
		ERR(c, at, "entry %#llx: a real-mode VM starts at CS=0, so its entry must be below 64 KiB",
		    (unsigned long long)addr);
		return -1;
	}
	return 0;
}

static int load_domain(struct ctx *c, xmlNodePtr dom)
{
	struct run *r = c->r;
	if (r->nvms == HVT_MAX_VMS) {
		ERR(c, dom, "more than %d VMs", HVT_MAX_VMS);
		return -1;
	}
	struct run_vm *v = &r->vm[r->nvms];
	xmlNodePtr name = child(dom, "name"), cpu = child(dom, "cpu"), limit = child(dom, "limit");
	char *s = text(name, NULL);
	int rc = 0;

	memset(v, 0, sizeof(*v));
	r->nvms++; /* from here on, run_free_vms() owns what v holds */
	v->def_file = strdup(c->file);
	v->def_line = (int)xmlGetLineNo(dom);
	v->cfg.id = (uint32_t)(r->nvms - 1);
	if (!s || strlen(s) >= sizeof(v->cfg.name) || check_name(c, name, s))
		rc = -1;
	else
		memcpy(v->cfg.name, s, strlen(s) + 1);
	free(s);
	if (load_memory(c, child(dom, "memory"), &v->cfg.mem_size))
		return -1;
	uint64_t megs = RUN_HV_MEGS; /* as write_bochsrc() counts */
	for (int i = 0; i < r->nvms; i++)
		megs += (r->vm[i].cfg.mem_size + (1 << 20) - 1) >> 20;
	if (megs > RUN_BOCHS_MEGS_MAX) {
		ERR(c, child(dom, "memory"), "the VMs' memory adds up to %llu MiB; Bochs gives them at most %d",
		    (unsigned long long)(megs - RUN_HV_MEGS), RUN_BOCHS_MEGS_MAX - RUN_HV_MEGS);
		return -1;
	}
	v->cfg.weight = 1;
	if (cpu && (s = text(cpu, "weight"))) {
		v->cfg.weight = (uint32_t)strtoul(s, NULL, 10); /* 1..1000, the schema says */
		free(s);
	}
	if (limit && number(c, limit, "instructions", &v->cfg.insn_limit) == 0 && v->cfg.insn_limit == 0) {
		ERR(c, limit, "instructions='0': a limit is at least 1 (leave <limit> out for none)");
		rc = -1;
	}
	if (load_os(c, child(dom, "os"), v) || load_devices(c, child(dom, "devices"), v) || load_bus(c, child(dom, "bus"), v))
		return -1;
	v->cfg.image_size = v->image_size;
	v->cfg.image_crc = (uint32_t)crc32(0, v->image, (uInt)v->image_size);
	return rc;
}

static int load_file(struct run *r, const char *path, const char *from_file, int from_line, const char *want,
		     struct vmdef_diag *d);

static int load_system(struct ctx *c, xmlNodePtr sys)
{
	uint64_t limit;
	int rc = 0, nr = number(c, sys, "instructions", &limit);
	if (nr < 0)
		rc = -1;
	else if (nr == 0 && limit == 0)
		ERR(c, sys, "instructions='0': a limit is at least 1 (leave it out for none)"), rc = -1;
	else if (nr == 0 && c->r->insn_limit && c->r->insn_limit != limit)
		ERR(c, sys, "instructions='%llu' contradicts the %llu set by an earlier file", (unsigned long long)limit,
		    (unsigned long long)c->r->insn_limit), rc = -1;
	else if (nr == 0)
		c->r->insn_limit = limit;

	for (xmlNodePtr n = sys->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, "domain")) {
			if (load_domain(c, n))
				rc = -1;
		} else if (!strcmp((const char *)n->name, "include")) {
			char *f = text(n, "file"), *p = NULL;
			if (f && network_path(f))
				ERR(c, n, "file='%s' is a network reference; an include must be a local file", f), rc = -1;
			else if (!f || !(p = resolve(c, f)) ||
				 load_file(c->r, p, c->file, (int)xmlGetLineNo(n), "domain", c->d))
				rc = -1;
			free(f);
			free(p);
		}
		if (c->r->nvms == HVT_MAX_VMS && rc)
			break; /* "more than 16 VMs" once is enough */
	}
	return rc;
}

/* WANT: the root an included file must have (NULL: any). */
static int load_file(struct run *r, const char *path, const char *from_file, int from_line, const char *want,
		     struct vmdef_diag *d)
{
	struct ctx c = {r, d, path, ""};
	char tmp[sizeof(c.dir)];
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(c.dir, sizeof(c.dir), "%s", dirname(tmp));

	xmlDocPtr doc = vmdef_xml_read(path, from_file, from_line, d);
	if (!doc)
		return -1;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int rc;
	if (want && strcmp((const char *)root->name, want)) {
		vmdef_error(d, from_file, from_line, "include", "%s holds a <%s>; an included file holds one <%s>", path,
			    (const char *)root->name, want);
		rc = -1;
	} else if (!strcmp((const char *)root->name, "system")) {
		rc = load_system(&c, root);
	} else {
		rc = load_domain(&c, root);
	}
	xmlFreeDoc(doc);
	return rc;
}

int vmdef_load(struct run *r, const char *path, struct vmdef_diag *d)
{
	int before = d->nerrors;
	int rc = load_file(r, path, NULL, 0, NULL, d);
	return rc || d->nerrors > before ? -1 : 0;
}

int vmdef_resolve_bus(struct run *r, struct vmdef_diag *d)
{
	int before = d->nerrors;
	for (int i = 0; i < r->nvms; i++) {
		struct run_vm *v = &r->vm[i];
		v->send_to = 0;
		for (const char *s = v->bus_send; s && *s;) {
			size_t n = strcspn(s, "\n");
			int j = 0;
			while (j < r->nvms && !(strlen(r->vm[j].cfg.name) == n && !strncmp(r->vm[j].cfg.name, s, n)))
				j++;
			if (j == r->nvms)
				vmdef_error(d, v->def_file, v->bus_line, "bus", "<send to='%.*s'> names no VM of this run", (int)n, s);
			else
				v->send_to |= 1u << j;
			s += n + (s[n] == '\n');
		}
	}
	return d->nerrors > before ? -1 : 0;
}
