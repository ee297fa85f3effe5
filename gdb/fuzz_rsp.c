/*
 * fuzz_rsp.c - libFuzzer target for the GDB protocol layer (gdb/rsp.c), which both stubs expose
 * to whatever connects: the input is the byte stream a client sends. Every byte goes through
 * the framer (a small buffer, so oversize packets are common), every packet through the parser,
 * and each request's fields must stay inside the packet; replies are built from what was parsed.
 * Round trip: a payload framed with binary escapes by rsp_out_bin comes back identical.
 *
 * Built by `make build/fuzz/fuzz_rsp`; `make check-fuzz` (and so `make check`) runs it for
 * FUZZ_RSP_TIME (10) s (gdb/gdb.mk).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regs_desc.h"
#include "rsp.h"

static void round_trip(const uint8_t *p, size_t n)
{
	static uint8_t out[2 * 300 + 8], back[300];
	struct rsp_out o;
	rsp_out_begin(&o, out, sizeof(out));
	rsp_out_bin(&o, p, n);
	size_t len = rsp_out_end(&o);
	if (!len)
		abort(); /* 2n + 4 bytes always fit */
	struct rsp_conn c;
	rsp_conn_init(&c, back, sizeof(back));
	enum rsp_event ev = RSP_EV_NONE;
	char ack;
	for (size_t i = 0; i < len; i++)
		ev = rsp_feed(&c, out[i], &ack);
	if (ev != RSP_EV_PACKET || c.len != n || memcmp(c.pkt, p, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[256];
	struct rsp_conn c;
	rsp_conn_init(&c, buf, sizeof(buf));
	c.no_ack = size && (data[0] & 1);
	for (size_t i = 0; i < size; i++) {
		char ack;
		enum rsp_event ev = rsp_feed(&c, data[i], &ack);
		if (c.len >= c.cap)
			abort();
		if (ev != RSP_EV_PACKET)
			continue;
		round_trip(c.pkt, c.len);
		size_t len = c.len;
		struct rsp_req r;
		rsp_parse(c.pkt, len, &r);
		/* what the request points at lies inside the packet */
		if (r.data && (r.data < buf || r.data + r.data_len > buf + len + 1))
			abort();
		if (r.kind != RSP_REQ_UNKNOWN && r.text[0] && ((const uint8_t *)r.text < buf ||
							     (const uint8_t *)r.text + strlen(r.text) > buf + sizeof(buf)))
			abort();
		if (r.nactions > RSP_VCONT_MAX)
			abort();
		uint8_t out[1024];
		size_t dl;
		const char *doc = gdb_tdesc_arch((enum gdb_arch)(r.addr % GDB_NARCHS), &dl);
		rsp_reply_xfer(out, sizeof(out), doc, dl, r.addr, r.len);
		struct rsp_stop st = {.sig = r.sig, .reason = (enum rsp_stop_reason)(r.len % 8), .addr = r.addr,
				      .thread = r.thread};
		rsp_reply_stop(out, sizeof(out), &st);
		struct rsp_out o;
		rsp_out_begin(&o, out, sizeof(out));
		if (r.data)
			rsp_out_hex(&o, r.data, r.data_len);
		rsp_out_u64(&o, r.addr);
		rsp_out_le(&o, r.len, (unsigned)(r.reg % 17));
		rsp_out_end(&o);
	}
	return 0;
}
