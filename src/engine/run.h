/* SPDX-License-Identifier: MIT */
/*
 * A running capture: what one capture configuration becomes.  It owns N
 * workers (one ring each, joined in a PACKET_FANOUT group when N > 1), each
 * with its own sinks, so no two threads ever share a ring or a file.  The
 * CLI runs one of these; the daemon runs one per configured capture.
 *
 * Opening is split in two so that the daemon can give up privileges in
 * between: rc_run_open() makes the sockets and rings (needs CAP_NET_RAW),
 * rc_run_open_outputs() creates the files (as the service user).
 *
 * With N > 1 workers each worker writes its own files: the output path
 * gets "_wK" before its extension, and the `files` and `total` rotation
 * limits are split evenly between the workers.
 *
 * Thread: the owner's (main) thread; stats functions from any thread.
 */
#ifndef RC_RUN_H
#define RC_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../capture/source.h"
#include "../config/conf.h"
#include "../fanout/worker.h"
#include "../sink/sink.h"

struct rc_run_worker {
	struct rc_source *src;
	struct rc_sink **sinks;
	unsigned nsinks;
	struct rc_worker w;
};

struct rc_run {
	const struct rc_capture_conf *conf;  /* not owned: re-pointed on reload */
	unsigned nworkers;
	struct rc_run_worker *workers;
	uint16_t fanout_group;
	uint64_t started_mono_ns;
	uint64_t count_taken;       /* the workers' shared -c budget */
	bool running;
};

/* Per worker, everything the status line, `ringcap stats` and the
 * Prometheus file show. */
struct rc_run_stats {
	struct rc_source_stats src;
	struct rc_sink_stats sink;       /* summed over the worker's sinks */
	uint64_t delivered;
	uint64_t delivered_bytes;
	uint64_t lost_at_stop;
	uint64_t undelivered;
	uint64_t heartbeat;
	int end;                         /* enum rc_worker_end */
};

int rc_run_open(const struct rc_capture_conf *c, struct rc_run **ret, char *err,
		size_t errlen);
/* Create every output. */
int rc_run_open_outputs(struct rc_run *r, char *err, size_t errlen);
/* @count_limit (CLI -c) counts the frames of all workers together. */
int rc_run_start(struct rc_run *r, uint64_t count_limit, uint32_t drain_timeout_ms,
		 int done_fd);
void rc_run_request_stop(struct rc_run *r);
/* Wait for every worker; returns the "worst" end (source > sinks failed >
 * count > stopped). */
int rc_run_join(struct rc_run *r);
void rc_run_free(struct rc_run *r);

/* Replace the kernel filter of every worker's socket. */
int rc_run_set_filter(struct rc_run *r, const char *expr, char *err, size_t errlen);

void rc_run_worker_stats(struct rc_run *r, unsigned k, struct rc_run_stats *ret);
void rc_run_total_stats(struct rc_run *r, struct rc_run_stats *ret);

/* Hand each sink's news (a forwarding connection made or lost) to @fn,
 * once per change; owner's thread.  Returns how many. */
unsigned rc_run_notices(struct rc_run *r, void (*fn)(void *arg, const char *msg), void *arg);

/* The first sink error message of any worker, or NULL. */
const char *rc_run_sink_error(struct rc_run *r);

#endif
