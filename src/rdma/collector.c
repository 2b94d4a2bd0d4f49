// SPDX-License-Identifier: MIT
/*
 * The RDMA collector, the receiving end of forwarding; see collector.h for
 * the contract and wire.h for the protocol.
 *
 * Owns: the listening rdma_cm id and its event channel, up to MAX_CONNS
 * connections (struct rconn), the one pcap sink every connection writes
 * to (made with the first connection's link type), and a scratch array of
 * frame views.  Per connection: a ring of `slots` slots (the sender's
 * block size each) registered for local and remote write, one receive
 * posted per slot (an RDMA WRITE WITH IMMEDIATE consumes one and says
 * which block arrived), the verbs resources (verbs.h, the same set-up as
 * the sender's), and a small send queue for credit messages.
 *
 * Invariants:
 *   - a block is walked and written to the pcap file before its slot is
 *     credited back, so a slot is never overwritten while it is read;
 *   - at most CREDIT_WINDOW credit messages are in flight, fewer than the
 *     receives the sender keeps posted (wire.h), counted by the signalled
 *     sends' completions (sends_done); a credit that does not fit waits
 *     (credit_due) and goes when one completes;
 *   - a connection whose queue pair reports an error, or whose receive or
 *     credit cannot be posted, is dropped; the others go on.
 *
 * Thread: the caller's, only; no locks.  Connections are dropped (freed)
 * inside the loop, so the loop compares its saved pointers with conns[]
 * and never dereferences a stale one.
 */
#include "collector.h"

#ifndef RC_HAVE_RDMA

#include <errno.h>
#include <stdio.h>

int rc_collector_new(const char *listen, const struct rc_pcap_conf *out,
		     struct rc_collector **ret, char *err, size_t errlen)
{
	(void)listen;
	(void)out;
	(void)ret;
	snprintf(err, errlen, "this ringcap was built without RDMA support "
		 "(make deps: libibverbs-dev librdmacm-dev)");
	return -EPROTONOSUPPORT;
}

int rc_collector_run(struct rc_collector *c, int stop_fd, struct rc_events *events,
		     char *err, size_t errlen)
{
	(void)c;
	(void)stop_fd;
	(void)events;
	(void)err;
	(void)errlen;
	return -EPROTONOSUPPORT;
}

void rc_collector_stats(struct rc_collector *c, struct rc_collector_stats *ret)
{
	(void)c;
	(void)ret;
}

void rc_collector_free(struct rc_collector *c)
{
	(void)c;
}

#else

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../capture/lease.h"
#include "../capture/tpv3.h"
#include "../common/clock.h"
#include "../common/cleanup.h"
#include "../common/counter.h"
#include "../sink/file.h"
#include "verbs.h"
#include "wire.h"

#define MAX_CONNS 64
#define SEND_DEPTH 64
#define SIGNAL_EVERY 16
/* Credit messages in flight at most.  Each one uses a receive the sender
 * keeps posted (RC_RDMA_CREDIT_RECVS of them); a sender whose thread falls
 * behind re-posts them late, so more would pile up here until the send
 * queue is full.  Credits are cumulative: one sent later says all. */
#define CREDIT_WINDOW 8
_Static_assert(CREDIT_WINDOW <= RC_RDMA_CREDIT_RECVS, "more credits in flight than receives");
#define MAX_RING_BYTES (1ULL << 30)  /* per connection */

struct rconn {
	struct rdma_cm_id *id;
	struct rc_verbs v;           /* pd, channel, cq, queue pair (verbs.h) */
	struct ibv_mr *mr;
	uint8_t *ring;
	size_t ring_len;
	uint32_t nslots, slot_size, snaplen, worker;
	uint64_t expect;        /* next sequence number */
	uint64_t consumed;
	uint64_t sends;              /* credit messages posted */
	uint64_t sends_done;         /* ...of which the sender has taken */
	bool credit_due;             /* consumed moved on, not sent yet */
	bool up;
	struct rc_rdma_credit credit;
	char peer[INET6_ADDRSTRLEN + 8];
};

struct rc_collector {
	struct rc_pcap_conf out;
	struct rdma_event_channel *ech;
	struct rdma_cm_id *lid;
	struct rconn *conns[MAX_CONNS];
	struct rc_sink *sink;
	int dlt;
	struct rc_frame *views;
	unsigned max_views;
	struct rc_lease lease;      /* the pcap sink is synchronous: a formality */
	struct rc_lease_owner owner;
	struct rc_events *events;  /* what to tell the user, drained by the caller */
	struct rc_collector_stats st;
};

static void no_release(struct rc_lease_owner *o, struct rc_lease *l)
{
	(void)o;
	(void)l;
}

static void say(struct rc_collector *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct rc_collector *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc_events_vpost(c->events, RC_LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* The order of verbs.h: queue pair, registration, verbs, ring, id.  A
 * connection whose id is still needed (to refuse it) has k->id NULL and
 * its queue pair already gone. */
static void rconn_free(struct rconn *k)
{
	if (!k)
		return;
	if (k->id)
		rc_verbs_destroy_qp(&k->v, k->id);
	if (k->mr)
		ibv_dereg_mr(k->mr);
	rc_verbs_close(&k->v);
	if (k->ring)
		munmap(k->ring, k->ring_len);
	if (k->id)
		rdma_destroy_id(k->id);
	free(k);
}

static void rconn_freep(struct rconn **k)
{
	rconn_free(*k);
}

static void conn_free(struct rc_collector *c, struct rconn *k)
{
	if (k && k->up)
		RC_COUNTER_SET(c->st.active, c->st.active - 1);
	rconn_free(k);
}

static void conn_drop(struct rc_collector *c, struct rconn *k, const char *why)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (c->conns[i] == k)
			c->conns[i] = NULL;
	if (k->up)
		say(c, "%s (worker %u) %s after %" PRIu64 " blocks", k->peer, k->worker, why,
		    k->expect);
	conn_free(c, k);
}

static int post_recv(struct rconn *k, uint32_t i)
{
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = NULL, .num_sge = 0 }, *bad;

	return ibv_post_recv(k->id->qp, &wr, &bad);
}

static int send_credit(struct rconn *k)
{
	struct ibv_sge sge = { .addr = (uintptr_t)&k->credit, .length = sizeof(k->credit) };
	struct ibv_send_wr wr = { 0 }, *bad;

	if (k->sends - k->sends_done >= CREDIT_WINDOW) {
		k->credit_due = true;  /* goes when one of those completes */
		return 0;
	}
	k->credit_due = false;
	k->credit.consumed = htobe64(k->consumed);
	wr.wr_id = k->sends;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_INLINE;
	/* a signalled send now and then lets the send queue recycle entries,
	 * and tells how many the sender has taken: always when the window is
	 * half full, so that a deferred credit is never stuck */
	k->sends++;
	if (k->sends % SIGNAL_EVERY == 0 || k->sends - k->sends_done >= CREDIT_WINDOW / 2)
		wr.send_flags |= IBV_SEND_SIGNALED;
	return ibv_post_send(k->id->qp, &wr, &bad);
}

static void peer_name(struct rdma_cm_id *id, char *buf, size_t len)
{
	struct sockaddr *sa = rdma_get_peer_addr(id);
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof(host));
	snprintf(buf, len, "%s", host);
}

static int open_output(struct rc_collector *c, int dlt, uint32_t snaplen, char *why,
		       size_t whylen)
{
	char err[1024];
	int r;

	if (c->sink)
		return c->dlt == dlt ? 0 : -EPROTO;
	{
		const struct rc_file_iface ifc = { "rdma", "frames forwarded over RDMA by ringcap "
						   "(ringcap rdma-recv)", dlt };
		const struct rc_file_input in = { .ifaces = &ifc, .n_ifaces = 1,
						  .snaplen = snaplen };

		r = rc_file_sink_new(&c->out, &in, &c->sink, err, sizeof(err));
	}
	if (r < 0) {
		snprintf(why, whylen, "%s", err);
		return r;
	}
	c->sink->events = c->events;  /* its changes of state reach the user too */
	c->dlt = dlt;
	return 0;
}

static void reject(struct rc_collector *c, struct rdma_cm_id *id, const char *why)
{
	char peer[INET6_ADDRSTRLEN + 8];

	peer_name(id, peer, sizeof(peer));
	say(c, "refused a connection from %s: %s", peer, why);
	RC_COUNTER_ADD(c->st.rejected, 1);
	rdma_reject(id, NULL, 0);
	rdma_destroy_id(id);
}

/* The slots of a connection whose hello was accepted, and views enough to
 * walk one of them.  -ENOMEM. */
static int conn_ring(struct rc_collector *c, struct rconn *k)
{
	if (c->max_views < k->slot_size / 64 + 1) {
		struct rc_frame *v = reallocarray(c->views, k->slot_size / 64 + 1, sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->views = v;
		c->max_views = k->slot_size / 64 + 1;
	}
	k->ring_len = (size_t)k->nslots * k->slot_size;
	k->ring = mmap(NULL, k->ring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (k->ring == MAP_FAILED) {
		k->ring = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Its verbs (verbs.h), the ring registered for remote write, a receive
 * per slot, and the welcome.  -errno of the step that failed. */
static int conn_verbs(struct rconn *k)
{
	struct rc_verbs_caps caps = {
		.cq_depth = k->nslots + SEND_DEPTH,
		.send_wr = SEND_DEPTH,
		.recv_wr = k->nslots,
		.send_sge = 1,
		.inline_data = sizeof(k->credit),
	};
	struct rc_rdma_welcome w = { 0 };
	struct rdma_conn_param cp = { 0 };
	int r;

	r = rc_verbs_open(&k->v, k->id, caps.cq_depth);
	if (r == 0)
		r = rc_verbs_create_qp(&k->v, k->id, &caps);
	if (r < 0)
		return r;
	k->mr = ibv_reg_mr(k->v.pd, k->ring, k->ring_len,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	if (!k->mr)
		return -errno;
	for (uint32_t i = 0; i < k->nslots; i++)
		if (post_recv(k, i))
			return -errno;
	w.magic = htobe32(RC_RDMA_MAGIC);
	w.version = htobe32(RC_RDMA_VERSION);
	w.addr = htobe64((uintptr_t)k->ring);
	w.rkey = htobe32(k->mr->rkey);
	w.slots = htobe32(k->nslots);
	w.slot_size = htobe32(k->slot_size);
	cp.private_data = &w;
	cp.private_data_len = sizeof(w);
	cp.rnr_retry_count = 7;
	if (rdma_accept(k->id, &cp))
		return -errno;
	return 0;
}

/* A connection request: @id is new and ours to keep or refuse. */
static int accept_conn(struct rc_collector *c, struct rdma_cm_id *id, const void *pd,
		       size_t pdlen, char *err, size_t errlen)
{
	_cleanup_(rconn_freep) struct rconn *k = NULL;
	struct rc_rdma_hello h;
	char why[1024];
	unsigned idx = MAX_CONNS;   /* where in conns[] it goes */
	int r;

	if (!pd || pdlen < sizeof(h)) {
		reject(c, id, "no ringcap hello in the request");
		return 0;
	}
	memcpy(&h, pd, sizeof(h));
	if (!rc_rdma_wire_ours(h.magic, h.version)) {
		reject(c, id, "not a ringcap sender of this version");
		return 0;
	}
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (!c->conns[i]) {
			idx = i;
			break;
		}
	k = calloc(1, sizeof(*k));
	if (!k || idx == MAX_CONNS) {
		reject(c, id, "too many connections");
		return 0;
	}
	/* k->id stays NULL until set-up: until then, refusing it is reject()'s */
	k->nslots = be32toh(h.slots);
	k->slot_size = be32toh(h.slot_size);
	k->snaplen = be32toh(h.snaplen);
	k->worker = be32toh(h.worker);
	peer_name(id, k->peer, sizeof(k->peer));
	if (!k->nslots || k->nslots > RC_RDMA_MAX_SLOTS || k->slot_size < 4096 ||
	    k->slot_size > RC_RDMA_MAX_SLOT ||
	    (uint64_t)k->nslots * k->slot_size > MAX_RING_BYTES) {
		reject(c, id, "slot count or size out of range");
		return 0;
	}
	r = open_output(c, (int)be32toh(h.dlt), k->snaplen, why, sizeof(why));
	if (r == -EPROTO) {
		reject(c, id, "its link type differs from the file's");
		return 0;
	}
	if (r < 0) {
		rdma_reject(id, NULL, 0);
		rdma_destroy_id(id);
		snprintf(err, errlen, "%s", why);
		return r;
	}
	if (conn_ring(c, k) < 0) {
		reject(c, id, "out of memory for its slots");
		return 0;
	}
	k->id = id;
	r = conn_verbs(k);
	if (r < 0) {
		snprintf(why, sizeof(why), "setting up verbs resources failed: %s", strerror(-r));
		/* reject() below still needs the id: free the rest first */
		rc_verbs_destroy_qp(&k->v, id);
		k->id = NULL;
		rconn_free(TAKE_PTR(k));
		reject(c, id, why);
		return 0;
	}
	c->conns[idx] = TAKE_PTR(k);
	return 0;
}

static struct rconn *find(struct rc_collector *c, struct rdma_cm_id *id)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (c->conns[i] && c->conns[i]->id == id)
			return c->conns[i];
	return NULL;
}

static int handle_cm(struct rc_collector *c, char *err, size_t errlen)
{
	struct rdma_cm_event *ev;

	while (!rdma_get_cm_event(c->ech, &ev)) {
		enum rdma_cm_event_type type = ev->event;
		struct rdma_cm_id *id = ev->id;
		struct rconn *k;

		if (type == RDMA_CM_EVENT_CONNECT_REQUEST) {
			uint8_t pd[256];
			size_t len = rc_rdma_cm_private(ev, pd, sizeof(pd));
			int r;

			rdma_ack_cm_event(ev);
			r = accept_conn(c, id, len ? pd : NULL, len, err, errlen);
			if (r < 0)
				return r;
			continue;
		}
		rdma_ack_cm_event(ev);
		k = find(c, id);
		if (!k)
			continue;
		switch (type) {
		case RDMA_CM_EVENT_ESTABLISHED:
			k->up = true;
			RC_COUNTER_ADD(c->st.connections, 1);
			RC_COUNTER_SET(c->st.active, c->st.active + 1);
			say(c, "%s (worker %u) connected: %u slots of %u bytes", k->peer, k->worker,
			    k->nslots, k->slot_size);
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
			conn_drop(c, k, "disconnected");
			break;
		case RDMA_CM_EVENT_TIMEWAIT_EXIT:
			break;
		default:
			conn_drop(c, k, rdma_event_str(type));
			break;
		}
	}
	return 0;
}

/* One block has arrived: write it out and give its slot back.  The credit
 * that tells the sender goes out once per poll (handle_cq): it is a running
 * count.  Returns 1 when the connection was dropped (k is gone), 0, or
 * -errno when the output failed. */
static int deliver(struct rc_collector *c, struct rconn *k, const struct ibv_wc *wc,
		   char *err, size_t errlen)
{
	uint32_t seq32 = be32toh(wc->imm_data);
	uint64_t seq = k->expect + (uint32_t)(seq32 - (uint32_t)k->expect);
	uint8_t *slot = k->ring + (size_t)(seq % k->nslots) * k->slot_size;
	struct rc_batch b = { 0 };
	bool malformed = false;
	uint64_t vlan = 0, bytes = 0;
	unsigned n = 0;

	if (seq != k->expect)
		RC_COUNTER_ADD(c->st.seq_gaps, seq - k->expect);
	k->expect = seq + 1;
	RC_COUNTER_ADD(c->st.blocks, 1);
	if (wc->byte_len >= sizeof(struct tpacket_block_desc) && wc->byte_len <= k->slot_size)
		n = rc_tpv3_block_walk((struct tpacket_block_desc *)slot, wc->byte_len, k->snaplen,
				       c->views, c->max_views, &malformed, &vlan, &bytes);
	else
		malformed = true;
	if (malformed)
		RC_COUNTER_ADD(c->st.malformed, 1);
	if (n) {
		RC_COUNTER_ADD(c->st.frames, n);
		RC_COUNTER_ADD(c->st.bytes, bytes);
		rc_lease_begin(&c->lease, seq);
		b.frames = c->views;
		b.n = n;
		b.lease = &c->lease;
		b.bytes = bytes;
		if (!c->sink->dead && c->sink->ops->write(c->sink, &b) < 0) {
			c->sink->dead = true;
			rc_lease_put(&c->lease); /* every begin is ended, failure or not */
			snprintf(err, errlen, "%s", c->sink->err);
			return -EIO;
		}
		rc_lease_put(&c->lease);
	}
	/* done with the slot: give it back */
	k->consumed++;
	if (post_recv(k, (uint32_t)(seq % k->nslots))) {
		conn_drop(c, k, "failed (posting a receive failed)");
		return 1;
	}
	return 0;
}

static int handle_cq(struct rc_collector *c, struct rconn *k, char *err, size_t errlen)
{
	struct ibv_wc wc[16];
	uint64_t consumed = k->consumed;
	int n;

	rc_verbs_rearm(&k->v);
	while ((n = ibv_poll_cq(k->v.cq, 16, wc)) > 0) {
		for (int i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				/* flushed or failed: the connection is ending */
				char why[128];

				snprintf(why, sizeof(why), "failed (%s)", ibv_wc_status_str(wc[i].status));
				conn_drop(c, k, why);
				return 0;
			}
			if (wc[i].opcode == IBV_WC_SEND) {
				/* RC: every send up to this one has been taken */
				k->sends_done = wc[i].wr_id + 1;
			} else if (wc[i].opcode == IBV_WC_RECV_RDMA_WITH_IMM) {
				int r = deliver(c, k, &wc[i], err, errlen);

				if (r)
					return r < 0 ? r : 0;  /* failed, or k dropped */
			}
		}
	}
	if ((k->consumed != consumed || k->credit_due) && send_credit(k))
		conn_drop(c, k, "failed (posting a credit failed)");
	return 0;
}

static void collector_freep(struct rc_collector **c)
{
	rc_collector_free(*c);
}

int rc_collector_new(const char *listen, const struct rc_pcap_conf *out,
		     struct rc_collector **ret, char *err, size_t errlen)
{
	_cleanup_(collector_freep) struct rc_collector *c = NULL;
	struct sockaddr_storage addr;
	char host[256], port[16];
	const char *why;
	int r;

	r = rc_peer_split(listen, host, sizeof(host), port, sizeof(port), err, errlen);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->out = *out;
	c->owner.release = no_release;
	rc_lease_init(&c->lease, &c->owner, 0);
	if (strcmp(out->path, "-")) {
		/* the file is made with the first connection; refuse a path it
		 * could never be made at now, not then */
		_cleanup_free_ char *dup = strdup(out->path);
		const char *dir = dup ? dirname(dup) : ".";

		if (access(dir, W_OK | X_OK) < 0) {
			r = -errno;
			snprintf(err, errlen, "cannot write files in %s: %s", dir, strerror(-r));
			return r;
		}
	}
	r = rc_rdma_resolve(strcmp(host, "*") ? host : NULL, port, true, &addr, &why);
	if (r < 0) {
		snprintf(err, errlen, "--listen %s: %s", listen, why);
		return r;
	}
	r = rc_rdma_cm_open(&c->ech, err, errlen);
	if (r < 0)
		return r;
	if (rdma_create_id(c->ech, &c->lid, c, RDMA_PS_TCP) ||
	    rdma_bind_addr(c->lid, (struct sockaddr *)&addr) || rdma_listen(c->lid, 16)) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s%s", listen, strerror(-r),
			 r == -EADDRNOTAVAIL || r == -ENODEV
				 ? " (no RDMA device has that address)" : "");
		return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int rc_collector_run(struct rc_collector *c, int stop_fd, struct rc_events *events,
		     char *err, size_t errlen)
{
	uint64_t last_tick = rc_clock_ns(CLOCK_MONOTONIC);

	c->events = events;
	if (c->sink)
		c->sink->events = events;
	for (;;) {
		struct pollfd p[3 + MAX_CONNS];
		struct rconn *who[3 + MAX_CONNS];
		unsigned conn_idx[3 + MAX_CONNS];  /* where in conns[] who[] was */
		unsigned n = 0;
		int r;

		p[n] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
		who[n++] = NULL;
		p[n] = (struct pollfd){ .fd = c->ech->fd, .events = POLLIN };
		who[n++] = NULL;
		p[n] = (struct pollfd){ .fd = events ? rc_events_fd(events) : -1, .events = POLLIN };
		who[n++] = NULL;
		for (unsigned i = 0; i < MAX_CONNS; i++)
			if (c->conns[i] && c->conns[i]->v.ch) {
				p[n] = (struct pollfd){ .fd = c->conns[i]->v.ch->fd, .events = POLLIN };
				conn_idx[n] = i;
				who[n++] = c->conns[i];
			}
		r = poll(p, n, 100);
		if (r < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -errno;
		}
		if (p[0].revents)
			return 0;
		if (p[2].revents)
			return 1;  /* something to tell: the caller drains, and calls again */
		if (p[1].revents) {
			r = handle_cm(c, err, errlen);
			if (r < 0)
				return r;
		}
		for (unsigned i = 3; i < n; i++) {
			/* handle_cm() or an earlier handle_cq() may have dropped
			 * (freed) it: compare, never dereference */
			if (!p[i].revents || c->conns[conn_idx[i]] != who[i])
				continue;
			r = handle_cq(c, who[i], err, errlen);
			if (r < 0)
				return r;
		}
		if (c->sink && rc_clock_ns(CLOCK_MONOTONIC) - last_tick >= 100000000ULL) {
			last_tick = rc_clock_ns(CLOCK_MONOTONIC);
			if (c->sink->ops->tick && c->sink->ops->tick(c->sink, last_tick) < 0) {
				snprintf(err, errlen, "%s", c->sink->err);
				return -EIO;
			}
		}
	}
}

void rc_collector_stats(struct rc_collector *c, struct rc_collector_stats *ret)
{
	*ret = c->st;
	if (c->sink) {
		struct rc_sink_stats s = { 0 };

		c->sink->ops->stats(c->sink, &s);
		ret->written = s.frames;
		ret->lost = s.lost;
		ret->files = s.files;
	}
}

void rc_collector_free(struct rc_collector *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (c->conns[i]) {
			struct rconn *k = c->conns[i];

			c->conns[i] = NULL;
			if (k->up)
				rdma_disconnect(k->id);
			conn_free(c, k);
		}
	if (c->sink) {
		c->sink->ops->close(c->sink);
		c->sink->ops->free(c->sink);
	}
	if (c->lid)
		rdma_destroy_id(c->lid);
	if (c->ech)
		rdma_destroy_event_channel(c->ech);
	free(c->views);
	free(c);
}

#endif /* RC_HAVE_RDMA */
