/* SPDX-License-Identifier: MIT */
/*
 * Where a file sink's records go: the I/O backend, behind one small ops
 * table so that the file sink (file.c: names, rotation, formats, failure
 * handling) does not know how bytes reach the disk.
 *
 * Contract, per function pointer:
 *
 *   open     create @path with @flags (O_CREAT | O_EXCL and the rest are
 *            the caller's) and @mode; or, with @path NULL, take @fd as it
 *            is (standard output).  io->fd, io->regular set; 0 or -errno.
 *   write    every byte of @iov[0..n), in order.  The caller queues whole
 *            records only, and the frames an iovec points at are leased
 *            only until write() returns: a backend that writes later must
 *            copy them or hold the batch's lease (sink.h).  0, or -1 with
 *            io->err set and io->durable saying how far the file got.
 *   read_at  read back what reached the file (salvage after a failed
 *            write); 0 or -errno.
 *   cut      cut the file to @len bytes (salvage); 0 or -errno.
 *   finish   the file is complete - nothing held back, it ends at its last
 *            record - and closed.  0 or -errno.
 *   abandon  close without writing anything more (after a failure).
 *
 * One backend today: buffered writev(2), one system call per batch.  The
 * next, direct I/O (O_DIRECT + io_uring, DESIGN.md), goes in beside it:
 * open() asks for O_DIRECT and falls back to writev where the file system
 * refuses it (tmpfs, pipes, stdout); write() lays the records into
 * aligned buffers and submits them, counting completed writes in durable;
 * read_at() reads through an aligned bounce buffer; finish() writes the
 * unaligned tail (without O_DIRECT, or padded and then cut) so that the
 * file ends exactly at its last record.
 *
 * Thread: the capture worker that owns the sink.
 */
#ifndef RC_SINK_FILEIO_H
#define RC_SINK_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct rc_fileio;

struct rc_fileio_ops {
	const char *name;
	int (*open)(struct rc_fileio *io, const char *path, int flags, mode_t mode, int fd);
	int (*write)(struct rc_fileio *io, struct iovec *iov, int n);
	int (*read_at)(struct rc_fileio *io, void *buf, size_t len, uint64_t off);
	int (*cut)(struct rc_fileio *io, uint64_t len);
	int (*finish)(struct rc_fileio *io);
	void (*abandon)(struct rc_fileio *io);
};

struct rc_fileio {
	const struct rc_fileio_ops *ops;
	int fd;              /* the file being written, -1 if none */
	bool regular;        /* a regular file (not a FIFO, a device, a pipe) */
	int err;             /* errno of the first failed write */
	uint64_t durable;    /* bytes known to be in the file */
	void *priv;          /* the backend's own state */
};

/* Buffered writev(2). */
extern const struct rc_fileio_ops rc_fileio_writev;

#endif
