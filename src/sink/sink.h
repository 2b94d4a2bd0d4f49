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
	uint64_t lost;       /* frames handed to the sink that did not reach its output */
};

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
	void (*free)(struct rc_sink *s);
};

struct rc_sink {
	const struct rc_sink_ops *ops;
	bool dead;
	char err[512];
};

#endif
