/*
 * hvt_io.c - whole writes and positioned reads that retry on EINTR and short counts.
 */
#include <errno.h>
#include <unistd.h>

#include "hvt_io.h"

int hvt_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

ssize_t hvt_pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, p + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}
