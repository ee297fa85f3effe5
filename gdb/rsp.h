/*
 * rsp.h - the GDB Remote Serial Protocol without a target: bytes to framed packets, packets to
 * tagged requests, replies to framed bytes. Shared by the replay stub (gdb/replay_*.c, hosted)
 * and the live stub inside the hypervisor (freestanding), so this layer is freestanding C:
 * <stddef.h>/<stdint.h>/<stdbool.h> only, caller-provided buffers, no allocation, no I/O.
 *
 * The protocol is the one of the GDB manual, appendix "Remote Protocol" (E.1 Overview: framing
 * `$payload#cs`, the `}` escape, `*` run-length encoding; E.11 Interrupts: a bare 0x03 byte;
 * E.3 Stop Reply Packets; E.4 General Query Packets).
 *
 * A stub's loop:
 *     struct rsp_conn c; rsp_conn_init(&c, buf, sizeof buf);
 *     for each byte b received:
 *         switch (rsp_feed(&c, b, &ack)) {   // ack: '+' or '-' to send back, or 0
 *         case RSP_EV_PACKET: rsp_parse(c.pkt, c.len, &req); answer req; break;
 *         case RSP_EV_INTERRUPT: stop the target; ...
 *         }
 * and each reply is built with rsp_out_begin / rsp_out_* / rsp_out_end into a buffer it sends.
 */
#ifndef RETROVISOR_GDB_RSP_H
#define RETROVISOR_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- framing: bytes in, packets out ------------------------------------------------------ */
enum rsp_event {
	RSP_EV_NONE,      /* byte consumed, nothing complete yet */
	RSP_EV_PACKET,    /* a whole packet with a good checksum: c->pkt[0, c->len), NUL-terminated */
	RSP_EV_INTERRUPT, /* 0x03 outside a packet: gdb's Ctrl-C (E.11) */
	RSP_EV_ACK,       /* '+' from gdb */
	RSP_EV_NACK,      /* '-' from gdb: resend the last reply */
	RSP_EV_BAD_CSUM,  /* a packet whose checksum did not match (answered '-' unless no-ack) */
	RSP_EV_OVERSIZE,  /* a packet longer than the buffer: dropped whole, answered '-' */
	RSP_EV_GARBAGE,   /* a byte outside any packet that means nothing: ignored */
};

struct rsp_conn {
	uint8_t *pkt;     /* caller's buffer; payload after unescaping and run-length decoding */
	size_t cap;       /* its size; payloads up to cap - 1 bytes (one for the NUL) */
	size_t len;
	bool no_ack;      /* after QStartNoAckMode: send no '+'/'-' */
	/* private state */
	uint8_t state, sum, rx_sum;
	bool escape, overflow, bad, rle;
};

void rsp_conn_init(struct rsp_conn *c, uint8_t *buf, size_t cap);
/* Between packets (a 0x03 here is an interrupt), or in the middle of one. */
static inline bool rsp_in_packet(const struct rsp_conn *c)
{
	return c->state != 0;
}
/* Feed one received byte. *ack is set to the acknowledgement to send ('+', '-') or 0. */
enum rsp_event rsp_feed(struct rsp_conn *c, uint8_t byte, char *ack);

/* ---- requests ---------------------------------------------------------------------------- */
#define RSP_THREAD_ALL (-1) /* thread-id "-1" */
#define RSP_THREAD_ANY 0    /* thread-id "0" */
#define RSP_VCONT_MAX 8

enum rsp_req_kind {
	RSP_REQ_UNKNOWN,      /* answer with the empty reply */
	RSP_REQ_MALFORMED,    /* a known packet with bad arguments: answer E01-like */
	RSP_REQ_HALT_REASON,  /* ? */
	RSP_REQ_READ_REGS,    /* g */
	RSP_REQ_WRITE_REGS,   /* G data (decoded) */
	RSP_REQ_READ_REG,     /* p reg */
	RSP_REQ_WRITE_REG,    /* P reg=data (decoded) */
	RSP_REQ_READ_MEM,     /* m addr,len */
	RSP_REQ_WRITE_MEM,    /* M addr,len:data (decoded) */
	RSP_REQ_READ_MEM_BIN, /* x addr,len */
	RSP_REQ_WRITE_MEM_BIN,/* X addr,len:data (unescaped) */
	RSP_REQ_INSERT_POINT, /* Z type,addr,kind */
	RSP_REQ_REMOVE_POINT, /* z type,addr,kind */
	RSP_REQ_CONTINUE,     /* c [addr], C sig[;addr] */
	RSP_REQ_STEP,         /* s [addr], S sig[;addr] */
	RSP_REQ_REVERSE_CONTINUE, /* bc */
	RSP_REQ_REVERSE_STEP, /* bs */
	RSP_REQ_VCONT_QUERY,  /* vCont? */
	RSP_REQ_VCONT,        /* vCont;action[:thread]... */
	RSP_REQ_SUPPORTED,    /* qSupported[:features] */
	RSP_REQ_XFER_FEATURES,/* qXfer:features:read:annex:off,len */
	RSP_REQ_RCMD,         /* qRcmd,hex (decoded, NUL-terminated) */
	RSP_REQ_SET_THREAD,   /* H op thread */
	RSP_REQ_THREAD_ALIVE, /* T thread */
	RSP_REQ_THREAD_FIRST, /* qfThreadInfo */
	RSP_REQ_THREAD_NEXT,  /* qsThreadInfo */
	RSP_REQ_CURRENT_THREAD, /* qC */
	RSP_REQ_THREAD_EXTRA, /* qThreadExtraInfo,thread */
	RSP_REQ_ATTACHED,     /* qAttached[:pid] */
	RSP_REQ_START_NOACK,  /* QStartNoAckMode */
	RSP_REQ_DETACH,       /* D[;pid] */
	RSP_REQ_KILL,         /* k, vKill;pid */
	RSP_REQ_MUST_REPLY_EMPTY, /* vMustReplyEmpty: the empty reply */
	RSP_REQ_SYMBOL,       /* qSymbol:: -> OK */
	RSP_REQ_OFFSETS,      /* qOffsets */
	RSP_REQ_TSTATUS,      /* qTStatus */
};

enum rsp_point { RSP_SWBREAK = 0, RSP_HWBREAK = 1, RSP_WATCH_WRITE = 2, RSP_WATCH_READ = 3, RSP_WATCH_ACCESS = 4 };

struct rsp_vcont_action {
	char action;    /* 'c', 'C', 's', 'S', 't', 'r' */
	uint8_t sig;    /* C, S */
	int64_t thread; /* RSP_THREAD_ALL when the action names none */
	uint64_t start, end; /* r start,end */
};

struct rsp_req {
	enum rsp_req_kind kind;
	uint64_t addr, len;   /* m M x X Z z (len = kind for Z/z) ; qXfer: offset, length */
	bool has_addr;        /* c/s/C/S with an address */
	unsigned reg;         /* p P */
	enum rsp_point point; /* Z z */
	uint8_t sig;          /* C S */
	char op;              /* H: 'g', 'c' */
	int64_t thread;       /* H T qThreadExtraInfo */
	const uint8_t *data;  /* G P M X: the bytes to write (decoded in the packet buffer) */
	size_t data_len;
	const char *text;     /* qRcmd: the command, NUL-terminated; qSupported: gdb's features;
	                         qXfer: the annex (NUL-terminated) */
	unsigned nactions;    /* vCont */
	struct rsp_vcont_action actions[RSP_VCONT_MAX];
	bool gdb_swbreak, gdb_hwbreak; /* qSupported: gdb offered swbreak+/hwbreak+ stop reasons */
};

/* Parse one packet payload (from rsp_feed). Modifies pkt in place (hex payloads are decoded
 * there, annexes NUL-terminated): req->data and req->text point into it. Never fails: a known
 * packet with bad arguments is RSP_REQ_MALFORMED, anything else RSP_REQ_UNKNOWN. */
void rsp_parse(uint8_t *pkt, size_t len, struct rsp_req *req);

/* ---- replies ----------------------------------------------------------------------------- */
struct rsp_out {
	uint8_t *buf;
	size_t cap, len;
	uint8_t sum;
	bool overflow; /* something did not fit: rsp_out_end fails */
};

/* "$": start a reply packet in buf */
void rsp_out_begin(struct rsp_out *o, uint8_t *buf, size_t cap);
void rsp_out_str(struct rsp_out *o, const char *s);       /* payload text, escaped where needed */
void rsp_out_char(struct rsp_out *o, char ch);
void rsp_out_hex(struct rsp_out *o, const void *data, size_t n); /* each byte as two hex digits */
void rsp_out_hexstr(struct rsp_out *o, const char *s);    /* a string hex-encoded (O, qRcmd) */
void rsp_out_u64(struct rsp_out *o, uint64_t v);          /* hex, no leading zeros */
void rsp_out_le(struct rsp_out *o, uint64_t v, unsigned nbytes); /* register value, target order */
void rsp_out_unavailable(struct rsp_out *o, unsigned nbytes);    /* "xx" per byte */
void rsp_out_bin(struct rsp_out *o, const void *data, size_t n); /* binary, escaping $ # } * */
/* "#cs": finish; returns the framed length, or 0 when it did not fit */
size_t rsp_out_end(struct rsp_out *o);
/* a whole reply of one string: "$s#cs" */
size_t rsp_reply(uint8_t *buf, size_t cap, const char *s);
/* one qXfer chunk of a document: 'm' + data when more follows, 'l' + data for the last */
size_t rsp_reply_xfer(uint8_t *buf, size_t cap, const char *doc, size_t doc_len, uint64_t off, uint64_t len);

/* A stop reply (E.3): T<sig> then the reason pairs, thread last. */
enum rsp_stop_reason {
	RSP_STOP_PLAIN,         /* signal only */
	RSP_STOP_WATCH,         /* watch:addr; */
	RSP_STOP_RWATCH,        /* rwatch:addr; */
	RSP_STOP_AWATCH,        /* awatch:addr; */
	RSP_STOP_SWBREAK,       /* swbreak:; (only if gdb offered it) */
	RSP_STOP_HWBREAK,       /* hwbreak:; */
	RSP_STOP_REPLAY_BEGIN,  /* replaylog:begin; the start of history going backward */
	RSP_STOP_REPLAY_END,    /* replaylog:end; the end of history going forward */
};
struct rsp_stop {
	uint8_t sig;            /* 5 SIGTRAP, 2 SIGINT */
	enum rsp_stop_reason reason;
	uint64_t addr;          /* watch/rwatch/awatch: the data address */
	int64_t thread;         /* > 0: thread:N; */
};
#define RSP_SIGINT 2
#define RSP_SIGTRAP 5
size_t rsp_reply_stop(uint8_t *buf, size_t cap, const struct rsp_stop *st);
/* console output while running: "O" + hex */
size_t rsp_reply_console(uint8_t *buf, size_t cap, const char *text, size_t n);

/* ---- helpers ----------------------------------------------------------------------------- */
int rsp_hex_value(uint8_t ch); /* 0-15, or -1 */
/* decode 2n hex digits at s into n bytes at out (may equal s); false on a non-hex digit */
bool rsp_hex_decode(const uint8_t *s, size_t n, uint8_t *out);

#endif
