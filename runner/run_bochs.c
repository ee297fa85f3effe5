/*
 * run_bochs.c - run Bochs, show what the hypervisor says, stop it when it overstays.
 *
 * Bochs runs in its own process group, in a private network namespace when one can be had
 * (`unshare -rn`): its VNC display then listens where nobody can reach it and parallel runs
 * cannot collide on a port. With --gdb it must have one (run_gdb.c: the debugger's port comes
 * to the host through a relay). Its stdout carries the debug port 0xE9, where every hypervisor line
 * is framed (include/retrovisor/console_proto.h); everything else there is Bochs's own and goes
 * to bochs.out in the run directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "retrovisor/console_proto.h"
#include "retrovisor/hvtool.h"
#include "run.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int run_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[1024];
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog);
		if (access(buf, X_OK) == 0)
			return 1;
		path += len + (end ? 1 : 0);
	}
	return 0;
}

/* Can we have a private network namespace? (root: yes; others: if user namespaces are on.) */
static int have_netns(void)
{
	char *const argv[] = {"unshare", "-rn", "true", NULL};
	if (!run_in_path("unshare"))
		return 0;
	return run_exec(NULL, NULL, argv) == 0;
}

static void handle_frame(struct run *r, char *line)
{
	char kind = line[0];
	char *text = strchr(line, ' ');
	int vm = atoi(line + 1);
	/* what a guest prints reaches the host terminal only through the sanitizer: the hypervisor
	 * already replaced the C0 controls, and bytes from 0x80 up (C1 controls, bidi overrides,
	 * broken UTF-8) are shown as \xHH too */
	static char safe[4 * 4096 + 1];
	text = hvt_sanitize_str(safe, sizeof(safe), text ? text + 1 : line + 1);

	switch (kind) {
	case CONPROTO_CONSOLE:
		if (r->nvms > 1 && vm >= 0 && vm < r->nvms)
			printf("[%s] %s\n", r->vm[vm].cfg.name, text);
		else
			printf("%s\n", text);
		fflush(stdout);
		break;
	case CONPROTO_MSG:
		if (!r->quiet || strstr(text, "PANIC") || strstr(text, "lacks") || strstr(text, "no VMX"))
			fprintf(stderr, "%s\n", text);
		break;
	case CONPROTO_STOP:
		if (vm >= 0 && vm < r->nvms) {
			struct run_vm *v = &r->vm[vm];
			unsigned long long st = 0, det = 0;
			unsigned why = 0;
			if (sscanf(text, "%u %llu %llx", &why, &st, &det) == 3) {
				v->stopped = 1;
				v->why = why;
				v->status = st;
				v->detail = det;
			}
		}
		break;
	case CONPROTO_DONE:
		r->hv_done = 1;
		r->hv_status = atoi(text);
		break;
	default:
		break; /* CONPROTO_NAME and anything newer */
	}
}

/* Split the stream into frames; bytes outside frames go to the emulator's own log. */
static void feed(struct run *r, const char *buf, size_t n, FILE *other)
{
	static char line[4096];
	static size_t len;
	static int in_frame;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (!in_frame) {
			if (c == CONPROTO_MARK) {
				in_frame = 1;
				len = 0;
			} else if (other) {
				fputc(c, other);
			}
			continue;
		}
		if (c == '\n') {
			line[len] = 0;
			handle_frame(r, line);
			in_frame = 0;
		} else if (len < sizeof(line) - 1) {
			line[len++] = c;
		}
	}
}

static void stop_bochs(pid_t pid)
{
	kill(-pid, SIGTERM);
	for (int i = 0; i < 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	kill(-pid, SIGKILL);
}

/* Bochs names the consistency check a failed VM entry broke; show those lines. */
static void show_bochs_complaints(struct run *r)
{
	char path[512], line[1024];
	snprintf(path, sizeof(path), "%s/bochs.log", r->dir);
	FILE *f = fopen(path, "r");
	int shown = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && shown < 20)
		if (strstr(line, "VMENTER FAIL") || strstr(line, "PANIC") || strstr(line, "VMFAIL")) {
			fprintf(stderr, "bochs: %s", line);
			shown++;
		}
	fclose(f);
}

/* At a timeout: the VMs that had not stopped kept the run going (a VM that never yields and has
 * no instruction limit runs until the timeout): name them, and say how to bound them. */
static void report_still_running(const struct run *r)
{
	for (int i = 0; i < r->nvms; i++)
		if (!r->vm[i].stopped)
			fprintf(stderr, "hvrun: timeout: VM %d (%s) was still running; bound it with <limit instructions=\"N\"/> "
					"(--insn-limit N) or the run with <system instructions=\"N\">\n",
				i, r->vm[i].cfg.name);
}

/* The message Bochs gives when it refuses to start ("bochsrc:5: cpu directive malformed."). */
static const char *bochs_exit_message(struct run *r, char *buf, size_t n)
{
	char path[512], line[1024];
	int next = 0;
	snprintf(path, sizeof(path), "%s/bochs.stderr", r->dir);
	snprintf(buf, n, "no message");
	FILE *f = fopen(path, "r");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (next) {
			const char *m = strchr(line, ']'); /* "[      ] bochsrc:5: ..." */
			hvt_sanitize_str(buf, n, m ? m + 2 : line);
			break;
		}
		next = strstr(line, "exiting with the following message") != NULL;
	}
	fclose(f);
	return buf;
}

int run_bochs(struct run *r)
{
	int fds[2];
	char path[512];
	pid_t pid;
	/* With --gdb the namespace is made here (run_gdb.c), with the host's debugger port bound
	 * first, so that a port in use is reported before Bochs starts. */
	int netns = !r->gdb_port && have_netns();
	int lfd = r->gdb_port ? gdb_listen(r->gdb_port) : -1;
	if (r->gdb_port && lfd < 0)
		return -1;

	if (pipe(fds)) {
		run_err("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		run_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (chdir(r->dir))
			_exit(127);
		int null = open("/dev/null", O_RDONLY);
		int err = open("bochs.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(err, 2);
		close(fds[0]);
		/* A debugger that disconnects must not end the run: Bochs writing to COM2's closed
		 * socket would die of SIGPIPE; ignored (inherited across exec), the write just fails. */
		if (r->gdb_port)
			signal(SIGPIPE, SIG_IGN);
		if (r->gdb_port) {
			if (gdb_netns()) {
				fprintf(stderr, "hvrun --gdb: no private network namespace (%s): Bochs's VNC display "
						"would listen on the network; not starting it\n", strerror(errno));
				_exit(127);
			}
			pid_t relay = fork();
			if (relay == 0) {
				dup2(null, 1);
				close(fds[1]);
				gdb_relay(lfd, r->gdb_port);
				_exit(0);
			}
			execlp("bochs", "bochs", "-q", "-f", "bochsrc", "-rc", "rc", (char *)NULL);
		} else if (netns)
			execlp("unshare", "unshare", "-rn", "bochs", "-q", "-f", "bochsrc", "-rc", "rc", (char *)NULL);
		else
			execlp("bochs", "bochs", "-q", "-f", "bochsrc", "-rc", "rc", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	if (lfd >= 0)
		close(lfd); /* the relay has it */

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	snprintf(path, sizeof(path), "%s/bochs.out", r->dir);
	FILE *other = fopen(path, "w");
	double deadline = now() + r->timeout;
	char buf[65536];
	for (;;) {
		double left = deadline - now();
		if (interrupted) {
			r->interrupted = 1;
			fprintf(stderr, "hvrun: interrupted: stopping Bochs\n");
			stop_bochs(pid);
			break;
		}
		if (left <= 0) {
			r->timed_out = 1;
			fprintf(stderr, "hvrun: timeout: the run took longer than %.0f s; stopping Bochs\n", r->timeout);
			report_still_running(r);
			stop_bochs(pid);
			break;
		}
		struct pollfd p = {fds[0], POLLIN, 0};
		int pr = poll(&p, 1, left > 0.2 ? 200 : (int)(left * 1000) + 1);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		feed(r, buf, (size_t)n, other);
	}
	/* Drain what is left after Bochs stopped. */
	ssize_t n;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		feed(r, buf, (size_t)n, other);
	close(fds[0]);
	if (other)
		fclose(other);
	int status = 0;
	waitpid(pid, &status, 0);
	r->bochs_status = status;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	int entry_failed = 0;
	for (int i = 0; i < r->nvms; i++)
		if (r->vm[i].stopped && r->vm[i].why == HVT_STOP_ENTRY_FAILED)
			entry_failed = 1;
	if (entry_failed || (!r->hv_done && !r->timed_out && !r->interrupted))
		show_bochs_complaints(r);
	if (!r->hv_done && !r->timed_out && !r->interrupted) {
		char why[256];
		snprintf(path, sizeof(path), "%s/bochs.log", r->dir);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			run_err("could not start Bochs (see %s/bochs.stderr)", r->dir);
		else if (access(path, F_OK) == 0)
			run_err("Bochs ended before the hypervisor finished (see %s)", path);
		else /* it stopped before opening its log (a bochsrc it refused, a --cpu it does not know) */
			run_err("Bochs ended before starting the machine: %s (see %s/bochs.stderr)",
				bochs_exit_message(r, why, sizeof(why)), r->dir);
		r->keep = 1;
	}
	return 0;
}
