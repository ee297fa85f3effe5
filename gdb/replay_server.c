/*
 * replay_server.c - `hvreplay gdb FILE [--vm N] [--port P]`: the replay stub's socket. Listens on
 * 127.0.0.1 only (a recording may hold anything the guest saw), serves one gdb at a time, and
 * keeps serving after a client leaves, misbehaves or never speaks:
 *   - bytes go through the protocol layer (gdb/rsp.c): a bad checksum is NACKed, an oversize
 *     packet dropped, garbage between packets ignored;
 *   - a client that connects and sends no packet is dropped when another one connects, or after
 *     --idle-timeout seconds; one that stops in the middle of a packet for that long is dropped;
 *   - a client that disconnects, mid-packet or not, just ends its connection;
 *   - during a long resume the socket is polled between chunks: 0x03 (gdb's Ctrl-C) cancels it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "retrovisor/exit_status.h"

#include "replay_gdb.h"

static const char usage[] =
	"usage: hvreplay gdb [options] FILE\n"
	"\n"
	"Serve a recording to gdb (GDB remote protocol, time travel included) on 127.0.0.1.\n"
	"  --vm N             the VM to start on (default: the first; each VM is a gdb thread)\n"
	"  --port P           TCP port (default 0: any free port); the port is printed on stdout as\n"
	"                     \"listening on 127.0.0.1:P\"\n"
	"  --arch A           the target description at connection: auto (default: the mode of the\n"
	"                     current position), i8086, i386 or i386:x86-64; gdb/retrovisor.py\n"
	"                     follows the guest's mode changes from there\n"
	"  --idle-timeout S   drop a client silent for S seconds before its first packet or in the\n"
	"                     middle of one (default 10)\n"
	"  --once             exit after the first client leaves\n"
	"  --debug            show every packet on stderr\n"
	"  -h, --help         this text\n"
	"\n"
	"Then: gdb -x gdb/retrovisor.gdb -ex 'target remote 127.0.0.1:P' (or make replay-gdb TRACE=FILE).\n"
	"Exit status: 0 served, 2 the trace cannot be read, 4 a socket error, 64 usage.\n";

struct client {
	int fd;
	struct rsp_conn conn;
	uint8_t in[RGDB_PACKET_SIZE + 1];
	uint8_t out[RGDB_REPLY_SIZE];
	size_t out_len;
	/* bytes received, not yet fed to the framer: [head, n). A resume scans them (and the socket)
	 * for gdb's 0x03, which may have come in the same read as the packet that started it. */
	uint8_t pending[65536];
	size_t head, n;
	bool spoke;            /* a whole packet arrived */
};

static int debug; /* --debug: every packet on stderr */

static bool send_all(int fd, const void *buf, size_t n)
{
	if (debug && n > 1)
		fprintf(stderr, "<- %.*s\n", (int)(n > 200 ? 200 : n), (const char *)buf);
	const uint8_t *p = buf;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read what the socket has into pending (wait up to ms); false when the client is gone.
 * *got (may be NULL) gets the number of bytes read. */
static bool fill_n(struct client *c, int ms, size_t *got_n)
{
	if (got_n)
		*got_n = 0;
	if (c->head == c->n)
		c->head = c->n = 0;
	if (c->n == sizeof(c->pending)) { /* compact */
		memmove(c->pending, c->pending + c->head, c->n - c->head);
		c->n -= c->head;
		c->head = 0;
	}
	if (c->n == sizeof(c->pending))
		return true; /* full: feed before reading more */
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	int r = poll(&pfd, 1, ms);
	if (r <= 0)
		return r == 0 || errno == EINTR;
	ssize_t got = recv(c->fd, c->pending + c->n, sizeof(c->pending) - c->n, 0);
	if (got < 0 && errno == EINTR)
		return true;
	if (got <= 0)
		return false;
	c->n += (size_t)got;
	if (got_n)
		*got_n = (size_t)got;
	return true;
}

static bool fill(struct client *c, int ms)
{
	return fill_n(c, ms, NULL);
}

/* Between chunks of a resume: did gdb send 0x03? It is taken out of the byte stream. */
static bool poll_interrupt(void *ctx)
{
	struct client *c = ctx;
	if (!fill(c, 0))
		return true; /* gone: stop the resume, the loop will see the close */
	for (size_t i = c->head; i < c->n; i++)
		if (c->pending[i] == 0x03 && !rsp_in_packet(&c->conn)) {
			memmove(c->pending + i, c->pending + i + 1, c->n - i - 1);
			c->n--;
			return true;
		}
	return false;
}

/* One byte from gdb: returns false when the session with this client is over. */
static bool on_byte(struct rgdb *g, struct client *c, uint8_t b, bool *ok)
{
	char ack;
	enum rsp_event ev = rsp_feed(&c->conn, b, &ack);
	if (ack && !send_all(c->fd, &ack, 1))
		return *ok = false;
	if (debug && ev != RSP_EV_NONE && ev != RSP_EV_PACKET && ev != RSP_EV_ACK)
		fprintf(stderr, "-- event %d (byte %#x)\n", (int)ev, b);
	switch (ev) {
	case RSP_EV_NACK:
		return !c->out_len || send_all(c->fd, c->out, c->out_len) || (*ok = false);
	case RSP_EV_INTERRUPT: { /* not running: stopped already, say so */
		struct rsp_stop st = {.sig = RSP_SIGINT, .thread = g->cur + 1};
		c->out_len = rsp_reply_stop(c->out, sizeof(c->out), &st);
		return send_all(c->fd, c->out, c->out_len) || (*ok = false);
	}
	case RSP_EV_PACKET: {
		struct rsp_req req;
		c->spoke = true;
		if (debug)
			fprintf(stderr, "-> %.*s\n", (int)(c->conn.len > 200 ? 200 : c->conn.len), (const char *)c->conn.pkt);
		rsp_parse(c->conn.pkt, c->conn.len, &req);
		g->poll_interrupt = poll_interrupt;
		g->poll_ctx = c;
		bool keep = rgdb_answer(g, &req, c->out, sizeof(c->out), &c->out_len);
		if (!c->out_len) /* cannot happen with RGDB_REPLY_SIZE; never leave gdb waiting */
			c->out_len = rsp_reply(c->out, sizeof(c->out), "E16");
		if (!send_all(c->fd, c->out, c->out_len))
			return *ok = false;
		if (req.kind == RSP_REQ_START_NOACK)
			c->conn.no_ack = true;
		return keep;
	}
	default:
		return true;
	}
}

static void serve(struct rgdb *g, struct client *c, int lfd, int idle_ms)
{
	rgdb_reset(g); /* each gdb starts at the VM's first instruction, with no breakpoints */
	rsp_conn_init(&c->conn, c->in, sizeof(c->in));
	c->out_len = 0;
	c->head = c->n = 0;
	c->spoke = false;
	bool ok = true;
	for (;;) {
		while (c->head < c->n)
			if (!on_byte(g, c, c->pending[c->head++], &ok))
				return;
		struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
		bool waiting = !c->spoke || rsp_in_packet(&c->conn); /* silent so far, or inside a packet */
		int n = poll(pfd, c->spoke ? 1 : 2, waiting ? idle_ms : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (n == 0) {
			fprintf(stderr, "hvreplay gdb: client silent for %d ms %s: dropped\n", idle_ms,
				c->spoke ? "inside a packet" : "before its first packet");
			return;
		}
		if (!c->spoke && (pfd[1].revents & POLLIN)) {
			fprintf(stderr, "hvreplay gdb: a new client while this one never spoke: dropping the old one\n");
			return;
		}
		size_t got;
		if (!fill_n(c, 0, &got) || !got)
			return; /* gdb went away (mid-packet or not) */
	}
}

static int listen_on(unsigned port, unsigned *bound)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never beyond this machine */
	socklen_t al = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

int rgdb_main(int argc, char **argv)
{
	const char *file = NULL;
	unsigned vm = 0, port = 0;
	int have_vm = 0, layout = -1, idle_s = 10, once = 0;
	uint64_t chunk = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--once")) {
			once = 1;
		} else if (!strcmp(a, "--debug")) {
			debug = 1;
		} else if (v && !strcmp(a, "--chunk")) { /* tests: poll for Ctrl-C every N instructions */
			chunk = strtoull(v, NULL, 0);
			i++;
		} else if (v && (!strcmp(a, "--vm") || !strcmp(a, "--port") || !strcmp(a, "--idle-timeout"))) {
			unsigned long x = strtoul(v, &end, 0);
			if (!*v || *end || (a[2] == 'p' && x > 65535) || x > 100000) {
				fprintf(stderr, "hvreplay gdb: %s %s: not a valid number\n", a, v);
				return RV_EXIT_USAGE;
			}
			if (a[2] == 'v')
				vm = (unsigned)x, have_vm = 1;
			else if (a[2] == 'p')
				port = (unsigned)x;
			else
				idle_s = (int)x;
			i++;
		} else if (v && !strcmp(a, "--arch")) {
			layout = -2;
			for (int k = 0; k < GDB_NARCHS; k++)
				if (!strcmp(v, gdb_arch_bfd_name((enum gdb_arch)k)))
					layout = k;
			if (!strcmp(v, "auto"))
				layout = -1;
			if (layout == -2) {
				fprintf(stderr, "hvreplay gdb: --arch %s: auto, i8086, i386 or i386:x86-64\n", v);
				return RV_EXIT_USAGE;
			}
			i++;
		} else if (a[0] == '-' || file) {
			fprintf(stderr, "hvreplay gdb: unexpected argument '%s'\n\n%s", a, usage);
			return RV_EXIT_USAGE;
		} else {
			file = a;
		}
	}
	if (!file) {
		fputs(usage, stderr);
		return RV_EXIT_USAGE;
	}
	static struct rgdb g;
	struct hvt_err err = {0};
	unsigned ids[RGDB_MAX_VMS], n = 0;
	char names[RGDB_MAX_VMS][32];
	if (!have_vm) { /* the first VM of the trace */
		if (rp_trace_vms(file, ids, names, RGDB_MAX_VMS, &n, &err) < 0 || !n) {
			fprintf(stderr, "hvreplay gdb: %s: %s\n", file, n ? err.msg : "no VM in the trace");
			return RV_EXIT_BROKEN;
		}
		vm = ids[0];
	}
	if (rgdb_open(&g, file, vm, layout, &err) < 0) {
		fprintf(stderr, "hvreplay gdb: %s: %s\n", file, err.msg);
		return err.code == HVT_EINVAL && strstr(err.msg, "no VM") ? RV_EXIT_USAGE : RV_EXIT_BROKEN;
	}
	g.chunk = chunk;
	unsigned bound;
	int lfd = listen_on(port, &bound);
	if (lfd < 0) {
		fprintf(stderr, "hvreplay gdb: cannot listen on 127.0.0.1:%u: %s\n", port, strerror(errno));
		rgdb_close(&g);
		return RV_EXIT_FAILED;
	}
	printf("listening on 127.0.0.1:%u\n", bound);
	fflush(stdout);
	static struct client c;
	for (;;) {
		c.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c.fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "hvreplay gdb: accept: %s\n", strerror(errno));
			break;
		}
		int one = 1;
		setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(&g, &c, lfd, idle_s * 1000);
		close(c.fd);
		if (once)
			break;
	}
	close(lfd);
	rgdb_close(&g);
	return 0;
}
