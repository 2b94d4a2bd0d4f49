/* SPDX-License-Identifier: MIT */
/*
 * Events: how lower layers tell the code that talks to the user that
 * something happened, when it happens.
 *
 * A worker thread (or a sink's own thread) posts a short message with a
 * log level; the owner of the queue (the main thread of the CLI or the
 * daemon) is woken through an eventfd and drains the queue, logging each
 * message.  Posting never blocks on I/O: it takes a mutex for a memcpy.
 * Events are for changes of state (an output failed, a file could not be
 * opened, writing works again), never per frame.  When the queue is full
 * the newest messages are dropped and counted; the drain says how many.
 *
 * Threads: rc_events_post() from any thread; the rest from the owner's.
 */
#ifndef RC_EVENT_H
#define RC_EVENT_H

#include <stdarg.h>
#include <stddef.h>

#include "log.h"

struct rc_events;

int rc_events_new(struct rc_events **ret);
struct rc_events *rc_events_free(struct rc_events *q);

/* Readable when events are waiting (poll it for POLLIN). */
int rc_events_fd(const struct rc_events *q);

__attribute__((format(printf, 3, 4)))
void rc_events_post(struct rc_events *q, enum rc_log_level lvl, const char *fmt, ...);
/* The same from a va_list, after "@prefix: " when @prefix is not empty. */
__attribute__((format(printf, 4, 0)))
void rc_events_vpost(struct rc_events *q, enum rc_log_level lvl, const char *prefix,
		     const char *fmt, va_list ap);

/* Hand every waiting event to @fn, oldest first; returns how many. */
size_t rc_events_drain(struct rc_events *q, void (*fn)(void *arg, enum rc_log_level lvl,
							const char *msg), void *arg);

#endif
