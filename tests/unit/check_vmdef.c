/*
 * check_vmdef.c - VM definitions in XML (runner/vmdef*.c): valid files become the VMs they
 * describe (one, several, includes from another folder, several files); every kind of bad
 * input is refused with a message that names the file, the line and the element: malformed
 * XML, schema violations, bad numbers, names, memory, images, entries, DOCTYPEs and entities,
 * network references. Also the escapes of --input (run_unescape).
 *
 * The fixtures (tests/data/vmdef/) are copied to a temporary folder, where the guest images
 * they name are written: tiny.bin (16 bytes), big.bin (70 KiB), empty.bin.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdef.h"
#include "check_run.h"
#include "check_tmp.h"

static void write_file(const char *name, size_t size)
{
	FILE *f = fopen(tpath(name), "wb");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < size; i++)
		fputc(0xf4, f); /* HLT */
	fclose(f);
}

static void setup(void)
{
	const char *src = getenv("VMDEF_DATA") ? getenv("VMDEF_DATA") : "tests/data/vmdef";
	tmp_setup();
	ck_assert_int_eq(tmp_copy_tree(src), 0);
	write_file("tiny.bin", 16);
	write_file("big.bin", 70 << 10);
	write_file("empty.bin", 0);
}

static struct run r;
static struct vmdef_diag d;

static int load(const char *name)
{
	return vmdef_load(&r, tpath(name), &d);
}

static void reset(void)
{
	run_free_vms(&r);
	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
}

START_TEST(one_domain_every_element)
{
	reset();
	ck_assert_msg(load("one.xml") == 0, "%s", d.text);
	ck_assert_int_eq(r.nvms, 1);
	const struct run_vm *v = &r.vm[0];
	ck_assert_str_eq(v->cfg.name, "full.vm-1");
	ck_assert_uint_eq(v->cfg.id, 0);
	ck_assert_uint_eq(v->cfg.mem_size, 2u << 20);
	ck_assert_uint_eq(v->cfg.weight, 3);
	ck_assert_uint_eq(v->cfg.mode, HVT_MODE_REAL);
	ck_assert_uint_eq(v->cfg.load_addr, 0x8000);
	ck_assert_uint_eq(v->cfg.entry, 0x8004);
	ck_assert_uint_eq(v->cfg.image_size, 16);
	ck_assert_uint_eq(v->image_size, 16);
	ck_assert_uint_ne(v->cfg.image_crc, 0);
	ck_assert_uint_eq(v->cfg.insn_limit, 5000000);
	ck_assert_uint_eq(v->cfg.flags, HVT_VM_PIT);
	ck_assert_uint_eq(v->input_size, 10);
	ck_assert_mem_eq(v->input, "help\nquit\n", 10);
	ck_assert_uint_eq(r.insn_limit, 0);
	reset();
}
END_TEST

START_TEST(defaults)
{
	reset();
	ck_assert_msg(load("defaults.xml") == 0, "%s", d.text);
	const struct run_vm *v = &r.vm[0];
	ck_assert_str_eq(v->cfg.name, "minimal");
	ck_assert_uint_eq(v->cfg.mem_size, 256u << 10); /* KiB, as in libvirt */
	ck_assert_uint_eq(v->cfg.weight, 1);
	ck_assert_uint_eq(v->cfg.mode, HVT_MODE_REAL);
	ck_assert_uint_eq(v->cfg.load_addr, 0x7c00);
	ck_assert_uint_eq(v->cfg.entry, 0x7c00);
	ck_assert_uint_eq(v->cfg.flags, 0);
	ck_assert_uint_eq(v->cfg.insn_limit, 0);
	ck_assert_ptr_null(v->input);
	reset();
	ck_assert_msg(load("pm32.xml") == 0, "%s", d.text);
	ck_assert_uint_eq(r.vm[0].cfg.mode, HVT_MODE_PROT32);
	ck_assert_uint_eq(r.vm[0].cfg.load_addr, 0x10000);
	ck_assert_uint_eq(r.vm[0].cfg.entry, 0x10000);
	reset();
}
END_TEST

START_TEST(system_with_include)
{
	reset();
	ck_assert_msg(load("system.xml") == 0, "%s", d.text);
	ck_assert_int_eq(r.nvms, 3);
	ck_assert_str_eq(r.vm[0].cfg.name, "a");
	ck_assert_str_eq(r.vm[1].cfg.name, "b");
	ck_assert_str_eq(r.vm[2].cfg.name, "included"); /* its image is ../tiny.bin from sub/ */
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(r.vm[i].cfg.id, (unsigned)i);
	ck_assert_uint_eq(r.vm[1].cfg.weight, 3);
	ck_assert_uint_eq(r.vm[2].cfg.load_addr, 0x1000);
	ck_assert_uint_eq(r.insn_limit, 1000000);
	ck_assert_ptr_nonnull(strstr(r.vm[2].def_file, "sub/inc.xml"));
	reset();
}
END_TEST

START_TEST(several_files)
{
	reset();
	ck_assert_msg(load("one.xml") == 0 && load("defaults.xml") == 0 && load("sub/inc.xml") == 0, "%s", d.text);
	ck_assert_int_eq(r.nvms, 3);
	ck_assert_uint_eq(r.vm[1].cfg.id, 1);
	ck_assert_str_eq(r.vm[2].cfg.name, "included");
	/* the same domain twice: its name is taken */
	ck_assert_int_eq(load("defaults.xml"), -1);
	ck_assert_ptr_nonnull(strstr(d.text, "defaults.xml:4: <name>: VM name 'minimal' is already used by VM 1"));
	reset();
}
END_TEST

/* <bus>: names resolved once every file is read (a forward name too); no <bus>: every VM. */
START_TEST(bus_policy)
{
	reset();
	ck_assert_msg(load("bus.xml") == 0 && vmdef_resolve_bus(&r, &d) == 0, "%s", d.text);
	ck_assert_int_eq(r.nvms, 3);
	ck_assert_ptr_nonnull(r.vm[0].bus_send);
	ck_assert_uint_eq(r.vm[0].send_to, 1u << 1 | 1u << 2);
	ck_assert_ptr_nonnull(r.vm[1].bus_send); /* <bus/>: nobody */
	ck_assert_uint_eq(r.vm[1].send_to, 0);
	ck_assert_ptr_null(r.vm[2].bus_send); /* no <bus>: everyone */
	ck_assert_int_eq(r.vm[0].bus_line, 8);
	reset();
	ck_assert_msg(load("bad-bus.xml") == 0, "%s", d.text);
	ck_assert_int_eq(vmdef_resolve_bus(&r, &d), -1);
	ck_assert_msg(strstr(d.text, "bad-bus.xml:6: <bus>: <send to='nobody-here'> names no VM of this run"), "%s", d.text);
	reset();
}
END_TEST

/* Each bad file: the message must hold "FILE:LINE: <element>" and say why. */
static const struct bad {
	const char *file;
	const char *where; /* "FILE:LINE: <element>" */
	const char *why;
} bad[] = {
	{"bad-malformed.xml", "bad-malformed.xml:5: <memory>", "tag mismatch"},
	{"bad-missing-name.xml", "bad-missing-name.xml:1: <domain>", "Missing child element"},
	{"bad-unknown.xml", "bad-unknown.xml:6: <floppy>", "not expected"},
	{"bad-root.xml", "bad-root.xml:1: <vm>", "No matching global declaration"},
	{"bad-empty-system.xml", "bad-empty-system.xml:1: <system>", "Missing child element"},
	{"bad-number.xml", "bad-number.xml:3: <memory>", "'lots'"},
	{"bad-overflow.xml", "bad-overflow.xml:5: <limit>", "is too large (at most 18446744073709551615)"},
	{"bad-unit.xml", "bad-unit.xml:3: <memory>, attribute 'unit'", "'TiB'"},
	{"bad-weight.xml", "bad-weight.xml:4: <cpu>, attribute 'weight'", "'1001'"},
	{"bad-name.xml", "bad-name.xml:2: <name>", "'a name with blanks'"},
	{"bad-memory-small.xml", "bad-memory-small.xml:3: <memory>", "outside 64 KiB..1 GiB"},
	{"bad-memory-align.xml", "bad-memory-align.xml:3: <memory>", "not a multiple of 4 KiB"},
	{"bad-memory-total.xml", "bad-memory-total.xml:5: <memory>", "adds up to 1985 MiB"},
	{"bad-limit-zero.xml", "bad-limit-zero.xml:5: <limit>", "at least 1"},
	{"bad-duplicate.xml", "bad-duplicate.xml:8: <name>", "'twin' is already used by VM 0"},
	{"bad-missing-image.xml", "bad-missing-image.xml:5: <image>", "cannot open guest image"},
	{"bad-empty-image.xml", "bad-empty-image.xml:4: <image>", "is empty"},
	{"bad-oversized.xml", "bad-oversized.xml:5: <image>", "is larger than the"},
	{"bad-nofit.xml", "bad-nofit.xml:5: <image>", "does not fit at 0xfff8"},
	{"bad-entry-outside.xml", "bad-entry-outside.xml:6: <entry>", "outside the VM's"},
	{"bad-real-entry.xml", "bad-real-entry.xml:6: <entry>", "below 64 KiB"},
	{"bad-too-many.xml", "bad-too-many.xml:18: <domain>", "more than 16 VMs"},
	{"bad-xxe.xml", "bad-xxe.xml:2: <!DOCTYPE domain>", "not allowed"},
	{"bad-laughs.xml", "bad-laughs.xml:2: <!DOCTYPE domain>", "not allowed"},
	{"bad-net-dtd.xml", "bad-net-dtd.xml:2: <!DOCTYPE domain>", "not allowed"},
	{"bad-undefined-entity.xml", "bad-undefined-entity.xml:3: <description>", "Entity 'nope' not defined"},
	{"bad-net-include.xml", "bad-net-include.xml:3: <include>", "network reference"},
	{"bad-net-image.xml", "bad-net-image.xml:4: <image>", "network reference"},
	{"bad-include-missing.xml", "bad-include-missing.xml:3: <include>", "cannot read"},
	{"bad-include-system.xml", "bad-include-system.xml:3: <include>", "holds a <system>"},
	{"bad-include-broken.xml", "/bad-unit.xml:3: <memory>", "'TiB'"}, /* the included file's line */
};

START_TEST(bad_input)
{
	const struct bad *b = &bad[_i];
	reset();
	ck_assert_int_eq(load(b->file), -1);
	ck_assert_int_gt(d.nerrors, 0);
	ck_assert_msg(strstr(d.text, b->where) != NULL, "%s: want '%s' in:\n%s", b->file, b->where, d.text);
	ck_assert_msg(strstr(d.text, b->why) != NULL, "%s: want '%s' in:\n%s", b->file, b->why, d.text);
	ck_assert_ptr_nonnull(strstr(d.text, tmp_dir)); /* the full path of the file, as given */
	reset();
}
END_TEST

/* A DOCTYPE's entity must never be expanded: no file content may reach a message or a VM. */
START_TEST(no_entity_expansion)
{
	reset();
	ck_assert_int_eq(load("bad-xxe.xml"), -1);
	ck_assert_ptr_null(strstr(d.text, "root:"));
	ck_assert_int_eq(r.nvms, 0);
	reset();
}
END_TEST

START_TEST(definition_names)
{
	ck_assert(vmdef_is_definition("system.xml"));
	ck_assert(vmdef_is_definition("a/b/two-vms.xml"));
	ck_assert(!vmdef_is_definition("hello.bin"));
	ck_assert(!vmdef_is_definition(".xml"));
	ck_assert_ptr_nonnull(strstr(vmdef_xsd, "<xs:schema"));
	ck_assert_uint_eq(strlen(vmdef_xsd), (size_t)(vmdef_xsd_end - vmdef_xsd));
}
END_TEST

START_TEST(input_escapes)
{
	uint8_t *b;
	size_t n;
	char why[200];
	ck_assert_int_eq(run_unescape("help\\nq\\r\\t\\e\\\\\\x41\\x7f", &b, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 12);
	ck_assert_mem_eq(b, "help\nq\r\t\x1b\\A\x7f", 12);
	free(b);
	ck_assert_int_eq(run_unescape("", &b, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 0);
	free(b);
	ck_assert_int_eq(run_unescape("a\\q", &b, &n, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "unknown escape '\\q' at offset 1"));
	ck_assert_int_eq(run_unescape("\\x4", &b, &n, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "two hex digits"));
	ck_assert_int_eq(run_unescape("trailing\\", &b, &n, why, sizeof(why)), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmdef");
	TCase *tc = tcase_create("vmdef");
	tcase_add_unchecked_fixture(tc, setup, tmp_teardown);
	tcase_add_test(tc, one_domain_every_element);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, system_with_include);
	tcase_add_test(tc, several_files);
	tcase_add_loop_test(tc, bad_input, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, bus_policy);
	tcase_add_test(tc, no_entity_expansion);
	tcase_add_test(tc, definition_names);
	tcase_add_test(tc, input_escapes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
