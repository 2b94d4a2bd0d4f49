// SPDX-License-Identifier: MIT
/*
 * The direct-I/O writer (src/sink/dio.c) against a real file system.
 *
 * Records of random sizes (a 16-byte header with a sequence number and the
 * length, then pseudo-random bytes), given in calls of several records,
 * each record in one to three iovecs whose memory is overwritten after the
 * call; the file must then hold exactly the bytes given, in order, and end
 * at the last record.  Also: rotation (one writer, several files), flush,
 * a file size limit (RLIMIT_FSIZE: a short write, then EFBIG) mid-stream,
 * and how little of the file is left in the page cache.  With
 * RC_DIO_FULL_DIR set (tests/integration/dio_full.sh: a small ext4 on a
 * loop device) the same checks run into a real ENOSPC.
 *
 * Needs a directory whose file system takes O_DIRECT: RC_DIO_DIR, else
 * /var/tmp, else /tmp.  Skips (77) when there is none, or without liburing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "rc_table.h"
#include "../../src/sink/dio.h"

#ifdef RC_HAVE_URING

#define REC_HDR 16u
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static char dir[4096];
static uint32_t dir_align;

/* ---- a record stream ------------------------------------------------------ */

struct stream {
	uint8_t *bytes;      /* everything the writer is given, in order */
	uint64_t len;
	uint64_t *ends;      /* ends[i]: end of record i */
	uint64_t nrec;
	uint64_t max_call;   /* the longest call, in bytes */
};

static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Records until @total bytes, sizes up to @max_rec (at least REC_HDR). */
static void make_stream(struct stream *s, uint64_t total, uint32_t max_rec, uint64_t seed)
{
	uint64_t x = seed | 1, cap = total + max_rec + REC_HDR;

	memset(s, 0, sizeof(*s));
	s->bytes = malloc(cap);
	s->ends = malloc(sizeof(uint64_t) * (cap / REC_HDR + 1));
	assert_non_null(s->bytes);
	assert_non_null(s->ends);
	while (s->len < total) {
		/* mostly small and mid-sized records, now and then a big one */
		uint32_t r = (uint32_t)rng(&x), len;

		if (r % 16 == 0)
			len = REC_HDR + (uint32_t)(rng(&x) % (max_rec - REC_HDR + 1));
		else
			len = MIN(REC_HDR + (uint32_t)(rng(&x) % 1515), max_rec);
		memcpy(s->bytes + s->len, &s->nrec, 8);
		memcpy(s->bytes + s->len + 8, &len, 4);
		memcpy(s->bytes + s->len + 12, "REC!", 4);
		for (uint32_t i = REC_HDR; i < len; i++)
			s->bytes[s->len + i] = (uint8_t)rng(&x);
		s->len += len;
		s->ends[s->nrec++] = s->len;
	}
}

static void free_stream(struct stream *s)
{
	free(s->bytes);
	free(s->ends);
}

/* Index + 1 of the record ending at @end, 0 for @end == 0, -1 if none. */
static int64_t records_to(const struct stream *s, uint64_t end)
{
	uint64_t lo = 0, hi = s->nrec;

	if (end == 0)
		return 0;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;

		if (s->ends[mid] < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nrec && s->ends[lo] == end ? (int64_t)lo + 1 : -1;
}

/*
 * Give the stream to @d in calls of 1..@per_call records, from scratch
 * memory that is poisoned after each call.  Stops at the first error and
 * returns it; *ret_given: the records given (all of them on success).
 * @flush_every: call rc_dio_flush() every so many calls (0: never).
 */
static int feed(struct rc_dio *d, struct stream *s, unsigned per_call, unsigned flush_every,
		uint64_t *ret_given)
{
	static uint8_t scratch[8 << 20];
	struct iovec iov[3 * 64];
	uint64_t x = s->len ^ 0x9e3779b97f4a7c15ULL, rec = 0, off = 0;
	unsigned calls = 0;
	int r = 0;

	assert_true(per_call <= 64);
	while (rec < s->nrec) {
		unsigned k = 1 + (unsigned)(rng(&x) % per_call), n = 0;
		uint64_t rec0 = rec, used = 0;

		for (unsigned j = 0; j < k && rec < s->nrec; j++, rec++) {
			uint64_t end = s->ends[rec];
			unsigned pieces = 1 + (unsigned)(rng(&x) % 3);

			while (off < end) {
				uint64_t m = pieces > 1 ? MIN(end - off, 1 + rng(&x) % 200) :
							  end - off;

				pieces -= pieces > 1;
				iov[n].iov_base = scratch + used;
				iov[n].iov_len = m;
				assert_true(used + m <= sizeof(scratch));
				memcpy(scratch + used, s->bytes + off, m);
				used += m;
				off += m;
				/* gaps between pieces, as between frames in a ring */
				used += 64;
				n++;
				assert_true(n < 3 * 64);
			}
		}
		r = rc_dio_write(d, iov, n, rec);
		memset(scratch, 0xa5, used);  /* the writer must have its copy now */
		if (r < 0) {
			rec = rec0;  /* not taken */
			break;
		}
		if (flush_every && ++calls % flush_every == 0) {
			r = rc_dio_flush(d);
			if (r < 0)
				break;
		}
	}
	*ret_given = rec;
	return r;
}

/* ---- files ------------------------------------------------------------------- */

/* A new empty file in @in, already unlinked: a failed test leaves nothing. */
static int new_file(const char *in)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/rc-dio-test.XXXXXX", in);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	return fd;
}

/* The file's bytes equal @s's first @len bytes, and it has no more. */
static void assert_file_is(int fd, const struct stream *s, uint64_t len)
{
	static uint8_t buf[1 << 20];
	struct stat st;
	uint64_t off = 0;

	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, len);
	while (off < len) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);

		assert_true(n > 0);
		if (memcmp(buf, s->bytes + off, (size_t)n)) {
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] != s->bytes[off + (uint64_t)i])
					fail_msg("file differs at byte %llu",
						 (unsigned long long)(off + (uint64_t)i));
		}
		off += (uint64_t)n;
	}
}

/* Pages of @fd in the page cache. */
static uint64_t resident_pages(int fd)
{
	struct stat st;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), np;
	unsigned char *vec;
	uint64_t n = 0;
	void *p;

	assert_int_equal(fstat(fd, &st), 0);
	if (!st.st_size)
		return 0;
	np = ((size_t)st.st_size + pg - 1) / pg;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	vec = malloc(np);
	assert_non_null(vec);
	assert_int_equal(mincore(p, (size_t)st.st_size, vec), 0);
	for (size_t i = 0; i < np; i++)
		n += vec[i] & 1;
	free(vec);
	munmap(p, (size_t)st.st_size);
	return n;
}

/* ---- round trips ------------------------------------------------------------- */

struct trip {
	const char *name;
	uint32_t buf_size, nbufs;
	bool unregistered;
	uint64_t total;
	uint32_t max_rec;
	unsigned per_call, flush_every;
};

static const struct trip trips[] = {
	{ "defaults: 1 MiB x 8, 24 MiB", 0, 0, false, 24 << 20, 70000, 32, 0 },
	{ "small buffers wrap around: 64 KiB x 2", 64 << 10, 2, false, 8 << 20, 70000, 16, 0 },
	{ "records bigger than all buffers: 16 KiB x 3", 16 << 10, 3, false, 4 << 20, 200000, 4, 0 },
	{ "unregistered buffers", 256 << 10, 4, true, 8 << 20, 70000, 32, 0 },
	{ "one record per call", 128 << 10, 4, false, 2 << 20, 9000, 1, 0 },
	{ "flush after every call", 64 << 10, 3, false, 2 << 20, 9000, 8, 1 },
	{ "flush every 10th call", 1 << 20, 4, false, 8 << 20, 70000, 8, 10 },
	{ "a few bytes", 0, 0, false, 100, 40, 64, 0 },
};

static void test_trip(void **state)
{
	const struct trip *t = *state;
	struct rc_dio_conf conf = { t->buf_size, t->nbufs, t->unregistered };
	struct rc_dio_status st;
	struct stream s;
	struct rc_dio *d;
	uint64_t given;
	int fd = new_file(dir);

	make_stream(&s, t->total, t->max_rec, t->total * 31 + t->buf_size);
	assert_int_equal(rc_dio_new(&conf, dir_align, &d), 0);
	assert_int_equal(rc_dio_begin(d, fd), 0);
	assert_int_equal(feed(d, &s, t->per_call, t->flush_every, &given), 0);
	assert_int_equal(given, s.nrec);
	assert_int_equal(rc_dio_finish(d, &st), 0);
	assert_int_equal(st.err, 0);
	assert_int_equal(st.accepted, s.len);
	assert_int_equal(st.durable, s.len);
	assert_int_equal(st.safe_end, s.len);
	assert_int_equal(st.safe_tag, s.nrec);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.registered, !t->unregistered);
	/* O_DIRECT is off again: the caller may use the fd as before */
	assert_false(fcntl(fd, F_GETFL) & O_DIRECT);
	assert_file_is(fd, &s, s.len);
	rc_dio_free(d);
	close(fd);
	free_stream(&s);
}

/* One writer, file after file: an empty one, one ending on a block
 * boundary, ordinary ones. */
static void test_rotation(void **state)
{
	static const uint64_t sizes[] = { 0, 4096 * 3, 1000, 3 << 20, 5000 };
	struct rc_dio_conf conf = { 64 << 10, 3, false };
	struct rc_dio *d;

	(void)state;
	assert_int_equal(rc_dio_new(&conf, dir_align, &d), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct rc_dio_status st;
		struct stream s;
			int fd = new_file(dir);
		uint64_t given;

		make_stream(&s, sizes[i], 3000, i + 1);
		if (sizes[i] == 4096 * 3) {
			/* make it end exactly on a block boundary */
			s.len = s.ends[0] = 4096 * 3;
			s.nrec = 1;
			memcpy(s.bytes + 8, &(uint32_t){ 4096 * 3 }, 4);
		}
		if (sizes[i] == 0)
			s.len = s.nrec = 0;
		assert_int_equal(rc_dio_begin(d, fd), 0);
		assert_int_equal(rc_dio_begin(d, fd), -EINVAL);  /* one file at a time */
		assert_int_equal(feed(d, &s, 8, 0, &given), 0);
		assert_int_equal(rc_dio_finish(d, &st), 0);
		assert_int_equal(st.durable, s.len);
		assert_int_equal(st.safe_tag, s.nrec);
		assert_file_is(fd, &s, s.len);
		close(fd);
		free_stream(&s);
	}
	rc_dio_free(d);
}

/* Flush puts the whole blocks on disk without finish. */
/* Until nothing is in flight (at most 5 s), with the status then. */
static void wait_written(struct rc_dio *d, struct rc_dio_status *st)
{
	for (int i = 0; i < 5000; i++) {
		rc_dio_status(d, st);
		if (!st->inflight)
			break;
		usleep(1000);
	}
	assert_int_equal(st->inflight, 0);
}

static void test_flush(void **state)
{
	struct rc_dio_conf conf = { 1 << 20, 4, false };
	struct rc_dio_status st = { 0 };
	struct rc_dio *d;
	struct stream s;
	int fd = new_file(dir);
	struct iovec v;
	struct stat sb;

	(void)state;
	make_stream(&s, 10000, 500, 7);
	assert_int_equal(rc_dio_new(&conf, dir_align, &d), 0);
	assert_int_equal(rc_dio_begin(d, fd), 0);
	v.iov_base = s.bytes;
	v.iov_len = s.ends[s.nrec / 2];
	assert_int_equal(rc_dio_write(d, &v, 1, s.nrec / 2), 0);
	rc_dio_status(d, &st);
	assert_int_equal(st.durable, 0);  /* all in the buffer */
	assert_int_equal(rc_dio_flush(d), 0);
	wait_written(d, &st);
	assert_int_equal(st.durable, v.iov_len & ~(uint64_t)(dir_align - 1));
	assert_int_equal(fstat(fd, &sb), 0);
	assert_true((uint64_t)sb.st_size >= st.durable);
	v.iov_base = s.bytes + v.iov_len;
	v.iov_len = s.len - v.iov_len;
	assert_int_equal(rc_dio_write(d, &v, 1, s.nrec), 0);
	assert_int_equal(rc_dio_finish(d, &st), 0);
	assert_int_equal(st.safe_tag, s.nrec);
	assert_file_is(fd, &s, s.len);
	rc_dio_free(d);
	close(fd);
	free_stream(&s);
}

/*
 * A slow capture: one record per call, and the timer sends the whole
 * blocks.  Once they are written, safe_end is the last record end in
 * them, with its tag - not the file's start: a write error then keeps
 * those records even when the file cannot be read back.
 */
static void test_flush_safe_end(void **state)
{
	struct rc_dio_conf conf = { 1 << 20, 4, false };
	struct rc_dio_status st = { 0 };
	uint64_t want_end = 0, want_tag = 0, i;
	struct rc_dio *d;
	struct stream s;
	int fd = new_file(dir);

	(void)state;
	make_stream(&s, 300000, 300, 11);
	assert_int_equal(rc_dio_new(&conf, dir_align, &d), 0);
	assert_int_equal(rc_dio_begin(d, fd), 0);
	for (i = 0; i < s.nrec; i++) {
		struct iovec v = { s.bytes + (i ? s.ends[i - 1] : 0),
				   s.ends[i] - (i ? s.ends[i - 1] : 0) };

		assert_int_equal(rc_dio_write(d, &v, 1, i + 1), 0);
		if (i % 500 == 499) {
			assert_int_equal(rc_dio_flush(d), 0);
			wait_written(d, &st);
			assert_int_equal(st.durable, s.ends[i] & ~(uint64_t)(dir_align - 1));
			want_end = 0;
			want_tag = 0;
			for (uint64_t j = 0; j <= i && s.ends[j] <= st.durable; j++) {
				want_end = s.ends[j];
				want_tag = j + 1;
			}
			assert_true(want_tag > 0);
			assert_int_equal(st.safe_end, want_end);
			assert_int_equal(st.safe_tag, want_tag);
		}
	}
	assert_true(want_tag >= s.nrec / 2);
	assert_int_equal(rc_dio_finish(d, &st), 0);
	assert_int_equal(st.safe_end, s.len);
	assert_int_equal(st.safe_tag, s.nrec);
	assert_file_is(fd, &s, s.len);
	rc_dio_free(d);
	close(fd);
	free_stream(&s);
}

/*
 * A file that already holds bytes (its header, written by its creator):
 * the writer goes on after them, and they stay as they were - also when
 * they end inside a block, which is read back and written again.
 */
static void test_prefix(void **state)
{
	static const uint32_t sizes[] = { 1, 24, 4095, 4096, 4097, 70000 };
	struct rc_dio_conf conf = { 64 << 10, 3, false };
	struct rc_dio *d;

	(void)state;
	assert_int_equal(rc_dio_new(&conf, dir_align, &d), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct rc_dio_status st;
		struct stream s;
		uint64_t given = 0, pre = sizes[i];
		int fd = new_file(dir);
		struct iovec v;

		make_stream(&s, 300000, 3000, i + 17);
		/* the first records, up to the first boundary past pre bytes,
		 * are written before (the "header") */
		for (uint64_t k = 0; k < s.nrec; k++)
			if (s.ends[k] >= pre) {
				pre = s.ends[k];
				given = k + 1;
				break;
			}
		assert_int_equal(pwrite(fd, s.bytes, pre, 0), (ssize_t)pre);
		assert_int_equal(rc_dio_begin(d, fd), 0);
		rc_dio_status(d, &st);
		assert_int_equal(st.accepted, pre);
		assert_int_equal(st.durable, pre);
		assert_int_equal(st.safe_end, pre);
		v.iov_base = s.bytes + pre;
		v.iov_len = s.len - pre;
		assert_int_equal(rc_dio_write(d, &v, 1, s.nrec - given), 0);
		assert_int_equal(rc_dio_finish(d, &st), 0);
		assert_int_equal(st.durable, s.len);
		assert_int_equal(st.safe_end, s.len);
		assert_file_is(fd, &s, s.len);
		close(fd);
		free_stream(&s);
	}
	rc_dio_free(d);
}

/* ---- failure mid-stream ---------------------------------------------------------- */

/*
 * Write @total bytes of records into a file in @in until a write fails;
 * check what the writer says against what is in the file, cut the file
 * back as the sink would and check that it then holds whole records, in
 * order, none lost before the cut.  Returns what the writer said.
 */
static void fill_until_error(const char *in, uint64_t total, uint32_t buf_size, int want_err,
			     struct rc_dio_status *ret)
{
	struct rc_dio_conf conf = { buf_size, 4, false };
	struct rc_dio_status st;
	struct rc_dio *d;
	struct stream s;
	int fd = new_file(in), r;
	uint64_t given;
	int64_t nrec;

	make_stream(&s, total, 70000, total);
	assert_int_equal(rc_dio_new(&conf, dir_align, &d), 0);
	assert_int_equal(rc_dio_begin(d, fd), 0);
	r = feed(d, &s, 16, 0, &given);
	assert_true(given < s.nrec);
	assert_true(r < 0);
	r = rc_dio_finish(d, &st);
	assert_int_equal(r, -st.err);
	print_message("%s: %s after %llu bytes given; durable %llu, cut at %llu (%llu records)\n",
		      in, strerror(st.err), (unsigned long long)st.accepted,
		      (unsigned long long)st.durable, (unsigned long long)st.safe_end,
		      (unsigned long long)st.safe_tag);
	if (want_err)
		assert_int_equal(st.err, want_err);
	else
		assert_int_not_equal(st.err, 0);
	/* what it says holds together */
	assert_true(st.safe_end <= st.durable);
	assert_true(st.durable <= st.accepted);
	assert_true(st.accepted <= s.len);
	nrec = records_to(&s, st.safe_end);
	assert_true(nrec >= 0);                      /* a record boundary */
	assert_int_equal((uint64_t)nrec, st.safe_tag); /* and the tag of that call */
	/* at most one buffer and one call between the two */
	assert_true(st.durable - st.safe_end <= buf_size + 70000ULL * 16);
	/* cut back: exactly the records up to safe_end, in order */
	assert_int_equal(ftruncate(fd, (off_t)st.safe_end), 0);
	assert_file_is(fd, &s, st.safe_end);
	rc_dio_free(d);
	close(fd);
	free_stream(&s);
	*ret = st;
}

struct limit {
	const char *name;
	uint64_t limit;    /* RLIMIT_FSIZE */
	uint32_t buf_size;
};

static const struct limit limits[] = {
	/* a write that ends past the limit is cut short at it, on a block
	 * boundary: the rest goes again and fails with EFBIG */
	{ "limit on a block boundary inside a buffer", (3 << 20) + (64 << 10), 1 << 20 },
	{ "limit on a buffer boundary", 4 << 20, 1 << 20 },
	{ "limit not on a block boundary", (2 << 20) + 1000, 256 << 10 },
	{ "limit in the first buffer", 100000, 1 << 20 },
};

static struct rlimit fsize0;

static int limit_setup(void **state)
{
	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	return getrlimit(RLIMIT_FSIZE, &fsize0);
}

/* also after a failed case: the next ones must not run into the limit */
static int limit_teardown(void **state)
{
	(void)state;
	return setrlimit(RLIMIT_FSIZE, &fsize0);
}

static void test_limit(void **state)
{
	const struct limit *l = *state;
	struct rlimit lim = fsize0;
	struct rc_dio_status st;

	lim.rlim_cur = l->limit;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	fill_until_error(dir, l->limit + (8 << 20), l->buf_size, 0, &st);
	assert_int_equal(st.err, EFBIG);
	assert_true(st.durable <= l->limit);
	if (!(l->limit & (dir_align - 1)))
		/* the write across the limit is cut short there: all of it made it */
		assert_int_equal(st.durable, l->limit);
	else
		/* a direct write cut off inside a block fails as a whole (ext4),
		 * or writes its whole blocks */
		assert_true(st.durable == l->limit / l->buf_size * l->buf_size ||
			    st.durable == (l->limit & ~(uint64_t)(dir_align - 1)));
}

static void test_enospc(void **state)
{
	const char *full = getenv("RC_DIO_FULL_DIR");
	struct rc_dio_status st;
	struct statfs sf;

	(void)state;
	if (!full || !*full)
		skip();
	assert_int_equal(statfs(full, &sf), 0);
	fill_until_error(full, (uint64_t)sf.f_bavail * sf.f_bsize + (16 << 20), 1 << 20, ENOSPC,
			 &st);
	assert_true(st.durable > 0);
	/* the file system was nearly all ours: most of it was written */
	assert_true(st.durable >= (uint64_t)sf.f_bavail * sf.f_bsize / 2);
}

/* ---- the page cache ------------------------------------------------------------- */

static void test_page_cache(void **state)
{
	const uint64_t total = 64 << 20;
	struct rc_dio_status st;
	struct rc_dio *d;
	struct stream s;
	int fd = new_file(dir), fd2 = new_file(dir);
	uint64_t given, pages, pages2, off = 0;

	(void)state;
	make_stream(&s, total, 70000, 99);
	assert_int_equal(rc_dio_new(NULL, dir_align, &d), 0);
	assert_int_equal(rc_dio_begin(d, fd), 0);
	assert_int_equal(feed(d, &s, 32, 0, &given), 0);
	assert_int_equal(rc_dio_finish(d, &st), 0);
	pages = resident_pages(fd);
	/* the same bytes through write(): shows the measure can see a cache */
	while (off < s.len) {
		ssize_t w = write(fd2, s.bytes + off, MIN(s.len - off, 1 << 20));

		assert_true(w > 0);
		off += (uint64_t)w;
	}
	pages2 = resident_pages(fd2);
	print_message("page cache after %llu bytes: direct %llu pages, write() %llu pages\n",
		      (unsigned long long)s.len, (unsigned long long)pages,
		      (unsigned long long)pages2);
	/* only the tail (less than one block) went through the cache */
	assert_true(pages <= 2);
	assert_true(pages2 >= s.len / 4096 / 2);
	assert_file_is(fd, &s, s.len);
	rc_dio_free(d);
	close(fd);
	close(fd2);
	free_stream(&s);
}

/* ---- what it refuses --------------------------------------------------------------- */

static void test_refuses(void **state)
{
	struct rc_dio *d;
	uint32_t align;
	int fd, p[2];
	struct statfs sf;

	(void)state;
	assert_int_equal(rc_dio_probe(-1, &align), -EBADF);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rc_dio_probe(p[1], &align), -EOPNOTSUPP);
	close(p[0]);
	close(p[1]);
	if (statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC) {
		/* tmpfs takes O_DIRECT on new kernels, but gains nothing */
		fd = new_file("/dev/shm");
		assert_int_equal(rc_dio_probe(fd, &align), -EOPNOTSUPP);
		close(fd);
	}
	assert_int_equal(rc_dio_new(&(struct rc_dio_conf){ 0, 1, false }, 4096, &d), -EINVAL);
	assert_int_equal(rc_dio_new(NULL, 3000, &d), -EINVAL);
	assert_int_equal(rc_dio_new(NULL, dir_align, &d), 0);
	assert_int_equal(rc_dio_write(d, NULL, 0, 0), -EBADF);
	assert_int_equal(rc_dio_finish(d, NULL), -EBADF);
	/* bytes to read back, but a write-only fd */
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/rc-dio-test.XXXXXX", dir);
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
		fd = open(path, O_WRONLY);
		unlink(path);
		assert_true(fd >= 0);
		assert_int_equal(rc_dio_begin(d, fd), -EBADF);
		close(fd);
	}
	/* O_APPEND */
	fd = new_file(dir);
	assert_int_equal(fcntl(fd, F_SETFL, O_APPEND), 0);
	assert_int_equal(rc_dio_begin(d, fd), -EINVAL);
	close(fd);
	rc_dio_free(d);
}

static int find_dir(void)
{
	const char *cands[] = { getenv("RC_DIO_DIR"), "/var/tmp", "/tmp" };

	for (unsigned i = 0; i < ARRAY_SIZE(cands); i++) {
		char path[4200];
		int fd, r;

		if (!cands[i] || !*cands[i])
			continue;
		snprintf(dir, sizeof(dir), "%s", cands[i]);
		snprintf(path, sizeof(path), "%s/rc-dio-probe.XXXXXX", dir);
		fd = mkstemp(path);
		if (fd < 0)
			continue;
		unlink(path);
		r = rc_dio_probe(fd, &dir_align);
		close(fd);
		if (r == 0)
			return 0;
	}
	return -1;
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_flush_safe_end),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_page_cache),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_enospc),
	};
	static const struct table tables[] = {
		TABLE("round trip", test_trip, trips),
		TABLE_FIX("file size limit", test_limit, limit_setup, limit_teardown, limits),
	};

	if (find_dir() < 0) {
		printf("SKIP: no directory that takes O_DIRECT (RC_DIO_DIR, /var/tmp, /tmp)\n");
		return 77;
	}
	printf("direct I/O in %s, alignment %u\n", dir, dir_align);
	return run_tables("dio", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

#else

int main(void)
{
	printf("SKIP: built without liburing (src/sink/dio.mk)\n");
	return 77;
}

#endif
