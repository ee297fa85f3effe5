/*
 * check_trace_text.c - what the host tools share at their edges (the public
 * retrovisor/hvtool.h): the one number parser of every option, the one sanitizer of untrusted
 * text, the VM name rule, and opening inputs and outputs (FIFOs, devices, the output that is an
 * input, write errors on stdout).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retrovisor/hvtool.h"
#include "check_run.h"
#include "check_tmp.h"

static int num(const char *s, uint64_t min, uint64_t max, unsigned flags, uint64_t *v, char *why)
{
	return hvt_parse_num("--opt", s, min, max, flags, v, why, 256);
}

START_TEST(test_numbers)
{
	uint64_t v;
	char why[256];

	ck_assert_int_eq(num("0", 0, 10, 0, &v, why), 0); ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(num("010", 0, 100, 0, &v, why), 0); ck_assert_uint_eq(v, 10); /* never octal */
	ck_assert_int_eq(num("0x1F", 0, 100, 0, &v, why), 0); ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(num("18446744073709551615", 0, UINT64_MAX, 0, &v, why), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(num("64K", 0, UINT64_MAX, HVT_NUM_SIZE, &v, why), 0); ck_assert_uint_eq(v, 65536);
	ck_assert_int_eq(num("2m", 0, UINT64_MAX, HVT_NUM_SIZE, &v, why), 0); ck_assert_uint_eq(v, 2 << 20);
	/* refused, each with the option and the reason */
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "0x", "x1", "1.5", "08x", "lots", "1K" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(num(bad[i], 0, UINT64_MAX, 0, &v, why) == -1, "'%s' accepted", bad[i]);
		ck_assert_msg(strstr(why, "--opt: '") && strstr(why, "is not a number"), "%s", why);
	}
	ck_assert_int_eq(num("18446744073709551616", 0, UINT64_MAX, 0, &v, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "too large"));
	ck_assert_int_eq(num("18014398509482048K", 0, UINT64_MAX, HVT_NUM_SIZE, &v, why), -1); /* 2^64+... */
	ck_assert_ptr_nonnull(strstr(why, "too large"));
	ck_assert_int_eq(num("4294967296", 0, UINT32_MAX, 0, &v, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "at most 4294967295"));
	ck_assert_int_eq(num("0", 1, 5, 0, &v, why), -1);
	ck_assert_ptr_nonnull(strstr(why, "too small (at least 1)"));
}
END_TEST

START_TEST(test_sanitize)
{
	char out[64];
	const char in[] = "a\x1b[1m\x07\x9b\xe2\x80\xae\\ok\x7f";

	ck_assert_str_eq(hvt_sanitize(out, sizeof(out), in, sizeof(in) - 1, 0),
			 "a\\x1b[1m\\x07\\x9b\\xe2\\x80\\xae\\x5cok\\x7f");
	ck_assert_str_eq(hvt_sanitize(out, sizeof(out), "<a&\"b>", 6, 1), "&lt;a&amp;&quot;b&gt;");
	ck_assert_str_eq(hvt_sanitize(out, sizeof(out), "x\0y", 3, 0), "x\\x00y");
	/* cut at a whole escape, always terminated */
	ck_assert_str_eq(hvt_sanitize(out, 6, "ab\x01", 3, 0), "ab");
	ck_assert_str_eq(hvt_sanitize_str(out, 1, "abc"), "");
}
END_TEST

START_TEST(test_names)
{
	ck_assert(hvt_name_ok("ping"));
	ck_assert(hvt_name_ok("vm-1.a_b"));
	ck_assert(hvt_name_ok("0123456789012345678901234567890"));    /* 31 */
	ck_assert(!hvt_name_ok("01234567890123456789012345678901")); /* 32 */
	ck_assert(!hvt_name_ok(""));
	ck_assert(!hvt_name_ok("../evil"));
	ck_assert(!hvt_name_ok("e\x1b[1mvil"));
	ck_assert(!hvt_name_ok("a b"));
	ck_assert(!hvt_name_ok("caf\xc3\xa9"));
}
END_TEST

START_TEST(test_inputs)
{
	struct hvt_err err;
	const char *fifo = tpath("fifo"), *reg = tpath("reg");
	uint8_t *buf;
	size_t len;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* no writer: a blocking open would never return */
	ck_assert_int_eq(hvt_open_input(fifo, "traces", &err), -1);
	ck_assert_int_eq(err.code, HVT_EINVAL);
	ck_assert_msg(strstr(err.msg, "a FIFO, not a regular file: traces must be seekable regular files"), "%s",
		      err.msg);
	ck_assert_int_eq(hvt_open_input("/dev/zero", "traces", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "a character device"));
	ck_assert_int_eq(hvt_open_input(tmp_dir, "traces", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "a directory"));
	ck_assert_int_eq(hvt_open_input(tpath("absent"), "traces", &err), -1);
	ck_assert_int_eq(err.code, HVT_EINVAL);

	FILE *f = fopen(reg, "w");
	fputs("hello", f);
	fclose(f);
	ck_assert_int_eq(hvt_read_input(reg, "images", 5, 0, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq((char *)buf, "hello");
	free(buf);
	ck_assert_int_eq(hvt_read_input(reg, "images", 4, 0, &buf, &len, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "larger than the 4 bytes allowed"));
}
END_TEST

START_TEST(test_outputs)
{
	struct hvt_err err;
	struct hvt_out o;
	const char *in = tpath("in"), *ln = tpath("link"), *out = tpath("out");
	FILE *f = fopen(in, "w");

	fclose(f);
	ck_assert_int_eq(hvt_output_check(in, &err), HVT_OK); /* not an input yet */
	int fd = hvt_open_input(in, "traces", &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(link(in, ln), 0);
	ck_assert_int_eq(hvt_output_check(in, &err), HVT_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "also an input"));
	ck_assert_int_eq(hvt_output_check(ln, &err), HVT_EINVAL); /* same inode, other name */
	ck_assert_int_eq(hvt_output_check("/dev/null", &err), HVT_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
	ck_assert_int_eq(hvt_output_check(tmp_dir, &err), HVT_EINVAL);
	ck_assert_int_eq(hvt_out_open(&o, ln, &err), HVT_EINVAL);
	hvt_input_close(fd);
	ck_assert_int_eq(hvt_output_check(in, &err), HVT_OK); /* closed: no longer an input */

	/* written beside, renamed into place; an aborted one leaves nothing */
	ck_assert_int_eq(hvt_out_open(&o, out, &err), HVT_OK);
	fputs("data", o.f);
	ck_assert_int_eq(hvt_out_commit(&o, &err), HVT_OK);
	ck_assert_int_eq(hvt_out_open(&o, out, &err), HVT_OK);
	fputs("other", o.f);
	hvt_out_abort(&o);
	uint8_t *buf;
	size_t len;
	ck_assert_int_eq(hvt_read_input(out, "x", 100, 0, &buf, &len, &err), 0);
	ck_assert_str_eq((char *)buf, "data");
	free(buf);

	/* folders made for an output */
	ck_assert_int_eq(hvt_make_parents(tpath("a/b/c.hvt"), &err), HVT_OK);
	struct stat st;
	ck_assert_int_eq(stat(tpath("a/b"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
}
END_TEST

START_TEST(test_stdout_write_error)
{
	ck_assert_ptr_nonnull(freopen("/dev/full", "w", stdout));
	fputs("lost\n", stdout);
	ck_assert_int_eq(hvt_finish_stdout("tool", 0, 4), 4);
}
END_TEST

START_TEST(test_stdout_fine)
{
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	fputs("kept\n", stdout);
	ck_assert_int_eq(hvt_finish_stdout("tool", 1, 4), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace_text");
	TCase *tc = tcase_create("text");
	TCase *tf = tcase_create("files");

	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_names);
	tcase_add_checked_fixture(tf, tmp_setup, tmp_teardown);
	tcase_add_test(tf, test_inputs);
	tcase_add_test(tf, test_outputs);
	tcase_add_test(tf, test_stdout_write_error);
	tcase_add_test(tf, test_stdout_fine);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tf);
	return check_run(s);
}
