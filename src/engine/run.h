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

/* Per worker, everything the status line, `ringcap stats` and the
 * Prometheus file show. */
struct rc_run_stats {
	struct rc_source_stats src;
	struct rc_sink_stats sink;       /* summed over the worker's sinks */
	uint64_t delivered;
	uint64_t delivered_bytes;
	uint64_t lost_at_stop;
	uint64_t heartbeat;
	int end;                         /* enum rc_worker_end */
};

/* One output of one worker, as status shows it. */
struct rc_run_output {
	const char *kind;                /* the sink's ops name: "file", "rdma" */
	enum rc_sink_state state;
	char path[4096];                 /* the file being (or last) written */
	char why[600];                   /* unless writing: what is wrong */
	struct rc_sink_stats st;
};

struct rc_run_worker {
	struct rc_source *src;
	struct rc_sink **sinks;
	unsigned nsinks;
	struct rc_worker w;
	/* after rc_run_release(): what stats and status show from then on */
	struct rc_run_stats final;
	struct rc_run_output *final_out;
};

struct rc_run {
	const struct rc_capture_conf *conf;  /* not owned: re-pointed on reload */
	bool afxdp;                 /* its backend, kept for reports without conf */
	unsigned nworkers;
	struct rc_run_worker *workers;
	uint16_t fanout_group;
	uint64_t started_mono_ns;
	uint64_t count_taken;       /* the workers' shared -c budget */
	bool running;
	bool released;              /* sources and sinks gone; counters kept */
	bool stuck;                 /* a worker did not end in time: never freed */
	/* the interface's link counters (rc_link_packets) once every socket
	 * takes frames, and when the stop was asked for, each with the frames
	 * the run's sockets had received then: a restart's gap is the next
	 * run's first reading less this run's last (rc_run_gap_start,
	 * rc_run_gap), less what either run took in between */
	struct rc_run_link {
		uint64_t packets, mono_ns;
		uint64_t received;      /* the run's sockets, at the reading */
		bool ok;
	} link_open, link_stop;
	struct rc_events *events;   /* where sources and outputs report, or NULL */
	char label[128];            /* "capture NAME" in the daemon; empty in the CLI */
	/* set by the owner before rc_run_open_outputs() */
	bool retry;                 /* outputs try again after a failure (daemon) */
	/* told of every file an output has closed complete (-z); on a
	 * worker thread, must not block */
	void (*closed)(void *arg, const char *path);
	void *closed_arg;
};

/* Open every worker's source.  What a source had to settle for (a ring not
 * locked in memory, frames cut to what a block holds) is posted to @events
 * with @label ("capture NAME"; NULL or "" for none), as everything the
 * run's sources and outputs say later is. */
int rc_run_open(const struct rc_capture_conf *c, struct rc_events *events, const char *label,
		struct rc_run **ret, char *err, size_t errlen);
/* Create every output. */
int rc_run_open_outputs(struct rc_run *r, char *err, size_t errlen);
/* @count_limit (CLI -c) counts the frames of all workers together.  Each
 * worker writes @ready_fd once its outputs are started and @done_fd when it
 * ends (either may be -1). */
int rc_run_start(struct rc_run *r, uint64_t count_limit, uint32_t drain_timeout_ms,
		 int ready_fd, int done_fd);
void rc_run_request_stop(struct rc_run *r);
/* Every worker starts a new file on every output now. */
void rc_run_rotate(struct rc_run *r);
/* Wait for every worker; returns the "worst" end (source > sinks failed >
 * count > stopped). */
int rc_run_join(struct rc_run *r);
/* The same, but give up after @ms: -ETIMEDOUT, and the run is marked stuck
 * (rc_run_free() and rc_run_release() then leave it alone: a thread may
 * still be using it). */
int rc_run_join_timeout(struct rc_run *r, uint32_t ms);
/* The same for a stop: waits as long as the workers make progress (frames
 * handed out, loop turns), and gives up when none has for @idle_ms, or
 * after @max_ms in all. */
int rc_run_join_progress(struct rc_run *r, uint32_t idle_ms, uint32_t max_ms);
void rc_run_free(struct rc_run *r);

/* After rc_run_join(): keep the final counters and each output's last
 * state, and let go of everything else (sockets, rings, files).  Stats and
 * outputs keep answering from what was kept. */
void rc_run_release(struct rc_run *r);

/* Output @i of worker @k, live or as it was at release. */
void rc_run_output(struct rc_run *r, unsigned k, unsigned i, struct rc_run_output *ret);
unsigned rc_run_noutputs(struct rc_run *r, unsigned k);

/* What a reload must do to running capture @r (its settings r->conf) for
 * settings @new: only the engine knows which changes its running sockets
 * take.  A filter that runs in user space (a vlan test, or one the kernel
 * refused) is in the outputs, made at start: changing it restarts. */
enum rc_run_change {
	RC_RUN_KEEP,         /* the same settings: rings and files stay */
	RC_RUN_SWAP_FILTER,  /* only the kernel filter: rc_run_set_filter(), no gap */
	RC_RUN_RESTART,      /* anything else: stop, start with the new settings */
};
enum rc_run_change rc_run_change_of(const struct rc_run *r, const struct rc_capture_conf *new);

/* Replace the kernel filter of every worker's socket.  0, or 1 with a
 * note for the log in @err (a source said where the filter runs), or
 * -errno with the message in @err (-EINVAL: the kernel refused it; the
 * old one is still in place, and a restart would run it in user space). */
int rc_run_set_filter(struct rc_run *r, const char *expr, char *err, size_t errlen);

void rc_run_worker_stats(struct rc_run *r, unsigned k, struct rc_run_stats *ret);
void rc_run_total_stats(struct rc_run *r, struct rc_run_stats *ret);

/*
 * A restart's gap: frames that went through the interface while no run
 * took them.  rc_run_gap_start(old), after @old has stopped, is where the
 * gap begins: its link reading at the stop request, moved on by the frames
 * its sockets still received after it (those were taken: written, dropped
 * or counted lost).  rc_run_gap(from, new) is what passed the link from
 * there to @new's first reading, less the frames @new took before that
 * reading; 0 when either reading is missing.
 */
struct rc_run_link rc_run_gap_start(struct rc_run *old);
uint64_t rc_run_gap(const struct rc_run_link *from, const struct rc_run *next);


/* The first sink error message of any worker, or NULL. */
const char *rc_run_sink_error(struct rc_run *r);

#endif
