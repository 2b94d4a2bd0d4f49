/* SPDX-License-Identifier: MIT */
/*
 * Capture worker: one thread per ring (or AF_XDP queue) that takes batches
 * from its source and hands each one to every live sink, then lets go of
 * the batch's lease.  No locks on this path: counters are single-writer
 * (common/counter.h) and the only cross-thread signals are an eventfd to
 * wake the worker and an eventfd it writes when it has finished.
 *
 * Starting: the worker thread starts every sink (the first files are
 * opened here, never on the owner's thread, which must stay free for
 * signals and timers) and then writes ready_fd.
 *
 * Every batch goes to every sink, also to a sink that cannot write at the
 * moment or has stopped for good: that sink counts the frames it missed,
 * so each output's written + lost accounts for every frame it was handed.
 *
 * Stopping: rc_worker_request_stop() wakes the worker, which quiesces the
 * source (no new frames get in), keeps delivering until every frame that
 * got in has been handed out (or the drain timeout passes, and what is left
 * is counted as lost at stop), closes every sink and signals done_fd.  The
 * same drain runs when the worker ends because every sink failed or the
 * source did, so that each frame the kernel took in is either written or
 * counted; only -c COUNT ends without it, as tcpdump's does.
 */
#ifndef RC_WORKER_H
#define RC_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../capture/source.h"
#include "../sink/sink.h"

enum rc_worker_end {
	RC_WORKER_RUNNING = 0,
	RC_WORKER_STOPPED,        /* asked to stop; drained */
	RC_WORKER_COUNT_REACHED,  /* -c COUNT frames delivered, or an output's stop
				   * condition (-a filesize/files) met */
	RC_WORKER_SOURCE_DONE,    /* the source has no more frames (a file read to its end) */
	RC_WORKER_SINKS_FAILED,   /* every sink has stopped */
	RC_WORKER_SOURCE_FAILED,  /* interface gone, socket error */
};

struct rc_worker {
	/* set by the owner before rc_worker_start() */
	struct rc_source *src;
	struct rc_sink **sinks;
	unsigned nsinks;
	uint64_t count_limit;       /* 0 = unlimited */
	uint64_t *count_shared;     /* frames taken against count_limit, shared by the
				     * workers of one capture (NULL: this worker's own) */
	uint32_t drain_timeout_ms;
	int ready_fd;               /* eventfd the worker writes once its sinks started, or -1 */
	int done_fd;                /* eventfd the worker writes when it ends, or -1 */

	/* owned by the worker; read by others through RC_COUNTER_GET */
	uint64_t delivered;         /* frames handed to the sinks */
	uint64_t delivered_bytes;
	uint64_t lost_at_stop;      /* in the ring at stop but not drained in time */
	uint64_t heartbeat;         /* bumps every loop turn: a watchdog sees progress */
	int end;                    /* enum rc_worker_end, written last */
	int error;                  /* -errno with end == SOURCE_FAILED */
	char err[512];

	/* private */
	uint64_t count_own;
	int wake_fd;
	int stop;
	unsigned rotate_req, rotate_done; /* rc_worker_request_rotate() vs the worker */
	unsigned live_sinks;
	bool *gone;                 /* per sink: said it stopped for good */
	pthread_t thread;
	bool started;
};

void rc_worker_init(struct rc_worker *w);
int rc_worker_start(struct rc_worker *w);
void rc_worker_request_stop(struct rc_worker *w);
/* Ask the worker to start a new file on every output now (any thread). */
void rc_worker_request_rotate(struct rc_worker *w);
/* Wait for the thread; returns its enum rc_worker_end. */
int rc_worker_join(struct rc_worker *w);
/* The same, but give up at @deadline_ns (CLOCK_MONOTONIC): -ETIMEDOUT when
 * the thread is still running (stuck in a write or an open that does not
 * return); the worker must then be left alone, never freed. */
int rc_worker_timedjoin(struct rc_worker *w, uint64_t deadline_ns);
void rc_worker_fini(struct rc_worker *w);

#endif
