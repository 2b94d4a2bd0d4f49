// SPDX-License-Identifier: MIT
/*
 * pcap file sink.
 *
 * libpcap owns the format: each file's header comes from
 * pcap_open_dead_with_tstamp_precision(NANO) + pcap_dump_fopen(), so magic,
 * version, snaplen and link type are libpcap's.  Records are then appended
 * by this file in pcap_dump()'s own record layout (struct pcap_sf_pkthdr:
 * 32-bit seconds, 32-bit nanoseconds, caplen, len, in host order, then the
 * captured bytes) - a unit test (tests/unit/test_pcap_sink.c) writes the
 * same frames through pcap_dump() and through this sink and requires equal
 * bytes.  Doing this here rather than through pcap_dump()'s two stdio
 * fwrite() calls per frame is what keeps the per-frame cost low: record
 * headers and small frames are copied into one buffer, frames of
 * ZC_MIN_CAPLEN bytes or more are not copied at all but handed to writev(2)
 * straight from the ring, and there is one system call per batch.  The
 * batch is written before write() returns, that is before the worker lets
 * go of the batch's lease, so the ring memory is still ours while the
 * kernel reads it.
 *
 * Files are never destroyed.  Every file is created with O_EXCL, so no
 * existing file - an earlier run's, another program's, a symlink planted
 * in its place - is ever truncated or written through.  Numbered names
 * continue after the highest number already in the directory; a
 * non-rotating output whose name is taken is written under the numbered
 * name instead (rotate.h).  Only FIFOs and character devices that exist
 * are opened as they are (they hold no capture to harm); a FIFO is opened
 * without blocking, and one with no reader is waited for.
 *
 * We know exactly which records reached the file: after a failed write
 * (disk full, EPIPE) the file is cut back to its last complete record, so
 * every file this sink leaves behind is readable, and the frames that did
 * not make it are counted.  From then on every frame that misses the output
 * is counted too; with base.retry (the daemon) the sink tries again with a
 * new file, backing off from 1 s to 30 s, and says when it writes again.
 *
 * Thread: the capture worker, except stats()/state()/current().
 */
#include "pcap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../capture/filter.h"
#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/counter.h"
#include "rotate.h"

#define WBUF_SIZE (4u << 20)   /* > the largest record (16 + 262144) */
#define NIOV 1024              /* IOV_MAX */
#define ZC_MIN_CAPLEN 512      /* from here on a frame goes out without a copy */
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define RETRY_MIN_NS (1000ULL * 1000000ULL)
#define RETRY_MAX_NS (30000ULL * 1000000ULL)
#define WAIT_READER_NS (1000ULL * 1000000ULL)
#define NAME_TRIES 64

/* pcap_dump()'s record header; see pcap/sf-pcap.c in libpcap */
struct rec_hdr {
	uint32_t sec;
	uint32_t frac;   /* nanoseconds in a nanosecond file */
	uint32_t caplen;
	uint32_t len;
};

struct pcap_sink {
	struct rc_sink base;
	char *tmpl;
	uint32_t file_mode;
	bool to_stdout;
	bool numbered;            /* rotation: every name is numbered */
	bool renumbered;          /* the plain name was taken: numbered from now on */
	bool scanned;             /* the highest existing number was looked up */
	pcap_t *pd;               /* libpcap writer handle (no capture) */
	uint8_t filehdr[PCAP_FILE_HDR];
	struct bpf_program prog;
	bool has_filter;
	unsigned snaplen;
	struct rc_rotor rotor;

	int fd;                   /* the file being written, -1 if none */
	bool regular;
	int io_err;               /* errno of the first failed write */
	uint64_t durable;         /* bytes that reached the file */
	uint8_t *wbuf;             /* record headers and small frames */
	size_t wlen;
	struct iovec iov[NIOV];    /* what the next writev() sends, in order */
	int niov;
	char path[4096];
	pthread_mutex_t path_lock; /* path and why */
	uint64_t cur_bytes, cur_frames, opened_mono;
	uint64_t safe_bytes, safe_frames;  /* as of the last good flush */

	int state;                /* enum rc_sink_state; written by the worker */
	char why[600];            /* unless writing: what is wrong */
	uint64_t retry_at;        /* CLOCK_MONOTONIC ns of the next attempt */
	uint64_t backoff;
	uint64_t lost_while_down; /* frames missed since the output stopped writing */

	struct rc_sink_stats st;
};

#define PS(s) ((struct pcap_sink *)(s))

/* Ask libpcap for the file header once: it goes in front of every file. */
static int make_file_header(struct pcap_sink *s, char *err, size_t errlen)
{
	uint8_t buf[64];
	pcap_dumper_t *d;
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	long n;

	if (!f)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0);
	d = pcap_dump_fopen(s->pd, f);
	if (!d) {
		snprintf(err, errlen, "libpcap cannot write a file header: %s", pcap_geterr(s->pd));
		fclose(f);
		return -EIO;
	}
	n = pcap_dump_ftell(d);
	pcap_dump_close(d);
	if (n != PCAP_FILE_HDR) {
		snprintf(err, errlen, "libpcap wrote a %ld-byte file header", n);
		return -EIO;
	}
	memcpy(s->filehdr, buf, PCAP_FILE_HDR);
	return 0;
}

/* Queue @n bytes at @p; neighbours in memory share one iovec. */
static inline void queue(struct pcap_sink *s, const void *p, size_t n)
{
	if (s->niov) {
		struct iovec *last = &s->iov[s->niov - 1];

		if ((const uint8_t *)last->iov_base + last->iov_len == (const uint8_t *)p) {
			last->iov_len += n;
			return;
		}
	}
	s->iov[s->niov].iov_base = (void *)p;
	s->iov[s->niov].iov_len = n;
	s->niov++;
}

/* Copy into the buffer and queue it. */
static inline void queue_copy(struct pcap_sink *s, const void *p, size_t n)
{
	uint8_t *dst = s->wbuf + s->wlen;

	memcpy(dst, p, n);
	s->wlen += n;
	queue(s, dst, n);
}

/* Write out what is queued.  Only whole records are ever queued. */
static int flush_file(struct pcap_sink *s)
{
	struct iovec *v = s->iov;
	int n = s->niov;

	if (s->io_err)
		return -1;
	while (n > 0) {
		ssize_t w = writev(s->fd, v, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->io_err = errno;
			break;
		}
		s->durable += (uint64_t)w;
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
	s->wlen = 0;
	s->niov = 0;
	if (s->io_err)
		return -1;
	s->safe_bytes = s->cur_bytes;
	s->safe_frames = s->cur_frames;
	return 0;
}

/*
 * A write failed.  Everything up to safe_bytes was complete when last
 * flushed; walk the record headers past that point, as far as they reached
 * the file, and cut the file after the last whole record.
 */
static void salvage(struct pcap_sink *s, uint64_t *ret_kept)
{
	uint64_t off = s->safe_bytes, kept = s->safe_frames;
	uint64_t end = s->durable;

	if (s->regular && s->fd >= 0) {
		if (end < PCAP_FILE_HDR) {
			off = 0;
		} else {
			while (off + PCAP_REC_HDR <= end) {
				uint32_t caplen;

				if (pread(s->fd, &caplen, 4, (off_t)off + 8) != 4)
					break;
				if (off + PCAP_REC_HDR + caplen > end)
					break;
				off += PCAP_REC_HDR + caplen;
				kept++;
			}
		}
		if (ftruncate(s->fd, (off_t)off) == 0)
			s->durable = off;
	}
	*ret_kept = kept;
}

/* ---- state ------------------------------------------------------------- */

static void set_state(struct pcap_sink *s, enum rc_sink_state st, const char *why)
{
	pthread_mutex_lock(&s->path_lock);
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
	pthread_mutex_unlock(&s->path_lock);
	__atomic_store_n(&s->state, (int)st, __ATOMIC_RELEASE);
}

static enum rc_sink_state get_state(const struct pcap_sink *s)
{
	return (enum rc_sink_state)__atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/*
 * The output cannot write now.  @why says what happened.  With retry (or
 * for a FIFO that only lacks a reader, @wait_ns) it waits and tries again
 * with a new file; otherwise it has stopped for good.  Returns 0 when it
 * will try again, -@e when it has stopped.
 */
static int stop_writing(struct pcap_sink *s, int e, const char *why, uint64_t wait_ns)
{
	uint64_t now = rc_clock_ns(CLOCK_MONOTONIC);
	char msg[sizeof(s->why)];

	snprintf(s->base.err, sizeof(s->base.err), "%s", why);
	if (!s->base.retry && !wait_ns) {
		bool was_writing = get_state(s) == RC_SINK_WRITING;

		s->base.dead = true;
		set_state(s, RC_SINK_FAILED, why);
		rc_sink_event(&s->base, RC_LOG_ERR, "%s%s", why,
			      was_writing ? "; this output has stopped" : "");
		return -e;
	}
	if (!wait_ns) {
		wait_ns = s->backoff;
		s->backoff = RC_MIN(s->backoff * 2, RETRY_MAX_NS);
	}
	s->retry_at = now + wait_ns;
	snprintf(msg, sizeof(msg), "%s; trying again in %llu s", why,
		 (unsigned long long)((wait_ns + 999999999ULL) / 1000000000ULL));
	/* say it once per outage, not at every attempt */
	if (get_state(s) != RC_SINK_WAITING)
		rc_sink_event(&s->base, wait_ns == WAIT_READER_NS ? RC_LOG_WARNING : RC_LOG_ERR,
			      "%s; frames that miss this output are counted as lost", msg);
	set_state(s, RC_SINK_WAITING, msg);
	return 0;
}

/* Frames of @b from index @from that this output would have written but
 * did not: count them. */
static void count_lost(struct pcap_sink *s, const struct rc_batch *b, unsigned from)
{
	uint64_t n = 0;

	for (unsigned i = from; i < b->n; i++)
		if (!s->has_filter || rc_filter_match(&s->prog, &b->frames[i]))
			n++;
	RC_COUNTER_ADD(s->st.lost, n);
	s->lost_while_down += n;
}

/* Turn a failed write into a closed, cut-back file and the sink's state. */
static int fail_io(struct pcap_sink *s, const struct rc_batch *b, unsigned unwritten_from)
{
	int e = s->io_err ? s->io_err : EIO;
	uint64_t kept = s->safe_frames, lost;
	char why[sizeof(s->why)];

	salvage(s, &kept);
	lost = s->cur_frames - kept;
	RC_COUNTER_ADD(s->st.errors, 1);
	RC_COUNTER_ADD(s->st.lost, lost);
	s->lost_while_down = lost;
	RC_COUNTER_SET(s->st.frames, RC_COUNTER_GET(s->st.frames) - lost);
	if (s->to_stdout)
		snprintf(why, sizeof(why), "writing to standard output failed: %s", strerror(e));
	else if (s->durable == 0)
		snprintf(why, sizeof(why), "writing %.400s failed: %s; the file could not be "
			 "started%s", s->path, strerror(e), s->regular ? " and was removed" : "");
	else
		snprintf(why, sizeof(why), "writing %.400s failed: %s; the file was cut back to its "
			 "last complete frame (%llu frames, %llu bytes kept)", s->path, strerror(e),
			 (unsigned long long)kept, (unsigned long long)s->durable);
	if (s->regular && s->durable == 0) {
		/* only a regular file this sink created (O_EXCL), never a device or fifo */
		unlink(s->path);
		rc_rotor_drop_current(&s->rotor);
	} else {
		rc_rotor_update(&s->rotor, s->durable);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->wlen = 0;
	s->niov = 0;
	s->cur_frames = 0;
	if (b)
		count_lost(s, b, unwritten_from);
	return stop_writing(s, e, why, 0);
}

static int close_file(struct pcap_sink *s)
{
	if (s->fd < 0)
		return 0;
	if (flush_file(s) < 0)
		return fail_io(s, NULL, 0);
	if (close(s->fd) < 0) {
		s->fd = -1;
		s->io_err = errno;
		return fail_io(s, NULL, 0);
	}
	s->fd = -1;
	rc_rotor_update(&s->rotor, s->cur_bytes);
	return 0;
}

static void prune(struct pcap_sink *s)
{
	char *old;

	while (rc_rotor_pop_excess(&s->rotor, &old) == 1) {
		if (unlink(old) == 0 || errno == ENOENT)
			RC_COUNTER_ADD(s->st.removed, 1);
		free(old);
	}
}

/* ---- opening files --------------------------------------------------------- */

/* The highest N of the files "stem_N.ext" next to @path (unnumbered, expanded). */
static uint64_t highest_number(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	uint64_t max = 0, n;
	struct dirent *e;
	DIR *d;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (rc_rotate_number_of(base, e->d_name, &n) && n > max)
			max = n;
	closedir(d);
	return max;
}

/* An existing file that may be opened as it is: it holds no capture. */
static bool is_stream(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode));
}

/*
 * A file without a name yet in the directory of @path (O_TMPFILE), so that
 * its header is in it before anyone can see it: a kill -9 never leaves a
 * named file without a pcap header.  -errno where the file system cannot
 * (then the file is created by name, with O_EXCL).
 */
static int open_tmp(const struct pcap_sink *s, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, s->file_mode ? s->file_mode : 0666);
	return fd < 0 ? -errno : fd;
}

/* Name the unnamed file @fd @path; EEXIST when the name is taken. */
static int link_tmp(int fd, const char *path)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* no /proc: the descriptor itself, which needs CAP_DAC_READ_SEARCH */
	return linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
}

/*
 * Find a name and create the file (or, with @tmp >= 0, give that unnamed
 * file the name).  Returns the fd (O_NONBLOCK cleared), -ENXIO for a FIFO
 * without a reader, or -errno with a message in @err.
 */
static int create_file(struct pcap_sink *s, int tmp, char *path, size_t len, char *err,
		       size_t errlen)
{
	uint64_t now = rc_clock_ns(CLOCK_REALTIME);
	time_t t = (time_t)(now / 1000000000ULL);
	const int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	for (unsigned tries = 0; tries < NAME_TRIES; tries++) {
		bool numbered = s->numbered || s->renumbered;
		char plain[4096];
		int fd, r;

		if (numbered && !s->scanned) {
			/* continue after what an earlier run left there */
			r = rc_rotate_name(s->tmpl, false, 0, t, plain, sizeof(plain));
			if (r < 0)
				goto bad_name;
			s->rotor.next_seq = RC_MAX(s->rotor.next_seq, highest_number(plain) + 1);
			s->scanned = true;
		}
		r = rc_rotate_name(s->tmpl, numbered, s->rotor.next_seq, t, path, len);
		if (r < 0)
			goto bad_name;
		if (tmp >= 0) {
			/* give the file, header and all, its name; never over another */
			fd = link_tmp(tmp, path) < 0 ? -1 : tmp;
		} else {
			fd = open(path, flags | O_CREAT | O_EXCL, s->file_mode ? s->file_mode : 0666);
			if (fd < 0 && errno == EEXIST && is_stream(path))
				fd = open(path, flags);
		}
		if (fd >= 0) {
			if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
				r = -errno;
				close(fd);
				snprintf(err, errlen, "cannot use %.900s: %s", path, strerror(-r));
				return r;
			}
			return fd;
		}
		if (errno == ENXIO) {
			snprintf(err, errlen, "%.900s is a FIFO with no reader", path);
			return -ENXIO;
		}
		if (errno != EEXIST) {
			r = -errno;
			snprintf(err, errlen, "cannot %s %.900s for writing: %s", tmp >= 0 ? "name" : "open",
				 path, strerror(-r));
			return r;
		}
		if (numbered) {
			/* taken since we looked (another writer): look again */
			s->scanned = false;
			s->rotor.next_seq++;
		} else {
			struct stat st;

			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				snprintf(err, errlen, "cannot write to %.900s: it is a directory", path);
				return -EISDIR;
			}
			/* numbered from now on, after what is there */
			s->renumbered = true;
			s->scanned = false;
			s->rotor.next_seq = 1;
		}
	}
	snprintf(err, errlen, "no free file name for %.900s after %u tries", s->tmpl, NAME_TRIES);
	return -EEXIST;
bad_name:
	snprintf(err, errlen, "output file name from '%.900s' is empty or too long", s->tmpl);
	return -ENAMETOOLONG;
}

/*
 * The usual way to a new file: an unnamed one in the right directory, its
 * header written, then named.  -EAGAIN when that cannot be done here (no
 * O_TMPFILE, or the name is an existing FIFO or device, which is opened
 * as it is): the caller creates the file by name instead.
 */
static int open_named_with_header(struct pcap_sink *s, char *path, size_t len, char *err,
				  size_t errlen)
{
	time_t t = (time_t)(rc_clock_ns(CLOCK_REALTIME) / 1000000000ULL);
	int tmp, fd;

	if (rc_rotate_name(s->tmpl, s->numbered || s->renumbered, s->rotor.next_seq, t, path,
			   len) < 0 || is_stream(path))
		return -EAGAIN;
	tmp = open_tmp(s, path);
	if (tmp < 0)
		return -EAGAIN;
	if (s->file_mode)
		(void)fchmod(tmp, s->file_mode);
	if (write(tmp, s->filehdr, PCAP_FILE_HDR) != (ssize_t)PCAP_FILE_HDR) {
		int e = errno ? errno : EIO;

		close(tmp);
		snprintf(err, errlen, "writing a file in the directory of %.900s failed: %s", path,
			 strerror(e));
		return -e;
	}
	fd = create_file(s, tmp, path, len, err, errlen);
	if (fd < 0)
		close(tmp);
	return fd;
}

/* Open the next file and write its header.  0, or the result of
 * stop_writing() with the reason. */
static int open_file(struct pcap_sink *s)
{
	char path[sizeof(s->path)], why[1024];
	struct stat stbuf;
	bool renumbered = s->renumbered, header_done = false;
	int fd, r;

	if (s->to_stdout) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			fd = -errno;
			snprintf(why, sizeof(why), "cannot write to standard output: %s",
				 strerror(-fd));
		}
		snprintf(path, sizeof(path), "-");
	} else {
		fd = open_named_with_header(s, path, sizeof(path), why, sizeof(why));
		if (fd == -EAGAIN)
			fd = create_file(s, -1, path, sizeof(path), why, sizeof(why));
		else if (fd >= 0)
			header_done = true;
	}
	if (fd < 0) {
		RC_COUNTER_ADD(s->st.errors, fd == -ENXIO ? 0 : 1);
		return stop_writing(s, -fd, why, fd == -ENXIO ? WAIT_READER_NS : 0);
	}
	if (!renumbered && s->renumbered) {
		char plain[4096];

		if (rc_rotate_name(s->tmpl, false, 0, (time_t)(rc_clock_ns(CLOCK_REALTIME) /
							   1000000000ULL), plain, sizeof(plain)) == 0)
			rc_sink_event(&s->base, RC_LOG_NOTICE, "%.400s exists; writing %.400s instead "
				      "(ringcap never overwrites a file)", plain, path);
	}
	if (s->file_mode && !s->to_stdout)
		(void)fchmod(fd, s->file_mode); /* exact mode, whatever the umask */
	s->fd = fd;
	s->regular = fstat(fd, &stbuf) == 0 && S_ISREG(stbuf.st_mode);
	s->io_err = 0;
	s->durable = 0;
	pthread_mutex_lock(&s->path_lock);
	memcpy(s->path, path, sizeof(path));
	pthread_mutex_unlock(&s->path_lock);
	r = rc_rotor_push(&s->rotor, path);
	if (r < 0) {
		close(fd);
		s->fd = -1;
		return stop_writing(s, -r, "out of memory", 0);
	}
	RC_COUNTER_ADD(s->st.files, 1);
	RC_COUNTER_ADD(s->st.bytes, PCAP_FILE_HDR);
	s->wlen = 0;
	s->niov = 0;
	s->cur_bytes = PCAP_FILE_HDR;
	s->cur_frames = 0;
	s->safe_bytes = 0;
	s->safe_frames = 0;
	s->opened_mono = rc_clock_ns(CLOCK_MONOTONIC);
	if (header_done) {
		s->durable = PCAP_FILE_HDR;
		s->safe_bytes = PCAP_FILE_HDR;
	} else {
		/* the header goes out now: the file is valid from its first moment */
		queue_copy(s, s->filehdr, PCAP_FILE_HDR);
		if (flush_file(s) < 0)
			return fail_io(s, NULL, 0);
	}
	rc_rotor_update(&s->rotor, s->cur_bytes);
	if (get_state(s) == RC_SINK_WAITING) {
		rc_sink_event(&s->base, RC_LOG_NOTICE, "writing again, to %.400s; %llu frames were "
			      "lost while it could not write", s->to_stdout ? "standard output" : path,
			      (unsigned long long)s->lost_while_down);
	}
	s->lost_while_down = 0;
	set_state(s, RC_SINK_WRITING, NULL);
	return 0;
}

static int rotate(struct pcap_sink *s)
{
	int r = close_file(s);

	if (r < 0 || get_state(s) != RC_SINK_WRITING)
		return r;
	r = open_file(s);
	if (r < 0 || get_state(s) != RC_SINK_WRITING)
		return r;
	prune(s);
	return 0;
}

static int pcap_sink_start(struct rc_sink *sink)
{
	struct pcap_sink *s = PS(sink);

	if (get_state(s) != RC_SINK_IDLE)
		return sink->dead ? -EIO : 0;
	s->backoff = RETRY_MIN_NS;
	return open_file(s);
}

/* Not writing (waiting or stopped): count the batch, maybe try again. */
static int not_writing(struct pcap_sink *s, const struct rc_batch *b)
{
	count_lost(s, b, 0);
	return s->base.dead ? -EIO : 0;
}

static int pcap_sink_write(struct rc_sink *sink, const struct rc_batch *b)
{
	struct pcap_sink *s = PS(sink);
	uint64_t frames = 0, bytes = 0, filtered = 0;
	int r;

	if (rc_unlikely(get_state(s) != RC_SINK_WRITING)) {
		if (get_state(s) == RC_SINK_IDLE && pcap_sink_start(sink) < 0)
			return not_writing(s, b);
		if (get_state(s) != RC_SINK_WRITING)
			return not_writing(s, b);
	}
	if (rc_rotor_time_due(&s->rotor, s->opened_mono, rc_clock_ns(CLOCK_MONOTONIC),
			      s->cur_frames)) {
		r = rotate(s);
		if (r < 0 || get_state(s) != RC_SINK_WRITING)
			return not_writing(s, b);
	}
	for (unsigned i = 0; i < b->n; i++) {
		const struct rc_frame *f = &b->frames[i];
		uint32_t caplen = f->h.caplen < s->snaplen ? f->h.caplen : s->snaplen;
		uint64_t rec = PCAP_REC_HDR + caplen;
		struct rec_hdr h;

		if (s->has_filter && !rc_filter_match(&s->prog, f)) {
			filtered++;
			continue;
		}
		if (rc_unlikely(rc_rotor_size_due(&s->rotor, s->cur_bytes, s->cur_frames, rec))) {
			RC_COUNTER_ADD(s->st.frames, frames);
			RC_COUNTER_ADD(s->st.bytes, bytes);
			frames = bytes = 0;
			r = rotate(s);
			if (r < 0 || get_state(s) != RC_SINK_WRITING) {
				RC_COUNTER_ADD(s->st.filtered, filtered);
				count_lost(s, b, i);
				return r;
			}
		}
		if (rc_unlikely(s->wlen + rec > WBUF_SIZE || s->niov + 3 > NIOV) &&
		    flush_file(s) < 0) {
			RC_COUNTER_ADD(s->st.frames, frames);
			RC_COUNTER_ADD(s->st.bytes, bytes);
			RC_COUNTER_ADD(s->st.filtered, filtered);
			return fail_io(s, b, i);
		}
		h.sec = (uint32_t)f->h.ts.tv_sec;
		h.frac = (uint32_t)f->h.ts.tv_usec;
		h.caplen = caplen;
		h.len = f->h.len;
		if (caplen < ZC_MIN_CAPLEN) {
			uint8_t *dst = s->wbuf + s->wlen;

			memcpy(dst, &h, sizeof(h));
			memcpy(dst + sizeof(h), f->data, caplen);
			s->wlen += rec;
			queue(s, dst, rec);
		} else {
			queue_copy(s, &h, sizeof(h));
			queue(s, f->data, caplen);
		}
		s->cur_bytes += rec;
		s->cur_frames++;
		frames++;
		bytes += rec;
	}
	RC_COUNTER_ADD(s->st.frames, frames);
	RC_COUNTER_ADD(s->st.bytes, bytes);
	if (filtered)
		RC_COUNTER_ADD(s->st.filtered, filtered);
	if (flush_file(s) < 0)
		return fail_io(s, NULL, 0);
	s->backoff = RETRY_MIN_NS;  /* writing works: the next outage starts afresh */
	if (s->rotor.conf.max_total || s->rotor.conf.max_files) {
		rc_rotor_update(&s->rotor, s->cur_bytes);
		prune(s);
	}
	return 0;
}

static int pcap_sink_tick(struct rc_sink *sink, uint64_t now_mono_ns)
{
	struct pcap_sink *s = PS(sink);

	switch (get_state(s)) {
	case RC_SINK_IDLE:
		return pcap_sink_start(sink);
	case RC_SINK_WRITING:
		if (rc_rotor_time_due(&s->rotor, s->opened_mono, now_mono_ns, s->cur_frames))
			return rotate(s);
		return 0;
	case RC_SINK_WAITING:
		if (now_mono_ns >= s->retry_at)
			return open_file(s);
		return 0;
	default:
		return sink->dead ? -EIO : 0;
	}
}

static int pcap_sink_rotate(struct rc_sink *sink)
{
	struct pcap_sink *s = PS(sink);

	switch (get_state(s)) {
	case RC_SINK_WRITING:
		return s->to_stdout ? 0 : rotate(s);
	case RC_SINK_WAITING:
		return open_file(s);
	default:
		return sink->dead ? -EIO : 0;
	}
}

static int pcap_sink_close(struct rc_sink *sink)
{
	struct pcap_sink *s = PS(sink);
	int r = 0;

	if (get_state(s) == RC_SINK_WRITING) {
		r = close_file(s);
		if (r < 0 || get_state(s) != RC_SINK_WRITING)
			return r < 0 ? r : -EIO;
	}
	if (!sink->dead)
		set_state(s, RC_SINK_CLOSED, NULL);
	return r;
}

static void pcap_sink_stats(struct rc_sink *sink, struct rc_sink_stats *ret)
{
	struct pcap_sink *s = PS(sink);

	ret->frames = RC_COUNTER_GET(s->st.frames);
	ret->bytes = RC_COUNTER_GET(s->st.bytes);
	ret->filtered = RC_COUNTER_GET(s->st.filtered);
	ret->files = RC_COUNTER_GET(s->st.files);
	ret->removed = RC_COUNTER_GET(s->st.removed);
	ret->errors = RC_COUNTER_GET(s->st.errors);
	ret->lost = RC_COUNTER_GET(s->st.lost);
}

static enum rc_sink_state pcap_sink_state(struct rc_sink *sink, char *buf, size_t len)
{
	struct pcap_sink *s = PS(sink);
	enum rc_sink_state st;

	pthread_mutex_lock(&s->path_lock);
	st = get_state(s);
	snprintf(buf, len, "%s", s->why);
	pthread_mutex_unlock(&s->path_lock);
	return st;
}

static const char *pcap_sink_current(struct rc_sink *sink, char *buf, size_t len)
{
	struct pcap_sink *s = PS(sink);

	pthread_mutex_lock(&s->path_lock);
	snprintf(buf, len, "%s", s->to_stdout ? "-" : s->path[0] ? s->path : s->tmpl);
	pthread_mutex_unlock(&s->path_lock);
	return buf;
}

static void pcap_sink_free(struct rc_sink *sink)
{
	struct pcap_sink *s = PS(sink);

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->has_filter)
		pcap_freecode(&s->prog);
	if (s->pd)
		pcap_close(s->pd);
	rc_rotor_fini(&s->rotor);
	pthread_mutex_destroy(&s->path_lock);
	free(s->wbuf);
	free(s->tmpl);
	free(s);
}

static const struct rc_sink_ops pcap_sink_ops = {
	.name = "pcap",
	.start = pcap_sink_start,
	.write = pcap_sink_write,
	.tick = pcap_sink_tick,
	.rotate = pcap_sink_rotate,
	.close = pcap_sink_close,
	.stats = pcap_sink_stats,
	.state = pcap_sink_state,
	.current = pcap_sink_current,
	.free = pcap_sink_free,
};

int rc_pcap_sink_new(const struct rc_pcap_conf *conf, int dlt, unsigned capture_snaplen,
		     struct rc_sink **ret, char *err, size_t errlen)
{
	struct pcap_sink *s;
	char probe[4096];
	int r;

	r = rc_rotate_conf_validate(&conf->rotate, conf->path, err, errlen);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->path_lock, NULL);
	s->base.ops = &pcap_sink_ops;
	s->fd = -1;
	s->state = RC_SINK_IDLE;
	s->tmpl = strdup(conf->path);
	s->wbuf = malloc(WBUF_SIZE);
	if (!s->tmpl || !s->wbuf) {
		r = -ENOMEM;
		goto fail;
	}
	s->to_stdout = !strcmp(conf->path, "-");
	s->numbered = rc_rotate_conf_active(&conf->rotate);
	s->file_mode = conf->file_mode;
	s->snaplen = conf->snaplen && conf->snaplen < capture_snaplen ? conf->snaplen :
									 capture_snaplen;
	rc_rotor_init(&s->rotor, &conf->rotate);
	if (!s->to_stdout && rc_rotate_name(s->tmpl, s->numbered, 1, time(NULL), probe,
					   sizeof(probe)) < 0) {
		snprintf(err, errlen, "output file name from '%.900s' is empty or too long", s->tmpl);
		r = -ENAMETOOLONG;
		goto fail;
	}
	s->pd = pcap_open_dead_with_tstamp_precision(dlt, (int)s->snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!s->pd) {
		snprintf(err, errlen, "libpcap cannot make a writer for link type %d", dlt);
		r = -ENOMEM;
		goto fail;
	}
	r = make_file_header(s, err, errlen);
	if (r < 0)
		goto fail;
	if (conf->filter && conf->filter[0]) {
		if (pcap_compile(s->pd, &s->prog, conf->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(s->pd));
			r = -EBADMSG;
			goto fail;
		}
		s->has_filter = true;
	}
	*ret = &s->base;
	return 0;
fail:
	pcap_sink_free(&s->base);
	return r;
}
