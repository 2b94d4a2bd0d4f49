/* SPDX-License-Identifier: MIT */
/*
 * The RDMA sender's state, shared by its two halves; nothing outside
 * src/rdma/sender_*.c includes this.
 *
 *   sender_conn.c  the connection: the sink's own thread, its state
 *                  machine (resolve → route → queue pair and registrations
 *                  → connect → established → torn down → backoff → again),
 *                  and the sink's set-up, close, stats and free.
 *   sender_post.c  the posting: the worker's write() (zero copy of whole
 *                  blocks, gather lists for UMEM frames, copy mode, the
 *                  hold queue, credits) and the completions that end each
 *                  write and return its lease.
 *
 * Threads.  The capture worker calls write().  The sink's own thread owns
 * the connection: rdma_cm events, completions, credit messages, teardown
 * and reconnecting.  stats() comes from the daemon's main
 * thread (or the CLI's).
 *
 * Locking: one mutex, s->mu, taken by the worker once per batch (not per
 * frame), by the sink thread, and by stats.  It is only ever held
 * for bookkeeping and for posting, never across anything slow, so that
 * neither the capture worker nor the main thread waits for a connection.
 * The rule that makes this safe:
 *   - the worker posts (and holds blocks) only with mu held and only on a
 *     connection marked up (c.up, under mu);
 *   - the sink thread marks a connection up, under mu, only once it is
 *     set up, and marks it down, under mu, before it tears anything down.
 * So while a connection is not up, no post is in progress or can start,
 * and its resources (everything in struct sender_conn but the flags and
 * counters read under mu) belong to the sink thread alone: registering the
 * ring, rdma_connect, the queue pair to error, draining completions (up to
 * 2 s), deregistering and destroying all run without mu.  A worker that
 * finds the connection down counts the frames as not delivered and goes on.
 *
 * Under mu: c.up, c.broken, c.post_err, c.posted, c.completed, c.consumed,
 * fl[], hold[], hold_n, hold_head, ever_up, notice*, st.  The sink thread's
 * alone: everything else in c, reason, backoff_ns, next_attempt_ns.  Set
 * once before the thread starts: the settings above `ech`.
 *
 * Leases: every write posted from capture memory holds one reference on its
 * batch's lease until its completion (or the teardown's drain) drops it;
 * a held block holds one until it is posted or dropped.  Only then can the
 * block go back to the kernel (capture/lease.h).
 *
 * Only built with RC_HAVE_RDMA.
 */
#ifndef RC_RDMA_SENDER_PRIV_H
#define RC_RDMA_SENDER_PRIV_H

#ifdef RC_HAVE_RDMA

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../capture/lease.h"
#include "../capture/source.h"
#include "../config/conf.h"
#include "../sink/sink.h"
#include "verbs.h"
#include "wire.h"

#define RECV_TAG (1ULL << 63)        /* wr_id of a credit receive */
#define RC_RDMA_MAX_SGE 32           /* gather entries a write uses at most */

struct inflight {
	struct rc_lease *lease;  /* NULL for a copied block */
	uint32_t frames;
	uint64_t bytes;
};

struct held {
	struct rc_lease *lease;
	const void *raw;
	uint32_t len, frames;
	uint64_t bytes;
};

struct sender_conn {
	struct rdma_cm_id *id;
	struct rc_verbs v;       /* pd, channel, cq, queue pair (verbs.h) */
	struct ibv_mr *ring_mr, *stage_mr, *credit_mr;
	bool up, broken;         /* under mu (see Locking above) */
	int post_err;            /* the worker's failed post (errno), under mu */
	unsigned max_sge;        /* gather entries a write may use */
	uint64_t raddr;
	uint32_t rkey, slots;
	uint64_t posted, completed, consumed;
	struct rc_rdma_credit credit_buf[RC_RDMA_CREDIT_RECVS];
};

struct sender {
	struct rc_sink base;
	char peer[300], host[256], port[16], device[64];
	struct sockaddr_storage addr;
	uint32_t slots, hold_max, slot_size;
	enum rc_rdma_policy policy;
	uint32_t dlt, snaplen, worker;
	bool force_copy;
	uint64_t test_slow_ns;   /* RINGCAP_RDMA_TEST_SLOW_MS */
	struct rc_source *src;   /* asked, per batch, whether it is one whole block */
	void *mem;               /* the source's capture memory (its export op) */
	size_t mem_len;
	uint32_t unit_size;      /* the source's block size; 0: no blocks (AF_XDP) */
	uint8_t *stage;          /* slots * slot_size, for copy mode */
	size_t stage_len;

	struct rdma_event_channel *ech;
	int wake_fd;
	pthread_t thr;
	bool thr_started;
	int stop;

	pthread_mutex_t mu;
	pthread_cond_t cv;       /* signalled when writes complete */
	struct sender_conn c;
	bool ever_up;
	struct inflight *fl;     /* slots entries, by seq % slots */
	struct held *hold;       /* hold_max entries, a FIFO */
	unsigned hold_n, hold_head;
	uint64_t next_attempt_ns, backoff_ns;
	char reason[600];        /* why the last connection attempt ended */
	char notice[1024];
	uint64_t notice_gen;     /* changes of notice[] so far (each posted as an event) */
	struct rc_sink_stats st;
};

/* Frames counted as not delivered; under mu. */
static inline void rc_sender_lost(struct sender *s, uint32_t frames)
{
	s->st.fwd_lost += frames;
}

/* What the sink thread learns from the connection after its completions */
struct cq_pass {
	bool broken;
	int post_err;            /* c.post_err: the worker's failed post */
};

/* sender_post.c */

/* The sink's write op: worker thread. */
int rc_sender_write(struct rc_sink *sink, const struct rc_batch *b);

/* Post credit receive @i; the sink thread, while setting up or from a
 * completion.  0 or the verbs error. */
int rc_sender_post_recv(struct sender_conn *c, unsigned i);

/* Held blocks are let go and counted as not delivered; under mu. */
void rc_sender_drop_held(struct sender *s);

/*
 * Sink thread, mu not held.  The queue is read without mu and each batch
 * of completions accounted under it.  With @ret, the last batch's critical
 * section also sends held blocks and notes whether the connection broke,
 * so that a wake-up usually takes mu once.  Returns the completions seen.
 */
int rc_sender_poll_cq(struct sender *s, struct cq_pass *ret);

#endif /* RC_HAVE_RDMA */

#endif
