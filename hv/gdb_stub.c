/*
 * gdb_stub.c - the live GDB stub's packets: bytes from COM2 through the protocol layer
 * (gdb/rsp.c frames and parses them; nothing here parses a packet) to the target
 * (gdb_target.c), and the replies back.
 *
 * gdb sees one thread, the debugged VM. The description served is x86-64's (the amd64 layout of
 * gdb/regs_desc.h) whatever mode the VM is in, since it may reach long mode at any time, until
 * gdb asks for another with `monitor arch` (gdb/retrovisor.py does at every stop, from
 * `monitor mode`, so that gdb decodes real-mode and 32-bit code right; the same two commands
 * as the replay stub's). Addresses in m/M/X/Z packets are linear: the guest's paging applies,
 * as it does for the CPU's own breakpoints.
 *
 * Robustness: a packet with a bad checksum or longer than the buffer is answered '-' by the
 * protocol layer and dropped; an unknown packet gets the empty reply, a malformed one E01. The
 * stub never waits for gdb except in gdb_wait, which the scheduler calls only when no VM can
 * run; a client that goes away leaves the VM held, the other VMs running.
 */
#include "gdb.h"
#include "lib.h"
#include "regs_desc.h"
#include "retrovisor/exit_status.h"
#include "rsp.h"
#include "trace.h"
#include "x86.h"

#define GDB_PKT_MAX 4096 /* PacketSize (hex 1000): the largest packet gdb may send */
#define GDB_THREAD 1     /* the VM's thread id */
#define GDB_LAYOUT gdb_arch_layout(served)

static uint8_t pkt_buf[GDB_PKT_MAX];
static uint8_t out_buf[2 * GDB_PKT_MAX + 64];
static uint8_t mem_buf[GDB_PKT_MAX / 2];
static size_t out_len; /* the last reply, resent on '-' */
static struct rsp_conn conn;
static int waiting_stop; /* gdb resumed the VM and waits for a stop reply */
static int gdb_hwbreak;  /* gdb offered the hwbreak stop reason (qSupported) */
static enum gdb_arch served = GDB_ARCH_X86_64; /* the description gdb reads (monitor arch) */
static char mon_buf[512];

static void send(size_t n)
{
	out_len = n;
	for (size_t i = 0; i < n; i++)
		gdb_uart_putc(out_buf[i]);
}

static void reply(const char *s) { send(rsp_reply(out_buf, sizeof(out_buf), s)); }

static void reply_stop(void)
{
	struct rsp_stop st = {.sig = RSP_SIGTRAP, .reason = RSP_STOP_PLAIN, .thread = GDB_THREAD};
	if (!gdb_vm->running) {
		/* The VM ended (halted, shut down, stopped by the hypervisor): gdb's process exited. */
		reply(rv_vm_ended_normally(gdb_vm->stop_why, gdb_vm->stop_status) ? "W00" : "W01");
		return;
	}
	if (gdb_stop_why == GDB_STOP_INTERRUPT) {
		st.sig = RSP_SIGINT;
	} else if (gdb_stop_why == GDB_STOP_BREAK && gdb_stop_watch) {
		st.reason = gdb_stop_watch == 2 ? RSP_STOP_WATCH : RSP_STOP_AWATCH;
		st.addr = gdb_stop_addr;
	} else if (gdb_stop_why == GDB_STOP_BREAK && gdb_hwbreak) {
		st.reason = RSP_STOP_HWBREAK; /* PC is the breakpoint's: gdb must not back it up */
	}
	send(rsp_reply_stop(out_buf, sizeof(out_buf), &st));
}

static void read_regs(void)
{
	unsigned n;
	const struct gdb_reg_desc *r = gdb_regs(GDB_LAYOUT, &n);
	struct rsp_out o;
	rsp_out_begin(&o, out_buf, sizeof(out_buf));
	for (unsigned i = 0; i < n; i++) {
		if (r[i].src == GDB_SRC_NONE)
			rsp_out_unavailable(&o, r[i].bits / 8u);
		else
			rsp_out_le(&o, gdb_target_reg(gdb_vm, r[i].src), r[i].bits / 8u);
	}
	send(rsp_out_end(&o));
}

static void read_reg(unsigned i)
{
	unsigned n;
	const struct gdb_reg_desc *r = gdb_regs(GDB_LAYOUT, &n);
	struct rsp_out o;
	if (i >= n) {
		reply("E01");
		return;
	}
	rsp_out_begin(&o, out_buf, sizeof(out_buf));
	if (r[i].src == GDB_SRC_NONE)
		rsp_out_unavailable(&o, r[i].bits / 8u);
	else
		rsp_out_le(&o, gdb_target_reg(gdb_vm, r[i].src), r[i].bits / 8u);
	send(rsp_out_end(&o));
}

static uint64_t le_value(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n < 8 ? n : 8; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* P: one register; G: every register the block covers (only those the target can write may
 * differ from their current values). */
static void write_reg(unsigned i, const uint8_t *data, size_t len)
{
	unsigned n;
	const struct gdb_reg_desc *r = gdb_regs(GDB_LAYOUT, &n);
	if (i >= n || len != r[i].bits / 8u || r[i].src == GDB_SRC_NONE ||
	    gdb_target_set_reg(gdb_vm, r[i].src, le_value(data, len))) {
		reply("E01");
		return;
	}
	reply("OK");
}

static void write_regs(const uint8_t *data, size_t len)
{
	unsigned n;
	const struct gdb_reg_desc *r = gdb_regs(GDB_LAYOUT, &n);
	for (unsigned i = 0; i < n; i++) {
		unsigned off = gdb_reg_offset(GDB_LAYOUT, i), sz = r[i].bits / 8u;
		if (off + sz > len || r[i].src == GDB_SRC_NONE)
			continue;
		uint64_t v = le_value(data + off, sz);
		if (v != gdb_target_reg(gdb_vm, r[i].src) && gdb_target_set_reg(gdb_vm, r[i].src, v)) {
			reply("E01");
			return;
		}
	}
	reply("OK");
}

static void read_mem(uint64_t addr, uint64_t len)
{
	if (len > sizeof(mem_buf))
		len = sizeof(mem_buf); /* a short answer is allowed; gdb asks for the rest */
	unsigned got = gdb_target_read(gdb_vm, addr, mem_buf, (unsigned)len);
	if (!got && len) {
		reply("E14"); /* EFAULT: nothing readable there */
		return;
	}
	struct rsp_out o;
	rsp_out_begin(&o, out_buf, sizeof(out_buf));
	rsp_out_hex(&o, mem_buf, got);
	send(rsp_out_end(&o));
}

static void write_mem(uint64_t addr, const uint8_t *data, size_t len)
{
	if (gdb_target_write(gdb_vm, addr, data, (unsigned)len) != len)
		reply("E14");
	else
		reply("OK");
}

static void resume(int step)
{
	waiting_stop = 1;
	gdb_target_resume(gdb_vm, step);
}

static void point(const struct rsp_req *q, int insert)
{
	int r = gdb_target_point(gdb_vm, (unsigned)q->point, q->addr, q->len, insert);
	reply(r == -2 ? "" : r ? "E01" : "OK"); /* empty: a kind the CPU does not have (rwatch) */
}

static void vcont(const struct rsp_req *q)
{
	/* One thread: the first action that applies to it (or to all) decides. */
	for (unsigned i = 0; i < q->nactions; i++) {
		const struct rsp_vcont_action *a = &q->actions[i];
		if (a->thread != RSP_THREAD_ALL && a->thread != GDB_THREAD && a->thread != RSP_THREAD_ANY)
			continue;
		if (a->action == 's' || a->action == 'S') {
			resume(1);
			return;
		}
		if (a->action == 'c' || a->action == 'C') {
			resume(0);
			return;
		}
		break;
	}
	reply("E01");
}

static enum gdb_arch mode_arch(unsigned bits)
{
	return bits == 64 ? GDB_ARCH_X86_64 : bits == 32 ? GDB_ARCH_I386 : GDB_ARCH_I8086;
}

/* `monitor CMD`: the answer is text for gdb's console, sent hex-encoded. */
static void monitor(const char *cmd)
{
	unsigned bits = gdb_target_bits(gdb_vm);
	const char *mode = bits == 64 ? "long" : bits == 32 ? "protected" : "real";
	int n = 0;

	while (*cmd == ' ')
		cmd++;
	if (bits == 16 && (gdb_target_reg(gdb_vm, GDB_SRC_CR0) & CR0_PE))
		mode = "protected16";
	if (!strcmp(cmd, "mode")) {
		/* one line, read by gdb/retrovisor.py: mode, the architecture it needs, the one served */
		n = snprintf(mon_buf, sizeof(mon_buf), "mode: %s %s %s cr0=0x%lx efer=0x%lx cs=0x%lx bits=%u\n", mode,
			     gdb_arch_bfd_name(mode_arch(bits)), gdb_arch_bfd_name(served),
			     gdb_target_reg(gdb_vm, GDB_SRC_CR0), gdb_target_reg(gdb_vm, GDB_SRC_EFER),
			     gdb_target_reg(gdb_vm, GDB_SRC_SEL_CS), bits);
	} else if (!memcmp(cmd, "arch", 4) && (cmd[4] == ' ' || !cmd[4])) {
		const char *a = cmd + 4;
		while (*a == ' ')
			a++;
		if (!strcmp(a, "auto"))
			served = mode_arch(bits);
		for (int i = 0; i < GDB_NARCHS; i++)
			if (!strcmp(a, gdb_arch_bfd_name((enum gdb_arch)i)))
				served = (enum gdb_arch)i;
		n = snprintf(mon_buf, sizeof(mon_buf), "arch %s\n", gdb_arch_bfd_name(served));
	} else {
		n = snprintf(mon_buf, sizeof(mon_buf),
			     "%s%s(live stub of VM %d, %s)\n"
			     "  mode                     the CPU mode, the gdb architecture it needs, the one served\n"
			     "  arch [auto|i8086|i386|i386:x86-64]  the target description served from now on\n"
			     "                           (then `unset tdesc filename`; gdb/retrovisor.py does both)\n",
			     strcmp(cmd, "help") && cmd[0] ? "unknown monitor command; " : "", "monitor commands ",
			     gdb_vm->id, gdb_vm->cfg.name);
	}
	(void)n;
	struct rsp_out o;
	rsp_out_begin(&o, out_buf, sizeof(out_buf));
	rsp_out_hexstr(&o, mon_buf);
	send(rsp_out_end(&o));
}

static void detach(void)
{
	reply("OK");
	waiting_stop = 0;
	gdb_target_detach(gdb_vm);
}

static void answer(struct rsp_req *q)
{
	switch (q->kind) {
	case RSP_REQ_HALT_REASON:
		if (gdb_vm->state != VM_DEBUG && gdb_vm->running)
			gdb_target_stop(gdb_vm);
		reply_stop();
		break;
	case RSP_REQ_READ_REGS: read_regs(); break;
	case RSP_REQ_READ_REG: read_reg(q->reg); break;
	case RSP_REQ_WRITE_REG: write_reg(q->reg, q->data, q->data_len); break;
	case RSP_REQ_WRITE_REGS: write_regs(q->data, q->data_len); break;
	case RSP_REQ_READ_MEM: read_mem(q->addr, q->len); break;
	case RSP_REQ_WRITE_MEM:
	case RSP_REQ_WRITE_MEM_BIN: write_mem(q->addr, q->data, q->data_len); break;
	case RSP_REQ_INSERT_POINT: point(q, 1); break;
	case RSP_REQ_REMOVE_POINT: point(q, 0); break;
	case RSP_REQ_CONTINUE:
	case RSP_REQ_STEP:
		if (q->has_addr && gdb_target_set_reg(gdb_vm, RV_REG_RIP, q->addr)) {
			reply("E01");
			break;
		}
		resume(q->kind == RSP_REQ_STEP);
		break;
	case RSP_REQ_VCONT_QUERY: reply("vCont;c;C;s;S"); break;
	case RSP_REQ_VCONT: vcont(q); break;
	case RSP_REQ_SUPPORTED:
		gdb_hwbreak = q->gdb_hwbreak;
		reply("PacketSize=1000;QStartNoAckMode+;qXfer:features:read+;hwbreak+;vContSupported+");
		break;
	case RSP_REQ_XFER_FEATURES: {
		size_t len;
		const char *doc = gdb_tdesc_arch(served, &len);
		if (strcmp(q->text, "target.xml"))
			reply("E00");
		else
			send(rsp_reply_xfer(out_buf, sizeof(out_buf), doc, len, q->addr, q->len));
		break;
	}
	case RSP_REQ_SET_THREAD: reply("OK"); break;
	case RSP_REQ_THREAD_ALIVE:
		reply(q->thread == GDB_THREAD || q->thread == RSP_THREAD_ALL || q->thread == RSP_THREAD_ANY ? "OK" : "E01");
		break;
	case RSP_REQ_THREAD_FIRST: reply("m1"); break;
	case RSP_REQ_THREAD_NEXT: reply("l"); break;
	case RSP_REQ_CURRENT_THREAD: reply("QC1"); break;
	case RSP_REQ_THREAD_EXTRA: {
		struct rsp_out o;
		rsp_out_begin(&o, out_buf, sizeof(out_buf));
		rsp_out_hexstr(&o, gdb_vm->cfg.name);
		send(rsp_out_end(&o));
		break;
	}
	case RSP_REQ_ATTACHED: reply("1"); break; /* quitting gdb detaches: the VM goes on */
	case RSP_REQ_START_NOACK:
		reply("OK");
		conn.no_ack = true;
		break;
	case RSP_REQ_DETACH:
	case RSP_REQ_KILL: detach(); break; /* never ends the VM or the hypervisor */
	case RSP_REQ_SYMBOL: reply("OK"); break;
	case RSP_REQ_RCMD: monitor(q->text); break;
	case RSP_REQ_MALFORMED: reply("E01"); break;
	case RSP_REQ_READ_MEM_BIN:       /* gdb falls back to m */
	case RSP_REQ_REVERSE_CONTINUE:   /* the past is the replay stub's (hvreplay gdb) */
	case RSP_REQ_REVERSE_STEP:
	case RSP_REQ_OFFSETS:
	case RSP_REQ_TSTATUS:
	case RSP_REQ_MUST_REPLY_EMPTY:
	case RSP_REQ_UNKNOWN:
	default: reply(""); break;
	}
}

/* Every byte waiting in the port, through the protocol layer. */
static void serve_input(void)
{
	int c;
	while ((c = gdb_uart_getc()) >= 0) {
		char ack = 0;
		enum rsp_event ev = rsp_feed(&conn, (uint8_t)c, &ack);
		if (ack)
			gdb_uart_putc((uint8_t)ack);
		switch (ev) {
		case RSP_EV_PACKET: {
			struct rsp_req q;
			rsp_parse(conn.pkt, conn.len, &q);
			answer(&q);
			break;
		}
		case RSP_EV_INTERRUPT:
			if (gdb_vm->state != VM_DEBUG)
				gdb_target_stop(gdb_vm);
			else if (waiting_stop)
				gdb_stop_pending = 1;
			break;
		case RSP_EV_NACK:
			for (size_t i = 0; i < out_len; i++)
				gdb_uart_putc(out_buf[i]);
			break;
		default:
			break; /* acks, bad checksums and oversize packets (answered '-'), noise */
		}
	}
}

void gdb_poll(void)
{
	serve_input();
	if (waiting_stop && (gdb_stop_pending || !gdb_vm->running)) {
		waiting_stop = 0;
		gdb_stop_pending = 0;
		reply_stop();
	}
}

void gdb_wait(void)
{
	while (gdb_vm->state == VM_DEBUG) {
		gdb_poll();
		__asm__ volatile("pause");
	}
}

void gdb_init(struct vm *vm)
{
	rsp_conn_init(&conn, pkt_buf, sizeof(pkt_buf));
	gdb_uart_init();
	gdb_target_init(vm);
	hv_printf("hv: VM %d (%s) waits for the debugger on COM2 (hvrun --gdb)", vm->id, vm->cfg.name);
}
