// SPDX-License-Identifier: MIT
/*
 * Standard descriptors; see stdfd.h for why.
 */
#include "stdfd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static unsigned were_closed;
static bool sanitized;

int rc_stdfd_sanitize(void)
{
	unsigned mask = 0;

	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number is this one: every lower one is open */
		n = open("/dev/null", O_RDWR | O_NOCTTY);
		if (n < 0)
			return -errno;
		if (n != fd) {
			close(n);
			return -EBADF;
		}
		mask |= 1u << fd;
	}
	if (!sanitized) {
		were_closed = mask;
		sanitized = true;
	}
	return (int)mask;
}

unsigned rc_stdfd_were_closed(void)
{
	return were_closed;
}

int rc_fd_above_std(int fd)
{
	int n;

	if (fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}
