// SPDX-License-Identifier: MIT
/*
 * The buffered writev(2) backend of the file sink; see fileio.h.  A
 * batch is in the file (the page cache) when write() returns, so the
 * ring memory its iovecs point at is read while the batch's lease is
 * still held.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int wv_open(struct rc_fileio *io, const char *path, int flags, mode_t mode, int fd)
{
	struct stat st;

	if (path) {
		fd = open(path, flags, mode);
		if (fd < 0)
			return -errno;
	}
	io->fd = fd;
	io->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	io->direct = false;
	io->err = 0;
	io->durable = io->regular ? (uint64_t)st.st_size : 0;
	io->safe_end = io->durable;
	io->safe_tag = 0;
	return 0;
}

static int wv_write(struct rc_fileio *io, struct iovec *v, int n, uint64_t tag)
{
	if (io->err)
		return -1;
	while (n > 0) {
		ssize_t w = writev(io->fd, v, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			io->err = errno;
			return -1;
		}
		io->durable += (uint64_t)w;
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (uint8_t *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	io->safe_end = io->durable;
	io->safe_tag = tag;
	return 0;
}

static int wv_read_at(struct rc_fileio *io, void *buf, size_t len, uint64_t off)
{
	ssize_t r = pread(io->fd, buf, len, (off_t)off);

	return r == (ssize_t)len ? 0 : r < 0 ? -errno : -EIO;
}

static int wv_cut(struct rc_fileio *io, uint64_t len)
{
	if (ftruncate(io->fd, (off_t)len) < 0)
		return -errno;
	io->durable = len;
	return 0;
}

static int wv_finish(struct rc_fileio *io)
{
	int r = close(io->fd) < 0 ? -errno : 0;

	io->fd = -1;
	return r;
}

static void wv_abandon(struct rc_fileio *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

const struct rc_fileio_ops rc_fileio_writev = {
	.name = "writev",
	.open = wv_open,
	.write = wv_write,
	.read_at = wv_read_at,
	.cut = wv_cut,
	.finish = wv_finish,
	.abandon = wv_abandon,
};
