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
 * A restart's gap: the frames that went through the interface while no run
 * took them.  A counting socket (rc_afpacket_counter_open), with a filter
 * that takes what the old or the new filter takes, is bound before the old
 * run is asked to stop (rc_run_gap_begin), and stops counting as soon as
 * the new run's sockets take frames (rc_run_gap_freeze); the frames it counted, less those the
 * runs' sockets took meanwhile, went to neither.  A run's frames are taken
 * off only when its kernel filter is the counting socket's: frames an
 * AF_XDP socket takes never reach a packet socket, and a run with another
 * filter took frames the count may not hold.  Every reading errs on the
 * side of "not taken": a frame is counted once too often, never missed.
 * A capture of several interfaces or of "any" has no count.
 */
struct rc_run_gap {
	bool ok;
	bool old_counted;          /* the old run takes what the count holds */
	bool old_pending;          /* left behind: its end is not known yet */
	bool next_counted, frozen;
	int fd;                    /* the counting socket, until frozen */
	char *expr;                /* its kernel filter; NULL: every frame */
	uint64_t count;            /* read from it so far */
	uint64_t mono_ns;          /* when it was bound */
	/* the old run's received frames when the count was count_from, and
	 * at its end; the new run's when the count stopped */
	uint64_t count_from, old_from, old_to, next_took;
};

/* Before @old is asked to stop, for a new run with @next's settings.  0,
 * or -errno with a message in @err (-ENOTSUP: no count for such a run). */
int rc_run_gap_begin(struct rc_run *old, const struct rc_capture_conf *next,
		     struct rc_run_gap *g, char *err, size_t errlen);
/* After @old stopped; NULL: it was left behind (rc_run_gap_old_ended once
 * it ends). */
void rc_run_gap_stopped(struct rc_run_gap *g, struct rc_run *old);
void rc_run_gap_old_ended(struct rc_run_gap *g, struct rc_run *old);
/* Take in the count so far (its kernel counter is 32 bits). */
void rc_run_gap_poll(struct rc_run_gap *g);
/* @next takes frames now: the count stops. */
void rc_run_gap_freeze(struct rc_run_gap *g, struct rc_run *next);
/* The gap ends: the new run started (@started), or not.  False when there
 * was no count; else the frames and the milliseconds since the begin. */
bool rc_run_gap_end(struct rc_run_gap *g, bool started, uint64_t *frames, uint64_t *ms);
/* Forget it, uncounted. */
void rc_run_gap_drop(struct rc_run_gap *g);


/* The first sink error message of any worker, or NULL. */
const char *rc_run_sink_error(struct rc_run *r);

#endif
