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
 *            is (an unnamed file with its header in it, standard output).
 *            The file may already hold bytes (a header): they stay, and
 *            writing goes on after them.  Sets io->fd, io->regular,
 *            io->direct, io->durable = io->safe_end = the bytes already
 *            there (regular files), io->safe_tag = 0, and io->how (how
 *            this file is written and why, for the log).  0 or -errno;
 *            on failure io->fd is -1, a file created here by @path is
 *            removed again, an @fd handed in is left open (the caller's),
 *            and io->how says what was refused (or is empty).
 *   write    every byte of @iov[0..n), in order.  The caller queues whole
 *            records only, and the frames an iovec points at are leased
 *            only until write() returns: a backend that writes later must
 *            copy them or hold the batch's lease (sink.h).  @tag is the
 *            caller's record count once these bytes are in.  0, or -1
 *            with io->err set, and io->durable, io->safe_end and
 *            io->safe_tag saying how far the file got (below).
 *   flush    optional: hand what is complete to the file system without
 *            waiting for it (a timer, so that a slow capture does not keep
 *            data in memory for long).  0 or -1 as write.
 *   progress optional: bring io->durable, safe_end and safe_tag up to
 *            what has reached the file so far, without waiting (a backend
 *            whose write returns before the bytes are in; writev's are
 *            always current).
 *   read_at  read back what reached the file (salvage after a failed
 *            write or finish); 0 or -errno.
 *   cut      cut the file to @len bytes (salvage); 0 or -errno.
 *   finish   the file is complete - nothing held back, it ends at its last
 *            record - and closed.  0 or -errno; on failure io->durable,
 *            safe_end and safe_tag are set as for write, and the file may
 *            still be open (io->fd >= 0) to be salvaged: the caller reads
 *            it back, cuts it, and calls abandon.
 *   abandon  close without taking more (after a failure, or a file given
 *            up); what write already took still goes into the file.
 *   fini     optional: free the backend's own state (the sink is freed).
 *
 * After a failure: io->durable is how many bytes from offset 0 are in the
 * file for sure (the file may hold more, from writes that went through
 * after one that failed); io->safe_end <= io->durable is the end of a
 * write call, so a record boundary, and io->safe_tag the tag of that
 * call.  The caller walks its records from safe_end to durable and cuts
 * after the last whole one: the records before it are exactly safe_tag
 * plus the ones it walked.
 *
 * Backends:
 *   rc_fileio_writev  buffered writev(2), one system call per batch; the
 *                     batch is in the file (page cache) when write returns.
 *   rc_fileio_direct  (fileio_dio.c) direct I/O through src/sink/dio.c for
 *                     regular files on file systems that take it, records
 *                     copied into aligned buffers and written by io_uring,
 *                     several writes in flight; writev for everything else
 *                     (tmpfs, FIFOs, devices, stdout), or with
 *                     rc_fileio_direct_init(required) an error instead.
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
	int (*write)(struct rc_fileio *io, struct iovec *iov, int n, uint64_t tag);
	int (*flush)(struct rc_fileio *io);
	void (*progress)(struct rc_fileio *io);
	int (*read_at)(struct rc_fileio *io, void *buf, size_t len, uint64_t off);
	int (*cut)(struct rc_fileio *io, uint64_t len);
	int (*finish)(struct rc_fileio *io);
	void (*abandon)(struct rc_fileio *io);
	void (*fini)(struct rc_fileio *io);
};

/* Each output written with direct I/O has this many buffers of this size
 * (per worker), registered with io_uring: locked in memory where
 * RLIMIT_MEMLOCK allows. */
#define RC_FILEIO_DIO_BUF (1u << 20)
#define RC_FILEIO_DIO_NBUFS 8u

struct rc_fileio {
	const struct rc_fileio_ops *ops;
	int fd;              /* the file being written, -1 if none */
	bool regular;        /* a regular file (not a FIFO, a device, a pipe) */
	bool direct;         /* this file is written with direct I/O */
	int err;             /* errno of the first failed write */
	uint64_t durable;    /* bytes known to be in the file */
	uint64_t safe_end;   /* a record boundary <= durable ... */
	uint64_t safe_tag;   /* ... and the tag of the write that ended there */
	char how[200];       /* how the file is written, or what was refused */
	void *priv;          /* the backend's own state */
};

/* Buffered writev(2). */
extern const struct rc_fileio_ops rc_fileio_writev;

/* Direct I/O where possible (fileio_dio.c). */
extern const struct rc_fileio_ops rc_fileio_direct;

/*
 * Set @io up for rc_fileio_direct.  @required (--io direct): a file that
 * cannot be written directly fails to open, with the reason in io->how;
 * otherwise it is written with writev.  No I/O: the buffers and the
 * io_uring are made at the first file that is written directly.
 * 0 or -ENOMEM.
 */
int rc_fileio_direct_init(struct rc_fileio *io, bool required);

#endif
