// SPDX-License-Identifier: MIT
/*
 * pcap file sink.
 *
 * libpcap owns the format: pcap_open_dead_with_tstamp_precision(NANO) and
 * pcap_dump().  We own the FILE underneath it, made with fopencookie(), so
 * that (a) stdio locking is off (one writer thread: FSETLOCKING_BYCALLER),
 * (b) the buffer is large and flushed once per batch, and (c) we know
 * exactly how many bytes reached the file.  After a failed write (disk
 * full, EPIPE) the file is cut back to its last complete record, so every
 * file this sink leaves behind is readable, and the frames that did not
 * make it are counted and reported, never dropped silently.
 *
 * Thread: the capture worker, except stats()/current().
 */
#include "pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../capture/filter.h"
#include "../common/cleanup.h"
#include "../common/counter.h"
#include "rotate.h"

#define IOBUF_SIZE (1u << 20)
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u

struct out_io {
	int fd;
	bool regular;
	uint64_t durable;  /* bytes that reached the file */
	int err;           /* errno of the first failure, 0 if none */
};

struct pcap_sink {
	struct rc_sink base;
	char *tmpl;
	uint32_t file_mode;
	bool to_stdout;
	bool numbered;
	pcap_t *pd;               /* libpcap writer handle (no capture) */
	struct bpf_program prog;
	bool has_filter;
	unsigned snaplen;
	bool trim;                /* output snaplen below the capture's */
	struct rc_rotor rotor;

	FILE *f;
	pcap_dumper_t *d;
	struct out_io io;
	char *iobuf;
	char path[4096];
	pthread_mutex_t path_lock;
	uint64_t cur_bytes, cur_frames, opened_ns;
	uint64_t safe_bytes, safe_frames;  /* as of the last good flush */

	struct rc_sink_stats st;
};

#define PS(s) ((struct pcap_sink *)(s))

static ssize_t io_write(void *cookie, const char *buf, size_t len)
{
	struct out_io *io = cookie;
	size_t done = 0;

	if (io->err)
		return -1;
	while (done < len) {
		ssize_t n = write(io->fd, buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			io->err = errno;
			break;
		}
		done += (size_t)n;
		io->durable += (uint64_t)n;
	}
	return io->err ? -1 : (ssize_t)len;
}

static int io_close(void *cookie)
{
	struct out_io *io = cookie;

	if (io->fd >= 0 && close(io->fd) < 0 && !io->err)
		io->err = errno;
	io->fd = -1;
	return io->err ? -1 : 0;
}

static uint64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void set_err(struct pcap_sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct pcap_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->base.err, sizeof(s->base.err), fmt, ap);
	va_end(ap);
}

/*
 * A write failed.  Everything up to safe_bytes was complete when last
 * flushed; walk the record headers past that point, as far as they reached
 * the file, and cut the file after the last whole record.
 */
static void salvage(struct pcap_sink *s, uint64_t *ret_kept)
{
	uint64_t off = s->safe_bytes, kept = s->safe_frames;
	uint64_t end = s->io.durable;

	if (s->io.regular && s->io.fd >= 0) {
		if (end < PCAP_FILE_HDR) {
			off = 0;
		} else {
			while (off + PCAP_REC_HDR <= end) {
				uint32_t caplen;

				if (pread(s->io.fd, &caplen, 4, (off_t)off + 8) != 4)
					break;
				if (off + PCAP_REC_HDR + caplen > end)
					break;
				off += PCAP_REC_HDR + caplen;
				kept++;
			}
		}
		if (ftruncate(s->io.fd, (off_t)off) == 0)
			s->io.durable = off;
	}
	*ret_kept = kept;
}

/* Turn a failed write into the sink's final state and message. */
static int fail_io(struct pcap_sink *s, unsigned unwritten_in_batch)
{
	int e = s->io.err ? s->io.err : EIO;
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
	else if (s->io.durable == 0)
		set_err(s, "writing %s failed: %s; the file could not be started and was "
			"removed, %llu frames lost", s->path, strerror(e),
			(unsigned long long)lost);
	else
		set_err(s, "writing %s failed: %s; the file was cut back to its last complete "
			"frame (%llu frames, %llu bytes kept), %llu frames lost", s->path,
			strerror(e), (unsigned long long)kept, (unsigned long long)s->io.durable,
			(unsigned long long)lost);
	if (!s->to_stdout && s->io.durable == 0) {
		unlink(s->path);
		rc_rotor_drop_current(&s->rotor);
	} else {
		rc_rotor_update(&s->rotor, s->io.durable);
	}
	/* let fclose go through without writing more */
	if (s->d) {
		s->io.err = s->io.err ? s->io.err : EIO;
		pcap_dump_close(s->d);
		s->d = NULL;
		s->f = NULL;
	}
	s->cur_frames = 0;
	s->base.dead = true;
	return -e;
}

static int flush_file(struct pcap_sink *s)
{
	if (fflush(s->f) != 0 || ferror(s->f) || s->io.err)
		return -1;
	s->safe_bytes = s->cur_bytes;
	s->safe_frames = s->cur_frames;
	return 0;
}

static int close_file(struct pcap_sink *s)
{
	if (!s->d)
		return 0;
	if (flush_file(s) < 0)
		return fail_io(s, 0);
	pcap_dump_close(s->d); /* fclose: io_close() records a close error */
	s->d = NULL;
	s->f = NULL;
	if (s->io.err)
		return fail_io(s, 0);
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

static int open_file(struct pcap_sink *s, uint64_t now_ns, char *err, size_t errlen)
{
	char path[sizeof(s->path)];
	struct stat stbuf;
	int fd, r;
	cookie_io_functions_t fns = { .write = io_write, .close = io_close };

	r = rc_rotate_name(s->tmpl, s->numbered, s->rotor.next_seq,
			   (time_t)(now_ns / 1000000000ULL), path, sizeof(path));
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
	memset(&s->io, 0, sizeof(s->io));
	s->io.fd = fd;
	s->io.regular = fstat(fd, &stbuf) == 0 && S_ISREG(stbuf.st_mode);
	s->f = fopencookie(&s->io, "w", fns);
	if (!s->f) {
		close(fd);
		snprintf(err, errlen, "cannot set up the stream for %s", path);
		return -ENOMEM;
	}
	setvbuf(s->f, s->iobuf, _IOFBF, IOBUF_SIZE);
	__fsetlocking(s->f, FSETLOCKING_BYCALLER);
	s->d = pcap_dump_fopen(s->pd, s->f);
	if (!s->d) {
		snprintf(err, errlen, "libpcap cannot write %s: %s", path, pcap_geterr(s->pd));
		fclose(s->f);
		s->f = NULL;
		return -EIO;
	}
	pthread_mutex_lock(&s->path_lock);
	memcpy(s->path, path, sizeof(path));
	pthread_mutex_unlock(&s->path_lock);
	r = rc_rotor_push(&s->rotor, path);
	if (r < 0)
		return r;
	RC_COUNTER_ADD(s->st.files, 1);
	RC_COUNTER_ADD(s->st.bytes, PCAP_FILE_HDR);
	s->cur_bytes = PCAP_FILE_HDR;
	s->cur_frames = 0;
	s->safe_bytes = 0;
	s->safe_frames = 0;
	s->opened_ns = now_ns;
	/* the header goes out now: the file is valid from its first moment */
	if (flush_file(s) < 0)
		return fail_io(s, 0);
	rc_rotor_update(&s->rotor, s->cur_bytes);
	return 0;
}

static int rotate(struct pcap_sink *s, uint64_t now_ns)
{
	int r = close_file(s);

	if (r < 0)
		return r;
	r = open_file(s, now_ns, s->base.err, sizeof(s->base.err));
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

	if (rc_rotor_time_due(&s->rotor, s->opened_ns, now_realtime_ns(), s->cur_frames)) {
		r = rotate(s, now_realtime_ns());
		if (r < 0) {
			RC_COUNTER_ADD(s->st.lost, b->n);
			return r;
		}
	}
	for (unsigned i = 0; i < b->n; i++) {
		const struct rc_frame *f = &b->frames[i];
		struct pcap_pkthdr trimmed;
		const struct pcap_pkthdr *h = &f->h;
		uint64_t rec;

		if (s->has_filter && !rc_filter_match(&s->prog, f)) {
			filtered++;
			continue;
		}
		if (s->trim && h->caplen > s->snaplen) {
			trimmed = *h;
			trimmed.caplen = s->snaplen;
			h = &trimmed;
		}
		rec = PCAP_REC_HDR + h->caplen;
		if (rc_rotor_size_due(&s->rotor, s->cur_bytes, s->cur_frames, rec)) {
			RC_COUNTER_ADD(s->st.frames, frames);
			RC_COUNTER_ADD(s->st.bytes, bytes);
			frames = bytes = 0;
			r = rotate(s, now_realtime_ns());
			if (r < 0) {
				RC_COUNTER_ADD(s->st.lost, b->n - i);
				return r;
			}
		}
		pcap_dump((u_char *)s->d, h, f->data);
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

static int pcap_sink_tick(struct rc_sink *sink, uint64_t now_ns)
{
	struct pcap_sink *s = PS(sink);

	if (s->d && rc_rotor_time_due(&s->rotor, s->opened_ns, now_ns, s->cur_frames))
		return rotate(s, now_ns);
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
	if (s->d)
		pcap_dump_close(s->d);
	if (s->has_filter)
		pcap_freecode(&s->prog);
	if (s->pd)
		pcap_close(s->pd);
	rc_rotor_fini(&s->rotor);
	pthread_mutex_destroy(&s->path_lock);
	free(s->iobuf);
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
	s->tmpl = strdup(conf->path);
	s->iobuf = malloc(IOBUF_SIZE);
	if (!s->tmpl || !s->iobuf) {
		r = -ENOMEM;
		goto fail;
	}
	s->to_stdout = !strcmp(conf->path, "-");
	s->numbered = rc_rotate_conf_active(&conf->rotate);
	s->file_mode = conf->file_mode;
	s->snaplen = conf->snaplen && conf->snaplen < capture_snaplen ? conf->snaplen :
									 capture_snaplen;
	s->trim = s->snaplen < capture_snaplen;
	rc_rotor_init(&s->rotor, &conf->rotate);
	s->pd = pcap_open_dead_with_tstamp_precision(dlt, (int)s->snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!s->pd) {
		snprintf(err, errlen, "libpcap cannot make a writer for link type %d", dlt);
		r = -ENOMEM;
		goto fail;
	}
	if (conf->filter && conf->filter[0]) {
		if (pcap_compile(s->pd, &s->prog, conf->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(s->pd));
			r = -EINVAL;
			goto fail;
		}
		s->has_filter = true;
	}
	r = open_file(s, now_realtime_ns(), err, errlen);
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
