/*
 * check_gdb_rsp.c - the GDB remote protocol layer (gdb/rsp.c) and the register descriptions
 * (gdb/tdesc.c) without a target: framing, acknowledgements, escapes, run-length decoding,
 * Ctrl-C, oversize and bad packets, every request kind, reply framing, stop replies, and the
 * register layouts gdb expects (sizes pinned to gdb's own features).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "regs_desc.h"
#include "rsp.h"

/* Feed a whole string; returns the last event that was not NONE, the acks sent in acks. */
static enum rsp_event feed(struct rsp_conn *c, const char *s, size_t n, char *acks)
{
	enum rsp_event last = RSP_EV_NONE;
	size_t na = 0;
	for (size_t i = 0; i < n; i++) {
		char ack;
		enum rsp_event ev = rsp_feed(c, (uint8_t)s[i], &ack);
		if (ack && acks)
			acks[na++] = ack;
		if (ev != RSP_EV_NONE)
			last = ev;
	}
	if (acks)
		acks[na] = 0;
	return last;
}

static size_t frame(char *out, const char *payload)
{
	unsigned sum = 0;
	for (const char *p = payload; *p; p++)
		sum += (uint8_t)*p;
	return (size_t)sprintf(out, "$%s#%02x", payload, sum & 255);
}

/* frame, feed, parse */
static struct rsp_req req;
static uint8_t pbuf[4096];
static enum rsp_req_kind parse(const char *payload)
{
	struct rsp_conn c;
	char f[4200], acks[8];
	rsp_conn_init(&c, pbuf, sizeof(pbuf));
	size_t n = frame(f, payload);
	ck_assert_int_eq(feed(&c, f, n, acks), RSP_EV_PACKET);
	ck_assert_str_eq(acks, "+");
	rsp_parse(c.pkt, c.len, &req);
	return req.kind;
}

START_TEST(test_framing_ack_and_checksum)
{
	struct rsp_conn c;
	uint8_t buf[64];
	char acks[8];
	rsp_conn_init(&c, buf, sizeof(buf));
	ck_assert_int_eq(feed(&c, "$g#67", 5, acks), RSP_EV_PACKET);
	ck_assert_str_eq(acks, "+");
	ck_assert_uint_eq(c.len, 1);
	ck_assert_str_eq((char *)c.pkt, "g");
	/* a wrong checksum: '-' and no packet */
	ck_assert_int_eq(feed(&c, "$g#68", 5, acks), RSP_EV_BAD_CSUM);
	ck_assert_str_eq(acks, "-");
	/* a non-hex checksum digit */
	ck_assert_int_eq(feed(&c, "$g#6z", 5, acks), RSP_EV_BAD_CSUM);
	/* acks from gdb, garbage and Ctrl-C between packets */
	ck_assert_int_eq(feed(&c, "+", 1, NULL), RSP_EV_ACK);
	ck_assert_int_eq(feed(&c, "-", 1, NULL), RSP_EV_NACK);
	ck_assert_int_eq(feed(&c, "x", 1, NULL), RSP_EV_GARBAGE);
	ck_assert_int_eq(feed(&c, "\x03", 1, NULL), RSP_EV_INTERRUPT);
	ck_assert(!rsp_in_packet(&c));
	feed(&c, "$m0", 3, NULL);
	ck_assert(rsp_in_packet(&c));
	ck_assert_int_eq(feed(&c, "\x03", 1, NULL), RSP_EV_NONE); /* inside a packet: data, not Ctrl-C */
	ck_assert_int_eq(feed(&c, "#00", 3, NULL), RSP_EV_BAD_CSUM);
	ck_assert(!rsp_in_packet(&c));
	/* no-ack mode: nothing sent either way */
	c.no_ack = true;
	ck_assert_int_eq(feed(&c, "$g#67", 5, acks), RSP_EV_PACKET);
	ck_assert_str_eq(acks, "");
	ck_assert_int_eq(feed(&c, "$g#00", 5, acks), RSP_EV_BAD_CSUM);
	ck_assert_str_eq(acks, "");
	/* a new debugger (hvrun --gdb relays the next one after one went away) starts with
	 * qSupported: acknowledged, and acknowledgement mode is back; qSupportedX is not that */
	char pk[64];
	size_t n = frame(pk, "qSupportedX");
	ck_assert_int_eq(feed(&c, pk, n, acks), RSP_EV_PACKET);
	ck_assert_str_eq(acks, "");
	n = frame(pk, "qSupported:multiprocess+;swbreak+");
	ck_assert_int_eq(feed(&c, pk, n, acks), RSP_EV_PACKET);
	ck_assert_str_eq(acks, "+");
	ck_assert(!c.no_ack);
	c.no_ack = true;
	n = frame(pk, "qSupported");
	ck_assert_int_eq(feed(&c, pk, n, acks), RSP_EV_PACKET);
	ck_assert_str_eq(acks, "+");
}
END_TEST

START_TEST(test_framing_resync_escape_rle)
{
	struct rsp_conn c;
	uint8_t buf[64];
	char f[64];
	rsp_conn_init(&c, buf, sizeof(buf));
	/* a '$' inside a packet starts over: gdb abandoned the first one */
	ck_assert_int_eq(feed(&c, "$m10$g#67", 9, NULL), RSP_EV_PACKET);
	ck_assert_str_eq((char *)c.pkt, "g");
	/* "}]" is '}' ^ 0x20 = '}' escaped; "}\x03" is '#' */
	size_t n = frame(f, "X0,2:}]}\x03");
	ck_assert_int_eq(feed(&c, f, n, NULL), RSP_EV_PACKET);
	ck_assert_uint_eq(c.len, 7);
	ck_assert_int_eq(memcmp(c.pkt, "X0,2:}#", 7), 0);
	/* run-length: "0* " is '0' then ' ' - 29 = 3 more */
	n = frame(f, "m0* ,1");
	ck_assert_int_eq(feed(&c, f, n, NULL), RSP_EV_PACKET);
	ck_assert_str_eq((char *)c.pkt, "m0000,1");
	/* a count with nothing before it, or an escape cut by '#': bad */
	n = frame(f, "* ");
	ck_assert_int_eq(feed(&c, f, n, NULL), RSP_EV_BAD_CSUM);
	n = frame(f, "ab}");
	ck_assert_int_eq(feed(&c, f, n, NULL), RSP_EV_BAD_CSUM);
}
END_TEST

START_TEST(test_framing_oversize)
{
	struct rsp_conn c;
	uint8_t buf[16];
	char f[256], big[200], acks[8];
	rsp_conn_init(&c, buf, sizeof(buf));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	size_t n = frame(f, big);
	ck_assert_int_eq(feed(&c, f, n, acks), RSP_EV_OVERSIZE);
	ck_assert_str_eq(acks, "-");
	ck_assert_uint_lt(c.len, sizeof(buf));
	/* a run-length count that would overflow the buffer */
	n = frame(f, "aaaaaaaaaaaaa*~");
	ck_assert_int_eq(feed(&c, f, n, NULL), RSP_EV_OVERSIZE);
	/* exactly cap - 1 bytes fits; the next packet works */
	n = frame(f, "qqqqqqqqqqqqqqq");
	ck_assert_int_eq(feed(&c, f, n, NULL), RSP_EV_PACKET);
	ck_assert_uint_eq(c.len, 15);
	ck_assert_int_eq(feed(&c, "$g#67", 5, NULL), RSP_EV_PACKET);
}
END_TEST

START_TEST(test_parse_registers_memory)
{
	ck_assert_int_eq(parse("g"), RSP_REQ_READ_REGS);
	ck_assert_int_eq(parse("?"), RSP_REQ_HALT_REASON);
	ck_assert_int_eq(parse("p1a"), RSP_REQ_READ_REG);
	ck_assert_uint_eq(req.reg, 0x1a);
	ck_assert_int_eq(parse("p"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("P10=0102"), RSP_REQ_WRITE_REG);
	ck_assert_uint_eq(req.reg, 16);
	ck_assert_uint_eq(req.data_len, 2);
	ck_assert_int_eq(req.data[1], 2);
	ck_assert_int_eq(parse("G00ff"), RSP_REQ_WRITE_REGS);
	ck_assert_int_eq(req.data[1], 0xff);
	ck_assert_int_eq(parse("G0"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("m7c00,10"), RSP_REQ_READ_MEM);
	ck_assert_uint_eq(req.addr, 0x7c00);
	ck_assert_uint_eq(req.len, 16);
	ck_assert_int_eq(parse("mffffffffffffffff,1"), RSP_REQ_READ_MEM);
	ck_assert_int_eq(parse("m1ffffffffffffffff,1"), RSP_REQ_MALFORMED); /* 17 digits */
	ck_assert_int_eq(parse("m7c00"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("m,1"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("m1,2x"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("x100,4"), RSP_REQ_READ_MEM_BIN);
	ck_assert_int_eq(parse("M100,2:abcd"), RSP_REQ_WRITE_MEM);
	ck_assert_int_eq(req.data[0], 0xab);
	ck_assert_int_eq(parse("M100,3:abcd"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("X100,2:zz"), RSP_REQ_WRITE_MEM_BIN);
	ck_assert_int_eq(parse("X100,3:zz"), RSP_REQ_MALFORMED);
}
END_TEST

START_TEST(test_parse_points_and_resume)
{
	ck_assert_int_eq(parse("Z0,7c10,1"), RSP_REQ_INSERT_POINT);
	ck_assert_int_eq(req.point, RSP_SWBREAK);
	ck_assert_uint_eq(req.addr, 0x7c10);
	ck_assert_uint_eq(req.len, 1);
	ck_assert_int_eq(parse("z2,500,4"), RSP_REQ_REMOVE_POINT);
	ck_assert_int_eq(req.point, RSP_WATCH_WRITE);
	ck_assert_int_eq(parse("Z4,500,8;X1,0"), RSP_REQ_INSERT_POINT); /* a condition: ignored */
	ck_assert_int_eq(req.point, RSP_WATCH_ACCESS);
	ck_assert_int_eq(parse("Z5,500,8"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("Z0,500"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("c"), RSP_REQ_CONTINUE);
	ck_assert(!req.has_addr);
	ck_assert_int_eq(parse("c7c00"), RSP_REQ_CONTINUE);
	ck_assert(req.has_addr);
	ck_assert_int_eq(parse("s"), RSP_REQ_STEP);
	ck_assert_int_eq(parse("C05;100"), RSP_REQ_CONTINUE);
	ck_assert_int_eq(req.sig, 5);
	ck_assert_uint_eq(req.addr, 0x100);
	ck_assert_int_eq(parse("S"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("bc"), RSP_REQ_REVERSE_CONTINUE);
	ck_assert_int_eq(parse("bs"), RSP_REQ_REVERSE_STEP);
	ck_assert_int_eq(parse("bx"), RSP_REQ_UNKNOWN);
	ck_assert_int_eq(parse("vCont?"), RSP_REQ_VCONT_QUERY);
	ck_assert_int_eq(parse("vCont;s:1;c"), RSP_REQ_VCONT);
	ck_assert_uint_eq(req.nactions, 2);
	ck_assert_int_eq(req.actions[0].action, 's');
	ck_assert_int_eq(req.actions[0].thread, 1);
	ck_assert_int_eq(req.actions[1].action, 'c');
	ck_assert_int_eq(req.actions[1].thread, RSP_THREAD_ALL);
	ck_assert_int_eq(parse("vCont;C02:-1"), RSP_REQ_VCONT);
	ck_assert_int_eq(req.actions[0].sig, 2);
	ck_assert_int_eq(parse("vCont;r10,20:2"), RSP_REQ_VCONT);
	ck_assert_uint_eq(req.actions[0].end, 0x20);
	ck_assert_int_eq(parse("vCont;q"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("vCont;"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("vCont;c;c;c;c;c;c;c;c;c"), RSP_REQ_MALFORMED); /* more than RSP_VCONT_MAX */
}
END_TEST

START_TEST(test_parse_queries_threads)
{
	ck_assert_int_eq(parse("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+"), RSP_REQ_SUPPORTED);
	ck_assert(req.gdb_swbreak && req.gdb_hwbreak);
	ck_assert_int_eq(parse("qSupported"), RSP_REQ_SUPPORTED);
	ck_assert(!req.gdb_swbreak);
	ck_assert_int_eq(parse("qXfer:features:read:target.xml:0,ffb"), RSP_REQ_XFER_FEATURES);
	ck_assert_str_eq(req.text, "target.xml");
	ck_assert_uint_eq(req.len, 0xffb);
	ck_assert_int_eq(parse("qXfer:features:read:target.xml"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("qRcmd,68656c70"), RSP_REQ_RCMD);
	ck_assert_str_eq(req.text, "help");
	ck_assert_int_eq(parse("qRcmd,6"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("qRcmd,"), RSP_REQ_RCMD);
	ck_assert_str_eq(req.text, "");
	ck_assert_int_eq(parse("Hg0"), RSP_REQ_SET_THREAD);
	ck_assert_int_eq(req.op, 'g');
	ck_assert_int_eq(req.thread, RSP_THREAD_ANY);
	ck_assert_int_eq(parse("Hc-1"), RSP_REQ_SET_THREAD);
	ck_assert_int_eq(req.thread, RSP_THREAD_ALL);
	ck_assert_int_eq(parse("Hgq"), RSP_REQ_MALFORMED);
	ck_assert_int_eq(parse("T2"), RSP_REQ_THREAD_ALIVE);
	ck_assert_int_eq(req.thread, 2);
	ck_assert_int_eq(parse("qfThreadInfo"), RSP_REQ_THREAD_FIRST);
	ck_assert_int_eq(parse("qsThreadInfo"), RSP_REQ_THREAD_NEXT);
	ck_assert_int_eq(parse("qC"), RSP_REQ_CURRENT_THREAD);
	ck_assert_int_eq(parse("qThreadExtraInfo,1"), RSP_REQ_THREAD_EXTRA);
	ck_assert_int_eq(parse("qAttached"), RSP_REQ_ATTACHED);
	ck_assert_int_eq(parse("qAttached:1"), RSP_REQ_ATTACHED);
	ck_assert_int_eq(parse("QStartNoAckMode"), RSP_REQ_START_NOACK);
	ck_assert_int_eq(parse("D"), RSP_REQ_DETACH);
	ck_assert_int_eq(parse("D;1"), RSP_REQ_DETACH);
	ck_assert_int_eq(parse("k"), RSP_REQ_KILL);
	ck_assert_int_eq(parse("vKill;1"), RSP_REQ_KILL);
	ck_assert_int_eq(parse("vMustReplyEmpty"), RSP_REQ_MUST_REPLY_EMPTY);
	ck_assert_int_eq(parse("qSymbol::"), RSP_REQ_SYMBOL);
	ck_assert_int_eq(parse("qOffsets"), RSP_REQ_OFFSETS);
	ck_assert_int_eq(parse("qTStatus"), RSP_REQ_TSTATUS);
	ck_assert_int_eq(parse("qGetTLSAddr:1,2,3"), RSP_REQ_UNKNOWN);
	ck_assert_int_eq(parse("vFile:open:"), RSP_REQ_UNKNOWN);
	ck_assert_int_eq(parse("!"), RSP_REQ_UNKNOWN);
	rsp_parse(pbuf, 0, &req);
	ck_assert_int_eq(req.kind, RSP_REQ_UNKNOWN);
}
END_TEST

static const char *out_str(uint8_t *buf, size_t n)
{
	static char s[512];
	memcpy(s, buf, n);
	s[n] = 0;
	return s;
}

START_TEST(test_replies)
{
	uint8_t buf[256];
	size_t n = rsp_reply(buf, sizeof(buf), "OK");
	ck_assert_str_eq(out_str(buf, n), "$OK#9a");
	n = rsp_reply(buf, sizeof(buf), "");
	ck_assert_str_eq(out_str(buf, n), "$#00");
	ck_assert_uint_eq(rsp_reply(buf, 5, "OK"), 0); /* does not fit */
	struct rsp_out o;
	rsp_out_begin(&o, buf, sizeof(buf));
	rsp_out_le(&o, 0x7c00, 4);
	rsp_out_unavailable(&o, 2);
	rsp_out_u64(&o, 0);
	rsp_out_u64(&o, 0xabc);
	n = rsp_out_end(&o);
	ck_assert_str_eq(out_str(buf, n), "$007c0000xxxx0abc#f0");
	/* binary escapes: $ # } * become } and the byte ^ 0x20 */
	rsp_out_begin(&o, buf, sizeof(buf));
	rsp_out_bin(&o, "a$#}*", 5);
	n = rsp_out_end(&o);
	ck_assert_int_eq(memcmp(buf, "$a}\x04}\x03}]}\x0a#", 11), 0);
	/* a console line */
	n = rsp_reply_console(buf, sizeof(buf), "hi\n", 3);
	ck_assert_str_eq(out_str(buf, n), "$O68690a#bd");
	/* round trip: our own frames through our framer */
	struct rsp_conn c;
	uint8_t in[64];
	rsp_conn_init(&c, in, sizeof(in));
	rsp_out_begin(&o, buf, sizeof(buf));
	rsp_out_bin(&o, "x}#$*y", 6);
	n = rsp_out_end(&o);
	ck_assert_int_eq(feed(&c, (char *)buf, n, NULL), RSP_EV_PACKET);
	ck_assert_uint_eq(c.len, 6);
	ck_assert_int_eq(memcmp(c.pkt, "x}#$*y", 6), 0);
}
END_TEST

START_TEST(test_stop_replies)
{
	uint8_t buf[128];
	struct rsp_stop st = {.sig = RSP_SIGTRAP, .reason = RSP_STOP_PLAIN, .thread = 1};
	size_t n = rsp_reply_stop(buf, sizeof(buf), &st);
	ck_assert_str_eq(out_str(buf, n) + 0, "$T05thread:1;#d7");
	st.reason = RSP_STOP_WATCH;
	st.addr = 0x5000;
	n = rsp_reply_stop(buf, sizeof(buf), &st);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$T05watch:5000;thread:1;");
	st.reason = RSP_STOP_RWATCH;
	n = rsp_reply_stop(buf, sizeof(buf), &st);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$T05rwatch:5000;thread:1;");
	st.reason = RSP_STOP_AWATCH;
	n = rsp_reply_stop(buf, sizeof(buf), &st);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$T05awatch:5000;thread:1;");
	st.reason = RSP_STOP_REPLAY_BEGIN;
	n = rsp_reply_stop(buf, sizeof(buf), &st);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$T05replaylog:begin;thread:1;");
	st.reason = RSP_STOP_REPLAY_END;
	st.thread = 0;
	n = rsp_reply_stop(buf, sizeof(buf), &st);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$T05replaylog:end;");
	st = (struct rsp_stop){.sig = RSP_SIGINT, .reason = RSP_STOP_SWBREAK, .thread = 0x1f};
	n = rsp_reply_stop(buf, sizeof(buf), &st);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$T02swbreak:;thread:1f;");
}
END_TEST

START_TEST(test_xfer_chunks)
{
	uint8_t buf[64];
	const char *doc = "<target>$#</target>";
	size_t dl = strlen(doc);
	size_t n = rsp_reply_xfer(buf, sizeof(buf), doc, dl, 0, 8);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$m<target>");
	n = rsp_reply_xfer(buf, sizeof(buf), doc, dl, 8, 100);
	buf[n - 3] = 0;
	ck_assert_str_eq((char *)buf, "$l}\x04}\x03</target>");
	n = rsp_reply_xfer(buf, sizeof(buf), doc, dl, dl, 100);
	ck_assert_str_eq(out_str(buf, n), "$l#6c");
	/* a small buffer: a chunk, never an overflow */
	n = rsp_reply_xfer(buf, 16, doc, dl, 0, 100);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(buf[1], 'm');
}
END_TEST

/* The sizes gdb's own features have (gdb/features/i386/ in gdb's sources): a longer `g` is refused. */
START_TEST(test_layouts_match_gdb)
{
	unsigned n;
	const struct gdb_reg_desc *r = gdb_regs(GDB_LAYOUT_AMD64, &n);
	ck_assert_str_eq(r[0].name, "rax");
	ck_assert_str_eq(r[16].name, "rip");
	ck_assert_str_eq(r[17].name, "eflags");
	ck_assert_str_eq(r[24].name, "st0");
	ck_assert_str_eq(r[40].name, "xmm0");
	ck_assert_str_eq(r[56].name, "mxcsr");
	ck_assert_str_eq(r[57].name, "fs_base");
	ck_assert_uint_eq(gdb_reg_offset(GDB_LAYOUT_AMD64, 40), 276); /* core */
	ck_assert_uint_eq(gdb_reg_offset(GDB_LAYOUT_AMD64, 57), 536); /* + sse */
	ck_assert_uint_eq(gdb_reg_offset(GDB_LAYOUT_AMD64, 59), 552); /* + segments */
	ck_assert_uint_eq(gdb_regs_size(GDB_LAYOUT_AMD64), 552 + 5 * 8);
	ck_assert_int_eq(r[0].src, RV_REG_RAX);
	ck_assert_int_eq(r[1].src, RV_REG_RBX);
	ck_assert_int_eq(r[16].src, RV_REG_RIP);
	r = gdb_regs(GDB_LAYOUT_I386, &n);
	ck_assert_str_eq(r[0].name, "eax");
	ck_assert_str_eq(r[8].name, "eip");
	ck_assert_str_eq(r[16].name, "st0");
	ck_assert_str_eq(r[32].name, "xmm0");
	ck_assert_str_eq(r[40].name, "mxcsr");
	ck_assert_uint_eq(gdb_reg_offset(GDB_LAYOUT_I386, 32), 176);
	ck_assert_uint_eq(gdb_reg_offset(GDB_LAYOUT_I386, 41), 308);
	ck_assert_int_eq(r[4].src, RV_REG_RSP);
	ck_assert_int_eq(r[8].src, RV_REG_RIP);
	size_t len;
	const char *x = gdb_tdesc(GDB_LAYOUT_AMD64, &len);
	ck_assert_uint_eq(len, strlen(x));
	ck_assert_ptr_nonnull(strstr(x, "<architecture>i386:x86-64</architecture>"));
	ck_assert_ptr_nonnull(strstr(x, "<feature name=\"org.gnu.gdb.i386.core\">"));
	ck_assert_ptr_nonnull(strstr(x, "<feature name=\"org.gnu.gdb.i386.sse\">"));
	ck_assert_ptr_nonnull(strstr(x, "<reg name=\"gs_base\" bitsize=\"64\""));
	ck_assert_ptr_nonnull(strstr(x, "</target>\n"));
	x = gdb_tdesc(GDB_LAYOUT_I386, &len);
	ck_assert_ptr_nonnull(strstr(x, "<architecture>i386</architecture>"));
	ck_assert_ptr_null(strstr(x, "rax"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gdb_rsp");
	TCase *tc = tcase_create("rsp");
	tcase_add_test(tc, test_framing_ack_and_checksum);
	tcase_add_test(tc, test_framing_resync_escape_rle);
	tcase_add_test(tc, test_framing_oversize);
	tcase_add_test(tc, test_parse_registers_memory);
	tcase_add_test(tc, test_parse_points_and_resume);
	tcase_add_test(tc, test_parse_queries_threads);
	tcase_add_test(tc, test_replies);
	tcase_add_test(tc, test_stop_replies);
	tcase_add_test(tc, test_xfer_chunks);
	tcase_add_test(tc, test_layouts_match_gdb);
	suite_add_tcase(s, tc);
	return check_run(s);
}
