/* SPDX-License-Identifier: MIT */
/*
 * Direct-I/O file writer: whole records in, copied once into aligned
 * buffers, written with O_DIRECT through io_uring, several writes in
 * flight.  The page cache is not filled and the caller never waits for
 * the disk unless every buffer is in flight.  Design and invariants: dio.c.
 *
 * Life of a writer (one per file output, one thread: the capture worker):
 *
 *   rc_dio_probe(fd)       may this file be written directly?  (decide, log)
 *   rc_dio_new()           buffers + io_uring, once; reused file after file
 *   rc_dio_begin(fd)       an empty regular file the caller created
 *   rc_dio_write(iov, tag) ... whole records, any number per call
 *   rc_dio_flush()         optional (a timer): send the filled whole blocks
 *   rc_dio_finish()        rotation / stop / signal / error: wait for all,
 *                          write the tail; the file ends at its last record
 *   ... rc_dio_begin(next fd) ...
 *   rc_dio_free()
 *
 * The caller owns the fd: it opens and creates it (O_EXCL, its names), and
 * closes it after rc_dio_finish().  rc_dio_begin() sets O_DIRECT on the
 * fd's open file description and rc_dio_finish() clears it again, so the
 * caller must not use the fd for I/O in between.
 *
 * Built only with liburing (RC_HAVE_URING); without it rc_dio_probe() says
 * -EOPNOTSUPP and rc_dio_new() -ENOSYS, so callers need no #ifdef.
 */
#ifndef RC_SINK_DIO_H
#define RC_SINK_DIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct rc_dio;

struct rc_dio_conf {
	uint32_t buf_size;  /* bytes per buffer, rounded up to the alignment; 0: 1 MiB */
	uint32_t nbufs;     /* buffers, 2..64; 0: 8 (all of them may be in flight) */
	bool unregistered;  /* plain writes, no registered buffers (tests, comparison) */
};

struct rc_dio_status {
	int err;            /* the first error (positive errno), 0: none */
	uint64_t accepted;  /* bytes taken in: the file's size at rc_dio_begin(), and
			     * what came after (a call that failed may have been
			     * taken in part) */
	uint64_t durable;   /* bytes from offset 0 that the device has (no gap): the
			     * bytes the file held at rc_dio_begin() (written by its
			     * creator), then the direct writes; after rc_dio_finish()
			     * also the tail, which is in the page cache (less than
			     * one block) */
	uint64_t safe_end;  /* the end of the last write call that lies in [0, durable]:
			     * a record boundary; cut the file here after an error */
	uint64_t safe_tag;  /* the tag of that call (0 if none) */
	unsigned inflight;  /* buffers the kernel is writing now */
	bool registered;    /* buffers registered with io_uring (else plain writes) */
};

/* Built with liburing: direct I/O is possible at all. */
bool rc_dio_built(void);

/*
 * May @fd be written with direct I/O, and with what alignment?  0 and the
 * alignment (a power of two: the file system's direct-I/O offset
 * alignment, at least its block size; 4096 when the kernel does not say)
 * in @ret_align.  -EOPNOTSUPP: not a regular file, a memory file system
 * (tmpfs accepts O_DIRECT but gains nothing), no O_DIRECT, or no liburing
 * in this build.  Other -errno: fstat/statx failed.
 */
int rc_dio_probe(int fd, uint32_t *ret_align);

/*
 * A writer with buffers aligned for @align (from rc_dio_probe()).  The
 * buffers are registered with io_uring when RLIMIT_MEMLOCK (or
 * CAP_IPC_LOCK) allows; otherwise the writes go unregistered (slower, same
 * result; status.registered says which).  -ENOSYS: built without liburing;
 * -EINVAL: bad @conf or @align; io_uring's -errno (-EPERM when io_uring is
 * disabled by sysctl).
 */
int rc_dio_new(const struct rc_dio_conf *conf, uint32_t align, struct rc_dio **ret);

/*
 * Write file @fd, a regular file open for writing (not O_APPEND) whose
 * alignment the buffers meet, after the bytes it holds: a file its
 * creator started with a header goes on after the header.  Those bytes
 * count as accepted and durable (status), and as a write call that ends
 * with tag 0; the part of them after the last whole block is read back
 * (so the fd must then be open O_RDWR: -EBADF otherwise) and written again
 * with what follows.  -EOPNOTSUPP: @fd cannot be written directly (the
 * caller writes it buffered); -EINVAL: O_APPEND, read-only, or a file is
 * already attached (rc_dio_finish() first).
 */
int rc_dio_begin(struct rc_dio *d, int fd);

/*
 * Append the bytes of @iov[0..n), which end at a record boundary, and
 * remember that boundary with @tag (the caller's count of records so far,
 * say).  The bytes are copied before the call returns: @iov may point into
 * memory that is only valid during the call.  Waits only when every buffer
 * is in flight, for the oldest.  -errno once a write has failed (also a
 * failure found now of a write sent earlier; rc_dio_status() says where
 * durability ends); the bytes of this call are then not taken.
 */
int rc_dio_write(struct rc_dio *d, const struct iovec *iov, unsigned n, uint64_t tag);

/*
 * Send the whole blocks filled so far without waiting for their
 * completion; less than one block stays behind.  For a timer, so that a
 * slow capture does not keep data in memory for long.  -errno as for
 * rc_dio_write().
 */
int rc_dio_flush(struct rc_dio *d);

/*
 * Finish the file: wait for every write in flight, write the unaligned
 * tail (through the page cache, so that the file ends exactly at its last
 * record), clear O_DIRECT on the fd, detach.  The caller then closes the
 * fd.  0: the file holds every byte accepted (status.durable ==
 * status.accepted).  -errno: the first error; the file may hold bytes past
 * status.durable (later writes that succeeded): the caller cuts it back,
 * to status.safe_end or to the last record its own format finds before
 * status.durable.  @ret may be NULL.
 */
int rc_dio_finish(struct rc_dio *d, struct rc_dio_status *ret);

/* Where the file stands; takes the completions there are (no waiting). */
void rc_dio_status(struct rc_dio *d, struct rc_dio_status *ret);

/* Waits for anything in flight (a file not finished keeps what it has). */
struct rc_dio *rc_dio_free(struct rc_dio *d);

#endif
