// SPDX-License-Identifier: MIT
/*
 * Event queue; see event.h.  A fixed ring of fixed-size messages under one
 * mutex, and an eventfd that is written when the ring goes from empty to
 * non-empty.
 */
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define QLEN 128
#define MSG_LEN 1024

struct event {
	enum rc_log_level lvl;
	char msg[MSG_LEN];
};

struct rc_events {
	pthread_mutex_t mu;
	int fd;
	unsigned head, n;
	uint64_t dropped;
	struct event ev[QLEN];
};

int rc_events_new(struct rc_events **ret)
{
	struct rc_events *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->fd < 0) {
		int r = -errno;

		free(q);
		return r;
	}
	pthread_mutex_init(&q->mu, NULL);
	*ret = q;
	return 0;
}

struct rc_events *rc_events_free(struct rc_events *q)
{
	if (!q)
		return NULL;
	close(q->fd);
	pthread_mutex_destroy(&q->mu);
	free(q);
	return NULL;
}

int rc_events_fd(const struct rc_events *q)
{
	return q->fd;
}

void rc_events_vpost(struct rc_events *q, enum rc_log_level lvl, const char *prefix,
		     const char *fmt, va_list ap)
{
	uint64_t one = 1;
	bool wake = false;

	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->n == QLEN) {
		q->dropped++;
	} else {
		struct event *e = &q->ev[(q->head + q->n) % QLEN];
		int n = 0;

		e->lvl = lvl;
		if (prefix && *prefix)
			n = snprintf(e->msg, sizeof(e->msg), "%s: ", prefix);
		if (n < 0 || (size_t)n >= sizeof(e->msg))
			n = 0;
		vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
		wake = q->n++ == 0;
	}
	pthread_mutex_unlock(&q->mu);
	if (wake && write(q->fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow from this: the owner is awake anyway */
	}
}

void rc_events_post(struct rc_events *q, enum rc_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc_events_vpost(q, lvl, NULL, fmt, ap);
	va_end(ap);
}

size_t rc_events_drain(struct rc_events *q, void (*fn)(void *arg, enum rc_log_level lvl,
							const char *msg), void *arg)
{
	struct event e;
	uint64_t v, dropped;
	size_t done = 0;

	if (read(q->fd, &v, sizeof(v)) < 0) {
		/* nothing signalled: there may still be events posted meanwhile */
	}
	for (;;) {
		pthread_mutex_lock(&q->mu);
		if (!q->n) {
			dropped = q->dropped;
			q->dropped = 0;
			pthread_mutex_unlock(&q->mu);
			break;
		}
		e = q->ev[q->head];
		q->head = (q->head + 1) % QLEN;
		q->n--;
		pthread_mutex_unlock(&q->mu);
		fn(arg, e.lvl, e.msg);
		done++;
	}
	if (dropped) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%llu more messages were dropped (too many at once)",
			 (unsigned long long)dropped);
		fn(arg, RC_LOG_WARNING, msg);
	}
	return done;
}
