// SPDX-License-Identifier: MIT
/*
 * One source over several: `-i eth0 -i eth1`.
 *
 * Each interface keeps a socket and a ring of its own (its own filter for
 * its own link type, its own PACKET_STATISTICS, so that every interface
 * states its own drops), and one worker serves them all: next() takes the
 * next ready block of the interfaces in turn, and batch.iface says whose
 * it is, which is all a pcapng file needs for one interface block each.
 * Capturing on "any" and filtering by interface index instead would have
 * cost every interface's link header (a cooked socket) and the drop count
 * per interface.  Frames of different interfaces are not merged by time:
 * each block is written as it comes, as dumpcap does with its per-interface
 * buffers.
 *
 * Thread: as the sources it holds (the worker; stats from any thread).
 */
#include "multi.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct multi {
	struct rc_source base;
	struct rc_source **subs;
	unsigned n;
	unsigned next;                    /* whose turn it is */
	struct rc_source_iface *ifaces;
	struct pollfd *pfd;
};

#define MS(s) ((struct multi *)(s))

static int multi_next(struct rc_source *s, struct rc_batch *ret)
{
	struct multi *m = MS(s);

	for (unsigned k = 0; k < m->n; k++) {
		unsigned i = (m->next + k) % m->n;

		ret->iface = 0;
		ret->drops = 0;
		ret->drops_at = 0;
		m->subs[i]->want_dir = m->base.want_dir;
		if (m->subs[i]->ops->next(m->subs[i], ret) == 1) {
			ret->iface = i;
			m->next = (i + 1) % m->n;
			return 1;
		}
	}
	return 0;
}

static int multi_wait(struct rc_source *s, int wake_fd, int timeout_ms)
{
	struct multi *m = MS(s);
	int r;

	/* anything ready (or a failed interface) first, without sleeping */
	for (unsigned i = 0; i < m->n; i++) {
		r = m->subs[i]->ops->wait(m->subs[i], -1, 0);
		if (r != 0)
			return r;
	}
	for (unsigned i = 0; i < m->n; i++)
		m->pfd[i] = (struct pollfd){ .fd = m->subs[i]->poll_fd,
					     .events = POLLIN | POLLRDNORM | POLLERR };
	m->pfd[m->n] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	r = poll(m->pfd, m->n + (wake_fd >= 0), timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	for (unsigned i = 0; i < m->n && r > 0; i++) {
		if (!m->pfd[i].revents)
			continue;
		/* let the interface's own wait say what it means */
		r = m->subs[i]->ops->wait(m->subs[i], -1, 0);
		if (r != 0)
			return r;
	}
	return 0;
}

static void multi_done(struct rc_source *s, struct rc_batch *b)
{
	struct multi *m = MS(s);

	m->subs[b->iface]->ops->done(m->subs[b->iface], b);
}

static int multi_quiesce(struct rc_source *s)
{
	struct multi *m = MS(s);
	int r = 0;

	for (unsigned i = 0; i < m->n; i++) {
		int q = m->subs[i]->ops->quiesce(m->subs[i]);

		if (q < 0 && !r)
			r = q;
	}
	return r;
}

static bool multi_drained(struct rc_source *s)
{
	struct multi *m = MS(s);

	for (unsigned i = 0; i < m->n; i++)
		if (!m->subs[i]->ops->drained(m->subs[i]))
			return false;
	return true;
}

static int multi_iface_stats(struct rc_source *s, unsigned i, struct rc_source_stats *ret)
{
	struct multi *m = MS(s);

	if (i >= m->n)
		return -ENOENT;
	return m->subs[i]->ops->stats(m->subs[i], ret);
}

static int multi_stats(struct rc_source *s, struct rc_source_stats *ret)
{
	struct multi *m = MS(s);
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; i < m->n; i++) {
		struct rc_source_stats st = { 0 };
		const uint64_t *from = (const uint64_t *)&st;
		uint64_t *to = (uint64_t *)ret;
		int q = m->subs[i]->ops->stats(m->subs[i], &st);

		if (q < 0 && !r)
			r = q;
		for (size_t k = 0; k < sizeof(st) / sizeof(uint64_t); k++)
			to[k] += from[k];
	}
	return r;
}

static int multi_set_filter(struct rc_source *s, const char *expr, char *err, size_t errlen)
{
	struct multi *m = MS(s);

	/* each compiles it for its own link type */
	for (unsigned i = 0; i < m->n; i++) {
		int r = m->subs[i]->ops->set_filter(m->subs[i], expr, err, errlen);

		if (r < 0)
			return r;
	}
	return 0;
}

static void multi_free(struct rc_source *s)
{
	struct multi *m = MS(s);

	if (!m)
		return;
	for (unsigned i = 0; i < m->n; i++)
		if (m->subs[i])
			m->subs[i]->ops->free(m->subs[i]);
	free(m->subs);
	free(m->ifaces);
	free(m->pfd);
	free(m);
}

static const struct rc_source_ops multi_ops = {
	.name = "multi",
	.next = multi_next,
	.wait = multi_wait,
	.done = multi_done,
	.quiesce = multi_quiesce,
	.drained = multi_drained,
	.stats = multi_stats,
	.set_filter = multi_set_filter,
	.iface_stats = multi_iface_stats,
	.free = multi_free,
};

_Static_assert(sizeof(struct rc_source_stats) % sizeof(uint64_t) == 0,
	       "rc_source_stats holds uint64_t counters only");

int rc_multi_source_new(struct rc_source **subs, unsigned n, struct rc_source **ret)
{
	struct multi *m;
	int r = -EINVAL;

	if (n == 0 || n > RC_MAX_IFACES)
		goto fail;
	for (unsigned i = 0; i < n; i++)
		if (subs[i]->n_ifaces != 1 || subs[i]->poll_fd < 0)
			goto fail;
	r = -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->subs = calloc(n, sizeof(*m->subs));
	m->ifaces = calloc(n, sizeof(*m->ifaces));
	m->pfd = calloc(n + 1, sizeof(*m->pfd));
	if (!m->subs || !m->ifaces || !m->pfd) {
		multi_free(&m->base);
		goto fail;
	}
	m->base.ops = &multi_ops;
	m->base.dlt = subs[0]->dlt;
	m->base.poll_fd = -1;
	for (unsigned i = 0; i < n; i++) {
		m->subs[i] = subs[i];
		m->ifaces[i] = subs[i]->ifaces[0];
		m->base.snaplen = subs[i]->snaplen > m->base.snaplen ? subs[i]->snaplen :
									m->base.snaplen;
		m->base.user_filter |= subs[i]->user_filter;
		if (subs[i]->notes[0])
			rc_source_note(&m->base, "%s", subs[i]->notes);
	}
	m->n = n;
	m->base.ifaces = m->ifaces;
	m->base.n_ifaces = n;
	/* no one region of capture memory to register (no export op):
	 * forwarding copies */
	*ret = &m->base;
	return 0;
fail:
	for (unsigned i = 0; i < n; i++)
		subs[i]->ops->free(subs[i]);
	return r;
}
