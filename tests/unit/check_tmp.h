/*
 * check_tmp.h - a scratch directory per test (a Check fixture) and whole-file helpers, for the
 * unit tests that write files. Under $TMPDIR when set, else /tmp; removed after each test.
 */
#ifndef CHECK_TMP_H
#define CHECK_TMP_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* No shell anywhere near a path (TMPDIR may hold quotes): trees are walked with nftw. */
static int tmp_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void tmp_teardown(void)
{
	if (nftw(tmp_dir, tmp_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "could not remove %s\n", tmp_dir);
}

static size_t tmp_copy_skip; /* length of the source folder's path, for tmp_copy_one */

static int tmp_copy_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char to[1024], buf[65536];
	size_t n;
	int ok = 1;

	(void)ftw;
	snprintf(to, sizeof(to), "%s%s", tmp_dir, path + tmp_copy_skip);
	if (flag == FTW_D)
		return mkdir(to, st->st_mode & 0777) && errno != EEXIST ? -1 : 0;
	if (flag != FTW_F)
		return -1;
	FILE *in = fopen(path, "rb"), *out = fopen(to, "wb");
	while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok &= fwrite(buf, 1, n, out) == n;
	ok &= in && out && !ferror(in);
	if (in)
		fclose(in);
	if (out && fclose(out))
		ok = 0;
	return ok ? 0 : -1;
}

/* Copy the tree under src into the scratch directory (cp -R src/. tmp_dir/). */
static __attribute__((unused)) int tmp_copy_tree(const char *src)
{
	tmp_copy_skip = strlen(src);
	return nftw(src, tmp_copy_one, 16, FTW_PHYS);
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
