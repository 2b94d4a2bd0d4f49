// SPDX-License-Identifier: MIT
/*
 * The direct-I/O backend of the file sink (fileio.h), over the writer of
 * dio.h: each file is looked at when it is opened, and a regular file on
 * a file system that takes O_DIRECT is written directly; anything else
 * (tmpfs, ramfs, hugetlbfs, FIFOs, devices, standard output, a build
 * without liburing, io_uring refused) goes through writev(2) as with
 * rc_fileio_writev - unless direct I/O was required, then it is an error
 * that says why.
 *
 * Leases: rc_dio_write() copies every record into the writer's own
 * aligned buffers before it returns, so no ring memory is read after
 * write() returns and no lease is held for a write in flight; the
 * buffers in flight are this backend's memory.  What that costs: one copy
 * of each frame (the writev path copies too, in the kernel).
 *
 * What stays in memory: the buffer being filled, and the buffers in
 * flight (at most DIO_NBUFS x DIO_BUF, 8 MiB).  flush() (the sink's tick,
 * every 100 ms) sends the whole blocks of the buffer being filled, so a
 * slow capture leaves less than one file-system block (4 KiB) and what is
 * in flight unwritten for longer than a tick; a reader of the growing
 * file sees whole blocks up to there.  The rest goes at finish().
 *
 * After a failed write the writer is finished at once (every write in
 * flight waited for, O_DIRECT cleared), so that the caller can read the
 * file back and cut it like any other; durable, safe_end and safe_tag
 * come from the writer's status (dio.h).
 *
 * One writer (buffers + io_uring) per sink, made at the first direct file
 * and kept for the next ones; a file system that needs a larger alignment
 * gets a new one.
 *
 * Thread: the capture worker that owns the sink.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dio.h"

#define DIO_BUF RC_FILEIO_DIO_BUF
#define DIO_NBUFS RC_FILEIO_DIO_NBUFS

struct dpriv {
	bool required;      /* --io direct: no fallback */
	struct rc_dio *d;   /* made at the first direct file */
	uint32_t align;     /* what d was made for */
};

#define P(io) ((struct dpriv *)(io)->priv)

/* Why @fd cannot be written directly (rc_dio_probe() said no), into io->how. */
static void why_not(struct rc_fileio *io, int fd, int r)
{
	struct statfs sf;

	if (!rc_dio_built())
		snprintf(io->how, sizeof(io->how), "this ringcap was built without liburing");
	else if (!io->regular)
		snprintf(io->how, sizeof(io->how), "not a regular file");
	else if (r == -EOPNOTSUPP && fstatfs(fd, &sf) == 0 &&
		 (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC ||
		  sf.f_type == HUGETLBFS_MAGIC))
		snprintf(io->how, sizeof(io->how), "%s keeps its files in memory, no disk for "
			 "direct I/O", sf.f_type == TMPFS_MAGIC ? "tmpfs" :
			 sf.f_type == RAMFS_MAGIC ? "ramfs" : "hugetlbfs");
	else if (r == -EOPNOTSUPP)
		snprintf(io->how, sizeof(io->how), "the file system does not take O_DIRECT");
	else
		snprintf(io->how, sizeof(io->how), "cannot tell whether the file system takes "
			 "O_DIRECT: %s", strerror(-r));
}

/* Write @io's file directly; -errno with the reason in io->how if not. */
static int go_direct(struct rc_fileio *io)
{
	struct dpriv *p = P(io);
	struct rc_dio_conf conf = { .buf_size = DIO_BUF, .nbufs = DIO_NBUFS };
	struct rc_dio_status st;
	uint32_t align = 0;
	int r;

	r = io->regular ? rc_dio_probe(io->fd, &align) : -EOPNOTSUPP;
	if (r < 0) {
		why_not(io, io->fd, r);
		return r;
	}
	if (p->d && align > p->align)
		p->d = rc_dio_free(p->d);
	if (!p->d) {
		r = rc_dio_new(&conf, align, &p->d);
		if (r < 0) {
			p->d = NULL;
			snprintf(io->how, sizeof(io->how), "io_uring: %s%s", strerror(-r),
				 r == -EPERM ? " (sysctl kernel.io_uring_disabled?)" : "");
			return r;
		}
		p->align = align;
	}
	r = rc_dio_begin(p->d, io->fd);
	if (r < 0) {
		snprintf(io->how, sizeof(io->how), "%s", r == -EOPNOTSUPP ?
			 "the file system does not take O_DIRECT" : r == -EBADF ?
			 "the file's start cannot be read back (opened write-only)" : strerror(-r));
		return r;
	}
	rc_dio_status(p->d, &st);
	snprintf(io->how, sizeof(io->how), "O_DIRECT through io_uring, %u x %u MiB buffers, "
		 "%u-byte blocks%s", DIO_NBUFS, DIO_BUF >> 20, p->align,
		 st.registered ? "" : "; buffers not registered (RLIMIT_MEMLOCK), each write "
		 "pins its pages");
	io->direct = true;
	return 0;
}

static int dio_open(struct rc_fileio *io, const char *path, int flags, mode_t mode, int fd)
{
	int r = rc_fileio_writev.open(io, path, flags, mode, fd);

	io->how[0] = 0;
	if (r < 0)
		return r;
	r = go_direct(io);
	if (r < 0 && P(io)->required) {
		if (path) {
			/* created here (O_EXCL), empty: not left behind */
			if (flags & O_CREAT)
				unlink(path);
			close(io->fd);
		}
		io->fd = -1;
		return r;
	}
	return 0;
}

/* The writer failed: finish it (wait for what is in flight, O_DIRECT off),
 * and say how far the file got. */
static void dio_failed(struct rc_fileio *io, int r)
{
	struct rc_dio_status st;

	rc_dio_finish(P(io)->d, &st);
	io->direct = false;
	io->err = st.err ? st.err : -r;
	io->durable = st.durable;
	io->safe_end = st.safe_end;
	io->safe_tag = st.safe_tag;
}

/* How far the disk has the file: what the caller may count as written
 * (the bytes of a write call are only copied when it returns). */
static void dio_progress(struct rc_fileio *io)
{
	struct rc_dio_status st;

	if (!io->direct)
		return;  /* writev: always current */
	rc_dio_status(P(io)->d, &st);
	io->durable = st.durable;
	io->safe_end = st.safe_end;
	io->safe_tag = st.safe_tag;
}

static int dio_write(struct rc_fileio *io, struct iovec *iov, int n, uint64_t tag)
{
	int r;

	if (!io->direct)
		return rc_fileio_writev.write(io, iov, n, tag);
	r = rc_dio_write(P(io)->d, iov, (unsigned)n, tag);
	if (r < 0) {
		dio_failed(io, r);
		return -1;
	}
	return 0;
}

static int dio_flush(struct rc_fileio *io)
{
	int r;

	if (!io->direct)
		return io->err ? -1 : 0;
	r = rc_dio_flush(P(io)->d);
	if (r < 0) {
		dio_failed(io, r);
		return -1;
	}
	return 0;
}

static int dio_read_at(struct rc_fileio *io, void *buf, size_t len, uint64_t off)
{
	if (io->direct)
		return -EBUSY;  /* only after finish */
	return rc_fileio_writev.read_at(io, buf, len, off);
}

static int dio_cut(struct rc_fileio *io, uint64_t len)
{
	if (io->direct)
		return -EBUSY;
	return rc_fileio_writev.cut(io, len);
}

static int dio_finish(struct rc_fileio *io)
{
	struct rc_dio_status st;
	int r;

	if (io->direct) {
		r = rc_dio_finish(P(io)->d, &st);
		io->direct = false;
		io->durable = st.durable;
		io->safe_end = st.safe_end;
		io->safe_tag = st.safe_tag;
		if (r < 0) {
			io->err = -r;
			return r;  /* still open: the caller salvages, then abandons */
		}
	}
	return rc_fileio_writev.finish(io);
}

static void dio_abandon(struct rc_fileio *io)
{
	if (io->direct) {
		/* what write took goes in (the tail too); errors are the
		 * caller's no more */
		rc_dio_finish(P(io)->d, NULL);
		io->direct = false;
	}
	rc_fileio_writev.abandon(io);
}

static void dio_fini(struct rc_fileio *io)
{
	struct dpriv *p = P(io);

	if (!p)
		return;
	if (io->fd >= 0)
		dio_abandon(io);
	rc_dio_free(p->d);
	free(p);
	io->priv = NULL;
}

const struct rc_fileio_ops rc_fileio_direct = {
	.name = "direct",
	.open = dio_open,
	.write = dio_write,
	.flush = dio_flush,
	.progress = dio_progress,
	.read_at = dio_read_at,
	.cut = dio_cut,
	.finish = dio_finish,
	.abandon = dio_abandon,
	.fini = dio_fini,
};

int rc_fileio_direct_init(struct rc_fileio *io, bool required)
{
	struct dpriv *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->required = required;
	io->ops = &rc_fileio_direct;
	io->priv = p;
	io->fd = -1;
	return 0;
}
