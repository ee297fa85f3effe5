/*
 * run_util.c - what every part of hvrun shares: messages, writing files, the escapes of
 * --input, and freeing the VM table. Kept apart from main() so that libhvrun.a (the unit
 * tests' view of the runner) has them.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

void run_err(const char *fmt, ...)
{
	va_list ap;
	fputs("hvrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int run_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		run_err("cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f)) {
		run_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Programs run with an argument vector, never through a shell: a path (TMPDIR, the run
 * directory) is one argument whatever quotes or semicolons it holds.
 */
int run_exec(const char *dir, const char *log, char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (dir && chdir(dir))
			_exit(127);
		int out = open(log ? log : "/dev/null", log ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC : O_WRONLY, 0644);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* rm -rf without a shell: depth first, symbolic links removed, never followed. */
int run_remove_tree(const char *dir)
{
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The bytes of --input TEXT: \n (Enter, 0x0A), \r, \t, \e (Escape), \\ and \xHH; anything
 * else is taken as it is. A shell passes "\n" as two characters, so a script reads naturally:
 * --input 'help\nquit\n'.
 */
int run_unescape(const char *s, uint8_t **out, size_t *len, char *why, size_t whylen)
{
	size_t n = 0, cap = strlen(s);
	uint8_t *b = malloc(cap ? cap : 1);
	if (!b) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '\\') {
			b[n++] = (uint8_t)s[i];
			continue;
		}
		char c = s[++i];
		switch (c) {
		case 'n': b[n++] = '\n'; break;
		case 'r': b[n++] = '\r'; break;
		case 't': b[n++] = '\t'; break;
		case 'e': b[n++] = 0x1b; break;
		case '\\': b[n++] = '\\'; break;
		case 'x':
			if (hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				snprintf(why, whylen, "\\x at offset %zu wants two hex digits", i - 1);
				free(b);
				return -1;
			}
			b[n++] = (uint8_t)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
			break;
		default:
			snprintf(why, whylen, "unknown escape '\\%.1s' at offset %zu (known: \\n \\r \\t \\e \\\\ \\xHH)",
				 c ? &s[i] : "", i - 1);
			free(b);
			return -1;
		}
	}
	if (n > RUN_INPUT_MAX) {
		snprintf(why, whylen, "%zu bytes is more than the %d a VM's input may hold", n, RUN_INPUT_MAX);
		free(b);
		return -1;
	}
	*out = b;
	*len = n;
	return 0;
}

void run_free_vms(struct run *r)
{
	for (int i = 0; i < r->nvms; i++) {
		struct run_vm *v = &r->vm[i];
		free(v->image);
		free(v->input);
		free(v->def_file);
		free(v->image_path);
		free(v->bus_send);
		memset(v, 0, sizeof(*v));
	}
	r->nvms = 0;
}
