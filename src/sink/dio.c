// SPDX-License-Identifier: MIT
/*
 * Direct-I/O file writer (API: dio.h).
 *
 * What it owns: N buffers of buf_size bytes (posix_memalign, a multiple of
 * the file system's direct-I/O alignment), one io_uring with the buffers
 * registered (IORING_REGISTER_BUFFERS, so a write pins no pages of its
 * own), and, between begin and finish, the O_DIRECT flag of the caller's
 * fd.  It does not own the fd, the file's name or its format.
 *
 * Shape: the file is a byte stream cut into buffer-sized pieces.  Buffers
 * are filled and sent in a fixed cyclic order, each one at the file offset
 * where the previous one ended, so the buffers in flight are always the
 * cyclic range [oldest, oldest + inflight) and the file's durable prefix
 * only has to look at the oldest.  Records are copied in once (the one
 * copy out of the capture ring; it is also what lets the ring's block go
 * back to the kernel at once, so no lease is held for a write in flight:
 * a buffer in flight is this module's memory, never the ring's).
 *
 * Invariants:
 *   - every buffer sent by O_DIRECT starts at an aligned offset and has an
 *     aligned length; only rc_dio_finish() writes an unaligned piece (the
 *     tail, < one block, through the page cache, after every direct write
 *     of the file has completed);
 *   - a buffer is written into only while no write of it is in flight;
 *   - durable advances in file order: a buffer counts only when every
 *     buffer before it completed in full; the first failure stops it for
 *     good (later writes that completed are past durable and are cut off by
 *     the caller);
 *   - safe_end <= durable and is the end of a write call, so a record
 *     boundary; each buffer remembers the last call that ends in it, and
 *     the last one before that call's block: when a buffer goes out with
 *     its whole blocks only (the timer, the finish), the call end in the
 *     part left behind moves on with it and the one before stays, so
 *     safe_end follows durable to within a block even for a slow capture.
 *     It may lag durable by up to one buffer (the caller can walk its own
 *     records from safe_end to durable).
 *
 * Concurrency on ext4: ext4 makes a direct write that ends past the
 * file's size wait for its own completion while it holds the inode
 * exclusively (IOMAP_DIO_FORCE_WAIT), so appending writes run one after
 * the other in io_uring's workers, however many are queued: a capture
 * paced at 80 % of what the disk takes lost frames that way.  So a buffer
 * sent while another write is still in flight first has the file's size
 * set to its end (ftruncate): it is then a write inside the file, which
 * ext4 runs concurrently.  A buffer sent alone is a plain append and the
 * size grows when it has been written.  The price of the first kind: a
 * reader of the growing file may see the in-flight writes (at most the
 * buffers, 8 MiB by default) as zeros until they complete, and a crash
 * may leave them so.  While the disk keeps up, writes go one at a time and
 * the file never shows a byte that is not written.
 *
 * Waiting: rc_dio_write() waits only for a buffer to fill into, that is
 * when all N are in flight, and then for the oldest.  While it waits the
 * capture worker does not hand blocks back: the capture ring absorbs the
 * traffic, and when the ring is full the kernel drops and counts.
 * rc_dio_finish() waits for every write of the file (at most N buffers).
 *
 * Crash semantics: a completed direct write is on the device (not fsync'd:
 * a volatile disk cache and the journal's commit of the new size are the
 * file system's business, as for dd oflag=direct).  The tail goes through
 * the page cache after the direct writes completed and extends the file
 * only past them, so a crash can lose the writes in flight and the tail -
 * the file then ends inside its last record, which readers report as a
 * cut-short file, or, when the size had been set ahead for concurrent
 * writes (above), with up to the in-flight buffers of zeros - but never a
 * byte of the records before.  The other
 * choice, an aligned write of the padded tail and ftruncate() after it,
 * leaves zeros after the last record if the crash falls in between, and
 * zeros read as records.
 *
 * Thread: one at a time, the capture worker; the io_uring is not shared.
 */
#include "dio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifdef RC_HAVE_URING

#include <liburing.h>
#include <linux/magic.h>

#include "../common/cleanup.h"

#define DEF_BUF_SIZE (1u << 20)
#define DEF_NBUFS 8u
#define MAX_NBUFS 64u
#define MAX_ALIGN (64u << 10)
#define FALLBACK_ALIGN 4096u

enum { FREE, FILLING, INFLIGHT };

struct dbuf {
	uint8_t *mem;
	int state;         /* FREE -> FILLING -> INFLIGHT -> FREE (retired) */
	uint64_t off;      /* file offset of mem[0] */
	uint32_t len;      /* bytes filled (in flight: bytes to write) */
	uint32_t done;     /* bytes written so far (a short write is sent again) */
	bool complete;     /* in flight, and every byte written or failed (err) */
	int err;
	bool has_end;      /* a write call ends in this buffer: */
	uint64_t end, tag; /* the last one's end (file offset) and tag */
	bool has_prev;     /* and one ends before the block of end: */
	uint64_t prev_end, prev_tag; /* the last of those */
};

struct rc_dio {
	struct io_uring ring;
	bool registered;
	uint32_t align, bufsz, n;
	struct dbuf *b;
	unsigned cur;      /* the buffer to fill: FILLING, or FREE / INFLIGHT (wait) */
	unsigned oldest;   /* the oldest buffer in flight */
	unsigned inflight; /* buffers INFLIGHT: [oldest, oldest + inflight) */
	unsigned pending;  /* writes submitted whose completion has not been seen */
	int fd;            /* -1 between files */
	int fl0;           /* its status flags, O_DIRECT cleared */
	int err;           /* first failure, positive errno */
	bool stopped;      /* durable stopped at a failed buffer */
	uint64_t next_off; /* file offset where the next buffer starts */
	uint64_t size;     /* the file's size as far as we made it: at begin, set
			    * ahead (ftruncate), or grown by a completed append */
	uint64_t base;     /* bytes the file held at begin (durable never goes below) */
	uint64_t accepted, durable, safe_end, safe_tag;
};

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

bool rc_dio_built(void)
{
	return true;
}

int rc_dio_probe(int fd, uint32_t *ret_align)
{
	struct statfs sf;
	struct statx sx;
	uint32_t align = 0;
	int fl;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_DIOALIGN, &sx) < 0)
		return -errno;
	if (!S_ISREG(sx.stx_mode))
		return -EOPNOTSUPP;
	if (fstatfs(fd, &sf) < 0)
		return -errno;
	/* tmpfs takes O_DIRECT since 6.6 and does buffered I/O underneath */
	if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC ||
	    sf.f_type == HUGETLBFS_MAGIC)
		return -EOPNOTSUPP;
	if (sx.stx_mask & STATX_DIOALIGN) {
		if (!sx.stx_dio_offset_align)
			return -EOPNOTSUPP;
		align = RC_MAX(sx.stx_dio_offset_align, sx.stx_dio_mem_align);
	} else {
		/* an older kernel: ask the fd itself, assume a 4 KiB block */
		fl = fcntl(fd, F_GETFL);
		if (fl < 0)
			return -errno;
		if (!(fl & O_DIRECT)) {
			if (fcntl(fd, F_SETFL, fl | O_DIRECT) < 0)
				return errno == EINVAL ? -EOPNOTSUPP : -errno;
			(void)fcntl(fd, F_SETFL, fl);
		}
		align = FALLBACK_ALIGN;
	}
	/* whole file-system blocks: a sub-block direct write makes ext4 and
	 * xfs serialise and zero around it */
	if (pow2(sx.stx_blksize) && sx.stx_blksize <= MAX_ALIGN)
		align = RC_MAX(align, sx.stx_blksize);
	if (!pow2(align) || align > MAX_ALIGN)
		return -EOPNOTSUPP;
	*ret_align = align;
	return 0;
}

int rc_dio_new(const struct rc_dio_conf *conf, uint32_t align, struct rc_dio **ret)
{
	uint32_t bufsz = conf && conf->buf_size ? conf->buf_size : DEF_BUF_SIZE;
	uint32_t n = conf && conf->nbufs ? conf->nbufs : DEF_NBUFS;
	size_t pagesz = (size_t)sysconf(_SC_PAGESIZE);
	struct iovec iov[MAX_NBUFS];
	struct rc_dio *d;
	int r;

	if (!pow2(align) || align > MAX_ALIGN || n < 2 || n > MAX_NBUFS ||
	    bufsz > (1u << 30))
		return -EINVAL;
	bufsz = (bufsz + align - 1) & ~(align - 1);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = -1;
	d->align = align;
	d->bufsz = bufsz;
	d->n = n;
	d->b = calloc(n, sizeof(*d->b));
	if (!d->b) {
		free(d);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		void *p;

		if (posix_memalign(&p, RC_MAX(align, pagesz), bufsz)) {
			r = -ENOMEM;
			goto fail;
		}
		d->b[i].mem = p;
		iov[i].iov_base = p;
		iov[i].iov_len = bufsz;
	}
	r = io_uring_queue_init(n, &d->ring, 0);
	if (r < 0)
		goto fail;
	/* pinned memory counts against RLIMIT_MEMLOCK; without it the
	 * kernel pins each write's pages itself */
	d->registered = !(conf && conf->unregistered) &&
			io_uring_register_buffers(&d->ring, iov, n) == 0;
	*ret = d;
	return 0;
fail:
	for (unsigned i = 0; i < n; i++)
		free(d->b[i].mem);
	free(d->b);
	free(d);
	return r;
}

/* ---- completions ------------------------------------------------------- */

static void fail(struct rc_dio *d, struct dbuf *b, int e)
{
	b->complete = true;
	b->err = e;
	if (!d->err)
		d->err = e;
}

static void submit(struct rc_dio *d, unsigned i)
{
	struct dbuf *b = &d->b[i];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);
	uint8_t *p = b->mem + b->done;
	unsigned len = b->len - b->done;
	int r;

	if (!sqe) {
		/* cannot happen: at most n writes in flight in a ring of n */
		fail(d, b, EBUSY);
		return;
	}
	if (d->registered)
		io_uring_prep_write_fixed(sqe, d->fd, p, len, b->off + b->done, (int)i);
	else
		io_uring_prep_write(sqe, d->fd, p, len, b->off + b->done);
	io_uring_sqe_set_data64(sqe, i);
	do
		r = io_uring_submit(&d->ring);
	while (r == -EINTR);
	if (r == 1)
		d->pending++;
	else
		fail(d, b, r < 0 ? -r : EIO);  /* no more submissions after a failure */
}

/* Retire the oldest buffers that completed, in file order. */
static void retire(struct rc_dio *d)
{
	while (d->inflight && d->b[d->oldest].complete) {
		struct dbuf *b = &d->b[d->oldest];

		if (!d->stopped) {
			d->durable = RC_MAX(d->base, b->off + (b->err ? b->done : b->len));
			if (b->has_end && b->end <= d->durable) {
				d->safe_end = b->end;
				d->safe_tag = b->tag;
			}
			if (b->err) {
				/* say why durability ends here, whatever failed first */
				d->stopped = true;
				d->err = b->err;
			}
		}
		b->state = FREE;
		b->complete = false;
		d->oldest = (d->oldest + 1) % d->n;
		d->inflight--;
	}
}

static bool past_fsize_limit(uint64_t end)
{
	struct rlimit rl;

	return getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	       end > rl.rlim_cur;
}

static void complete(struct rc_dio *d, unsigned i, int res)
{
	struct dbuf *b = &d->b[i];
	uint32_t got = res > 0 ? (uint32_t)res : 0;

	d->pending--;
	if (res == -EINVAL && past_fsize_limit(b->off + b->len))
		res = -EFBIG;  /* the kernel cut the write where no block ends */
	if (res < 0) {
		fail(d, b, -res);
		return;
	}
	b->done += RC_MIN(got, b->len - b->done);
	d->size = RC_MAX(d->size, b->off + b->done);
	if (b->done == b->len) {
		b->complete = true;
	} else if (got && !(b->done & (d->align - 1)) && !d->err) {
		/* short (a file size limit, say): send the rest; it fails with
		 * the reason or goes through */
		submit(d, i);
	} else {
		fail(d, b, d->err ? d->err : EIO);
	}
}

/*
 * Take the completions there are; with @wait, wait for one if none.
 * -errno only when io_uring itself fails (then d->err is set).
 */
static int reap(struct rc_dio *d, bool wait)
{
	struct io_uring_cqe *cqe;
	int r = 0;

	while (d->pending) {
		r = io_uring_peek_cqe(&d->ring, &cqe);
		if (r == -EAGAIN && wait)
			r = io_uring_wait_cqe(&d->ring, &cqe);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN) {
			r = 0;
			break;
		}
		if (r < 0) {
			if (!d->err)
				d->err = -r;
			break;
		}
		complete(d, (unsigned)io_uring_cqe_get_data64(cqe), cqe->res);
		io_uring_cqe_seen(&d->ring, cqe);
		wait = false;
	}
	retire(d);
	return r;
}

/*
 * Wait until buffer @i is not in flight.  Everything in flight before it
 * is older, and the oldest buffer is retired as soon as it completes, so
 * while @i is in flight some write has not completed: waiting is safe.
 */
static void wait_free(struct rc_dio *d, unsigned i)
{
	while (d->b[i].state == INFLIGHT && d->pending)
		if (reap(d, true) < 0)
			return;
	retire(d);
}

static void wait_all(struct rc_dio *d)
{
	while (d->pending)
		if (reap(d, true) < 0)
			return;
	retire(d);
}

/* The buffer to fill into (waits for it), or NULL after a failure. */
static struct dbuf *fill(struct rc_dio *d)
{
	struct dbuf *b = &d->b[d->cur];

	if (b->state == INFLIGHT)
		wait_free(d, d->cur);
	if (d->err || b->state == INFLIGHT)
		return NULL;
	if (b->state == FREE) {
		b->state = FILLING;
		b->off = d->next_off;
		b->len = 0;
		b->has_end = false;
		b->has_prev = false;
	}
	return b;
}

/* Send the buffer being filled (its length is aligned) and move on. */
static void send_cur(struct rc_dio *d)
{
	unsigned i = d->cur;
	struct dbuf *b = &d->b[i];

	b->state = INFLIGHT;
	b->complete = false;
	b->done = 0;
	b->err = 0;
	d->inflight++;
	d->next_off = b->off + b->len;
	d->cur = (i + 1) % d->n;
	/* another write in flight: make this one a write inside the file,
	 * which ext4 runs beside it (above); if that fails (a size limit),
	 * the append goes as it is and says why */
	if (d->pending && b->off + b->len > d->size &&
	    ftruncate(d->fd, (off_t)(b->off + b->len)) == 0)
		d->size = b->off + b->len;
	submit(d, i);
}

/* ---- the file ------------------------------------------------------------ */

int rc_dio_begin(struct rc_dio *d, int fd)
{
	uint32_t align, rest;
	uint64_t size, whole;
	struct stat st;
	int r, fl;

	if (d->fd >= 0)
		return -EINVAL;
	r = rc_dio_probe(fd, &align);
	if (r < 0)
		return r;
	if (align > d->align)
		return -EOPNOTSUPP;
	if (fstat(fd, &st) < 0)
		return -errno;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if ((fl & O_APPEND) || (fl & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	/* nothing is in flight here (finish waited): start over */
	d->err = 0;
	d->stopped = false;
	d->cur = d->oldest = 0;
	for (unsigned i = 0; i < d->n; i++)
		d->b[i].state = FREE;
	/* bytes already there (a header its creator wrote) stay: the writer
	 * goes on after them, and their last part block, read back into the
	 * first buffer, is written again with what follows */
	size = (uint64_t)st.st_size;
	whole = size & ~(uint64_t)(d->align - 1);
	rest = (uint32_t)(size - whole);
	if (rest) {
		struct dbuf *b = &d->b[0];
		ssize_t n;

		if ((fl & O_ACCMODE) != O_RDWR)
			return -EBADF;  /* cannot read it back */
		do
			n = pread(fd, b->mem, rest, (off_t)whole);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)rest)
			return n < 0 ? -errno : -EIO;
		b->state = FILLING;
		b->off = whole;
		b->len = rest;
		b->has_end = true;
		b->end = size;
		b->tag = 0;
		b->has_prev = false;
	}
	if (fcntl(fd, F_SETFL, fl | O_DIRECT) < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	d->fd = fd;
	d->fl0 = fl & ~O_DIRECT;
	d->next_off = whole;
	d->size = size;
	d->base = size;
	d->accepted = d->durable = d->safe_end = size;
	d->safe_tag = 0;
	return 0;
}

/* A write call ends where @b is filled to: remember it, and the last end
 * before its block (for end_before()). */
static void note_end(const struct rc_dio *d, struct dbuf *b, uint64_t tag)
{
	uint64_t e = b->off + b->len;

	if (b->has_end && b->end <= (e & ~(uint64_t)(d->align - 1))) {
		b->has_prev = true;
		b->prev_end = b->end;
		b->prev_tag = b->tag;
	}
	b->has_end = true;
	b->end = e;
	b->tag = tag;
}

/* @b goes out only up to @limit (file offset, a block boundary): its last
 * call end is the last one at or before it. */
static void end_before(struct dbuf *b, uint64_t limit)
{
	if (b->has_end && b->end > limit) {
		b->has_end = b->has_prev && b->prev_end <= limit;
		b->end = b->prev_end;
		b->tag = b->prev_tag;
	}
	b->has_prev = false;
}

/* Before taking more: the completions there are (no waiting), and the
 * first failure if one was seen. */
static int take_completions(struct rc_dio *d)
{
	if (d->fd < 0)
		return -EBADF;
	if (d->pending)
		reap(d, false);
	return d->err ? -d->err : 0;
}

int rc_dio_write(struct rc_dio *d, const struct iovec *iov, unsigned n, uint64_t tag)
{
	uint64_t total = 0, left;
	int r;

	r = take_completions(d);
	if (r < 0)
		return r;
	for (unsigned k = 0; k < n; k++)
		total += iov[k].iov_len;
	left = total;
	for (unsigned k = 0; k < n; k++) {
		const uint8_t *p = iov[k].iov_base;
		size_t len = iov[k].iov_len;

		while (len) {
			struct dbuf *b = fill(d);
			uint32_t m;

			if (!b)
				return -d->err;  /* what was copied goes nowhere */
			m = (uint32_t)RC_MIN((size_t)(d->bufsz - b->len), len);
			memcpy(b->mem + b->len, p, m);
			b->len += m;
			d->accepted += m;
			p += m;
			len -= m;
			left -= m;
			if (!left)
				note_end(d, b, tag);
			if (b->len == d->bufsz)
				send_cur(d);
		}
	}
	return d->err ? -d->err : 0;
}

/*
 * Send the whole blocks of the buffer being filled; the rest (less than a
 * block) moves to the next buffer, waiting for it if need be.
 */
static int send_whole(struct rc_dio *d, bool keep_rest)
{
	struct dbuf *b = &d->b[d->cur], *nb;
	uint32_t whole, rest;
	uint64_t end, tag;
	bool had;

	if (b->state != FILLING)
		return 0;
	whole = b->len & ~(d->align - 1);
	rest = b->len - whole;
	if (!whole)
		return 0;
	b->len = whole;
	/* a call end in the rest goes on with it; b keeps the one before */
	had = b->has_end;
	end = b->end;
	tag = b->tag;
	end_before(b, b->off + whole);
	send_cur(d);
	if (!keep_rest || !rest)
		return 0;
	nb = fill(d);
	if (!nb)
		return -d->err;
	/* reading b's memory while it is in flight is fine: both only read */
	memcpy(nb->mem, b->mem + whole, rest);
	nb->len = rest;
	if (had && end > nb->off) {
		nb->has_end = true;
		nb->end = end;
		nb->tag = tag;
	}
	return 0;
}

int rc_dio_flush(struct rc_dio *d)
{
	int r = take_completions(d);

	if (r < 0)
		return r;
	send_whole(d, true);
	return d->err ? -d->err : 0;
}

void rc_dio_status(struct rc_dio *d, struct rc_dio_status *ret)
{
	if (d->pending)
		reap(d, false);
	*ret = (struct rc_dio_status){ .err = d->err, .accepted = d->accepted,
				       .durable = d->durable, .safe_end = d->safe_end,
				       .safe_tag = d->safe_tag, .inflight = d->inflight,
				       .registered = d->registered };
}

int rc_dio_finish(struct rc_dio *d, struct rc_dio_status *ret)
{
	struct dbuf *b = &d->b[d->cur];
	struct dbuf tail = { .len = 0 };

	if (d->fd < 0)
		return -EBADF;
	if (b->state == FILLING && !d->err) {
		uint32_t whole = b->len & ~(d->align - 1);

		/* the tail: where it starts, and the call end in it if any */
		tail.mem = b->mem + whole;
		tail.off = b->off + whole;
		tail.len = b->len - whole;
		tail.has_end = b->has_end && b->end > tail.off;
		tail.end = b->end;
		tail.tag = b->tag;
		/* the tail stays behind @whole in this buffer's memory, which
		 * the direct write does not touch */
		end_before(b, tail.off);
		send_whole(d, false);
	}
	wait_all(d);
	/* buffered from here: the tail, and whatever the caller does next */
	if (fcntl(d->fd, F_SETFL, d->fl0) < 0 && !d->err)
		d->err = errno;
	for (uint32_t off = 0; !d->err && off < tail.len;) {
		ssize_t w = pwrite(d->fd, tail.mem + off, tail.len - off, (off_t)(tail.off + off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			d->err = w < 0 ? errno : EIO;
		else
			off += (uint32_t)w;
	}
	if (!d->err && tail.len) {
		d->durable = tail.off + tail.len;
		if (tail.has_end) {
			d->safe_end = tail.end;
			d->safe_tag = tail.tag;
		}
	}
	for (unsigned i = 0; i < d->n; i++)
		if (d->b[i].state == FILLING)
			d->b[i].state = FREE;
	d->fd = -1;
	if (ret)
		rc_dio_status(d, ret);
	return d->err ? -d->err : 0;
}

struct rc_dio *rc_dio_free(struct rc_dio *d)
{
	if (!d)
		return NULL;
	wait_all(d);   /* the kernel may still read the buffers */
	if (d->fd >= 0)
		(void)fcntl(d->fd, F_SETFL, d->fl0);
	if (d->registered)
		io_uring_unregister_buffers(&d->ring);
	io_uring_queue_exit(&d->ring);
	for (unsigned i = 0; i < d->n; i++)
		free(d->b[i].mem);
	free(d->b);
	free(d);
	return NULL;
}

#else /* !RC_HAVE_URING: every file is written through the page cache */

bool rc_dio_built(void)
{
	return false;
}

int rc_dio_probe(int fd, uint32_t *ret_align)
{
	(void)fd, (void)ret_align;
	return -EOPNOTSUPP;
}

int rc_dio_new(const struct rc_dio_conf *conf, uint32_t align, struct rc_dio **ret)
{
	(void)conf, (void)align, (void)ret;
	return -ENOSYS;
}

/* without rc_dio_new() there is no writer to call these with */
int rc_dio_begin(struct rc_dio *d, int fd) { (void)d, (void)fd; return -EOPNOTSUPP; }
int rc_dio_write(struct rc_dio *d, const struct iovec *iov, unsigned n, uint64_t tag)
{
	(void)d, (void)iov, (void)n, (void)tag;
	return -EBADF;
}
int rc_dio_flush(struct rc_dio *d) { (void)d; return -EBADF; }
int rc_dio_finish(struct rc_dio *d, struct rc_dio_status *ret) { (void)d, (void)ret; return -EBADF; }
void rc_dio_status(struct rc_dio *d, struct rc_dio_status *ret) { (void)d; memset(ret, 0, sizeof(*ret)); }
struct rc_dio *rc_dio_free(struct rc_dio *d) { (void)d; return NULL; }

#endif
