/*
 * hvt_file.c - opening inputs and outputs safely (see hvt_file.h for the rules and why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvt_file.h"
#include "hvt_io.h"

static struct {
	dev_t dev;
	ino_t ino;
	unsigned refs;
} inputs[HVT_FILE_INPUTS_MAX];
static size_t ninputs;

static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

static void remember(const struct stat *st)
{
	for (size_t i = 0; i < ninputs; i++)
		if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino) {
			inputs[i].refs++;
			return;
		}
	if (ninputs < HVT_FILE_INPUTS_MAX) {
		inputs[ninputs].dev = st->st_dev, inputs[ninputs].ino = st->st_ino;
		inputs[ninputs++].refs = 1;
	}
}

void hvt_input_close(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		for (size_t i = 0; i < ninputs; i++)
			if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino && !--inputs[i].refs) {
				inputs[i] = inputs[--ninputs];
				break;
			}
	close(fd);
}

int hvt_open_input(const char *path, const char *kinds, struct hvt_err *err)
{
	struct stat st;
	/* O_NONBLOCK: open() of a FIFO with no writer would otherwise wait for one forever. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: %s, not a regular file: %s must be seekable regular files",
			    path, file_kind(st.st_mode), kinds);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	remember(&st);
	return fd;
}

int hvt_read_input(const char *path, const char *kinds, uint64_t max, int allow_empty, uint8_t **buf,
		   size_t *len, struct hvt_err *err)
{
	struct stat st;
	int fd = hvt_open_input(path, kinds, err);
	uint8_t *b = NULL;
	ssize_t got;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st))
		hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: %s", path, strerror(errno));
	else if (st.st_size == 0 && !allow_empty)
		hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: the file is empty", path);
	else if ((uint64_t)st.st_size > max)
		hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: %llu bytes is larger than the %llu bytes allowed", path,
			    (unsigned long long)st.st_size, (unsigned long long)max);
	else if (!(b = malloc((size_t)st.st_size + 1)))
		hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "%s: out of memory", path);
	else if ((got = hvt_pread_all(fd, b, (size_t)st.st_size, 0)) != (ssize_t)st.st_size)
		hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: %s", path,
			    got < 0 ? strerror(errno) : "the file shrank while being read");
	else {
		close(fd);
		b[st.st_size] = 0;
		*buf = b;
		*len = (size_t)st.st_size;
		return 0;
	}
	free(b);
	close(fd);
	return -1;
}

int hvt_output_check(const char *path, struct hvt_err *err)
{
	struct stat st;

	if (!*path)
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "an empty output path");
	if (stat(path, &st)) {
		if (errno == ENOENT)
			return HVT_OK;
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET,
				   "%s: %s, not a regular file: refusing to replace it with the output", path,
				   file_kind(st.st_mode));
	for (size_t i = 0; i < ninputs; i++)
		if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino)
			return hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET,
					   "%s: this file is also an input: refusing to write over it", path);
	return HVT_OK;
}

int hvt_make_parents(const char *path, struct hvt_err *err)
{
	char *p = strdup(path);

	if (!p)
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST) {
			int st = hvt_err_set(err, HVT_EINVAL, HVT_NO_OFFSET, "cannot create the folder %s: %s", p,
					     strerror(errno));
			free(p);
			return st;
		}
		*s = '/';
	}
	free(p);
	return HVT_OK;
}

int hvt_out_open(struct hvt_out *o, const char *path, struct hvt_err *err)
{
	size_t n = strlen(path) + 16;
	int fd, st;
	mode_t um;

	memset(o, 0, sizeof(*o));
	if ((st = hvt_output_check(path, err)))
		return st;
	if (!(o->path = strdup(path)) || !(o->tmp = malloc(n))) {
		hvt_out_abort(o);
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	}
	snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(o->tmp)) < 0) {
		st = hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: cannot create a temporary file beside it: %s",
				 path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		hvt_out_abort(o);
		return st;
	}
	um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	if (!(o->f = fdopen(fd, "w"))) {
		close(fd);
		hvt_out_abort(o);
		return hvt_err_set(err, HVT_ENOMEM, HVT_NO_OFFSET, "out of memory");
	}
	return HVT_OK;
}

int hvt_out_commit(struct hvt_out *o, struct hvt_err *err)
{
	int bad = fflush(o->f) || ferror(o->f), e = errno;
	int st;

	if (fclose(o->f) && !bad)
		bad = 1, e = errno;
	o->f = NULL;
	if (bad)
		st = hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: write failed: %s", o->path, strerror(e));
	else if ((st = hvt_output_check(o->path, err)) == HVT_OK && rename(o->tmp, o->path))
		st = hvt_err_set(err, HVT_EIO, HVT_NO_OFFSET, "%s: %s", o->path, strerror(errno));
	if (st == HVT_OK) {
		free(o->tmp);
		o->tmp = NULL;
	}
	hvt_out_abort(o);
	return st;
}

void hvt_out_abort(struct hvt_out *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

int hvt_finish_stdout(const char *prog, int status, int fail_status)
{
	int bad, e;

	errno = 0;
	bad = fflush(stdout) != 0;
	e = errno;
	bad |= ferror(stdout) != 0;
	if (fclose(stdout) && !bad)
		bad = 1, e = errno;
	if (!bad)
		return status;
	fprintf(stderr, "%s: standard output: %s\n", prog, e ? strerror(e) : "write error");
	return status ? status : fail_status;
}
