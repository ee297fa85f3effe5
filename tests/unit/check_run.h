/* check_run.h - what every unit-test binary's main does: run its suite, exit 1 if a test failed. */
#ifndef CHECK_RUN_H
#define CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
