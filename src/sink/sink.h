/* SPDX-License-Identifier: MIT */
/*
 * Sinks behind one ops table.  Contract, per function pointer:
 *
 *   write   worker thread.  Consume a batch.  A synchronous sink is done
 *           with every frame view when it returns; an asynchronous one
 *           takes a lease reference per piece of work in flight.  -errno
 *           means the sink has stopped for good: its message is in err[],
 *           every frame it did not keep is counted in stats.lost, and the
 *           worker calls it no more.
 *   tick    worker thread, at least every 100 ms: time-driven work
 *           (rotation by time).  @now_ns is CLOCK_MONOTONIC.  -errno as above.
 *   close   worker thread.  Finish: every file complete.  -errno if that
 *           failed (message in err[]).
 *   stats   any thread.
 *   free    after close.
 */
#ifndef RC_SINK_H
#define RC_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "../capture/frame.h"

struct rc_sink_stats {
	uint64_t frames;     /* frames written */
	uint64_t bytes;      /* bytes written, file headers and record headers included */
	uint64_t filtered;   /* rejected by this output's own filter */
	uint64_t files;      /* files opened */
	uint64_t removed;    /* files deleted by the ring / budget */
	uint64_t errors;     /* write errors */
	uint64_t lost;       /* frames handed to the sink that did not reach its file;
			      * the RDMA sink counts its own in fwd_lost, reported
			      * apart as "not delivered" */
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
	uint64_t fwd_connected;  /* gauge: 1 while connected */
	uint64_t fwd_credits;    /* gauge: writes that may be posted now */
	uint64_t fwd_zero_copy;  /* gauge: 1 while sending straight from capture memory */
};
/* nothing but uint64_t counters: summed field by field over sinks and workers */
_Static_assert(sizeof(struct rc_sink_stats) % sizeof(uint64_t) == 0,
	       "rc_sink_stats holds uint64_t counters only");

struct rc_sink;

struct rc_sink_ops {
	const char *name;
	int (*write)(struct rc_sink *s, const struct rc_batch *b);
	int (*tick)(struct rc_sink *s, uint64_t now_ns);
	int (*close)(struct rc_sink *s);
	void (*stats)(struct rc_sink *s, struct rc_sink_stats *ret);
	/* Path of the file being written (for status), or NULL; any thread,
	 * copies into @buf. */
	const char *(*current)(struct rc_sink *s, char *buf, size_t len);
	/* Optional; one reader, any thread.  A change of state worth a log
	 * line (a forwarding connection made or lost): copies the message
	 * into @buf and returns @buf once per change; NULL when nothing new
	 * happened since the last call. */
	const char *(*notice)(struct rc_sink *s, char *buf, size_t len);
	void (*free)(struct rc_sink *s);
};

struct rc_sink {
	const struct rc_sink_ops *ops;
	bool dead;
	char err[512];
};

#endif
