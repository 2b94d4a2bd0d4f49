// SPDX-License-Identifier: MIT
/*
 * The capture worker loop; see worker.h.  Runs on its own thread.
 */
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/cleanup.h"
#include "../common/counter.h"

#define TICK_NS (100ULL * 1000000ULL)

void rc_worker_init(struct rc_worker *w)
{
	memset(w, 0, sizeof(*w));
	w->wake_fd = -1;
	w->ready_fd = -1;
	w->done_fd = -1;
	w->drain_timeout_ms = 1000;
}

/* Sink @i said it has stopped for good (the first time it says so). */
static void sink_result(struct rc_worker *w, unsigned i, int r)
{
	if (r < 0 && !w->gone[i]) {
		w->gone[i] = true;
		w->sinks[i]->dead = true;
		w->live_sinks--;
	}
}

static void deliver(struct rc_worker *w, struct rc_batch *b)
{
	uint64_t bytes = b->bytes;

	if (w->count_limit) {
		/* take this batch's frames from the budget all workers share */
		uint64_t before = __atomic_fetch_add(w->count_shared, b->n, __ATOMIC_RELAXED);
		uint64_t left = before >= w->count_limit ? 0 : w->count_limit - before;

		if (b->n > left) {
			/* cut short: no longer a whole block, which the source's
			 * export op sees by the count (source.h) */
			b->n = (unsigned)left;
			bytes = 0;
			for (unsigned i = 0; i < b->n; i++)
				bytes += b->frames[i].h.len;
		}
	}
	/* every sink, also one that cannot write: it counts what it missed */
	for (unsigned i = 0; i < w->nsinks; i++)
		sink_result(w, i, w->sinks[i]->ops->write(w->sinks[i], b));
	RC_COUNTER_ADD(w->delivered, b->n);
	RC_COUNTER_ADD(w->delivered_bytes, bytes);
	w->src->ops->done(w->src, b);
}

/* The next batch: what a source does not know of it stays 0. */
static inline int take(struct rc_worker *w, struct rc_batch *b)
{
	b->iface = 0;
	b->drops = 0;
	b->drops_at = 0;
	return w->src->ops->next(w->src, b);
}

static void tick(struct rc_worker *w)
{
	uint64_t now = rc_clock_ns(CLOCK_MONOTONIC);

	for (unsigned i = 0; i < w->nsinks; i++) {
		struct rc_sink *s = w->sinks[i];

		if (!w->gone[i] && s->ops->tick)
			sink_result(w, i, s->ops->tick(s, now));
	}
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* the owner also joins; nothing more to do */
	}
}

static bool stop_requested(struct rc_worker *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

/* An operator asked for new files: every output that has a file starts
 * the next one. */
static void maybe_rotate(struct rc_worker *w)
{
	unsigned req = __atomic_load_n(&w->rotate_req, __ATOMIC_ACQUIRE);

	if (rc_likely(req == w->rotate_done))
		return;
	w->rotate_done = req;
	for (unsigned i = 0; i < w->nsinks; i++) {
		struct rc_sink *s = w->sinks[i];

		if (!w->gone[i] && s->ops->rotate)
			sink_result(w, i, s->ops->rotate(s));
	}
}

/* -c COUNT reached, or every output still writing has met its stop
 * condition (-a filesize/files). */
static bool count_reached(struct rc_worker *w)
{
	unsigned done = 0;

	if (w->count_limit &&
	    __atomic_load_n(w->count_shared, __ATOMIC_RELAXED) >= w->count_limit)
		return true;
	for (unsigned i = 0; i < w->nsinks; i++)
		done += !w->gone[i] && w->sinks[i]->done;
	return done && done == w->live_sinks;
}

/* After quiesce: hand out everything that got into the ring. */
static void drain(struct rc_worker *w)
{
	uint64_t deadline = rc_clock_ns(CLOCK_MONOTONIC_COARSE) +
			    (uint64_t)w->drain_timeout_ms * 1000000ULL;
	struct rc_source_stats st = { 0 };
	struct rc_batch b;

	if (w->src->ops->quiesce(w->src) < 0)
		return;
	while (!w->src->ops->drained(w->src) && !count_reached(w)) {
		if (take(w, &b) == 1) {
			deliver(w, &b);
			continue;
		}
		if (rc_clock_ns(CLOCK_MONOTONIC_COARSE) >= deadline)
			break;
		if (w->src->ops->wait(w->src, -1, 5) < 0)
			break;
	}
	if (!w->src->ops->drained(w->src)) {
		/* what the kernel counted in but we never saw */
		w->src->ops->stats(w->src, &st);
		if (st.received > st.kernel_drops + st.frames)
			RC_COUNTER_SET(w->lost_at_stop, st.received - st.kernel_drops - st.frames);
	}
}

static void *worker_main(void *arg)
{
	struct rc_worker *w = arg;
	uint64_t last_tick = rc_clock_ns(CLOCK_MONOTONIC_COARSE);
	struct rc_batch b;
	int end = RC_WORKER_STOPPED, r;

	/* the first files are opened here, off the owner's thread */
	for (unsigned i = 0; i < w->nsinks; i++)
		if (w->sinks[i]->ops->start)
			sink_result(w, i, w->sinks[i]->ops->start(w->sinks[i]));
	signal_fd(w->ready_fd);
	if (!w->live_sinks && w->nsinks)
		end = RC_WORKER_SINKS_FAILED;

	for (; end == RC_WORKER_STOPPED;) {
		RC_COUNTER_ADD(w->heartbeat, 1);
		if (stop_requested(w))
			break;
		maybe_rotate(w);
		if (count_reached(w)) {
			end = RC_WORKER_COUNT_REACHED;
			break;
		}
		r = take(w, &b);
		if (r == 1) {
			deliver(w, &b);
			if (count_reached(w)) {
				end = RC_WORKER_COUNT_REACHED;
				break;
			}
			if (!w->live_sinks) {
				end = RC_WORKER_SINKS_FAILED;
				break;
			}
			if (rc_clock_ns(CLOCK_MONOTONIC_COARSE) - last_tick >= TICK_NS) {
				tick(w);
				last_tick = rc_clock_ns(CLOCK_MONOTONIC_COARSE);
			}
			continue;
		}
		if (rc_clock_ns(CLOCK_MONOTONIC_COARSE) - last_tick >= TICK_NS) {
			tick(w);
			last_tick = rc_clock_ns(CLOCK_MONOTONIC_COARSE);
			if (!w->live_sinks) {
				end = RC_WORKER_SINKS_FAILED;
				break;
			}
		}
		r = w->src->ops->wait(w->src, w->wake_fd, 100);
		if (r == -ENODATA) {
			end = RC_WORKER_SOURCE_DONE;
			break;
		}
		if (r < 0) {
			w->error = r;
			snprintf(w->err, sizeof(w->err), "%s", w->src->failed[0] ? w->src->failed :
				 r == -ENODEV ? "the interface went away" : strerror(-r));
			end = RC_WORKER_SOURCE_FAILED;
			break;
		}
	}
	if (end != RC_WORKER_COUNT_REACHED)
		drain(w);
	for (unsigned i = 0; i < w->nsinks; i++)
		if (!w->gone[i])
			sink_result(w, i, w->sinks[i]->ops->close(w->sinks[i]));
	__atomic_store_n(&w->end, end, __ATOMIC_RELEASE);
	signal_fd(w->done_fd);
	return NULL;
}

int rc_worker_start(struct rc_worker *w)
{
	int r;

	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0)
		return -errno;
	if (!w->count_shared)
		w->count_shared = &w->count_own;
	w->gone = calloc(w->nsinks ? w->nsinks : 1, sizeof(*w->gone));
	if (!w->gone)
		return -ENOMEM;
	w->live_sinks = 0;
	for (unsigned i = 0; i < w->nsinks; i++) {
		w->gone[i] = w->sinks[i]->dead;
		if (!w->gone[i])
			w->live_sinks++;
	}
	r = pthread_create(&w->thread, NULL, worker_main, w);
	if (r)
		return -r;
	w->started = true;
	return 0;
}

void rc_worker_request_stop(struct rc_worker *w)
{
	uint64_t one = 1;

	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	if (w->wake_fd >= 0 && write(w->wake_fd, &one, sizeof(one)) < 0) {
		/* counter full: the worker is being woken anyway */
	}
}

void rc_worker_request_rotate(struct rc_worker *w)
{
	uint64_t one = 1;

	__atomic_add_fetch(&w->rotate_req, 1, __ATOMIC_RELEASE);
	if (w->wake_fd >= 0 && write(w->wake_fd, &one, sizeof(one)) < 0) {
		/* counter full: the worker is being woken anyway */
	}
}

int rc_worker_join(struct rc_worker *w)
{
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	return __atomic_load_n(&w->end, __ATOMIC_ACQUIRE);
}

int rc_worker_timedjoin(struct rc_worker *w, uint64_t deadline_ns)
{
	if (w->started) {
		uint64_t now = rc_clock_ns(CLOCK_MONOTONIC);
		uint64_t real = rc_clock_ns(CLOCK_REALTIME) + (deadline_ns > now ? deadline_ns - now : 0);
		struct timespec ts = rc_timespec(real);
		int r = pthread_timedjoin_np(w->thread, NULL, &ts);

		if (r == ETIMEDOUT)
			return -ETIMEDOUT;
		w->started = false;
	}
	return __atomic_load_n(&w->end, __ATOMIC_ACQUIRE);
}

void rc_worker_fini(struct rc_worker *w)
{
	free(w->gone);
	w->gone = NULL;
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	w->wake_fd = -1;
}
