/*
 * check_exit_status.c - the one list of exit statuses (include/retrovisor/exit_status.h): the
 * numbers scripts and graders test are pinned, and every tool's names map onto the list.
 */
#include <check.h>
#include <string.h>

#include "retrovisor/exit_status.h"
#include "check_run.h"

/* the tools' own names, as their headers define them */
#include "run.h"

static const struct {
	int num;
	const char *name, *what;
} table[] = {
#define RV_EXIT_ENTRY(name, num, what) { num, #name, what },
	RV_EXIT_LIST(RV_EXIT_ENTRY)
#undef RV_EXIT_ENTRY
};
#define N (sizeof(table) / sizeof(table[0]))

START_TEST(test_numbers_pinned)
{
	/* Scripts, the Makefile and docs/reliability.md depend on these: change none of them. */
	ck_assert_int_eq(RV_EXIT_OK, 0);
	ck_assert_int_eq(RV_EXIT_NO, 1);
	ck_assert_int_eq(RV_EXIT_BROKEN, 2);
	ck_assert_int_eq(RV_EXIT_TIMEOUT, 3);
	ck_assert_int_eq(RV_EXIT_FAILED, 4);
	ck_assert_int_eq(RV_EXIT_USAGE, 64); /* sysexits.h EX_USAGE */
	ck_assert_uint_eq(N, 6);
}
END_TEST

START_TEST(test_unique_ascending_described)
{
	for (size_t i = 0; i < N; i++) {
		ck_assert(table[i].num >= 0 && table[i].num < 126); /* 126+ are the shell's */
		ck_assert_msg(strlen(table[i].what) > 20, "%s needs a meaning", table[i].name);
		if (i)
			ck_assert_int_lt(table[i - 1].num, table[i].num);
		for (size_t j = i + 1; j < N; j++)
			ck_assert_str_ne(table[i].name, table[j].name);
	}
}
END_TEST

START_TEST(test_hvrun_names_map_onto_the_list)
{
	ck_assert_int_eq(RUN_OK, RV_EXIT_OK);
	ck_assert_int_eq(RUN_GUEST_FAILED, RV_EXIT_NO);
	ck_assert_int_eq(RUN_GUEST_STOPPED, RV_EXIT_BROKEN);
	ck_assert_int_eq(RUN_TIMEOUT, RV_EXIT_TIMEOUT);
	ck_assert_int_eq(RUN_HV_FAILED, RV_EXIT_FAILED);
	ck_assert_int_eq(RUN_USAGE, RV_EXIT_USAGE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exit_status");
	TCase *tc = tcase_create("list");

	tcase_add_test(tc, test_numbers_pinned);
	tcase_add_test(tc, test_unique_ascending_described);
	tcase_add_test(tc, test_hvrun_names_map_onto_the_list);
	suite_add_tcase(s, tc);
	return check_run(s);
}
