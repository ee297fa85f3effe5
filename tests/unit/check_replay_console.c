/*
 * check_replay_console.c - replay rebuilds a VM's console with the hypervisor's UART model
 * (hv/uart.c via libhvdev, replay/rp_exit.c): the recorded demo run, whose first lines are UART
 * THR writes (IN from LSR, OUT to THR per byte) and whose later lines are console_write
 * hypercalls, gives exactly the console the run showed, up to the last byte at any point (an
 * unfinished line included); going back restores the UART state and the console with it, and
 * playing on gives the same text again.
 */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "retrovisor/hvreplay.h"

/* LeakSanitizer (make SAN=1): Unicorn's own leak, as in check_replay.c. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libunicorn.so\n"; }

static const char demo_console[] =
	"Retrovisor demo: a short tour of VM exits\n"
	"demo: each byte of these lines is two exits: IN from the UART's LSR, OUT to its THR\n"
	"demo: CPUID 0x40000000 -> RetrovisorHV\n"
	"demo: RDTSC -> 3696 (the TSC counts guest instructions)\n"
	"demo: IN from port 0x0300, where no device is -> 0xFF\n"
	"demo: from here on each line is one exit: a console_write hypercall\n"
	"demo: hypercall vm_id -> 0\n"
	"demo: switching to 32-bit protected mode: LGDT, MOV to CR0, far jump\n"
	"demo: in protected mode, CR0 = 0x00000011\n"
	"demo: CPUID 0x40000001 -> version 0x00010000, VM id 0 of 1\n"
	"demo: RDMSR EFER -> 0x00000000\n"
	"demo: hypercall time -> 13469 guest instructions\n"
	"demo: hypercall 0x7777 (no such call) -> 0xFFFFFFFF\n"
	"demo: last exit: the shutdown hypercall\n"
	"PASS demo\n";

START_TEST(test_demo_console_through_the_uart_model)
{
	struct rp_session *s;
	struct hvt_err err;
	struct rp_state st;
	size_t len;
	const char *c;

	ck_assert_int_eq(rp_open(&s, "replay/testdata/demo.hvt", NULL, &err), HVT_OK);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	c = rp_console(s, &len);
	ck_assert_uint_eq(len, strlen(demo_console));
	ck_assert(!memcmp(c, demo_console, len));
	rp_get_state(s, &st);
	uint64_t end = st.t;

	/* back to the middle of the UART part: a prefix that stops inside a line */
	size_t mid_len = 0;
	unsigned inside_a_line = 0;
	for (uint64_t t = end / 8; t < end; t += end / 8) {
		ck_assert_int_eq(rp_goto_icount(s, t, &err), HVT_OK);
		c = rp_console(s, &len);
		ck_assert_uint_ge(len, mid_len);
		ck_assert_uint_le(len, strlen(demo_console));
		ck_assert(!memcmp(c, demo_console, len));
		inside_a_line += len && c[len - 1] != '\n';
		mid_len = len;
	}
	ck_assert_uint_gt(inside_a_line, 0); /* the bytes of an unfinished line show too */
	ck_assert_int_eq(rp_goto_icount(s, end / 4, &err), HVT_OK);
	ck_assert_int_eq(rp_run(s, NULL, NULL, &err), RP_END);
	c = rp_console(s, &len);
	ck_assert_uint_eq(len, strlen(demo_console));
	ck_assert(!memcmp(c, demo_console, len));
	rp_close(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay_console");
	TCase *tc = tcase_create("console");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_demo_console_through_the_uart_model);
	suite_add_tcase(s, tc);
	return check_run(s);
}
