/* SPDX-License-Identifier: MIT */
/*
 * Sinks behind one ops table.
 *
 * Life of a sink: created by the owner (no I/O), started by the worker
 * thread (the first file is opened there, never on the thread that owns
 * signals), fed every batch, closed by the worker, freed by the owner.
 * An output that cannot write (disk full, a FIFO without a reader, a path
 * that cannot be created) does not go silent: every frame that misses it
 * is counted in stats.lost, the change of state is posted as an event
 * when it happens, and - when the owner asked for it (the daemon) - the
 * sink tries again, into a new file, with backoff.
 *
 * Contract, per function pointer:
 *
 *   start   worker thread, once, before the first write.  Open the first
 *           file.  0 = writing (or waiting to retry: see state()); -errno =
 *           stopped for good (message in err[]).
 *   write   worker thread, for EVERY batch while the worker runs, also when
 *           the sink cannot write: then it counts the batch's frames (those
 *           its own filter would keep) in stats.lost.  A synchronous sink
 *           is done with every frame view when it returns; an asynchronous
 *           one takes a lease reference per piece of work in flight.
 *           -errno = stopped for good: the first time it says so the
 *           message is in err[]; it keeps counting after that.
 *   tick    worker thread, at least every 100 ms: time-driven work
 *           (rotation by time, retries).  @now_ns is CLOCK_MONOTONIC.
 *           -errno as for write.
 *   rotate  optional; worker thread.  Close the current file and open the
 *           next now (an operator's `ringcap rotate`); a sink that cannot
 *           write tries again at once.  -errno as for write.
 *   close   worker thread.  Finish: every file complete.  -errno if that
 *           failed (message in err[]).
 *   stats   any thread.
 *   state   any thread: the state and, unless writing, why (into @buf).
 *   current any thread: the file being written (into @buf), or NULL.
 *   free    after close.
 */
#ifndef RC_SINK_H
#define RC_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../capture/frame.h"
#include "../common/event.h"

struct rc_sink_stats {
	uint64_t frames;     /* frames written */
	uint64_t bytes;      /* bytes written, file headers and record headers included */
	uint64_t filtered;   /* rejected by this output's own filter */
	uint64_t files;      /* files opened */
	uint64_t removed;    /* files deleted by the ring / budget */
	uint64_t errors;     /* write and open errors */
	uint64_t lost;       /* frames handed to the sink that did not reach its file,
			      * also while it could not write; the RDMA sink counts
			      * its own in fwd_lost, reported apart as "not delivered" */
	/* forwarding sinks (rdma) */
	uint64_t fwd_blocks;     /* writes the collector's side acknowledged */
	uint64_t fwd_frames;
	uint64_t fwd_bytes;      /* bytes of frames (original lengths) delivered */
	uint64_t fwd_wire_bytes; /* bytes written over RDMA, block headers included */
	uint64_t fwd_lost;       /* frames not delivered: no credit, no connection, failed write */
	uint64_t fwd_no_credit;  /* blocks not forwarded for want of credits */
	uint64_t fwd_held;       /* blocks kept leased for want of credits (policy hold) */
	uint64_t fwd_reconnects; /* connections made after the first */
	uint64_t fwd_copied;     /* bytes copied in user space to forward them (copy mode) */
	/* Gauges: what is true now, not a count of events.  Each is a count of
	 * RDMA queue pairs (or of their credits), so over sinks and workers
	 * they add up to the capture's: rc_sink_stats_add() says so in code. */
	struct rc_sink_gauges {
		uint64_t fwd_connected;  /* queue pairs connected */
		uint64_t fwd_credits;    /* writes that may be posted now */
		uint64_t fwd_zero_copy;  /* queue pairs sending straight from capture memory */
	} g;
};

/* @dst += @src: every counter, and the gauges by the rule above. */
void rc_sink_stats_add(struct rc_sink_stats *dst, const struct rc_sink_stats *src);

/* A source's counters, as a file format records them (pcapng's ISB):
 * cumulative, for one of the source's interfaces. */
struct rc_sink_counters {
	uint64_t ifrecv;        /* frames the capture saw on the interface */
	uint64_t ifdrop;        /* frames the kernel dropped: no room in the ring */
	uint64_t filteraccept;  /* frames the capture filter accepted */
};

enum rc_sink_state {
	RC_SINK_IDLE,        /* not started yet */
	RC_SINK_WRITING,     /* writing (a file is open, or a connection is up) */
	RC_SINK_WAITING,     /* cannot write now; will try again (why: state()) */
	RC_SINK_FAILED,      /* stopped for good (why: state()) */
	RC_SINK_CLOSED,      /* closed at stop */
};

const char *rc_sink_state_name(enum rc_sink_state st);

struct rc_sink;

struct rc_sink_ops {
	const char *name;
	int (*start)(struct rc_sink *s);
	int (*write)(struct rc_sink *s, const struct rc_batch *b);
	int (*tick)(struct rc_sink *s, uint64_t now_ns);
	int (*rotate)(struct rc_sink *s);
	int (*close)(struct rc_sink *s);
	void (*stats)(struct rc_sink *s, struct rc_sink_stats *ret);
	enum rc_sink_state (*state)(struct rc_sink *s, char *buf, size_t len);
	const char *(*current)(struct rc_sink *s, char *buf, size_t len);
	void (*free)(struct rc_sink *s);
};

struct rc_sink {
	const struct rc_sink_ops *ops;
	bool dead;               /* stopped for good (set by the sink) */
	bool done;               /* met a stop condition (-a filesize/files): writes
				  * nothing more, and the capture may end (worker) */
	char err[512];
	/* set by the owner before start: where events go and how to name
	 * this output in them ("capture alpha worker 0 output 1"), and
	 * whether to try again after a failure instead of stopping */
	struct rc_events *events;
	char label[128];
	bool retry;
	/* set by the owner before start, both optional.  counters(): the
	 * source's counters of interface @iface (file sinks record them per
	 * file); called on the worker thread, must not block.  closed():
	 * a file is complete and closed (-z); worker thread, must not block. */
	int (*counters)(void *arg, unsigned iface, struct rc_sink_counters *ret);
	void *counters_arg;
	void (*closed)(void *arg, const char *path);
	void *closed_arg;
};

/* Post an event about sink @s, prefixed with its label. */
__attribute__((format(printf, 3, 4)))
void rc_sink_event(struct rc_sink *s, enum rc_log_level lvl, const char *fmt, ...);

#endif
