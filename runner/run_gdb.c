/*
 * run_gdb.c - hvrun --gdb: the debugger's port on the host, Bochs in a private network.
 *
 * Bochs has no display that opens no socket in Debian's build (only the rfb and wx plugins in
 * /usr/lib/x86_64-linux-gnu/bochs/plugins: no nogui), and its VNC server (rfb) binds every
 * interface, 0.0.0.0:5900 or the next free port, with no option to choose. So Bochs must run
 * where that socket reaches nobody: a private network namespace, with --gdb too. Its COM2
 * (`mode=socket-server`, the hypervisor's debugger port) then listens inside that namespace,
 * and a relay carries the bytes to a port on the host:
 *
 *   hvrun      binds 127.0.0.1:PORT on the host (gdb_listen) before Bochs starts;
 *   child      enters a new user and network namespace, brings its loopback up (gdb_netns),
 *              forks the relay, and execs Bochs there (run_bochs.c);
 *   relay      connects to Bochs's COM2 at 127.0.0.1:PORT inside the namespace (once Bochs
 *              listens: Bochs then starts the machine) and carries bytes both ways between it
 *              and one debugger at a time, accepted on the host socket it inherited (a socket
 *              stays in the namespace it was made in).
 *
 * The relay, not the debugger, is Bochs's client: a debugger that goes away closes only its own
 * connection, and the next one can connect and attach (gdb's `target remote` again). Bytes the
 * hypervisor sends while no debugger is connected are dropped. The relay ends with Bochs (EOF on
 * COM2, or its parent gone) and is in Bochs's process group, which hvrun stops on a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "run.h"

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

int gdb_listen(unsigned port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		run_err("--gdb: socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		run_err("--gdb: 127.0.0.1:%u: %s", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int gdb_netns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* As `unshare -rn` does: a user namespace where we are root, then a network namespace it
	 * owns (root on the host needs only the second). */
	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", map))
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_file("/proc/self/gid_map", map))
			return -1;
	} else if (unshare(CLONE_NEWNET)) {
		return -1;
	}
	/* A new namespace's loopback is down, without 127.0.0.1: up, for COM2 and the relay. */
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!rc)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc;
}

/* All of buf to fd; -1 if the other end went away. */
static int put_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

void gdb_relay(int lfd, unsigned port)
{
	struct sockaddr_in a = loopback(port);
	pid_t bochs = getppid();
	int one = 1, bfd, cfd = -1;
	char buf[4096];

	signal(SIGPIPE, SIG_IGN);
	for (;;) { /* until Bochs listens on COM2 (it waits for this client to start the machine) */
		if (getppid() != bochs)
			_exit(0);
		bfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (bfd < 0)
			_exit(1);
		if (!connect(bfd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(bfd);
		usleep(20000);
	}
	setsockopt(bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		struct pollfd p[2] = {{bfd, POLLIN, 0}, {cfd >= 0 ? cfd : lfd, POLLIN, 0}};
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			_exit(1);
		if (getppid() != bochs)
			_exit(0);
		if (p[0].revents) {
			ssize_t n = read(bfd, buf, sizeof(buf));
			if (n <= 0)
				_exit(0); /* Bochs ended */
			if (cfd >= 0 && put_all(cfd, buf, n)) {
				close(cfd); /* the debugger went away; the next one may connect */
				cfd = -1;
			}
		}
		if (p[1].revents && cfd < 0) {
			cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0)
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		} else if (p[1].revents) {
			ssize_t n = read(cfd, buf, sizeof(buf));
			if (n <= 0) {
				close(cfd);
				cfd = -1;
			} else if (put_all(bfd, buf, n)) {
				_exit(0);
			}
		}
	}
}
