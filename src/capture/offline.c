// SPDX-License-Identifier: MIT
/*
 * Frames from a capture file (-r FILE, "-" for standard input): pcap or
 * pcapng, whatever libpcap reads, at nanosecond precision.
 *
 * The file is read through one 1 MiB stdio buffer, so there is a read(2)
 * per MiB and none per frame; libpcap hands each frame out of its own
 * buffer, which the next frame overwrites, so frames are copied into a
 * 4 MiB arena and handed to the sinks in batches of up to BATCH_MAX, the
 * same batches a ring gives them.  The capture filter runs here, in user
 * space, before a frame is copied.  The end of the file is the end of the
 * capture (wait() says -ENODATA).  Sinks are synchronous (no -r with
 * --forward), so one arena is enough: it is refilled only after done().
 *
 * Thread: the worker, except stats().
 */
#include "offline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/counter.h"
#include "lease.h"

#define ARENA (4u << 20)
#define BATCH_MAX 4096u
#define STDIO_BUF (1u << 20)

struct offline {
	struct rc_source base;
	struct rc_source_iface iface;
	pcap_t *pd;
	FILE *f;
	char *iobuf;
	struct bpf_program prog;
	bool has_filter;
	bool eof;
	int error;                /* -errno once reading failed */
	uint8_t *arena;
	struct rc_frame *frames;
	struct rc_lease lease;
	struct rc_lease_owner owner;
	uint64_t batches;
	/* counters: the worker writes, anyone reads */
	uint64_t read, matched, rejected, bytes;
};

#define OFF(s) ((struct offline *)(s))

/* Nothing to hand back: the arena is ours, refilled after done(). */
static void no_release(struct rc_lease_owner *o, struct rc_lease *l)
{
	(void)o;
	(void)l;
}

static int off_next(struct rc_source *s, struct rc_batch *ret)
{
	struct offline *o = OFF(s);
	uint64_t read = 0, rejected = 0, bytes = 0;
	size_t used = 0;
	unsigned n = 0;

	if (o->eof || o->error || rc_lease_held(&o->lease))
		return 0;
	/* room for the longest frame before each one is read: libpcap does
	 * not give a frame twice */
	while (n < BATCH_MAX && ARENA - used >= o->base.snaplen) {
		struct pcap_pkthdr *h;
		const u_char *d;
		int r = pcap_next_ex(o->pd, &h, &d);
		uint32_t caplen;

		if (r == PCAP_ERROR_BREAK) {
			o->eof = true;
			break;
		}
		if (r != 1) {
			snprintf(o->base.failed, sizeof(o->base.failed), "reading %s: %s",
				 o->iface.name, pcap_geterr(o->pd));
			o->error = -EIO;
			break;
		}
		read++;
		if (o->has_filter && !pcap_offline_filter(&o->prog, h, d)) {
			rejected++;
			continue;
		}
		caplen = h->caplen < o->base.snaplen ? h->caplen : o->base.snaplen;
		memcpy(o->arena + used, d, caplen);
		o->frames[n] = (struct rc_frame){ .h = *h, .data = o->arena + used };
		o->frames[n].h.caplen = caplen;
		/* a pcap file's seconds are unsigned 32 bits, which libpcap hands
		 * on as a signed int: from 2038 on they would go negative */
		if (h->ts.tv_sec < 0)
			o->frames[n].h.ts.tv_sec = (time_t)(uint32_t)h->ts.tv_sec;
		used += (caplen + 7u) & ~7u;
		bytes += h->len;
		n++;
	}
	RC_COUNTER_ADD(o->read, read);
	RC_COUNTER_ADD(o->rejected, rejected);
	if (!n)
		return 0;
	RC_COUNTER_ADD(o->matched, n);
	RC_COUNTER_ADD(o->bytes, bytes);
	rc_lease_begin(&o->lease, o->batches++);
	ret->frames = o->frames;
	ret->n = n;
	ret->lease = &o->lease;
	ret->bytes = bytes;
	return 1;
}

static int off_wait(struct rc_source *s, int wake_fd, int timeout_ms)
{
	struct offline *o = OFF(s);

	(void)wake_fd;
	(void)timeout_ms;
	if (o->error)
		return o->error;
	return o->eof ? -ENODATA : 1;
}

static void off_done(struct rc_source *s, struct rc_batch *b)
{
	(void)s;
	rc_lease_put(b->lease);
}

static int off_quiesce(struct rc_source *s)
{
	(void)s;
	return 0;
}

/* Every frame read has been handed out: nothing waits anywhere. */
static bool off_drained(struct rc_source *s)
{
	return !rc_lease_held(&OFF(s)->lease);
}

static int off_stats(struct rc_source *s, struct rc_source_stats *ret)
{
	struct offline *o = OFF(s);

	ret->received = RC_COUNTER_GET(o->matched);
	ret->user_filtered = RC_COUNTER_GET(o->rejected);
	ret->frames = RC_COUNTER_GET(o->matched);
	ret->bytes = RC_COUNTER_GET(o->bytes);
	ret->blocks = RC_COUNTER_GET(o->batches);
	return 0;
}

static int off_set_filter(struct rc_source *s, const char *expr, char *err, size_t errlen)
{
	(void)s;
	(void)expr;
	snprintf(err, errlen, "the filter of a file being read cannot change");
	return -EOPNOTSUPP;
}

static void off_free(struct rc_source *s)
{
	struct offline *o = OFF(s);

	if (!o)
		return;
	if (o->has_filter)
		pcap_freecode(&o->prog);
	if (o->pd)
		pcap_close(o->pd);  /* closes o->f */
	else if (o->f)
		fclose(o->f);
	free(o->iobuf);
	free(o->arena);
	free(o->frames);
	free(o);
}

static const struct rc_source_ops offline_ops = {
	.name = "file",
	.next = off_next,
	.wait = off_wait,
	.done = off_done,
	.quiesce = off_quiesce,
	.drained = off_drained,
	.stats = off_stats,
	.set_filter = off_set_filter,
	.free = off_free,
};

int rc_offline_open(const struct rc_capture_conf *c, struct rc_source **ret, char *err,
		    size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	bool in = !strcmp(c->read_file, "-");
	struct offline *o;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->base.ops = &offline_ops;
	o->base.poll_fd = -1;
	o->base.packet_time = true;
	o->base.ifaces = &o->iface;
	o->base.n_ifaces = 1;
	o->base.snaplen = c->snaplen;
	o->owner.release = no_release;
	rc_lease_init(&o->lease, &o->owner, 0);
	snprintf(o->iface.name, sizeof(o->iface.name), "%s", in ? "stdin" : c->read_file);
	o->arena = malloc(ARENA);
	o->frames = calloc(BATCH_MAX, sizeof(*o->frames));
	o->iobuf = malloc(STDIO_BUF);
	if (!o->arena || !o->frames || !o->iobuf) {
		r = -ENOMEM;
		goto fail;
	}
	if (in) {
		int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);

		o->f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (!o->f && fd >= 0)
			close(fd);
	} else {
		o->f = fopen(c->read_file, "re");
	}
	if (!o->f) {
		r = -errno;
		snprintf(err, errlen, "-r: cannot read %s: %s", in ? "standard input" :
			 c->read_file, strerror(errno));
		goto fail;
	}
	setvbuf(o->f, o->iobuf, _IOFBF, STDIO_BUF);
	o->pd = pcap_fopen_offline_with_tstamp_precision(o->f, PCAP_TSTAMP_PRECISION_NANO,
							 errbuf);
	if (!o->pd) {
		snprintf(err, errlen, "-r: %s: %s", in ? "standard input" : c->read_file, errbuf);
		r = -EINVAL;
		goto fail;
	}
	o->base.dlt = pcap_datalink(o->pd);
	o->iface.dlt = o->base.dlt;
	o->iface.snaplen = o->base.snaplen;
	snprintf(o->iface.desc, sizeof(o->iface.desc), "frames read from %s by ringcap -r",
		 in ? "standard input" : c->read_file);
	if (c->filter && c->filter[0]) {
		if (pcap_compile(o->pd, &o->prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(o->pd));
			r = -EBADMSG;
			goto fail;
		}
		o->has_filter = true;
	}
	*ret = &o->base;
	return 0;
fail:
	off_free(&o->base);
	return r;
}
