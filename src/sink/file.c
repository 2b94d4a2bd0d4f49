// SPDX-License-Identifier: MIT
/*
 * File sink: capture files, pcap or pcapng, rotated per rotate.h.
 *
 * What a file is made of (format.h) and how bytes reach it (fileio.h)
 * are behind seams of their own; the file sink owns the rest: names,
 * rotation, the record layout on the hot path, failure handling.
 *
 * FORMATS.  A small table (struct file_format) says what starts a file
 * (pcap: libpcap's own file header; pcapng: a section header block and one
 * interface description block per interface), what ends it (pcapng: one
 * interface statistics block per interface with the source's counters
 * over the file's lifetime, so that each file states its own losses), and
 * how long a record is, from its first bytes (salvage).  The records -
 * pcap_dump()'s 16-byte header, or an enhanced packet block with the
 * frame's direction and the kernel's drop count - are laid out inline in
 * write_frames(), compiled once per format: no frame pays an indirect call
 * or a format test.  A unit test holds the pcap records to pcap_dump()'s
 * bytes, and libpcap reads every pcapng file back frame for frame.
 *
 * RECORDS.  Record headers and small frames are copied into one 4 MiB
 * buffer, frames of ZC_MIN_CAPLEN bytes or more are not copied at all but
 * queued as iovecs straight from the ring, and a batch goes out as one
 * write of whole records.  Both backends are done with the ring memory
 * before write() returns, that is before the worker lets go of the
 * batch's lease: writev writes the batch, and direct I/O copies it into
 * buffers of its own (fileio_dio.c), so no lease is held past write.
 *
 * I/O.  The backend (fileio.h: open / write whole records as iovecs /
 * flush / read back and cut / finish) is chosen per output (--io, io:):
 * direct I/O (O_DIRECT + io_uring) where the file system takes it, else
 * buffered writev(2); said once per output, and again if it changes (a
 * file on another file system).  The tick flushes what direct I/O holds.
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
 * FILES.  This file: the sink's ops, rotation, and the hot path -
 * write_frames() with the per-format record encoders, inlined into one
 * function per format, and the functions it calls (queue(), flush_file(),
 * rotate(), prune(), count_lost(), ...); they stay in one translation unit
 * so that the compiler sees them together: moving one of them out changes
 * the loop's code.  file_create.c: names and creation; file_fail.c: a
 * failed write; file_isb.c: pcapng's per-file statistics.  struct
 * file_sink is in file_priv.h.
 *
 * Thread: the capture worker, except stats()/state()/current().
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "file_priv.h"
#include "fileio.h"
#include "format.h"
#include "rotate.h"

#define WBUF_SIZE (4u << 20)   /* > the largest record (60 + 262144) */
#define ZC_MIN_CAPLEN 512      /* from here on a frame goes out without a copy */
#define NSEC 1000000000ULL

/* pcap_dump()'s record header; see pcap/sf-pcap.c in libpcap */
struct rec_hdr {
	uint32_t sec;
	uint32_t frac;   /* nanoseconds in a nanosecond file */
	uint32_t caplen;
	uint32_t len;
};

#define FS(s) ((struct file_sink *)(s))

/* ---- formats --------------------------------------------------------------- */

static size_t no_tail(struct file_sink *s, uint8_t *buf)
{
	(void)s;
	(void)buf;
	return 0;
}

static const struct file_format fmt_pcap = {
	.name = "pcap",
	.id = FMT_PCAP,
	.peek = RC_PCAP_REC_HDR,
	.rec_len = rc_format_pcap_rec_len,
	.tail = no_tail,
};

static const struct file_format fmt_pcapng = {
	.name = "pcapng",
	.id = FMT_PCAPNG,
	.peek = 8,
	.rec_len = rc_format_ng_rec_len,
	.tail = ng_tail,
};

/* ---- queueing and writing ---------------------------------------------------- */

/* Queue @n bytes at @p; neighbours in memory share one iovec. */
static inline void queue(struct file_sink *s, const void *p, size_t n)
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
static inline void queue_copy(struct file_sink *s, const void *p, size_t n)
{
	uint8_t *dst = s->wbuf + s->wlen;

	memcpy(dst, p, n);
	s->wlen += n;
	queue(s, dst, n);
}

/* Write out what is queued.  Only whole records are ever queued; the tag
 * is the frames in the file once they are in. */
static int flush_file(struct file_sink *s)
{
	int r = s->niov ? s->io.ops->write(&s->io, s->iov, s->niov, s->cur_frames) :
			  s->io.err ? -1 : 0;

	s->wlen = 0;
	s->niov = 0;
	return r < 0 ? -1 : 0;
}

/* Frames of @b from index @from that this output would have written but
 * did not: count them. */
void count_lost(struct file_sink *s, const struct rc_batch *b, unsigned from)
{
	uint64_t n = 0;

	for (unsigned i = from; i < b->n; i++)
		if (!s->has_filter || rc_filter_match(&s->prog, &b->frames[i]))
			n++;
	RC_COUNTER_ADD(s->st.lost, n);
	s->lost_while_down += n;
}

static int close_file(struct file_sink *s)
{
	size_t tail;
	int r;

	if (s->io.fd < 0)
		return 0;
	/* what ends the file goes out with the last records */
	tail = s->fmt->tail(s, s->wbuf + s->wlen);
	if (tail) {
		queue(s, s->wbuf + s->wlen, tail);
		s->wlen += tail;
		s->cur_bytes += tail;
		RC_COUNTER_ADD(s->st.bytes, tail);
	}
	if (flush_file(s) < 0)
		return fail_io(s, NULL, 0);
	r = s->io.ops->finish(&s->io);
	if (r < 0) {
		s->io.err = -r;
		return fail_io(s, NULL, 0);
	}
	rc_rotor_update(&s->rotor, s->cur_bytes);
	if (s->base.closed && !s->to_stdout && s->io.regular)
		s->base.closed(s->base.closed_arg, s->path);
	return 0;
}

/*
 * The ring or the budget is full: the oldest files go - but only if the
 * name still is the file this run wrote.  A file put in its place, or
 * reached through a directory swapped for a link, is someone else's.
 */
static void prune(struct file_sink *s)
{
	struct rc_rotor_file f;

	while (rc_rotor_pop_excess_file(&s->rotor, &f) == 1) {
		struct stat st;

		if (lstat(f.path, &st) < 0) {
			if (errno == ENOENT)
				RC_COUNTER_ADD(s->st.removed, 1);  /* gone already */
		} else if (!f.ino || st.st_dev != f.dev || st.st_ino != f.ino) {
			rc_sink_event(&s->base, RC_LOG_WARNING, "%.800s is no longer the file this "
				      "run wrote there; not removing it", f.path);
		} else if (unlink(f.path) == 0 || errno == ENOENT) {
			RC_COUNTER_ADD(s->st.removed, 1);
		}
		free(f.path);
	}
}

/* How the output's files are written: said at its first file, and again
 * when that changes (a file on another file system).  Not for a pipe,
 * FIFO or device: there is nothing to choose, and no page cache. */
static void say_io(struct file_sink *s, const char *path)
{
	int now = 1 + s->io.direct;

	if (s->io_said == now || !s->io.regular)
		return;
	s->io_said = now;
	if (s->io.direct)
		rc_sink_event(&s->base, RC_LOG_INFO, "%.400s: direct I/O (%s)", path, s->io.how);
	else
		rc_sink_event(&s->base, RC_LOG_INFO, "%.400s: written through the page cache (%s)",
			      s->to_stdout ? "standard output" : path,
			      s->io.how[0] ? s->io.how : "buffered, as asked");
}

/* Open the next file, named for time @t_ns (CLOCK_REALTIME ns), and write
 * its header.  0, or the result of stop_writing() with the reason. */
static int open_file(struct file_sink *s, uint64_t t_ns)
{
	char path[sizeof(s->path)], why[1024];
	time_t t = (time_t)(t_ns / NSEC);
	bool renumbered = s->renumbered, header_done = false;
	int fd = 0, r;

	if (s->to_stdout) {
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			fd = -errno;
			snprintf(why, sizeof(why), "cannot write to standard output: %s",
				 strerror(-fd));
		} else {
			s->io.ops->open(&s->io, NULL, 0, 0, fd);
			fd = 0;
		}
		snprintf(path, sizeof(path), "-");
	} else {
		fd = open_named_with_header(s, t, path, sizeof(path), why, sizeof(why));
		if (fd == -EAGAIN)
			fd = create_file(s, t, -1, path, sizeof(path), why, sizeof(why));
		else if (fd >= 0)
			header_done = true;
	}
	if (fd < 0) {
		RC_COUNTER_ADD(s->st.errors, fd == -ENXIO ? 0 : 1);
		return stop_writing(s, -fd, why, fd == -ENXIO ? WAIT_READER_NS : 0);
	}
	if (!renumbered && s->renumbered) {
		char plain[4096];

		if (rc_rotate_name(s->tmpl, false, 0, t, plain, sizeof(plain)) == 0)
			rc_sink_event(&s->base, RC_LOG_NOTICE, "%.400s exists; writing %.400s instead "
				      "(ringcap never overwrites a file)", plain, path);
	}
	if (s->file_mode && !s->to_stdout)
		(void)fchmod(s->io.fd, s->file_mode); /* exact mode, whatever the umask */
	pthread_mutex_lock(&s->path_lock);
	memcpy(s->path, path, sizeof(path));
	pthread_mutex_unlock(&s->path_lock);
	r = rc_rotor_push(&s->rotor, path);
	if (r < 0) {
		s->io.ops->abandon(&s->io);
		return stop_writing(s, -r, "out of memory", 0);
	}
	{
		struct stat st;

		if (fstat(s->io.fd, &st) == 0 && S_ISREG(st.st_mode))
			rc_rotor_set_id(&s->rotor, st.st_dev, st.st_ino);
	}
	RC_COUNTER_ADD(s->st.files, 1);
	RC_COUNTER_ADD(s->st.bytes, s->head_len);
	s->wlen = 0;
	s->niov = 0;
	counters_start(s);
	s->cur_bytes = s->head_len;
	s->cur_frames = 0;
	s->opened_mono = rc_clock_ns(CLOCK_MONOTONIC);
	s->opened_ts = t_ns;
	say_io(s, path);
	if (!header_done) {
		/* the header goes out now: the file is valid from its first moment */
		queue(s, s->head, s->head_len);
		if (flush_file(s) < 0)
			return fail_io(s, NULL, 0);
	}
	rc_rotor_update(&s->rotor, s->cur_bytes);
	/* "writing again" is said once frames reach the file, not at the open */
	if (get_state(s) == RC_SINK_WAITING)
		s->again_pending = true;
	set_state(s, RC_SINK_WRITING, NULL);
	return 0;
}

/* The first batch after an outage is in the file: now it is writing again. */
static void say_again(struct file_sink *s)
{
	char path[sizeof(s->path)];

	s->again_pending = false;
	pthread_mutex_lock(&s->path_lock);
	memcpy(path, s->path, sizeof(path));
	pthread_mutex_unlock(&s->path_lock);
	rc_sink_event(&s->base, RC_LOG_NOTICE, "writing again, to %.400s; %llu frames were lost "
		      "while it could not write", s->to_stdout ? "standard output" : path,
		      (unsigned long long)s->lost_while_down);
	s->lost_while_down = 0;
}

/* After an outage: once frames of the new file have reached it, it is
 * writing again, and the backoff starts from the beginning. */
static void note_recovery(struct file_sink *s)
{
	if (s->io.ops->progress)
		s->io.ops->progress(&s->io);
	if (!s->io.safe_tag)
		return;
	s->backoff = RETRY_MIN_NS;
	if (s->again_pending)
		say_again(s);
}

/* A stop condition is met: the file ends complete, nothing more is written. */
static int finish(struct file_sink *s)
{
	int r = close_file(s);

	if (r < 0 || get_state(s) != RC_SINK_WRITING)
		return r;
	s->base.done = true;
	set_state(s, RC_SINK_CLOSED, NULL);
	return 0;
}

static int rotate(struct file_sink *s, uint64_t t_ns)
{
	int r;

	if (s->stop_files && RC_COUNTER_GET(s->st.files) >= s->stop_files)
		return finish(s);
	r = close_file(s);
	if (r < 0 || get_state(s) != RC_SINK_WRITING)
		return r;
	r = open_file(s, t_ns);
	if (r < 0 || get_state(s) != RC_SINK_WRITING)
		return r;
	prune(s);
	return 0;
}

static inline uint64_t frame_ns(const struct rc_frame *f)
{
	return (uint64_t)f->h.ts.tv_sec * NSEC + (uint64_t)f->h.ts.tv_usec;
}

static int file_sink_start(struct rc_sink *sink)
{
	struct file_sink *s = FS(sink);

	if (get_state(s) != RC_SINK_IDLE)
		return sink->dead ? -EIO : 0;
	s->backoff = RETRY_MIN_NS;
	/* frames from a file: the first file is named after the first frame */
	if (s->packet_time)
		return 0;
	return open_file(s, rc_clock_ns(CLOCK_REALTIME));
}

/* Not writing (waiting or stopped): count the batch, maybe try again. */
static int not_writing(struct file_sink *s, const struct rc_batch *b)
{
	count_lost(s, b, 0);
	return s->base.dead ? -EIO : 0;
}

/* ---- the records ------------------------------------------------------------- */

/* A pcapng EPB option: code, length, value. */
static inline uint8_t *ng_opt(uint8_t *p, uint16_t code, const void *v, uint16_t len)
{
	uint16_t hdr[2] = { code, len };

	memcpy(p, hdr, 4);
	memcpy(p + 4, v, len);
	return p + 4 + len;
}

/* The batch's counts so far go into the output's stats: before a file
 * changes or a write fails, which read them. */
static inline void settle(struct file_sink *s, unsigned iface, uint64_t *frames,
			  uint64_t *bytes, uint64_t *nif)
{
	RC_COUNTER_ADD(s->st.frames, *frames);
	RC_COUNTER_ADD(s->st.bytes, *bytes);
	s->if_frames[iface] += *nif;
	*frames = *bytes = *nif = 0;
}

/* A file changed (opened, rotated or finished, result @r) before frame
 * @i of @b: 1 to go on with the batch; otherwise what the write returns,
 * with the frames from @i counted lost unless the output is done. */
static inline int after_change(struct file_sink *s, const struct rc_batch *b, unsigned i, int r,
			       uint64_t filtered)
{
	if (!s->base.done && r >= 0 && get_state(s) == RC_SINK_WRITING)
		return 1;
	RC_COUNTER_ADD(s->st.filtered, filtered);
	if (s->base.done)
		return 0;
	count_lost(s, b, i);
	return r;
}

/*
 * Write the frames of @b in format @F.  Inlined into one function per
 * format, so that the per-frame work is the format's own and nothing else;
 * with @G false (constant), a plain pcap output of a live capture, the
 * settings that only some outputs have are not even looked at.
 */
static inline __attribute__((always_inline)) int
write_frames(struct file_sink *s, const struct rc_batch *b, const enum fmt F, const bool G)
{
	uint64_t frames = 0, bytes = 0, filtered = 0, nif = 0;
	const unsigned iface = b->iface < s->n_ifaces ? b->iface : 0;
	/* settings read once: the copies into wbuf could alias them */
	const bool micro = G && s->ts_micro, ptime = G && s->packet_time;
	const size_t tail = F == FMT_PCAPNG ? s->tail_len : 0;
	int r;

	for (unsigned i = 0; i < b->n; i++) {
		const struct rc_frame *f = &b->frames[i];
		uint32_t caplen = f->h.caplen < s->snaplen ? f->h.caplen : s->snaplen;
		uint32_t pad = 0, optlen = 0;
		uint64_t rec;

		if (s->has_filter && !rc_filter_match(&s->prog, f)) {
			filtered++;
			continue;
		}
		if (F == FMT_PCAP) {
			rec = RC_PCAP_REC_HDR + caplen;
		} else {
			pad = RC_NG_PAD(caplen) - caplen;
			optlen = (f->dir ? 8 : 0) + (rc_unlikely(b->drops && i == b->drops_at) ? 12 : 0);
			optlen += optlen ? 4 : 0;
			rec = RC_NG_EPB_HDR + caplen + pad + optlen + 4;
		}
		if (rc_unlikely(ptime && (s->io.fd < 0 || s->rotor.conf.max_time_ns))) {
			uint64_t t = frame_ns(f);

			/* the files follow the frames' time: the first one is
			 * opened for the first frame, and -G counts from there */
			if (get_state(s) == RC_SINK_IDLE || (s->rotor.conf.max_time_ns &&
			    s->cur_frames && t - s->opened_ts >= s->rotor.conf.max_time_ns)) {
				settle(s, iface, &frames, &bytes, &nif);
				r = get_state(s) == RC_SINK_IDLE ? open_file(s, t) : rotate(s, t);
				r = after_change(s, b, i, r, filtered);
				if (r != 1)
					return r;
			}
		}
		if (rc_unlikely(rc_rotor_size_due(&s->rotor, s->cur_bytes + tail,
						  s->cur_frames, rec))) {
			settle(s, iface, &frames, &bytes, &nif);
			/* the size limit is also a stop condition's (-a filesize) */
			if (s->stop_size && s->cur_bytes + s->tail_len + rec > s->stop_size)
				r = finish(s);
			else
				r = rotate(s, s->packet_time ? frame_ns(f) : rc_clock_ns(CLOCK_REALTIME));
			r = after_change(s, b, i, r, filtered);
			if (r != 1)
				return r;
		}
		if (rc_unlikely(s->wlen + rec > WBUF_SIZE || s->niov + 3 > NIOV) &&
		    flush_file(s) < 0) {
			settle(s, iface, &frames, &bytes, &nif);
			RC_COUNTER_ADD(s->st.filtered, filtered);
			return fail_io(s, b, i);
		}
		if (F == FMT_PCAP) {
			struct rec_hdr h;

			h.sec = (uint32_t)f->h.ts.tv_sec;
			h.frac = micro ? (uint32_t)f->h.ts.tv_usec / 1000 : (uint32_t)f->h.ts.tv_usec;
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
		} else {
			uint64_t ts = micro ? frame_ns(f) / 1000 : frame_ns(f);
			uint32_t h[7] = { RC_NG_EPB, (uint32_t)rec, iface, (uint32_t)(ts >> 32),
					  (uint32_t)ts, caplen, f->h.len };
			uint8_t *dst = s->wbuf + s->wlen, *p;

			memcpy(dst, h, sizeof(h));
			if (caplen < ZC_MIN_CAPLEN) {
				memcpy(dst + sizeof(h), f->data, caplen);
				p = dst + sizeof(h) + caplen;
			} else {
				queue(s, dst, sizeof(h));
				queue(s, f->data, caplen);
				p = dst + sizeof(h);
			}
			memset(p, 0, 4);  /* the padding, at most 3 bytes */
			p += pad;
			if (optlen) {
				if (f->dir) {
					uint32_t flags = f->dir;

					p = ng_opt(p, RC_NG_EPB_FLAGS, &flags, 4);
				}
				if (b->drops && i == b->drops_at)
					p = ng_opt(p, RC_NG_EPB_DROPCOUNT, &b->drops, 8);
				memset(p, 0, 4);
				p += 4;
			}
			memcpy(p, &h[1], 4);
			p += 4;
			if (caplen < ZC_MIN_CAPLEN) {
				s->wlen += rec;
				queue(s, dst, rec);
			} else {
				uint8_t *t = dst + sizeof(h);

				s->wlen += sizeof(h) + (size_t)(p - t);
				queue(s, t, (size_t)(p - t));
			}
			nif++;
		}
		s->cur_bytes += rec;
		s->cur_frames++;
		frames++;
		bytes += rec;
	}
	RC_COUNTER_ADD(s->st.frames, frames);
	RC_COUNTER_ADD(s->st.bytes, bytes);
	if (F == FMT_PCAPNG)
		s->if_frames[iface] += nif;
	if (filtered)
		RC_COUNTER_ADD(s->st.filtered, filtered);
	if (flush_file(s) < 0)
		return fail_io(s, NULL, 0);
	/* after an outage, writing works again once frames are in the file
	 * (with direct I/O: on the disk, not only copied); the next outage
	 * then starts afresh */
	if (rc_unlikely(s->again_pending || s->backoff != RETRY_MIN_NS))
		note_recovery(s);
	if (s->rotor.conf.max_total || s->rotor.conf.max_files) {
		rc_rotor_update(&s->rotor, s->cur_bytes);
		prune(s);
	}
	return 0;
}

static int write_pcap(struct file_sink *s, const struct rc_batch *b)
{
	return write_frames(s, b, FMT_PCAP, false);
}

static int write_pcap_general(struct file_sink *s, const struct rc_batch *b)
{
	return write_frames(s, b, FMT_PCAP, true);
}

static int write_pcapng(struct file_sink *s, const struct rc_batch *b)
{
	return write_frames(s, b, FMT_PCAPNG, true);
}

static int file_sink_write(struct rc_sink *sink, const struct rc_batch *b)
{
	struct file_sink *s = FS(sink);
	int r;

	if (rc_unlikely(get_state(s) != RC_SINK_WRITING)) {
		if (sink->done)
			return 0;  /* finished: the capture is ending */
		if (get_state(s) == RC_SINK_IDLE && s->packet_time && !sink->dead)
			goto write;  /* opens its first file at the first frame */
		if (get_state(s) == RC_SINK_IDLE && file_sink_start(sink) < 0)
			return not_writing(s, b);
		if (get_state(s) != RC_SINK_WRITING)
			return not_writing(s, b);
	}
	if (!s->packet_time && rc_rotor_time_due(&s->rotor, s->opened_mono,
						 rc_clock_ns(CLOCK_MONOTONIC), s->cur_frames)) {
		r = rotate(s, rc_clock_ns(CLOCK_REALTIME));
		if (sink->done)
			return 0;
		if (r < 0 || get_state(s) != RC_SINK_WRITING)
			return not_writing(s, b);
	}
write:
	if (s->fmt->id == FMT_PCAPNG)
		return write_pcapng(s, b);
	return s->ts_micro || s->packet_time ? write_pcap_general(s, b) : write_pcap(s, b);
}

static int file_sink_tick(struct rc_sink *sink, uint64_t now_mono_ns)
{
	struct file_sink *s = FS(sink);

	switch (get_state(s)) {
	case RC_SINK_IDLE:
		return s->packet_time ? 0 : file_sink_start(sink);
	case RC_SINK_WRITING:
		if (!s->packet_time &&
		    rc_rotor_time_due(&s->rotor, s->opened_mono, now_mono_ns, s->cur_frames))
			return rotate(s, rc_clock_ns(CLOCK_REALTIME));
		/* what a slow capture filled goes to the disk now, not at the
		 * next full buffer (direct I/O holds less than a block back) */
		if (s->io.ops->flush && s->io.ops->flush(&s->io) < 0)
			return fail_io(s, NULL, 0);
		return 0;
	case RC_SINK_WAITING:
		if (now_mono_ns >= s->retry_at)
			return open_file(s, rc_clock_ns(CLOCK_REALTIME));
		return 0;
	default:
		return sink->dead ? -EIO : 0;
	}
}

/* `ringcap rotate`: the current file closes complete and the next opens
 * now; an output that cannot write tries again at once. */
static int file_sink_rotate(struct rc_sink *sink)
{
	struct file_sink *s = FS(sink);

	switch (get_state(s)) {
	case RC_SINK_WRITING:
		return s->to_stdout ? 0 : rotate(s, rc_clock_ns(CLOCK_REALTIME));
	case RC_SINK_WAITING:
		return open_file(s, rc_clock_ns(CLOCK_REALTIME));
	default:
		return sink->dead ? -EIO : 0;
	}
}

static int file_sink_close(struct rc_sink *sink)
{
	struct file_sink *s = FS(sink);
	int r = 0;

	/* frames from a file and none for this output: an empty file, as
	 * tcpdump leaves */
	if (get_state(s) == RC_SINK_IDLE && s->packet_time && !sink->dead)
		open_file(s, rc_clock_ns(CLOCK_REALTIME));
	if (get_state(s) == RC_SINK_WRITING) {
		r = close_file(s);
		if (r < 0 || get_state(s) != RC_SINK_WRITING)
			return r < 0 ? r : -EIO;
	}
	if (!sink->dead)
		set_state(s, RC_SINK_CLOSED, NULL);
	return r;
}

static void file_sink_stats(struct rc_sink *sink, struct rc_sink_stats *ret)
{
	struct file_sink *s = FS(sink);

	ret->frames = RC_COUNTER_GET(s->st.frames);
	ret->bytes = RC_COUNTER_GET(s->st.bytes);
	ret->filtered = RC_COUNTER_GET(s->st.filtered);
	ret->files = RC_COUNTER_GET(s->st.files);
	ret->removed = RC_COUNTER_GET(s->st.removed);
	ret->errors = RC_COUNTER_GET(s->st.errors);
	ret->lost = RC_COUNTER_GET(s->st.lost);
}

static enum rc_sink_state file_sink_state(struct rc_sink *sink, char *buf, size_t len)
{
	struct file_sink *s = FS(sink);
	enum rc_sink_state st;

	pthread_mutex_lock(&s->path_lock);
	st = get_state(s);
	snprintf(buf, len, "%s", s->why);
	pthread_mutex_unlock(&s->path_lock);
	if (st == RC_SINK_WAITING) {
		uint64_t now = rc_clock_ns(CLOCK_MONOTONIC);
		uint64_t at = __atomic_load_n(&s->retry_at, __ATOMIC_RELAXED);
		size_t n = strlen(buf);

		if (n < len && at > now)
			snprintf(buf + n, len - n, "; trying again in %llu s",
				 (unsigned long long)((at - now + 999999999ULL) / 1000000000ULL));
		else if (n < len)
			snprintf(buf + n, len - n, "; trying again now");
	}
	return st;
}

static const char *file_sink_current(struct rc_sink *sink, char *buf, size_t len)
{
	struct file_sink *s = FS(sink);

	pthread_mutex_lock(&s->path_lock);
	snprintf(buf, len, "%s", s->to_stdout ? "-" : s->path[0] ? s->path : s->tmpl);
	pthread_mutex_unlock(&s->path_lock);
	return buf;
}

static void file_sink_free(struct rc_sink *sink)
{
	struct file_sink *s = FS(sink);

	if (!s)
		return;
	if (s->io.fd >= 0)
		s->io.ops->abandon(&s->io);
	if (s->io.ops && s->io.ops->fini)
		s->io.ops->fini(&s->io);
	if (s->has_filter)
		pcap_freecode(&s->prog);
	rc_rotor_fini(&s->rotor);
	pthread_mutex_destroy(&s->path_lock);
	free(s->ctr_base);
	free(s->if_frames);
	free(s->head);
	free(s->wbuf);
	free(s->tmpl);
	free(s);
}

static const struct rc_sink_ops file_sink_ops = {
	.name = "file",
	.start = file_sink_start,
	.write = file_sink_write,
	.tick = file_sink_tick,
	.rotate = file_sink_rotate,
	.close = file_sink_close,
	.stats = file_sink_stats,
	.state = file_sink_state,
	.current = file_sink_current,
	.free = file_sink_free,
};

int rc_file_sink_new(const struct rc_pcap_conf *conf, const struct rc_file_input *in,
		     struct rc_sink **ret, char *err, size_t errlen)
{
	enum rc_file_format format = rc_file_format_of(conf);
	struct file_sink *s;
	char probe[4096];
	int dlt = in->n_ifaces ? in->ifaces[0].dlt : DLT_EN10MB;
	int r;

	if (!in->n_ifaces) {
		snprintf(err, errlen, "an output needs an interface to describe");
		return -EINVAL;
	}
	if (format == RC_FORMAT_PCAP && in->n_ifaces > 1) {
		snprintf(err, errlen, "%s: a pcap file holds frames of one interface; with %u "
			 "interfaces write pcapng (--format pcapng, or a name ending in .pcapng)",
			 conf->path, in->n_ifaces);
		return -EINVAL;
	}
	r = rc_rotate_conf_validate(&conf->rotate, conf->path, err, errlen);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->path_lock, NULL);
	s->base.ops = &file_sink_ops;
	s->io.ops = &rc_fileio_writev;
	s->io.fd = -1;
	if (conf->io != RC_IO_BUFFERED && rc_fileio_direct_init(&s->io, conf->io == RC_IO_DIRECT) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	s->fmt = format == RC_FORMAT_PCAPNG ? &fmt_pcapng : &fmt_pcap;
	s->state = RC_SINK_IDLE;
	s->tmpl = strdup(conf->path);
	s->wbuf = malloc(WBUF_SIZE);
	s->n_ifaces = in->n_ifaces;
	s->ctr_base = calloc(in->n_ifaces, sizeof(*s->ctr_base));
	s->if_frames = calloc(in->n_ifaces, sizeof(*s->if_frames));
	if (!s->tmpl || !s->wbuf || !s->ctr_base || !s->if_frames) {
		r = -ENOMEM;
		goto fail;
	}
	s->to_stdout = !strcmp(conf->path, "-");
	s->numbered = rc_rotate_conf_active(&conf->rotate);
	s->packet_time = in->packet_time;
	s->ts_micro = conf->ts_micro;
	s->file_mode = conf->file_mode;
	s->snaplen = conf->snaplen && conf->snaplen < in->snaplen ? conf->snaplen : in->snaplen;
	s->stop_size = conf->stop_size;
	s->stop_files = conf->stop_files;
	rc_rotor_init(&s->rotor, &conf->rotate);
	/* one size check per frame serves both the rotation and the stop */
	if (s->stop_size && (!s->rotor.conf.max_size || s->stop_size < s->rotor.conf.max_size))
		s->rotor.conf.max_size = s->stop_size;
	if (!s->to_stdout && rc_rotate_name(s->tmpl, s->numbered, 1, time(NULL), probe,
					   sizeof(probe)) < 0) {
		snprintf(err, errlen, "output file name from '%.900s' is empty or too long", s->tmpl);
		r = -ENAMETOOLONG;
		goto fail;
	}
	if (conf->filter && conf->filter[0]) {
		pcap_t *pd;

		for (unsigned i = 1; i < in->n_ifaces; i++)
			if (in->ifaces[i].dlt != dlt) {
				snprintf(err, errlen, "a filter run in user space needs interfaces of "
					 "one link type (%s and %s differ)", in->ifaces[0].name,
					 in->ifaces[i].name);
				r = -EINVAL;
				goto fail;
			}
		pd = pcap_open_dead(dlt, (int)s->snaplen);
		if (!pd) {
			r = -ENOMEM;
			goto fail;
		}
		if (pcap_compile(pd, &s->prog, conf->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(pd));
			pcap_close(pd);
			r = -EBADMSG;
			goto fail;
		}
		pcap_close(pd);
		s->has_filter = true;
	}
	if (s->fmt->id == FMT_PCAPNG) {
		char filter[8192];

		/* the filter that made the file: the capture's and the output's */
		if (in->filter && in->filter[0] && conf->filter && conf->filter[0])
			snprintf(filter, sizeof(filter), "(%s) and (%s)", in->filter, conf->filter);
		else
			snprintf(filter, sizeof(filter), "%s", in->filter && in->filter[0] ?
				 in->filter : conf->filter ? conf->filter : "");
		r = rc_format_ng_head(in->ifaces, in->n_ifaces, s->snaplen, s->ts_micro, filter,
				      &s->head, &s->head_len, err, errlen);
		s->tail_len = (size_t)in->n_ifaces * RC_NG_ISB_LEN;
	} else {
		s->head = malloc(RC_PCAP_FILE_HDR);
		s->head_len = RC_PCAP_FILE_HDR;
		r = s->head ? rc_format_pcap_head(dlt, s->snaplen, s->ts_micro, s->head, err,
						  errlen) : -ENOMEM;
	}
	if (r < 0)
		goto fail;
	if (s->head_len + s->tail_len > WBUF_SIZE / 2) {
		snprintf(err, errlen, "too many interfaces or too long a filter for one file header");
		r = -E2BIG;
		goto fail;
	}
	*ret = &s->base;
	return 0;
fail:
	file_sink_free(&s->base);
	return r;
}
