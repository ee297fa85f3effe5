/*
 * check_tmp.h - a scratch directory per test (a Check fixture) and whole-file helpers, for the
 * unit tests that write files. Under $TMPDIR when set, else /tmp; removed after each test.
 */
#ifndef CHECK_TMP_H
#define CHECK_TMP_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static char tmp_dir[256];

/* A path in the scratch directory (four may be in use at once). */
static const char *tpath(const char *name)
{
	static char p[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmp_dir, name);
	return p[k];
}

static void tmp_setup(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/check.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static void tmp_teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp_dir);
}

/* The whole file (one spare byte allocated past its end). */
static __attribute__((unused)) uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long sz;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)sz + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static __attribute__((unused)) void spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

#endif
