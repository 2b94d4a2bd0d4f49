// SPDX-License-Identifier: MIT
/*
 * pcap file sink.
 *
 * libpcap owns the format: each file's header comes from
 * pcap_open_dead_with_tstamp_precision(NANO) + pcap_dump_fopen(), so magic,
 * version, snaplen and link type are libpcap's.  Records are then appended
 * by this file in pcap_dump()'s own record layout (struct pcap_sf_pkthdr:
 * 32-bit seconds, 32-bit nanoseconds, caplen, len, in host order, then the
 * captured bytes) — a unit test (tests/unit/test_pcap_sink.c) writes the
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
 * We know exactly which records reached the file: after a failed write
 * (disk full, EPIPE) the file is cut back to its last complete record, so
 * every file this sink leaves behind is readable, and the frames that did
 * not make it are counted and reported, never dropped silently.
 *
 * Thread: the capture worker, except stats()/current().
 */
#include "pcap.h"

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
	bool numbered;
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
	pthread_mutex_t path_lock;
	uint64_t cur_bytes, cur_frames, opened_mono;
	uint64_t safe_bytes, safe_frames;  /* as of the last good flush */

	struct rc_sink_stats st;
};

#define PS(s) ((struct pcap_sink *)(s))

__attribute__((format(printf, 2, 3)))
static void set_err(struct pcap_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->base.err, sizeof(s->base.err), fmt, ap);
	va_end(ap);
}

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

/* Turn a failed write into the sink's final state and message. */
static int fail_io(struct pcap_sink *s, unsigned unwritten_in_batch)
{
	int e = s->io_err ? s->io_err : EIO;
	uint64_t kept = s->safe_frames, lost;

	salvage(s, &kept);
	lost = s->cur_frames - kept + unwritten_in_batch;
	RC_COUNTER_ADD(s->st.errors, 1);
	RC_COUNTER_ADD(s->st.lost, lost);
	RC_COUNTER_SET(s->st.frames, RC_COUNTER_GET(s->st.frames) - (s->cur_frames - kept));
	if (s->to_stdout)
		set_err(s, "writing to standard output failed: %s; %llu frames written, "
			"%llu frames lost", strerror(e),
			(unsigned long long)RC_COUNTER_GET(s->st.frames),
			(unsigned long long)lost);
	else if (s->durable == 0)
		set_err(s, "writing %s failed: %s; the file could not be started%s, "
			"%llu frames lost", s->path, strerror(e),
			s->regular ? " and was removed" : "", (unsigned long long)lost);
	else
		set_err(s, "writing %s failed: %s; the file was cut back to its last complete "
			"frame (%llu frames, %llu bytes kept), %llu frames lost", s->path,
			strerror(e), (unsigned long long)kept, (unsigned long long)s->durable,
			(unsigned long long)lost);
	if (s->regular && s->durable == 0) {
		/* only a regular file this sink created, never a device or fifo */
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
	s->base.dead = true;
	return -e;
}

static int close_file(struct pcap_sink *s)
{
	if (s->fd < 0)
		return 0;
	if (flush_file(s) < 0)
		return fail_io(s, 0);
	if (close(s->fd) < 0) {
		s->fd = -1;
		s->io_err = errno;
		return fail_io(s, 0);
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

static int open_file(struct pcap_sink *s, char *err, size_t errlen)
{
	char path[sizeof(s->path)];
	struct stat stbuf;
	uint64_t now = rc_clock_ns(CLOCK_REALTIME);
	int fd, r;

	r = rc_rotate_name(s->tmpl, s->numbered, s->rotor.next_seq,
			   (time_t)(now / 1000000000ULL), path, sizeof(path));
	if (r < 0) {
		snprintf(err, errlen, "output file name from '%s' is empty or too long", s->tmpl);
		return r;
	}
	if (s->to_stdout)
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
			  s->file_mode ? s->file_mode : 0666);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s for writing: %s",
			 s->to_stdout ? "standard output" : path, strerror(errno));
		return r;
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
	if (r < 0)
		return r;
	RC_COUNTER_ADD(s->st.files, 1);
	RC_COUNTER_ADD(s->st.bytes, PCAP_FILE_HDR);
	s->wlen = 0;
	s->niov = 0;
	queue_copy(s, s->filehdr, PCAP_FILE_HDR);
	s->cur_bytes = PCAP_FILE_HDR;
	s->cur_frames = 0;
	s->safe_bytes = 0;
	s->safe_frames = 0;
	s->opened_mono = rc_clock_ns(CLOCK_MONOTONIC);
	/* the header goes out now: the file is valid from its first moment */
	if (flush_file(s) < 0)
		return fail_io(s, 0);
	rc_rotor_update(&s->rotor, s->cur_bytes);
	return 0;
}

static int rotate(struct pcap_sink *s)
{
	int r = close_file(s);

	if (r < 0)
		return r;
	r = open_file(s, s->base.err, sizeof(s->base.err));
	if (r < 0) {
		s->base.dead = true;
		return r;
	}
	prune(s);
	return 0;
}

static int pcap_sink_write(struct rc_sink *sink, const struct rc_batch *b)
{
	struct pcap_sink *s = PS(sink);
	uint64_t frames = 0, bytes = 0, filtered = 0;
	int r;

	if (rc_rotor_time_due(&s->rotor, s->opened_mono, rc_clock_ns(CLOCK_MONOTONIC),
			      s->cur_frames)) {
		r = rotate(s);
		if (r < 0) {
			RC_COUNTER_ADD(s->st.lost, b->n);
			return r;
		}
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
			if (r < 0) {
				RC_COUNTER_ADD(s->st.lost, b->n - i);
				return r;
			}
		}
		if (rc_unlikely(s->wlen + rec > WBUF_SIZE || s->niov + 3 > NIOV) &&
		    flush_file(s) < 0) {
			RC_COUNTER_ADD(s->st.frames, frames);
			RC_COUNTER_ADD(s->st.bytes, bytes);
			return fail_io(s, b->n - i);
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
		return fail_io(s, 0);
	if (s->rotor.conf.max_total || s->rotor.conf.max_files) {
		rc_rotor_update(&s->rotor, s->cur_bytes);
		prune(s);
	}
	return 0;
}

static int pcap_sink_tick(struct rc_sink *sink, uint64_t now_mono_ns)
{
	struct pcap_sink *s = PS(sink);

	if (s->fd >= 0 &&
	    rc_rotor_time_due(&s->rotor, s->opened_mono, now_mono_ns, s->cur_frames))
		return rotate(s);
	return 0;
}

static int pcap_sink_close(struct rc_sink *sink)
{
	struct pcap_sink *s = PS(sink);

	if (sink->dead)
		return 0;
	return close_file(s);
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

static const char *pcap_sink_current(struct rc_sink *sink, char *buf, size_t len)
{
	struct pcap_sink *s = PS(sink);

	pthread_mutex_lock(&s->path_lock);
	snprintf(buf, len, "%s", s->to_stdout ? "-" : s->path);
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
	.write = pcap_sink_write,
	.tick = pcap_sink_tick,
	.close = pcap_sink_close,
	.stats = pcap_sink_stats,
	.current = pcap_sink_current,
	.free = pcap_sink_free,
};

int rc_pcap_sink_new(const struct rc_pcap_conf *conf, int dlt, unsigned capture_snaplen,
		     struct rc_sink **ret, char *err, size_t errlen)
{
	struct pcap_sink *s;
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
	r = open_file(s, err, errlen);
	if (r < 0) {
		if (s->base.dead)
			snprintf(err, errlen, "%s", s->base.err);
		goto fail;
	}
	*ret = &s->base;
	return 0;
fail:
	pcap_sink_free(&s->base);
	return r;
}
