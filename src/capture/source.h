/* SPDX-License-Identifier: MIT */
/*
 * Capture sources behind one small ops table.
 *
 * A source owns capture memory shared with the kernel and hands it out in
 * batches, each covered by one lease.  Contract, per function pointer:
 *
 *   next      worker thread.  1 = @ret holds a batch and the caller holds
 *             one lease reference; 0 = nothing ready now.
 *   wait      worker thread.  Sleep until frames may be ready, @wake_fd is
 *             readable or @timeout_ms passes.  1 = look again, 0 = timeout
 *             or woken, -errno = the source failed (-ENODEV: interface gone;
 *             failed[] may say more), -ENODATA = it has no more frames (the
 *             end of a file read): a normal end.
 *   done      worker thread.  Drop the worker's reference on a batch.
 *   quiesce   worker thread.  Stop taking new frames; from then on drained()
 *             says whether every frame that got in has been handed out.
 *   stats     any thread.  Cumulative counters.
 *   set_filter  any thread.  Replace the kernel filter atomically.  0, or
 *             1 with a note in @err (applied, and worth a log line: where
 *             it runs, say), or -errno with the message in @err.
 *   export    optional (NULL: no memory to offer).  The capture memory
 *             behind the frames, for a sink that registers it and sends
 *             from it as it is (RDMA forwarding).  With @b NULL, any
 *             thread: what stays the same for the source's life (the
 *             region, the largest unit).  With @b, the worker thread, for
 *             a batch this source handed out and that is not done yet:
 *             also whether the batch is still one whole unit.  0, or
 *             -errno (-ENODATA: no memory to offer).
 *   iface_stats optional; any thread.  The counters of interface @i alone
 *             (a source of several interfaces); without it, stats() is
 *             interface 0's.
 *   free      after the worker has stopped and every lease is back.
 *
 * Every source describes the interfaces its frames come from (ifaces[]):
 * one for a plain capture, one per -i for several; batch.iface says which.
 */
#ifndef RC_SOURCE_H
#define RC_SOURCE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct rc_source_stats {
	uint64_t received;      /* passed the kernel filter: into the ring or dropped */
	uint64_t kernel_drops;  /* no room in the ring */
	uint64_t freeze_q;      /* times the kernel froze the queue */
	uint64_t frames;        /* handed to the worker */
	uint64_t bytes;
	uint64_t blocks;
	uint64_t empty_blocks;
	uint64_t seq_gaps;
	uint64_t malformed;
	uint64_t vlan_restored;
	uint64_t link_down;     /* interface went down while capturing */
	/* AF_XDP only */
	uint64_t xdp_filtered;      /* rejected by the user-space filter */
	uint64_t xdp_kernel_filtered; /* rejected by the filter in the XDP program */
	uint64_t xdp_fill_empty;    /* the FILL ring ran dry */
	uint64_t xdp_invalid_descs;
	uint64_t xdp_ring_full;     /* RX ring full (also in kernel_drops) */
	uint64_t xdp_ts_fallback;   /* frames without the XDP program's timestamp */
	/* files read (-r) */
	uint64_t user_filtered;     /* rejected by the capture filter, run in user space */
};

/* counters only (no gauge): summed field by field over workers */
_Static_assert(sizeof(struct rc_source_stats) % sizeof(uint64_t) == 0,
	       "rc_source_stats holds uint64_t counters only");

#define RC_MAX_IFACES 64  /* interfaces of one capture (-i ... -i) */

struct rc_source_iface {
	char name[64];          /* "eth0", "any", or the file read (-r) */
	char desc[160];         /* what captures it: pcapng's if_description */
	int dlt;                /* libpcap link type of its frames */
	uint32_t snaplen;       /* the longest frame it hands out */
	int ifindex;            /* 0 for "any" and files */
};

/* What the export op says about a source's memory, and about one batch. */
struct rc_export {
	/* The capture memory shared with the kernel: every frame view the
	 * source hands out points inside it. */
	void *mem;
	size_t mem_len;
	/* The largest unit below (the TPACKET_V3 block size); 0 when no
	 * batch is ever one. */
	uint32_t unit_max;
	/* With a batch: the batch as one self-describing TPACKET_V3 block
	 * holding exactly its frames, which a sink may send as it is; NULL
	 * when it is not one (AF_XDP frames scattered over the UMEM, a batch
	 * cut short by a -c count, a malformed block). */
	const void *unit;
	uint32_t unit_len;
};

struct rc_source;

struct rc_source_ops {
	const char *name;
	int (*next)(struct rc_source *s, struct rc_batch *ret);
	int (*wait)(struct rc_source *s, int wake_fd, int timeout_ms);
	void (*done)(struct rc_source *s, struct rc_batch *b);
	int (*quiesce)(struct rc_source *s);
	bool (*drained)(struct rc_source *s);
	int (*stats)(struct rc_source *s, struct rc_source_stats *ret);
	int (*set_filter)(struct rc_source *s, const char *expr, char *err, size_t errlen);
	int (*export)(struct rc_source *s, const struct rc_batch *b, struct rc_export *ret);
	int (*iface_stats)(struct rc_source *s, unsigned i, struct rc_source_stats *ret);
	void (*free)(struct rc_source *s);
};

struct rc_source {
	const struct rc_source_ops *ops;
	int dlt;            /* libpcap link type of the frames */
	uint32_t snaplen;
	const struct rc_source_iface *ifaces;  /* batch.iface indexes this */
	unsigned n_ifaces;
	int poll_fd;        /* readable when frames may be ready, or -1 */
	bool packet_time;   /* frames from a file: their time is not now */
	bool want_dir;      /* set by the owner: an output records each frame's
			     * direction (rc_frame.dir); without it a source
			     * may leave dir unset */
	bool user_filter;   /* the capture filter could not go into the kernel:
			     * the outputs run it, on each frame */
	char notes[1024];   /* set-up fallbacks worth a log line; the caller logs */
	char failed[512];   /* why wait() failed, when its errno does not say it all */
};

/* @s's export op; -ENODATA (and *@ret zeroed) for a source without one. */
static inline int rc_source_export(struct rc_source *s, const struct rc_batch *b,
				   struct rc_export *ret)
{
	*ret = (struct rc_export){ 0 };
	return s->ops->export ? s->ops->export(s, b, ret) : -ENODATA;
}

/* Append a set-up note ("; "-separated) to @s->notes; the caller logs them. */
__attribute__((format(printf, 2, 3)))
void rc_source_note(struct rc_source *s, const char *fmt, ...);

/* Write a message to @err and return @r: set-up steps end with this. */
__attribute__((format(printf, 4, 5)))
int rc_source_fail(char *err, size_t errlen, int r, const char *fmt, ...);

#endif
