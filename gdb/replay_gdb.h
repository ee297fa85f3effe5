/*
 * replay_gdb.h - the replay stub's target layer: answers the requests of gdb/rsp.h from a
 * recording through the public replay API (include/retrovisor/hvreplay.h). One gdb thread per
 * VM of the trace (thread id = VM index + 1); each VM has its own session and its own position
 * in time. replay_server.c owns the socket; this layer owns no I/O except through the
 * callbacks below, so it can be driven from a test.
 */
#ifndef RETROVISOR_GDB_REPLAY_GDB_H
#define RETROVISOR_GDB_REPLAY_GDB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retrovisor/hvreplay.h"

#include "regs_desc.h"
#include "rsp.h"

#define RGDB_MAX_VMS 16
#define RGDB_MAX_POINTS 64
/* The largest packet gdb may send (qSupported PacketSize); replies get twice as much room. */
#define RGDB_PACKET_SIZE 0x4000
#define RGDB_REPLY_SIZE (2 * RGDB_PACKET_SIZE + 16)

/* One recorded exit of a VM: the index behind "exit N of M", next/prev exit, percentages. */
struct rgdb_exit {
	uint64_t num, icount;
	unsigned reason;
};

struct rgdb_vm {
	unsigned id;
	char name[4 * 32 + 1]; /* from the trace, sanitized (hvt_sanitize_str: \xHH for what is not printable) */
	struct rp_session *s; /* opened on first use */
	struct rgdb_exit *exits;
	size_t nexits;
	uint64_t end_icount; /* the VM's last instruction count (its end of history) */
	bool long_mode;      /* it sets EFER.LME at some point (monitor vm says so) */
};

struct rgdb_point {
	enum rsp_point type;
	uint64_t addr, len;
};

struct rgdb {
	const char *path;
	struct rgdb_vm vm[RGDB_MAX_VMS];
	unsigned nvms, cur;     /* cur: the VM gdb looks at (Hg) */
	unsigned first;         /* the VM a new client starts on (--vm) */
	bool arch_forced;       /* --arch: the description at connection */
	enum gdb_arch arch;     /* the description gdb has read (qXfer) and `g` follows */
	struct rgdb_point pt[RGDB_MAX_POINTS];
	unsigned npt;
	unsigned catch_reasons[RGDB_MAX_POINTS]; /* monitor catch: continue stops at these exits */
	unsigned ncatch;
	bool swbreak, hwbreak;  /* gdb takes these stop reasons (qSupported) */
	struct rsp_stop last;   /* the last stop, for `?` */
	/* Ctrl-C while resuming: poll(ctx) is called between chunks and returns true when gdb sent
	 * 0x03; then the resume is cancelled and the position goes back to where it started. */
	bool (*poll_interrupt)(void *ctx);
	void *poll_ctx;
	atomic_int cancel;
	uint64_t chunk;         /* instructions between polls; 0: the library's default */
};

/* Open the trace's VMs (sessions open lazily), index their exits, pick the description.
 * first_vm: the VM id to start on. arch: -1 auto (the mode of the VM's first instruction),
 * else enum gdb_arch. */
int rgdb_open(struct rgdb *g, const char *path, unsigned first_vm, int arch, struct hvt_err *err);
void rgdb_close(struct rgdb *g);
/* A new client: every VM back at its first instruction, no breakpoints or watchpoints, the
 * description of the mode there. */
void rgdb_reset(struct rgdb *g);
/* The session of the current VM (opening it if needed), or NULL with err set. */
struct rp_session *rgdb_session(struct rgdb *g, struct hvt_err *err);

/* Answer one request into out (a framed reply, rsp_out_*). Returns false when the session with
 * this client ends (D, k): the caller sends the reply and closes the connection. */
bool rgdb_answer(struct rgdb *g, const struct rsp_req *req, uint8_t *out, size_t cap, size_t *out_len);

/* Monitor commands (replay_monitor.c): the command line, output text into buf. */
void rgdb_monitor(struct rgdb *g, const char *cmd, char *buf, size_t size);
/* The CPU mode at a position ("real", "protected", "protected16", "long") and the gdb
 * architecture that disassembles it. */
const char *rgdb_mode_name(const struct rp_state *st);
enum gdb_arch rgdb_mode_arch(const struct rp_state *st);

/* hvreplay gdb (replay_server.c) */
int rgdb_main(int argc, char **argv);

#endif
