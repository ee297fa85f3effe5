/*
 * rsp.c - the GDB Remote Serial Protocol without a target (see rsp.h): framing with checksums,
 * acknowledgements, escapes and run-length decoding; requests parsed into struct rsp_req;
 * replies framed. Freestanding: no libc, no allocation, no I/O; the hypervisor links it too.
 *
 * Facts from the GDB manual, appendix E "Remote Protocol":
 *  - E.1: a packet is `$` data `#` two hex digits, the modulo-256 sum of the data bytes as sent.
 *    The receiver answers `+` (good) or `-` (resend) until QStartNoAckMode (E.4) turns both off.
 *    Binary data escapes `#` `$` `}` `*` (0x23 0x24 0x7d 0x2a) as `}` then the byte XOR 0x20.
 *    Run-length encoding `X*n` repeats X (n - 29) more times; gdb sends it only in replies, but
 *    nothing forbids it the other way, so it is decoded here (n is a printable char 32..126,
 *    never `#` or `$`).
 *  - E.11: gdb interrupts a running target by sending the single byte 0x03 outside a packet.
 */
#include "rsp.h"

enum { ST_IDLE, ST_DATA, ST_CSUM1, ST_CSUM2 }; /* ST_IDLE = 0: rsp_in_packet() */

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* does pkt[0, len) start with the NUL-terminated prefix p? */
static bool starts(const uint8_t *pkt, size_t len, const char *p)
{
	size_t n = str_len(p);
	if (n > len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pkt[i] != (uint8_t)p[i])
			return false;
	return true;
}

static bool equals(const uint8_t *pkt, size_t len, const char *p)
{
	return str_len(p) == len && starts(pkt, len, p);
}

int rsp_hex_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool rsp_hex_decode(const uint8_t *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = rsp_hex_value(s[2 * i]), lo = rsp_hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ---- framing ----------------------------------------------------------------------------- */
void rsp_conn_init(struct rsp_conn *c, uint8_t *buf, size_t cap)
{
	c->pkt = buf;
	c->cap = cap;
	c->len = 0;
	c->no_ack = false;
	c->state = ST_IDLE;
	c->sum = c->rx_sum = 0;
	c->escape = c->overflow = c->bad = c->rle = false;
	if (cap)
		buf[0] = 0;
}

static bool starts_session(const struct rsp_conn *c)
{
	static const char q[] = "qSupported";
	if (c->len < sizeof(q) - 1 || (c->len > sizeof(q) - 1 && c->pkt[sizeof(q) - 1] != ':'))
		return false;
	for (size_t i = 0; i < sizeof(q) - 1; i++)
		if (c->pkt[i] != (uint8_t)q[i])
			return false;
	return true;
}

static void start_packet(struct rsp_conn *c)
{
	c->state = ST_DATA;
	c->len = 0;
	c->sum = 0;
	c->escape = c->overflow = c->bad = c->rle = false;
}

static void put(struct rsp_conn *c, uint8_t b)
{
	if (c->len + 1 < c->cap)
		c->pkt[c->len++] = b;
	else
		c->overflow = true;
}

enum rsp_event rsp_feed(struct rsp_conn *c, uint8_t b, char *ack)
{
	*ack = 0;
	switch (c->state) {
	case ST_IDLE:
		if (b == '$') {
			start_packet(c);
			return RSP_EV_NONE;
		}
		if (b == 0x03)
			return RSP_EV_INTERRUPT;
		if (b == '+')
			return RSP_EV_ACK;
		if (b == '-')
			return RSP_EV_NACK;
		return RSP_EV_GARBAGE;
	case ST_DATA:
		if (b == '$') { /* a new start inside a packet: gdb gave up on the old one, resync */
			start_packet(c);
			return RSP_EV_NONE;
		}
		if (b == '#') {
			c->state = ST_CSUM1;
			return RSP_EV_NONE;
		}
		c->sum = (uint8_t)(c->sum + b);
		if (c->rle) { /* the count after `*`: repeat the previous byte (b - 29) more times */
			c->rle = false;
			if (b < 32 || b > 126 || c->len == 0) {
				c->bad = true;
				return RSP_EV_NONE;
			}
			uint8_t prev = c->pkt[c->len - 1];
			for (int i = 0; i < b - 29; i++)
				put(c, prev);
		} else if (c->escape) {
			c->escape = false;
			put(c, b ^ 0x20);
		} else if (b == '}') {
			c->escape = true;
		} else if (b == '*') {
			c->rle = true;
		} else {
			put(c, b);
		}
		return RSP_EV_NONE;
	case ST_CSUM1: {
		int v = rsp_hex_value(b);
		c->rx_sum = (uint8_t)((v < 0 ? 0 : v) << 4);
		if (v < 0)
			c->bad = true;
		c->state = ST_CSUM2;
		return RSP_EV_NONE;
	}
	default: { /* ST_CSUM2 */
		int v = rsp_hex_value(b);
		c->state = ST_IDLE;
		if (v < 0)
			c->bad = true;
		c->rx_sum = (uint8_t)(c->rx_sum | (v < 0 ? 0 : v));
		if (c->cap)
			c->pkt[c->len < c->cap ? c->len : c->cap - 1] = 0;
		enum rsp_event ev;
		if (c->overflow)
			ev = RSP_EV_OVERSIZE;
		else if (c->bad || c->escape || c->rle || c->rx_sum != c->sum)
			ev = RSP_EV_BAD_CSUM;
		else
			ev = RSP_EV_PACKET;
		/* qSupported is the first packet of every connection (E.4): a debugger that connects
		 * anew after another went away (hvrun --gdb relays one at a time) starts in
		 * acknowledgement mode, whatever the last one turned off. */
		if (ev == RSP_EV_PACKET && starts_session(c))
			c->no_ack = false;
		if (!c->no_ack)
			*ack = ev == RSP_EV_PACKET ? '+' : '-';
		if (ev != RSP_EV_PACKET)
			c->len = 0;
		return ev;
	}
	}
}

/* ---- requests ---------------------------------------------------------------------------- */
/* A hex number at *p (at least one digit, at most 16); advances *p. */
static bool hex_num(const uint8_t *pkt, size_t len, size_t *p, uint64_t *v)
{
	size_t i = *p, nd = 0;
	uint64_t x = 0;
	int d;
	while (i < len && (d = rsp_hex_value(pkt[i])) >= 0) {
		if (++nd > 16)
			return false;
		x = x << 4 | (uint64_t)d;
		i++;
	}
	if (!nd)
		return false;
	*p = i;
	*v = x;
	return true;
}

static bool expect(const uint8_t *pkt, size_t len, size_t *p, char ch)
{
	if (*p < len && pkt[*p] == (uint8_t)ch) {
		(*p)++;
		return true;
	}
	return false;
}

/* A thread-id (E.1): "-1" (all), "0" (any) or a positive hex number. */
static bool thread_id(const uint8_t *pkt, size_t len, size_t *p, int64_t *t)
{
	uint64_t v;
	if (*p + 1 < len + 1 && *p < len && pkt[*p] == '-') {
		if (*p + 1 < len && pkt[*p + 1] == '1') {
			*p += 2;
			*t = RSP_THREAD_ALL;
			return true;
		}
		return false;
	}
	if (!hex_num(pkt, len, p, &v) || v > INT32_MAX)
		return false;
	*t = (int64_t)v;
	return true;
}

/* "addr,len" */
static bool addr_len(const uint8_t *pkt, size_t len, size_t *p, struct rsp_req *r)
{
	return hex_num(pkt, len, p, &r->addr) && expect(pkt, len, p, ',') && hex_num(pkt, len, p, &r->len);
}

/* decode the hex text from p to the end in place at pkt + p */
static bool hex_tail(uint8_t *pkt, size_t len, size_t p, struct rsp_req *r)
{
	size_t n = len - p;
	if (n % 2 || !rsp_hex_decode(pkt + p, n / 2, pkt + p))
		return false;
	r->data = pkt + p;
	r->data_len = n / 2;
	pkt[p + n / 2] = 0;
	return true;
}

static void parse_resume(const uint8_t *pkt, size_t len, struct rsp_req *r, bool with_sig)
{
	size_t p = 1;
	uint64_t v;
	if (with_sig) {
		if (!hex_num(pkt, len, &p, &v) || v > 255)
			goto bad;
		r->sig = (uint8_t)v;
		if (p < len && !expect(pkt, len, &p, ';'))
			goto bad;
	}
	if (p < len) {
		if (!hex_num(pkt, len, &p, &r->addr) || p != len)
			goto bad;
		r->has_addr = true;
	}
	return;
bad:
	r->kind = RSP_REQ_MALFORMED;
}

/* vCont;action[:thread](;action[:thread])* (E.2 "vCont") */
static void parse_vcont(const uint8_t *pkt, size_t len, struct rsp_req *r)
{
	size_t p = 5;
	r->kind = RSP_REQ_VCONT;
	while (p < len) {
		uint64_t v;
		if (!expect(pkt, len, &p, ';') || p >= len || r->nactions == RSP_VCONT_MAX)
			goto bad;
		struct rsp_vcont_action *a = &r->actions[r->nactions++];
		a->action = (char)pkt[p++];
		a->sig = 0;
		a->thread = RSP_THREAD_ALL;
		a->start = a->end = 0;
		switch (a->action) {
		case 'c':
		case 's':
		case 't':
			break;
		case 'C':
		case 'S':
			if (!hex_num(pkt, len, &p, &v) || v > 255)
				goto bad;
			a->sig = (uint8_t)v;
			break;
		case 'r':
			if (!hex_num(pkt, len, &p, &a->start) || !expect(pkt, len, &p, ',') ||
			    !hex_num(pkt, len, &p, &a->end))
				goto bad;
			break;
		default:
			goto bad;
		}
		if (expect(pkt, len, &p, ':') && !thread_id(pkt, len, &p, &a->thread))
			goto bad;
	}
	if (!r->nactions)
		goto bad;
	return;
bad:
	r->kind = RSP_REQ_MALFORMED;
}

/* qSupported[:feature(;feature)*]: note whether gdb takes the swbreak and hwbreak stop reasons */
static void parse_supported(uint8_t *pkt, size_t len, struct rsp_req *r)
{
	r->kind = RSP_REQ_SUPPORTED;
	r->text = (const char *)pkt + (len > 10 ? 11 : len);
	for (size_t p = 11; p < len;) {
		size_t e = p;
		while (e < len && pkt[e] != ';')
			e++;
		if (equals(pkt + p, e - p, "swbreak+"))
			r->gdb_swbreak = true;
		if (equals(pkt + p, e - p, "hwbreak+"))
			r->gdb_hwbreak = true;
		p = e + 1;
	}
}

/* qXfer:features:read:annex:offset,length */
static void parse_xfer(uint8_t *pkt, size_t len, struct rsp_req *r)
{
	size_t p = 20, a = p; /* after "qXfer:features:read:" */
	while (p < len && pkt[p] != ':')
		p++;
	if (p >= len)
		goto bad;
	pkt[p++] = 0; /* terminate the annex */
	r->text = (const char *)pkt + a;
	if (!addr_len(pkt, len, &p, r) || p != len)
		goto bad;
	r->kind = RSP_REQ_XFER_FEATURES;
	return;
bad:
	r->kind = RSP_REQ_MALFORMED;
}

static void parse_q(uint8_t *pkt, size_t len, struct rsp_req *r)
{
	size_t p;
	if (starts(pkt, len, "qSupported") && (len == 10 || pkt[10] == ':'))
		parse_supported(pkt, len, r);
	else if (starts(pkt, len, "qXfer:features:read:"))
		parse_xfer(pkt, len, r);
	else if (starts(pkt, len, "qRcmd,")) {
		r->kind = RSP_REQ_RCMD;
		if (!hex_tail(pkt, len, 6, r))
			r->kind = RSP_REQ_MALFORMED;
		r->text = (const char *)pkt + 6;
	} else if (equals(pkt, len, "qfThreadInfo"))
		r->kind = RSP_REQ_THREAD_FIRST;
	else if (equals(pkt, len, "qsThreadInfo"))
		r->kind = RSP_REQ_THREAD_NEXT;
	else if (equals(pkt, len, "qC"))
		r->kind = RSP_REQ_CURRENT_THREAD;
	else if (equals(pkt, len, "qAttached") || starts(pkt, len, "qAttached:"))
		r->kind = RSP_REQ_ATTACHED;
	else if (starts(pkt, len, "qThreadExtraInfo,")) {
		p = 17;
		r->kind = thread_id(pkt, len, &p, &r->thread) && p == len ? RSP_REQ_THREAD_EXTRA : RSP_REQ_MALFORMED;
	} else if (starts(pkt, len, "qSymbol:"))
		r->kind = RSP_REQ_SYMBOL;
	else if (equals(pkt, len, "qOffsets"))
		r->kind = RSP_REQ_OFFSETS;
	else if (equals(pkt, len, "qTStatus"))
		r->kind = RSP_REQ_TSTATUS;
}

static void parse_point(const uint8_t *pkt, size_t len, struct rsp_req *r)
{
	size_t p = 1;
	uint64_t type;
	r->kind = pkt[0] == 'Z' ? RSP_REQ_INSERT_POINT : RSP_REQ_REMOVE_POINT;
	/* Z type,addr,kind[;cond...]: conditions and commands after the kind are ignored */
	if (!hex_num(pkt, len, &p, &type) || type > 4 || !expect(pkt, len, &p, ',') ||
	    !addr_len(pkt, len, &p, r) || (p < len && pkt[p] != ';'))
		r->kind = RSP_REQ_MALFORMED;
	else
		r->point = (enum rsp_point)type;
}

static void parse_mem(uint8_t *pkt, size_t len, struct rsp_req *r)
{
	size_t p = 1;
	bool ok = addr_len(pkt, len, &p, r);
	switch (pkt[0]) {
	case 'm':
		r->kind = RSP_REQ_READ_MEM;
		ok = ok && p == len;
		break;
	case 'x':
		r->kind = RSP_REQ_READ_MEM_BIN;
		ok = ok && p == len;
		break;
	case 'M':
		r->kind = RSP_REQ_WRITE_MEM;
		ok = ok && expect(pkt, len, &p, ':') && hex_tail(pkt, len, p, r) && r->data_len == r->len;
		break;
	default: /* 'X': the data is binary, unescaped already by the framing */
		r->kind = RSP_REQ_WRITE_MEM_BIN;
		ok = ok && expect(pkt, len, &p, ':') && len - p == r->len;
		r->data = pkt + p;
		r->data_len = len - p;
		break;
	}
	if (!ok)
		r->kind = RSP_REQ_MALFORMED;
}

void rsp_parse(uint8_t *pkt, size_t len, struct rsp_req *r)
{
	/* every field zero */
	uint8_t *z = (uint8_t *)r;
	for (size_t i = 0; i < sizeof(*r); i++)
		z[i] = 0;
	r->kind = RSP_REQ_UNKNOWN;
	r->text = "";
	if (!len)
		return;
	size_t p = 1;
	uint64_t v;
	switch (pkt[0]) {
	case '?':
		if (len == 1)
			r->kind = RSP_REQ_HALT_REASON;
		break;
	case 'g':
		if (len == 1)
			r->kind = RSP_REQ_READ_REGS;
		break;
	case 'G':
		r->kind = hex_tail(pkt, len, 1, r) ? RSP_REQ_WRITE_REGS : RSP_REQ_MALFORMED;
		break;
	case 'p':
		r->kind = hex_num(pkt, len, &p, &v) && p == len && v < 4096 ? RSP_REQ_READ_REG : RSP_REQ_MALFORMED;
		r->reg = (unsigned)v;
		break;
	case 'P':
		r->kind = hex_num(pkt, len, &p, &v) && v < 4096 && expect(pkt, len, &p, '=') && hex_tail(pkt, len, p, r)
				  ? RSP_REQ_WRITE_REG
				  : RSP_REQ_MALFORMED;
		r->reg = (unsigned)v;
		break;
	case 'm':
	case 'M':
	case 'x':
	case 'X':
		parse_mem(pkt, len, r);
		break;
	case 'Z':
	case 'z':
		parse_point(pkt, len, r);
		break;
	case 'c':
	case 's':
		r->kind = pkt[0] == 'c' ? RSP_REQ_CONTINUE : RSP_REQ_STEP;
		parse_resume(pkt, len, r, false);
		break;
	case 'C':
	case 'S':
		r->kind = pkt[0] == 'C' ? RSP_REQ_CONTINUE : RSP_REQ_STEP;
		parse_resume(pkt, len, r, true);
		break;
	case 'b':
		if (equals(pkt, len, "bc"))
			r->kind = RSP_REQ_REVERSE_CONTINUE;
		else if (equals(pkt, len, "bs"))
			r->kind = RSP_REQ_REVERSE_STEP;
		break;
	case 'v':
		if (equals(pkt, len, "vCont?"))
			r->kind = RSP_REQ_VCONT_QUERY;
		else if (starts(pkt, len, "vCont;"))
			parse_vcont(pkt, len, r);
		else if (starts(pkt, len, "vKill"))
			r->kind = RSP_REQ_KILL;
		else if (equals(pkt, len, "vMustReplyEmpty"))
			r->kind = RSP_REQ_MUST_REPLY_EMPTY;
		break;
	case 'H':
		if (len < 3 || !(pkt[1] == 'g' || pkt[1] == 'c')) {
			r->kind = len >= 2 ? RSP_REQ_UNKNOWN : RSP_REQ_MALFORMED;
			break;
		}
		r->op = (char)pkt[1];
		p = 2;
		r->kind = thread_id(pkt, len, &p, &r->thread) && p == len ? RSP_REQ_SET_THREAD : RSP_REQ_MALFORMED;
		break;
	case 'T':
		r->kind = thread_id(pkt, len, &p, &r->thread) && p == len ? RSP_REQ_THREAD_ALIVE : RSP_REQ_MALFORMED;
		break;
	case 'q':
		parse_q(pkt, len, r);
		break;
	case 'Q':
		if (equals(pkt, len, "QStartNoAckMode"))
			r->kind = RSP_REQ_START_NOACK;
		break;
	case 'D':
		if (len == 1 || pkt[1] == ';')
			r->kind = RSP_REQ_DETACH;
		break;
	case 'k':
		if (len == 1)
			r->kind = RSP_REQ_KILL;
		break;
	}
}

/* ---- replies ----------------------------------------------------------------------------- */
static const char hexdig[] = "0123456789abcdef";

static void raw(struct rsp_out *o, uint8_t b, bool sum)
{
	if (o->len + 3 >= o->cap) { /* keep room for "#cs" */
		o->overflow = true;
		return;
	}
	o->buf[o->len++] = b;
	if (sum)
		o->sum = (uint8_t)(o->sum + b);
}

void rsp_out_begin(struct rsp_out *o, uint8_t *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->sum = 0;
	o->overflow = cap < 4;
	if (!o->overflow)
		buf[o->len++] = '$';
}

/* a payload byte, escaped when it is one of the framing characters (E.1) */
static void payload(struct rsp_out *o, uint8_t b)
{
	if (b == '$' || b == '#' || b == '}' || b == '*') {
		raw(o, '}', true);
		raw(o, b ^ 0x20, true);
	} else {
		raw(o, b, true);
	}
}

void rsp_out_char(struct rsp_out *o, char ch)
{
	payload(o, (uint8_t)ch);
}

void rsp_out_str(struct rsp_out *o, const char *s)
{
	while (*s)
		payload(o, (uint8_t)*s++);
}

void rsp_out_hex(struct rsp_out *o, const void *data, size_t n)
{
	const uint8_t *d = data;
	for (size_t i = 0; i < n; i++) {
		raw(o, (uint8_t)hexdig[d[i] >> 4], true);
		raw(o, (uint8_t)hexdig[d[i] & 15], true);
	}
}

void rsp_out_hexstr(struct rsp_out *o, const char *s)
{
	rsp_out_hex(o, s, str_len(s));
}

void rsp_out_u64(struct rsp_out *o, uint64_t v)
{
	int shift = 60;
	while (shift > 0 && !(v >> shift & 15))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		raw(o, (uint8_t)hexdig[v >> shift & 15], true);
}

void rsp_out_le(struct rsp_out *o, uint64_t v, unsigned nbytes)
{
	for (unsigned i = 0; i < nbytes; i++) {
		uint8_t b = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
		rsp_out_hex(o, &b, 1);
	}
}

void rsp_out_unavailable(struct rsp_out *o, unsigned nbytes)
{
	for (unsigned i = 0; i < 2 * nbytes; i++)
		raw(o, 'x', true);
}

void rsp_out_bin(struct rsp_out *o, const void *data, size_t n)
{
	const uint8_t *d = data;
	for (size_t i = 0; i < n; i++)
		payload(o, d[i]);
}

size_t rsp_out_end(struct rsp_out *o)
{
	if (o->overflow || o->len + 3 > o->cap)
		return 0;
	o->buf[o->len++] = '#';
	o->buf[o->len++] = (uint8_t)hexdig[o->sum >> 4];
	o->buf[o->len++] = (uint8_t)hexdig[o->sum & 15];
	return o->len;
}

size_t rsp_reply(uint8_t *buf, size_t cap, const char *s)
{
	struct rsp_out o;
	rsp_out_begin(&o, buf, cap);
	rsp_out_str(&o, s);
	return rsp_out_end(&o);
}

size_t rsp_reply_xfer(uint8_t *buf, size_t cap, const char *doc, size_t doc_len, uint64_t off, uint64_t len)
{
	struct rsp_out o;
	rsp_out_begin(&o, buf, cap);
	if (off >= doc_len) {
		rsp_out_char(&o, 'l');
		return rsp_out_end(&o);
	}
	/* escaping can double a byte: send at most what fits twice over, the rest in the next chunk */
	uint64_t n = doc_len - off;
	if (n > len)
		n = len;
	if (cap > 8 && n > (cap - 8) / 2)
		n = (cap - 8) / 2;
	rsp_out_char(&o, off + n < doc_len ? 'm' : 'l');
	rsp_out_bin(&o, doc + off, (size_t)n);
	return rsp_out_end(&o);
}

size_t rsp_reply_stop(uint8_t *buf, size_t cap, const struct rsp_stop *st)
{
	static const char *const names[] = {
		[RSP_STOP_WATCH] = "watch", [RSP_STOP_RWATCH] = "rwatch", [RSP_STOP_AWATCH] = "awatch",
		[RSP_STOP_SWBREAK] = "swbreak", [RSP_STOP_HWBREAK] = "hwbreak",
		[RSP_STOP_REPLAY_BEGIN] = "replaylog", [RSP_STOP_REPLAY_END] = "replaylog",
	};
	struct rsp_out o;
	rsp_out_begin(&o, buf, cap);
	rsp_out_char(&o, 'T');
	rsp_out_hex(&o, &st->sig, 1);
	if (st->reason != RSP_STOP_PLAIN && (unsigned)st->reason < sizeof(names) / sizeof(names[0])) {
		rsp_out_str(&o, names[st->reason]);
		rsp_out_char(&o, ':');
		if (st->reason <= RSP_STOP_AWATCH)
			rsp_out_u64(&o, st->addr);
		else if (st->reason == RSP_STOP_REPLAY_BEGIN)
			rsp_out_str(&o, "begin");
		else if (st->reason == RSP_STOP_REPLAY_END)
			rsp_out_str(&o, "end");
		rsp_out_char(&o, ';');
	}
	if (st->thread > 0) {
		rsp_out_str(&o, "thread:");
		rsp_out_u64(&o, (uint64_t)st->thread);
		rsp_out_char(&o, ';');
	}
	return rsp_out_end(&o);
}

size_t rsp_reply_console(uint8_t *buf, size_t cap, const char *text, size_t n)
{
	struct rsp_out o;
	rsp_out_begin(&o, buf, cap);
	rsp_out_char(&o, 'O');
	rsp_out_hex(&o, text, n);
	return rsp_out_end(&o);
}
