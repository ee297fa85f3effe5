/*
 * check_gdb_replay.c - the replay stub's target layer (gdb/replay_target.c, replay_monitor.c)
 * without a socket: requests parsed by gdb/rsp.c answered from replay/testdata/long64.hvt
 * (real -> protected -> long mode, 494 exits). Registers in the layout of the description,
 * stepping both ways, the ends of history, breakpoints with rr's semantics, Ctrl-C cancelling a
 * resume (the position unchanged), refused writes, monitor commands and the mode switch.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "regs_desc.h"
#include "replay_gdb.h"
#include "rsp.h"

#define TRACE "replay/testdata/long64.hvt"

static struct rgdb g;
static uint8_t out[RGDB_REPLY_SIZE];
static char payload[RGDB_REPLY_SIZE], whole[RGDB_REPLY_SIZE];

/* Answer one request given as its payload text; returns the payload of the reply's last packet
 * (a forward resume sends the guest's console output as O packets first); whole[] gets all the
 * reply's bytes. */
static const char *ask(const char *text)
{
	static uint8_t pkt[RGDB_PACKET_SIZE + 1];
	struct rsp_req req;
	size_t n = strlen(text), len = 0;
	memcpy(pkt, text, n + 1);
	rsp_parse(pkt, n, &req);
	rgdb_answer(&g, &req, out, sizeof(out), &len);
	ck_assert_uint_ge(len, 4);
	ck_assert_int_eq(out[0], '$');
	ck_assert_int_eq(out[len - 3], '#');
	memcpy(whole, out, len);
	whole[len] = 0;
	size_t start = len - 3;
	while (start > 0 && out[start] != '$')
		start--;
	memcpy(payload, out + start + 1, len - start - 4);
	payload[len - start - 4] = 0;
	return payload;
}

/* The monitor's answer, decoded from hex. */
static const char *monitor(const char *cmd)
{
	char hex[256];
	static char text[8192];
	size_t k = 0;
	k += (size_t)snprintf(hex, sizeof(hex), "qRcmd,");
	for (const char *p = cmd; *p; p++)
		k += (size_t)snprintf(hex + k, sizeof(hex) - k, "%02x", (unsigned char)*p);
	const char *r = ask(hex);
	size_t n = strlen(r) / 2;
	ck_assert_uint_lt(n, sizeof(text));
	ck_assert(rsp_hex_decode((const uint8_t *)r, n, (uint8_t *)text));
	text[n] = 0;
	return text;
}

static void setup(void)
{
	struct hvt_err err = {0};
	int rc = rgdb_open(&g, TRACE, 0, -1, &err);
	ck_assert_msg(rc == 0, "%s", err.msg);
}

static void teardown(void)
{
	rgdb_close(&g);
}

START_TEST(test_start_state_and_layout)
{
	ck_assert_uint_eq(g.nvms, 1);
	ck_assert_uint_eq(g.vm[0].nexits, 494);
	ck_assert_int_eq(g.arch, GDB_ARCH_I8086); /* real mode at the first instruction */
	ck_assert_ptr_nonnull(strstr(ask("qSupported:swbreak+;hwbreak+"), "ReverseStep+;"));
	ck_assert_ptr_nonnull(strstr(payload, "ReverseContinue+"));
	ck_assert_ptr_nonnull(strstr(payload, "swbreak+"));
	ck_assert_uint_eq(strlen(ask("qXfer:features:read:target.xml:0,40")), 1 + 0x40); /* 'm' + a chunk */
	ck_assert_int_eq(strncmp(payload, "m<?xml version=", 15), 0);
	ck_assert_uint_eq(strlen(ask("g")), 2 * gdb_regs_size(GDB_LAYOUT_I386));
	ck_assert_str_eq(ask("p8"), "007c0000");  /* eip */
	ck_assert_str_eq(ask("p10"), "xxxxxxxxxxxxxxxxxxxx"); /* st0: not in the trace */
	ck_assert_str_eq(ask("p9999"), "E16");
	ck_assert_str_eq(ask("m7c00,2"), "6656");
	ck_assert_str_eq(ask("m7c00,0"), "");
	ck_assert_str_eq(ask("x7c00,2"), "bfV");   /* binary: 'b', then 66 56 */
	ck_assert_str_eq(ask("x0,0"), "b");        /* gdb's probe */
	ck_assert_str_eq(ask("xffffffffff000,4"), "E0e"); /* nothing readable */
	ck_assert_str_eq(ask("?"), "T05thread:1;");
	ck_assert_str_eq(ask("qfThreadInfo"), "m1");
	ck_assert_str_eq(ask("qC"), "QC1");
	ck_assert_str_eq(ask("T2"), "E01");
}
END_TEST

START_TEST(test_step_both_ways_and_ends)
{
	ck_assert_str_eq(ask("bs"), "T05replaylog:begin;thread:1;"); /* the start of history */
	ck_assert_str_eq(ask("p8"), "007c0000");
	ck_assert_str_eq(ask("vCont;s:1"), "T05thread:1;");
	ck_assert_str_eq(ask("p8"), "027c0000"); /* after the 2-byte push */
	ck_assert_str_eq(ask("bs"), "T05thread:1;");
	ck_assert_str_eq(ask("p8"), "007c0000");
	ck_assert_str_eq(ask("c"), "T05replaylog:end;thread:1;"); /* never W: gdb can go back */
	ck_assert_ptr_nonnull(strstr(monitor("where"), "icount 8798 of 8798"));
	ck_assert_str_eq(ask("bs"), "T05thread:1;");
	ck_assert_str_eq(ask("bc"), "T05replaylog:begin;thread:1;");
	ck_assert_ptr_nonnull(strstr(monitor("where"), "icount 0 of"));
}
END_TEST

START_TEST(test_breakpoints_rr_semantics)
{
	ask("qSupported:swbreak+");
	ck_assert_str_eq(ask("Z0,7d98,1"), "OK");
	ck_assert_str_eq(ask("Z0,7d98,1"), "OK"); /* idempotent */
	ck_assert_str_eq(ask("c"), "T05swbreak:;thread:1;");
	ck_assert_str_eq(ask("p8"), "987d0000");
	ck_assert_ptr_nonnull(strstr(monitor("where"), "icount 21 of"));
	ck_assert_str_eq(ask("c"), "T05swbreak:;thread:1;"); /* not the starting point again */
	ck_assert_ptr_nonnull(strstr(monitor("where"), "icount 43 of"));
	ck_assert_str_eq(ask("bc"), "T05swbreak:;thread:1;");
	ck_assert_ptr_nonnull(strstr(monitor("where"), "icount 21 of"));
	ck_assert_str_eq(ask("bc"), "T05replaylog:begin;thread:1;");
	ck_assert_str_eq(ask("z0,7d98,1"), "OK");
	ck_assert_str_eq(ask("Z2,7bfc,4"), "OK");
	ck_assert_str_eq(ask("Z2,7bfc,9"), ""); /* longer than rp_resume watches: gdb falls back */
	ck_assert_str_eq(ask("c"), "T05watch:7bfc;thread:1;"); /* push esi at 0x7c00 */
	ck_assert_str_eq(ask("p8"), "027c0000");
}
END_TEST

static int polls;
static bool interrupt_now(void *ctx)
{
	(void)ctx;
	return ++polls >= 2;
}

START_TEST(test_ctrl_c_cancels_and_returns)
{
	g.poll_interrupt = interrupt_now;
	g.chunk = 16;
	polls = 0;
	ck_assert_str_eq(ask("vCont;c"), "T02thread:1;");
	ck_assert_int_ge(polls, 2);
	ck_assert_str_eq(ask("p8"), "007c0000"); /* where it started */
	g.poll_interrupt = NULL;
	ck_assert_str_eq(ask("c"), "T05replaylog:end;thread:1;");
	ck_assert_str_eq(ask("p8"), "757d0000");
	g.poll_interrupt = interrupt_now;
	polls = 0;
	ck_assert_str_eq(ask("bc"), "T02thread:1;");
	ck_assert_str_eq(ask("p8"), "757d0000"); /* back at the end, where the reverse-continue started */
}
END_TEST

START_TEST(test_writes_refused_unknown_empty)
{
	ck_assert_str_eq(ask("M7c00,1:00"), "E01");
	ck_assert_str_eq(ask("X7c00,1:\x01"), "E01");
	ck_assert_str_eq(ask("P8=00000000"), "E01");
	ck_assert_str_eq(ask("G00"), "E01");
	ck_assert_str_eq(ask("c7c00"), "E01");
	ck_assert_str_eq(ask("qGetTIBAddr:1"), "");
	ck_assert_str_eq(ask("vMustReplyEmpty"), "");
	ck_assert_str_eq(ask("m7c00"), "E16");
	ck_assert_str_eq(ask("qXfer:features:read:other.xml:0,10"), "E00");
}
END_TEST

START_TEST(test_monitor_and_mode_switch)
{
	ck_assert_ptr_nonnull(strstr(monitor("help"), "goto exit N"));
	ck_assert_ptr_nonnull(strstr(monitor("mode"), "mode: real i8086 i8086"));
	ck_assert_ptr_nonnull(strstr(monitor("next-exit CR_ACCESS"), "at exit 119 of 494"));
	ck_assert_ptr_nonnull(strstr(monitor("explain"), "exit at this point: event 119"));
	ck_assert_ptr_nonnull(strstr(monitor("explain"), "reason CR_ACCESS"));
	/* the words of the one exit-reason list (include/retrovisor/exit_reasons.h) */
	ck_assert_ptr_nonnull(
		strstr(monitor("explain"), "\n  MOV to/from CR, CLTS or LMSW under the CR masks (SDM 3C 26.1.3)\n"));
	ck_assert_ptr_nonnull(strstr(monitor("prev-exit"), "at exit 118 of 494"));
	ask("s"); /* past exit 118: explaining it as the last one */
	ck_assert_ptr_nonnull(strstr(monitor("explain"), "exit last before this point: event 118"));
	ck_assert_ptr_nonnull(strstr(monitor("goto icount 0"), "icount 0 of"));
	ck_assert_ptr_nonnull(strstr(monitor("explain"), "exit next (none before this point): event 1,"));
	ck_assert_ptr_nonnull(strstr(monitor("goto exit 494"), "at exit 494 of 494"));
	ck_assert_ptr_nonnull(strstr(monitor("goto 100%"), "(100.00%)"));
	ck_assert_ptr_nonnull(strstr(monitor("mode"), "mode: long i386:x86-64 i8086"));
	/* retrovisor.py's switch: the description and the `g` layout follow */
	ck_assert_ptr_nonnull(strstr(monitor("arch i386:x86-64"), "arch i386:x86-64"));
	ck_assert_uint_eq(strlen(ask("g")), 2 * gdb_regs_size(GDB_LAYOUT_AMD64));
	ck_assert_str_eq(ask("p10"), "757d000000000000"); /* rip */
	ck_assert_ptr_nonnull(strstr(ask("qXfer:features:read:target.xml:0,fff"), "i386:x86-64"));
	ck_assert_ptr_nonnull(strstr(monitor("arch nonsense"), "usage"));
	ck_assert_ptr_nonnull(strstr(monitor("goto icount 0"), "icount 0 of"));
	ck_assert_ptr_nonnull(strstr(monitor("arch auto"), "arch i8086"));
	ck_assert_ptr_nonnull(strstr(monitor("goto exit 0"), "usage"));
	ck_assert_ptr_nonnull(strstr(monitor("goto exit 9999"), "no such exit"));
	ck_assert_ptr_nonnull(strstr(monitor("next-exit NOT_A_REASON"), "unknown exit reason"));
	ck_assert_ptr_nonnull(strstr(monitor("last-write 0x7c00"), "not written"));
	ck_assert_ptr_nonnull(strstr(monitor("vm"), "* VM 0 (long64)"));
	ck_assert_ptr_nonnull(strstr(monitor("vm 7"), "no VM 7"));
	ck_assert_ptr_nonnull(strstr(monitor("frobnicate"), "unknown monitor command"));
	/* a new client: back at the start, points gone */
	ask("Z0,7d98,1");
	rgdb_reset(&g);
	ck_assert_uint_eq(g.npt, 0);
	ck_assert_str_eq(ask("p8"), "007c0000");
}
END_TEST

/* Forward, the guest's console output comes as O packets before the stop reply. */
START_TEST(test_console_output_forward)
{
	ck_assert_str_eq(ask("c"), "T05replaylog:end;thread:1;");
	ck_assert_int_eq(strncmp(whole, "$O", 2), 0);
	/* the first O packet decodes to the guest's first console bytes */
	char first[16] = {0};
	ck_assert(rsp_hex_decode((const uint8_t *)whole + 2, 8, (uint8_t *)first));
	ck_assert_str_eq(first, "long64: "); /* long64's lines start with its name */
	/* backward, and a step that prints nothing: the stop reply alone */
	ck_assert_str_eq(ask("bs"), "T05thread:1;");
	ck_assert_int_eq(whole[1], 'T');
	ck_assert_str_eq(ask("s"), "T05thread:1;");
	ck_assert_int_eq(whole[1], 'T');
}
END_TEST

START_TEST(test_catch_exit_reasons)
{
	ck_assert_ptr_nonnull(strstr(monitor("catch CR_ACCESS"), "catching exits: CR_ACCESS"));
	ck_assert_ptr_nonnull(strstr(monitor("catch BOGUS"), "unknown exit reason"));
	ck_assert_str_eq(ask("c"), "T05thread:1;");
	ck_assert_ptr_nonnull(strstr(monitor("where"), "at exit 119 of 494")); /* the first CR access */
	ck_assert_ptr_nonnull(strstr(monitor("explain"), "reason CR_ACCESS"));
	ck_assert_str_eq(ask("c"), "T05thread:1;");
	const char *w = monitor("where");
	ck_assert_ptr_null(strstr(w, "at exit 119 of"));
	ck_assert_ptr_nonnull(strstr(monitor("explain"), "reason CR_ACCESS"));
	ck_assert_str_eq(ask("bc"), "T05thread:1;"); /* back to the first one */
	ck_assert_ptr_nonnull(strstr(monitor("where"), "at exit 119 of 494"));
	ck_assert_ptr_nonnull(strstr(monitor("catch none"), "catching exits: none"));
	ck_assert_str_eq(ask("bc"), "T05replaylog:begin;thread:1;");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gdb_replay");
	TCase *tc = tcase_create("replay");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_start_state_and_layout);
	tcase_add_test(tc, test_step_both_ways_and_ends);
	tcase_add_test(tc, test_breakpoints_rr_semantics);
	tcase_add_test(tc, test_ctrl_c_cancels_and_returns);
	tcase_add_test(tc, test_writes_refused_unknown_empty);
	tcase_add_test(tc, test_monitor_and_mode_switch);
	tcase_add_test(tc, test_catch_exit_reasons);
	tcase_add_test(tc, test_console_output_forward);
	suite_add_tcase(s, tc);
	return check_run(s);
}
