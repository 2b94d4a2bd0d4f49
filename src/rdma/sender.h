/* SPDX-License-Identifier: MIT */
/*
 * RDMA forwarding, the sending end: a sink that sends captured blocks to a
 * collector (`ringcap rdma-recv`, collector.h) with one RDMA WRITE WITH
 * IMMEDIATE per block, straight from the registered capture memory.
 * Protocol: wire.h.  Inside: sender_priv.h (state, locking),
 * sender_conn.c (the connection and its thread), sender_post.c (posting).
 *
 * Invariants it keeps: a block goes back to the kernel only when every
 * write that reads it has completed or been flushed (it holds the block's
 * lease until then); the capture worker never waits for the network or a
 * collector (it posts under a short lock, or counts the frames as not
 * delivered); frames are counted delivered only when the collector says it
 * has written them.
 *
 * Threads: the worker calls write(); one thread per sink runs the
 * connection; stats/notice from any thread.
 *
 * Built only with libibverbs and librdmacm (RC_HAVE_RDMA); without them
 * rc_rdma_sink_new() says so and the rest of ringcap works as before.
 */
#ifndef RC_RDMA_SENDER_H
#define RC_RDMA_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "../capture/source.h"
#include "../config/conf.h"
#include "../sink/sink.h"

/* Whether this build can forward over RDMA. */
bool rc_rdma_built(void);

/*
 * A forwarding sink for worker @worker of a capture whose frames come from
 * @src: the memory its export op offers is registered once connected, and
 * each batch is asked whether it is one whole block.  @src outlives the
 * sink (the worker closes its sinks before the source goes).  The collector
 * need not be up: the sink connects in the background and keeps trying.
 * Fails (-errno, message in @err) only on bad settings: an address that
 * does not resolve, a block too large to forward.
 */
int rc_rdma_sink_new(const struct rc_rdma_conf *conf, struct rc_source *src,
		     unsigned worker, struct rc_sink **ret, char *err, size_t errlen);

#endif
