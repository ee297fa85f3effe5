/*
 * check_exit_reasons.c - sanity of the one list of exit reasons (include/retrovisor/exit_reasons.h).
 */
#include <check.h>
#include <string.h>

#include "retrovisor/exit_reasons.h"
#include "retrovisor/hvtrace.h"
#include "check_run.h"

struct entry {
	unsigned num;
	const char *name;
	const char *family;
	int async;
	const char *desc;
};

static const struct entry table[] = {
#define EXIT_REASON_ENTRY(num, nm, fam, str, timing, desc) { num, str, #fam, EXIT_TIMING_##timing, desc },
	EXIT_REASON_LIST(EXIT_REASON_ENTRY)
#undef EXIT_REASON_ENTRY
};
#define N (sizeof(table) / sizeof(table[0]))

START_TEST(test_numbers_ascending_and_in_range)
{
	for (size_t i = 0; i < N; i++) {
		ck_assert_uint_lt(table[i].num, EXIT_REASON_MAX);
		ck_assert_uint_lt(table[i].num, 128); /* the trace's EXIT tag holds 7 bits */
		if (i)
			ck_assert_msg(table[i - 1].num < table[i].num, "%s (%u) after %s (%u)", table[i].name,
				      table[i].num, table[i - 1].name, table[i - 1].num);
	}
	ck_assert_uint_eq(table[N - 1].num + 1, EXIT_REASON_MAX);
}
END_TEST

START_TEST(test_names_unique_and_spelled_like_the_enum)
{
	for (size_t i = 0; i < N; i++) {
		ck_assert(table[i].name[0]);
		ck_assert(table[i].family[0]);
		for (const char *p = table[i].name; *p; p++)
			ck_assert_msg((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_', "%s",
				      table[i].name);
		for (size_t j = i + 1; j < N; j++)
			ck_assert_str_ne(table[i].name, table[j].name);
	}
}
END_TEST

START_TEST(test_name_lookup)
{
	unsigned listed = 0;

	for (size_t i = 0; i < N; i++)
		ck_assert_str_eq(exit_reason_name(table[i].num), table[i].name);
	for (unsigned r = 0; r < 256; r++)
		listed += exit_reason_name(r) != NULL;
	ck_assert_uint_eq(listed, N);
	ck_assert_ptr_null(exit_reason_name(35)); /* reserved in the SDM */
	ck_assert_ptr_null(exit_reason_name(EXIT_REASON_MAX));
	ck_assert_str_eq(exit_reason_name(EXIT_REASON_IO_INSTRUCTION), "IO_INSTRUCTION");
	ck_assert_uint_eq(EXIT_REASON_CPUID, 10);
	ck_assert_uint_eq(EXIT_REASON_EPT_VIOLATION, 48);
	ck_assert_uint_eq(EXIT_REASON_VMCALL, 18);
}
END_TEST

START_TEST(test_async_reasons)
{
	/* the events outside the instruction stream (SDM Vol. 3C, 28.2.5 lists the exits that have
	 * an instruction length; none of these is among them) */
	static const unsigned async[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 33, 34, 37, 41, 43, 45, 52, 62 };
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(async) / sizeof(async[0]); i++)
		ck_assert_msg(exit_reason_async(async[i]), "reason %u", async[i]);
	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(exit_reason_async(table[i].num), table[i].async);
		n += (unsigned)table[i].async;
	}
	ck_assert_uint_eq(n, sizeof(async) / sizeof(async[0]));
	ck_assert(!exit_reason_async(EXIT_REASON_IO_INSTRUCTION));
	ck_assert(!exit_reason_async(EXIT_REASON_CPUID));
	ck_assert(!exit_reason_async(EXIT_REASON_EPT_VIOLATION));
	ck_assert(!exit_reason_async(35)); /* not a reason at all */
}
END_TEST

START_TEST(test_every_reason_described)
{
	/* every reason says in words what causes it and names the SDM section that says so; the
	 * trace library's hvt_reason_describe() (hvview, hvreplay's monitor explain) gives the
	 * list's words */
	for (size_t i = 0; i < N; i++) {
		ck_assert_msg(strlen(table[i].desc) > 10, "%s", table[i].name);
		ck_assert_msg(strstr(table[i].desc, "(SDM 3"), "%s: %s", table[i].name, table[i].desc);
		ck_assert_msg(table[i].desc[strlen(table[i].desc) - 1] == ')', "%s", table[i].name);
		ck_assert_str_eq(exit_reason_describe(table[i].num), table[i].desc);
		ck_assert_str_eq(hvt_reason_describe(table[i].num), table[i].desc);
	}
	ck_assert_str_eq(hvt_reason_describe(EXIT_REASON_CPUID), "CPUID always exits; the hypervisor answers it (SDM 3C 26.1.2)");
	ck_assert_ptr_null(exit_reason_describe(35)); /* reserved */
	ck_assert_ptr_nonnull(strstr(hvt_reason_describe(35), "Appendix C"));
	ck_assert_ptr_nonnull(strstr(hvt_reason_describe(1000), "Appendix C"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exit_reasons");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_numbers_ascending_and_in_range);
	tcase_add_test(tc, test_names_unique_and_spelled_like_the_enum);
	tcase_add_test(tc, test_name_lookup);
	tcase_add_test(tc, test_async_reasons);
	tcase_add_test(tc, test_every_reason_described);
	suite_add_tcase(s, tc);
	return check_run(s);
}
