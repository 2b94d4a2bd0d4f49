// SPDX-License-Identifier: MIT
/*
 * Standard descriptors; see stdfd.h for why.
 */
#include "stdfd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned were_closed;
static bool sanitized;

/* A packet socket (AF_PACKET, AF_XDP) inherited as fd 0-2: whatever is
 * written there goes out on the wire. */
static bool is_packet_socket(int fd)
{
	struct stat st;
	int domain = 0;
	socklen_t len = sizeof(domain);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return false;
	return domain == AF_PACKET || domain == AF_XDP;
}

int rc_stdfd_sanitize(void)
{
	unsigned mask = 0;

	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 && is_packet_socket(fd)) {
			/* never write a log line or a record to the wire */
			n = open("/dev/null", O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (n < 0)
				return -errno;
			if (dup2(n, fd) < 0) {
				close(n);
				return -errno;
			}
			close(n);
			mask |= 1u << fd;
			continue;
		}
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
