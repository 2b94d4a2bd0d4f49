/* SPDX-License-Identifier: MIT */
/*
 * The verbs and rdma_cm set-up that both ends of RDMA forwarding share:
 * the sender (sender_conn.c) and the collector (collector.c) each run one
 * RC queue pair per connection, made and unmade the same way.
 *
 * Owns, per connection (struct rc_verbs): the protection domain, the
 * completion channel (non-blocking, so a thread can poll() its fd with
 * others), one completion queue (armed) for sends and receives, and the
 * queue pair on the connection's rdma_cm id.  The memory regions, the id
 * and the memory behind the regions stay the caller's.
 *
 * Order, the one that keeps in-flight requests safe (src/README.md, the
 * lease model): make pd → channel → cq → queue pair, register memory;
 * unmake queue pair (after the caller moved it to error and drained it, if
 * it had requests in flight) → deregister memory → cq → channel → pd →
 * id → only then free the memory.  rc_verbs_destroy_qp() and
 * rc_verbs_close() are the two halves around the caller's
 * deregistrations.
 *
 * Threads: none of its own; each connection is used by one thread at a
 * time (the sender's connection thread, the collector's loop).  Library
 * code: returns -errno, never logs; the caller names the step in its
 * message.
 *
 * Only built with RC_HAVE_RDMA.
 */
#ifndef RC_RDMA_VERBS_H
#define RC_RDMA_VERBS_H

#ifdef RC_HAVE_RDMA

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

struct rc_verbs {
	struct ibv_pd *pd;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
	bool qp;                 /* a queue pair exists on the id */
};

/* What a connection's queue pair is sized for. */
struct rc_verbs_caps {
	unsigned cq_depth;       /* completions: sends and receives together */
	unsigned send_wr, recv_wr;
	unsigned send_sge;       /* gather entries per send (receives: 1) */
	unsigned inline_data;    /* bytes a send may carry inline */
};

/* Protection domain, completion channel and queue on @id's device.
 * -errno; what was made is left for rc_verbs_close(). */
int rc_verbs_open(struct rc_verbs *v, struct rdma_cm_id *id, unsigned cq_depth);

/* The RC queue pair on @id, both directions on v->cq.  -errno. */
int rc_verbs_create_qp(struct rc_verbs *v, struct rdma_cm_id *id,
		       const struct rc_verbs_caps *caps);

/* The queue pair goes; from then on no request reads or writes registered
 * memory, which may be deregistered.  Harmless when there is none. */
void rc_verbs_destroy_qp(struct rc_verbs *v, struct rdma_cm_id *id);

/* Completion queue, channel and domain go (after every deregistration);
 * *@v is zeroed.  Harmless on a zeroed one. */
void rc_verbs_close(struct rc_verbs *v);

/* Take and acknowledge the channel's events and re-arm the queue: call
 * when the channel's fd polls readable, before polling the queue. */
void rc_verbs_rearm(struct rc_verbs *v);

/* Gather entries a send may carry on @id's device: at most @limit, at
 * least 1. */
unsigned rc_verbs_max_sge(struct rdma_cm_id *id, unsigned limit);

/* rdma_cm's event channel, non-blocking.  -errno and a message. */
int rc_rdma_cm_open(struct rdma_event_channel **ret, char *err, size_t errlen);

/* Copy the private data of a connection event (at most @len bytes) before
 * it is acknowledged; returns the bytes copied, 0 when there were none. */
size_t rc_rdma_cm_private(const struct rdma_cm_event *ev, void *buf, size_t len);

/* The address of @host:@port (@host NULL: any, for listening).  -EINVAL
 * with getaddrinfo's reason in *@ret_why. */
int rc_rdma_resolve(const char *host, const char *port, bool passive,
		    struct sockaddr_storage *ret, const char **ret_why);

#endif /* RC_HAVE_RDMA */

#endif
