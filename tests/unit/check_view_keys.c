/*
 * check_view_keys.c - hvview's key table (viewer-tui/view_keys.h) is one list: each command has
 * a key, no key runs two commands, every key finds its command again, and the key section of
 * docs/viewer.md is exactly what the table prints (so --help, the ? screen and the docs agree).
 * Also the key-script reader of the headless mode and the grid the panels draw into.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "check_run.h"

int view_script_key(const char **p, int *w, int *h);

START_TEST(table_is_one_list)
{
	ck_assert_int_eq(view_nkeys, VCMD_COUNT - 1);
	for (unsigned i = 0; i < view_nkeys; i++) {
		const struct view_key_info *k = &view_keys[i];
		ck_assert_int_eq(k->cmd, (int)i + 1); /* the enum follows the list */
		ck_assert_msg(k->key != 0, "command %u has no key", i);
		ck_assert_msg(k->keys[0] && k->what[0], "command %u is not described", i);
		ck_assert_int_eq(view_key_cmd(k->key), k->cmd);
		if (k->key2)
			ck_assert_int_eq(view_key_cmd(k->key2), k->cmd);
		for (unsigned j = 0; j < i; j++) {
			const struct view_key_info *o = &view_keys[j];
			ck_assert_msg(k->key != o->key && k->key != o->key2 && (!k->key2 || (k->key2 != o->key &&
								   k->key2 != o->key2)),
				      "'%s' and '%s' share a key", k->keys, o->keys);
		}
	}
	ck_assert_int_eq(view_key_cmd('Z'), VCMD_NONE);
}
END_TEST

START_TEST(docs_hold_the_table)
{
	char *md = NULL, *doc = NULL;
	size_t mdlen = 0, doclen = 0;
	FILE *f = open_memstream(&md, &mdlen);
	view_print_keys(f, 1);
	fclose(f);
	FILE *d = fopen("docs/viewer.md", "r");
	ck_assert_msg(d != NULL, "docs/viewer.md (run from the top of the tree)");
	f = open_memstream(&doc, &doclen);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), d)) > 0)
		fwrite(buf, 1, n, f);
	fclose(f);
	fclose(d);
	ck_assert_msg(strstr(doc, md) != NULL, "docs/viewer.md does not hold `hvview --keys-markdown`:\n%s", md);
	free(md);
	free(doc);
}
END_TEST

START_TEST(script_keys)
{
	const char *p = "j<Enter><Resize 100x30><<bogus>x";
	int w = 0, h = 0;
	ck_assert_int_eq(view_script_key(&p, &w, &h), 'j');
	ck_assert_int_eq(view_script_key(&p, &w, &h), VK_ENTER);
	ck_assert_int_eq(view_script_key(&p, &w, &h), VK_RESIZE);
	ck_assert_int_eq(w, 100);
	ck_assert_int_eq(h, 30);
	ck_assert_int_eq(view_script_key(&p, &w, &h), '<'); /* not a key name: the key '<' */
	ck_assert_int_eq(view_script_key(&p, &w, &h), '<');
	for (const char *q = "bogus>"; *q; q++)
		ck_assert_int_eq(view_script_key(&p, &w, &h), *q);
	ck_assert_int_eq(view_script_key(&p, &w, &h), 'x');
	ck_assert_int_eq(view_script_key(&p, &w, &h), 0);
}
END_TEST

START_TEST(grid_clips_and_sanitizes)
{
	struct view_grid g = {0};
	ck_assert_int_eq(grid_resize(&g, 2, 8), 0);
	ck_assert_int_eq(grid_put(&g, 0, 5, 0, VA_WARN, "abcdef"), 3); /* clipped at the edge */
	ck_assert_int_eq(grid_put(&g, 1, 0, 2, VA_NORMAL, "xyz"), 2);   /* clipped to the width */
	grid_put(&g, 1, 3, 0, VA_NORMAL, "\x1b[2J");                   /* no escape reaches the terminal */
	grid_put(&g, 5, 0, 0, VA_NORMAL, "off the grid");
	ck_assert_int_eq(g.at[5], VA_WARN);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	grid_dump(&g, f);
	fclose(f);
	ck_assert_str_eq(out, "     abc\nxy .[2J\n");
	free(out);
	grid_free(&g);
}
END_TEST

/* One line per exit, from the trace library's decoders (SDM Vol. 3C, 28.2.1, Table 28-5 for I/O). */
START_TEST(exit_lines)
{
	uint64_t regs[HVT_NREGS] = {0};
	char b[128];
	regs[RV_REG_RAX] = 0x41;
	view_exit_line(b, sizeof(b), EXIT_REASON_IO_INSTRUCTION, 0x3f8ull << 16, 0, regs);
	ck_assert_str_eq(b, "out port 0x3f8, 1 byte: 0x41 'A'");
	view_exit_line(b, sizeof(b), EXIT_REASON_IO_INSTRUCTION, 0x3fdull << 16 | 1u << 3, 0, regs);
	ck_assert_str_eq(b, "in port 0x3fd, 1 byte");
	regs[RV_REG_RAX] = 1; /* console_write */
	view_exit_line(b, sizeof(b), EXIT_REASON_VMCALL, 0, 0, regs);
	ck_assert_str_eq(b, "hypercall console_write");
	regs[RV_REG_RAX] = 0x40000000;
	view_exit_line(b, sizeof(b), EXIT_REASON_CPUID, 0, 0, regs);
	ck_assert_str_eq(b, "leaf 0x40000000 subleaf 0");
	regs[RV_REG_RCX] = 0x1b;
	regs[RV_REG_RDX] = 0x1;
	regs[RV_REG_RAX] = 0xfee00900;
	view_exit_line(b, sizeof(b), EXIT_REASON_WRMSR, 0, 0, regs);
	ck_assert_str_eq(b, "msr 0x1b <- 0x1fee00900");
	view_exit_line(b, sizeof(b), EXIT_REASON_HLT, 0, 0, regs);
	ck_assert_str_eq(b, "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("view_keys");
	TCase *tc = tcase_create("keys");
	tcase_add_test(tc, table_is_one_list);
	tcase_add_test(tc, docs_hold_the_table);
	tcase_add_test(tc, script_keys);
	tcase_add_test(tc, grid_clips_and_sanitizes);
	tcase_add_test(tc, exit_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
