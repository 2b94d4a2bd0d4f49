// SPDX-License-Identifier: MIT
/*
 * RDMA forwarding sink; see rdma.h and, for the protocol, rdma_wire.h.
 *
 * Two threads touch a sink.  The capture worker calls write(): it posts an
 * RDMA WRITE WITH IMMEDIATE for the block, taking one more reference on the
 * block's lease, or - out of credits, or not connected - counts the frames
 * as not delivered and lets the block go (policy drop), or keeps it leased
 * for later (policy hold, a bounded number of blocks).  The sink's own
 * thread owns the connection: rdma_cm events, completions (each write's
 * completion drops its lease reference; that is what hands the block back
 * to the kernel), credit messages, and reconnecting with backoff.
 *
 * Locking: one mutex, s->mu, taken by the worker once per block (not per
 * frame), by the sink thread, and by stats/notice (the daemon's main
 * thread).  It is only ever held for bookkeeping and for posting, never
 * across anything slow, so that neither the capture worker nor the main
 * thread waits for a connection.  The rule that makes this safe:
 *   - the worker posts (and holds blocks) only with mu held and only on a
 *     connection marked up (c.up, under mu);
 *   - the sink thread marks a connection up, under mu, only once it is
 *     set up, and marks it down, under mu, before it tears anything down.
 * So while a connection is not up, no post is in progress or can start,
 * and its resources (everything in struct conn but the flags and counters
 * read under mu) belong to the sink thread alone: registering the ring,
 * rdma_connect, the queue pair to error, draining completions (up to 2 s),
 * deregistering and destroying all run without mu.  A worker that finds the
 * connection down counts the frames as not delivered and goes on.
 *
 * Zero copy: once connected, the whole capture memory (the TPACKET_V3 ring
 * or the AF_XDP UMEM) is registered with local access only.  Ring blocks
 * are sent from it as they are; UMEM frames go out in gather lists behind
 * block and frame headers built in a staging slot (post_gather).  When the
 * registration fails, or a batch is neither (a -c cut), the frames are
 * copied into a registered staging slot laid out as a TPACKET_V3 block:
 * mode "copy", counted in fwd_copied.
 *
 * Teardown order (DESIGN.md): queue pair to error, drain its completions
 * (each returns its lease), destroy the queue pair, deregister, and only
 * then may the source unmap the ring.  close() waits up to 2 s for writes
 * in flight before tearing down.
 *
 * Test hooks (environment): RINGCAP_RDMA_COPY=1 forwards in copy mode;
 * RINGCAP_RDMA_TEST_SLOW_MS=N makes registering and deregistering the
 * capture memory take N ms longer each, as they do for a ring of many GiB.
 */
#include "rdma.h"

#ifndef RC_HAVE_RDMA

#include <errno.h>
#include <stdio.h>

bool rc_rdma_built(void)
{
	return false;
}

int rc_rdma_sink_new(const struct rc_rdma_conf *conf, struct rc_source *src,
		     unsigned worker, struct rc_sink **ret, char *err, size_t errlen)
{
	(void)conf;
	(void)src;
	(void)worker;
	(void)ret;
	snprintf(err, errlen, "this ringcap was built without RDMA support "
		 "(make deps: libibverbs-dev librdmacm-dev)");
	return -EPROTONOSUPPORT;
}

#else

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "../capture/tpv3.h"
#include "../common/clock.h"
#include "../common/cleanup.h"
#include "rdma_wire.h"

#define NRECV 16                     /* credit messages in flight */
#define RECV_TAG (1ULL << 63)
#define BACKOFF_MIN_NS (100ULL * 1000000ULL)
#define BACKOFF_MAX_NS (5000ULL * 1000000ULL)
#define CLOSE_WAIT_NS (2000ULL * 1000000ULL)
/* slots for sources without blocks (AF_XDP): a gather write carries at most
 * RC_RDMA_MAX_SGE / 2 frames, so small slots, and many of them for the
 * same memory, buffer more frames */
#define COPY_SLOT_DEFAULT (64u << 10)
#define RC_RDMA_MAX_SGE 32

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

struct conn {
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
	struct ibv_mr *ring_mr, *stage_mr, *credit_mr;
	bool qp, up, broken;     /* up, broken: under mu (see Locking above) */
	int post_err;            /* the worker's failed post (errno), under mu */
	unsigned max_sge;        /* gather entries a write may use */
	uint64_t raddr;
	uint32_t rkey, slots;
	uint64_t posted, completed, consumed;
	struct rc_rdma_credit credit_buf[NRECV];
};

struct rdma_sink {
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
	struct conn c;
	bool ever_up;
	struct inflight *fl;     /* slots entries, by seq % slots */
	struct held *hold;       /* hold_max entries, a FIFO */
	unsigned hold_n, hold_head;
	uint64_t next_attempt_ns, backoff_ns;
	char reason[600];        /* why the last connection attempt ended */
	char notice[1024];
	uint64_t notice_gen;     /* changes of notice[] so far */
	uint64_t notice_seen;    /* ...of which rdma_notice() has handed out */
	struct rc_sink_stats st;
};

static inline uint64_t now_ns(void)
{
	return rc_clock_ns(CLOCK_MONOTONIC);
}

__attribute__((format(printf, 2, 3)))
static void set_notice(struct rdma_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->notice, sizeof(s->notice), fmt, ap);
	va_end(ap);
	s->notice_gen++;
}

static bool has_credit(const struct rdma_sink *s)
{
	const struct conn *c = &s->c;

	return c->up && !c->broken && c->posted - c->consumed < c->slots &&
	       c->posted - c->completed < c->slots;
}

static void lost(struct rdma_sink *s, uint32_t frames)
{
	s->st.fwd_lost += frames;
}

/* the RINGCAP_RDMA_TEST_SLOW_MS hook: a slow (de)registration */
static void test_slow(const struct rdma_sink *s)
{
	struct timespec ts = { (time_t)(s->test_slow_ns / 1000000000ULL),
			       (long)(s->test_slow_ns % 1000000000ULL) };

	while (s->test_slow_ns && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- posting (worker thread, or the sink thread for held blocks) ---- */

/* One write of @len bytes gathered from @sge[0..nsge) into the next slot;
 * @lease (if any) is held until it completes. */
static int post_sges(struct rdma_sink *s, struct ibv_sge *sge, unsigned nsge, uint32_t len,
		     struct rc_lease *lease, uint32_t frames, uint64_t bytes)
{
	struct conn *c = &s->c;
	uint64_t seq = c->posted;
	uint32_t slot = (uint32_t)(seq % c->slots);
	struct ibv_send_wr wr = { 0 }, *bad = NULL;
	int r;

	wr.wr_id = seq;
	wr.sg_list = sge;
	wr.num_sge = (int)nsge;
	wr.opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.imm_data = htobe32((uint32_t)seq);
	wr.wr.rdma.remote_addr = c->raddr + (uint64_t)slot * s->slot_size;
	wr.wr.rdma.rkey = c->rkey;
	if (lease)
		rc_lease_get(lease);
	s->fl[slot] = (struct inflight){ lease, frames, bytes };
	r = ibv_post_send(c->id->qp, &wr, &bad);
	if (r) {
		s->fl[slot] = (struct inflight){ 0 };
		if (lease)
			rc_lease_put(lease);
		/* the sink thread tears down; s->reason is its own */
		c->post_err = r;
		c->broken = true;
		return -r;
	}
	c->posted++;
	s->st.fwd_wire_bytes += len;
	return 0;
}

static int post_write(struct rdma_sink *s, const void *addr, uint32_t len, uint32_t lkey,
		      struct rc_lease *lease, uint32_t frames, uint64_t bytes)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };

	return post_sges(s, &sge, 1, len, lease, frames, bytes);
}

/*
 * Frames that sit in registered memory but not as one kernel block (AF_XDP
 * UMEM frames): no copy either.  Each write is a gather list that lays out
 * a TPACKET_V3 block at the collector: the block header and each frame's
 * tpacket3 header (built in the slot's part of the staging buffer, with the
 * previous frame's alignment padding in front) alternate with the frames
 * themselves, straight from the UMEM.  Up to max_sge / 2 frames a write.
 */
static void post_gather(struct rdma_sink *s, const struct rc_batch *b)
{
	const uint32_t hl = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	const uint32_t bl = TPACKET_ALIGN(sizeof(struct tpacket_block_desc));
	unsigned done = 0, per = s->c.max_sge / 2;

	while (done < b->n) {
		struct conn *c = &s->c;
		struct ibv_sge sge[RC_RDMA_MAX_SGE];
		uint8_t *h = s->stage + (size_t)(c->posted % c->slots) * s->slot_size;
		uint8_t *p = h + bl;  /* the first header goes right after the block's */
		struct tpacket_block_desc *bd = (struct tpacket_block_desc *)h;
		uint8_t *prev = NULL;     /* the previous frame's header, maybe unaligned */
		uint32_t off = bl, prev_off = 0, len = 0, pad = 0;
		uint64_t bytes = 0;
		unsigned k = 0, nsge = 0;

		if (!has_credit(s)) {
			s->st.fwd_no_credit++;
			break;
		}
		sge[nsge++] = (struct ibv_sge){ (uintptr_t)h, bl, c->stage_mr->lkey };
		while (done + k < b->n && k < per) {
			const struct rc_frame *f = &b->frames[done + k];
			uint8_t *piece = p;
			struct tpacket3_hdr th;

			if (off + hl + f->h.caplen > s->slot_size)
				break;
			/* the previous frame's padding, then this frame's header; the
			 * pieces are packed here, so the header is copied in */
			rc_tpv3_frame_hdr(&th, f);
			memset(piece, 0, pad + hl);
			memcpy(piece + pad, &th, sizeof(th));
			if (k == 0)
				sge[0].length = bl + hl;  /* the block header and the first */
			else
				sge[nsge++] = (struct ibv_sge){ (uintptr_t)piece, pad + hl,
								c->stage_mr->lkey };
			sge[nsge++] = (struct ibv_sge){ (uintptr_t)f->data, f->h.caplen,
							c->ring_mr->lkey };
			if (prev) {
				uint32_t next = off - prev_off;

				memcpy(prev + offsetof(struct tpacket3_hdr, tp_next_offset), &next,
				       sizeof(next));
			}
			prev = piece + pad;
			prev_off = off;
			len = off + hl + f->h.caplen;
			p = piece + pad + hl;
			pad = TPACKET_ALIGN(f->h.caplen) - f->h.caplen;
			off += hl + TPACKET_ALIGN(f->h.caplen);
			bytes += f->h.len;
			k++;
		}
		if (!k) {
			lost(s, 1);  /* larger than a slot */
			done++;
			continue;
		}
		rc_tpv3_block_hdr(bd, c->posted, b->frames + done, k, len);
		if (post_sges(s, sge, nsge, len, b->lease, k, bytes) < 0)
			break;
		done += k;
	}
	if (done < b->n)
		lost(s, b->n - done);
}

/* Frames that are not one whole kernel block: copy them into staging
 * slots laid out as blocks, as many blocks as credits allow. */
static void post_copy(struct rdma_sink *s, const struct rc_batch *b)
{
	unsigned done = 0;

	while (done < b->n) {
		struct conn *c = &s->c;
		uint8_t *slot;
		uint32_t len;
		uint64_t bytes = 0;
		unsigned k;

		if (!has_credit(s)) {
			s->st.fwd_no_credit++;
			break;
		}
		slot = s->stage + (size_t)(c->posted % c->slots) * s->slot_size;
		k = rc_tpv3_block_build(slot, s->slot_size, c->posted, b->frames + done,
					b->n - done, &len, &bytes);
		if (!k) {
			/* one frame larger than a slot: cannot be forwarded */
			lost(s, 1);
			done++;
			continue;
		}
		if (post_write(s, slot, len, c->stage_mr->lkey, NULL, k, bytes) < 0)
			break;
		s->st.fwd_copied += len;
		done += k;
	}
	if (done < b->n)
		lost(s, b->n - done);
}

/* @raw: the batch as one whole block of the registered ring, or NULL */
static void post_batch(struct rdma_sink *s, const struct rc_batch *b, const void *raw,
		       uint32_t raw_len)
{
	if (!raw && s->c.ring_mr && s->c.max_sge >= 2)
		post_gather(s, b);
	else if (!raw || !s->c.ring_mr)
		post_copy(s, b);
	else if (post_write(s, raw, raw_len, s->c.ring_mr->lkey, b->lease, b->n, b->bytes) < 0)
		lost(s, b->n);
}

static void drop_held(struct rdma_sink *s)
{
	while (s->hold_n) {
		struct held *h = &s->hold[s->hold_head];

		lost(s, h->frames);
		rc_lease_put(h->lease);
		s->hold_head = (s->hold_head + 1) % s->hold_max;
		s->hold_n--;
	}
}

static void post_held(struct rdma_sink *s)
{
	while (s->hold_n && has_credit(s)) {
		struct held *h = &s->hold[s->hold_head];

		if (post_write(s, h->raw, h->len, s->c.ring_mr->lkey, h->lease, h->frames,
			       h->bytes) < 0)
			lost(s, h->frames);
		rc_lease_put(h->lease);  /* the hold's own reference */
		s->hold_head = (s->hold_head + 1) % s->hold_max;
		s->hold_n--;
	}
}

static int rdma_write(struct rc_sink *sink, const struct rc_batch *b)
{
	struct rdma_sink *s = (struct rdma_sink *)sink;
	struct rc_export x = { 0 };
	bool broken;

	/* a source with blocks says whether this batch is still one whole
	 * block (not when a -c count cut it short) */
	if (s->unit_size)
		rc_source_export(s->src, b, &x);
	pthread_mutex_lock(&s->mu);
	if (!s->c.up || s->c.broken) {
		lost(s, b->n);
		goto out;
	}
	post_held(s);
	if (!s->hold_n && has_credit(s)) {
		post_batch(s, b, x.unit, x.unit_len);
	} else if (s->policy == RC_RDMA_HOLD && x.unit && s->c.ring_mr &&
		   s->hold_n < s->hold_max) {
		struct held *h = &s->hold[(s->hold_head + s->hold_n) % s->hold_max];

		rc_lease_get(b->lease);
		*h = (struct held){ b->lease, x.unit, x.unit_len, b->n, b->bytes };
		s->hold_n++;
		s->st.fwd_held++;
	} else {
		s->st.fwd_no_credit++;
		lost(s, b->n);
	}
out:
	broken = s->c.up && s->c.broken;
	pthread_mutex_unlock(&s->mu);
	if (broken) {
		uint64_t one = 1;

		if (write(s->wake_fd, &one, sizeof(one)) < 0) {
			/* the thread looks at the connection every 100 ms anyway */
		}
	}
	return 0;
}

/* ---- completions (sink thread, or teardown) ---- */

static int post_recv(struct conn *c, unsigned i)
{
	struct ibv_sge sge = { .addr = (uintptr_t)&c->credit_buf[i],
			       .length = sizeof(c->credit_buf[i]), .lkey = c->credit_mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = RECV_TAG | i, .sg_list = &sge, .num_sge = 1 }, *bad;

	return ibv_post_recv(c->id->qp, &wr, &bad);
}

/* With mu held, like everything that reads or changes c.posted, c.completed,
 * c.consumed, fl[] and the stats while the worker may post. */
static void handle_wc(struct rdma_sink *s, const struct ibv_wc *wc)
{
	struct conn *c = &s->c;

	if (wc->wr_id & RECV_TAG) {
		unsigned i = (unsigned)(wc->wr_id & ~RECV_TAG);

		if (wc->status != IBV_WC_SUCCESS || i >= NRECV)
			return;
		if (wc->byte_len >= sizeof(struct rc_rdma_credit)) {
			uint64_t v = be64toh(c->credit_buf[i].consumed);

			/* blocks count as delivered when the collector says it
			 * has written them, not when the write completes */
			for (; c->consumed < v && c->consumed < c->posted; c->consumed++) {
				struct inflight *f = &s->fl[c->consumed % c->slots];

				s->st.fwd_blocks++;
				s->st.fwd_frames += f->frames;
				s->st.fwd_bytes += f->bytes;
				f->frames = 0;
				f->bytes = 0;
			}
		}
		if (post_recv(c, i)) {
			snprintf(s->reason, sizeof(s->reason), "re-posting a receive failed");
			c->broken = true;
		}
		return;
	}
	{
		/* the write is done with the capture memory: the lease goes */
		struct inflight *f = &s->fl[wc->wr_id % c->slots];

		if (wc->status != IBV_WC_SUCCESS && wc->status != IBV_WC_WR_FLUSH_ERR &&
		    !c->broken) {
			snprintf(s->reason, sizeof(s->reason), "a write failed: %s",
				 ibv_wc_status_str(wc->status));
			c->broken = true;
		}
		if (f->lease)
			rc_lease_put(f->lease);
		f->lease = NULL;
		c->completed++;
	}
}

/* What the sink thread learns from the connection after its completions */
struct cq_pass {
	bool broken;
	int post_err;            /* c.post_err: the worker's failed post */
};

/*
 * Sink thread, mu not held.  The queue is read without mu and each batch
 * of completions accounted under it.  With @ret, the last batch's critical
 * section also sends held blocks and notes whether the connection broke,
 * so that a wake-up usually takes mu once.  Returns the completions seen.
 */
static int poll_cq(struct rdma_sink *s, struct cq_pass *ret)
{
	struct ibv_wc wc[32];
	int n, total = 0;

	do {
		n = ibv_poll_cq(s->c.cq, 32, wc);
		if (n <= 0 && !ret)
			break;
		pthread_mutex_lock(&s->mu);
		for (int i = 0; i < n; i++)
			handle_wc(s, &wc[i]);
		if (n > 0)
			pthread_cond_broadcast(&s->cv);
		if (n < 32 && ret) {
			post_held(s);
			ret->broken = s->c.broken;
			ret->post_err = s->c.post_err;
		}
		pthread_mutex_unlock(&s->mu);
		total += n > 0 ? n : 0;
	} while (n == 32);
	return total;
}

/* ---- connection set-up and teardown (sink thread, mu not held) ---- */

/*
 * Take the connection down and free it.  Under mu, briefly: mark it down
 * (from then on the worker neither posts nor holds blocks; none is posting
 * now, since posts happen under mu) and let the held blocks go.  Then,
 * without mu, the slow part in DESIGN.md's order: queue pair to error,
 * drain its completions (each returns its lease; up to 2 s), destroy it,
 * deregister, destroy the rest.  Returns whether it was up.
 */
static bool teardown(struct rdma_sink *s)
{
	struct conn *c = &s->c;
	bool was_up;

	pthread_mutex_lock(&s->mu);
	was_up = c->up;
	c->up = false;
	drop_held(s);
	pthread_mutex_unlock(&s->mu);

	if (c->id && c->qp) {
		struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };
		uint64_t deadline = now_ns() + 2000000000ULL;

		if (was_up)
			rdma_disconnect(c->id);
		ibv_modify_qp(c->id->qp, &a, IBV_QP_STATE);
		/* every posted write completes, flushed if not done; only this
		 * thread changes c->completed now, and nobody c->posted */
		while (c->completed < c->posted && now_ns() < deadline) {
			if (!poll_cq(s, NULL)) {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
			}
		}
		rdma_destroy_qp(c->id);
		c->qp = false;
		/* The queue pair is gone, nothing reads the memory any more.
		 * What the collector did not confirm was not delivered. */
		pthread_mutex_lock(&s->mu);
		for (uint64_t q = RC_MIN(c->completed, c->consumed); q < c->posted; q++) {
			struct inflight *f = &s->fl[q % c->slots];

			if (q >= c->consumed)
				lost(s, f->frames);
			if (f->lease)
				rc_lease_put(f->lease);
			*f = (struct inflight){ 0 };
		}
		c->completed = c->consumed = c->posted;
		pthread_mutex_unlock(&s->mu);
	}
	if (c->ring_mr) {
		test_slow(s);
		ibv_dereg_mr(c->ring_mr);
	}
	if (c->stage_mr)
		ibv_dereg_mr(c->stage_mr);
	if (c->credit_mr)
		ibv_dereg_mr(c->credit_mr);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->ch)
		ibv_destroy_comp_channel(c->ch);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->id)
		rdma_destroy_id(c->id);
	pthread_mutex_lock(&s->mu);
	memset(c, 0, sizeof(*c));
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return was_up;
}

/* The attempt ended (or never got going): tear down, try again later. */
static void conn_failed(struct rdma_sink *s, const char *why)
{
	bool was_up;

	if (why && why != s->reason)
		snprintf(s->reason, sizeof(s->reason), "%s", why);
	was_up = teardown(s);
	s->next_attempt_ns = now_ns() + s->backoff_ns;
	pthread_mutex_lock(&s->mu);
	if (was_up || !s->notice_gen || !strstr(s->notice, s->reason))
		set_notice(s, "worker %u: not forwarding to %s: %s; retrying every %llu ms at most",
			   s->worker, s->peer, s->reason, (unsigned long long)(BACKOFF_MAX_NS / 1000000));
	pthread_mutex_unlock(&s->mu);
	s->backoff_ns = RC_MIN(s->backoff_ns * 2, BACKOFF_MAX_NS);
}

static void start_connect(struct rdma_sink *s)
{
	struct conn *c = &s->c;

	if (rdma_create_id(s->ech, &c->id, s, RDMA_PS_TCP)) {
		snprintf(s->reason, sizeof(s->reason), "rdma_create_id: %s", strerror(errno));
		conn_failed(s, s->reason);
		return;
	}
	if (rdma_resolve_addr(c->id, NULL, (struct sockaddr *)&s->addr, 2000)) {
		snprintf(s->reason, sizeof(s->reason), "resolving %s: %s", s->host, strerror(errno));
		conn_failed(s, s->reason);
	}
}

static int setup_qp(struct rdma_sink *s)
{
	struct conn *c = &s->c;
	struct ibv_qp_init_attr qa = { 0 };
	struct rdma_conn_param cp = { 0 };
	struct rc_rdma_hello hello = {
		.magic = htobe32(RC_RDMA_MAGIC), .version = htobe32(RC_RDMA_VERSION),
		.slot_size = htobe32(s->slot_size), .slots = htobe32(s->slots),
		.dlt = htobe32(s->dlt), .snaplen = htobe32(s->snaplen), .worker = htobe32(s->worker),
	};
	const char *dev = ibv_get_device_name(c->id->verbs->device);

	if (s->device[0] && strcmp(dev, s->device)) {
		snprintf(s->reason, sizeof(s->reason), "%s is reached through RDMA device %s, not %s",
			 s->host, dev, s->device);
		return -ENODEV;
	}
	if (!(c->pd = ibv_alloc_pd(c->id->verbs)) ||
	    !(c->ch = ibv_create_comp_channel(c->id->verbs)) ||
	    !(c->cq = ibv_create_cq(c->id->verbs, (int)(s->slots + NRECV + 8), NULL, c->ch, 0))) {
		snprintf(s->reason, sizeof(s->reason), "allocating verbs resources on %s: %s", dev,
			 strerror(errno));
		return -ENOMEM;
	}
	fcntl(c->ch->fd, F_SETFL, fcntl(c->ch->fd, F_GETFL) | O_NONBLOCK);
	ibv_req_notify_cq(c->cq, 0);
	qa.send_cq = qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = s->slots + 4;
	qa.cap.max_recv_wr = NRECV;
	{
		struct ibv_device_attr da;

		c->max_sge = 1;
		if (!ibv_query_device(c->id->verbs, &da) && da.max_sge > 1)
			c->max_sge = (unsigned)RC_MIN(da.max_sge, RC_RDMA_MAX_SGE);
	}
	qa.cap.max_send_sge = c->max_sge;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->id, c->pd, &qa)) {
		snprintf(s->reason, sizeof(s->reason), "creating a queue pair on %s: %s", dev,
			 strerror(errno));
		return -errno;
	}
	c->qp = true;
	/* local access only: the collector never reads or writes it.
	 * RINGCAP_RDMA_COPY=1 skips it, to exercise copy mode. */
	if (s->mem && !s->force_copy)
		test_slow(s);
	c->ring_mr = s->mem && !s->force_copy ? ibv_reg_mr(c->pd, s->mem, s->mem_len, 0) : NULL;
	if (!c->ring_mr && s->mem && !s->force_copy && !s->notice_gen) {
		int e = errno;

		pthread_mutex_lock(&s->mu);
		set_notice(s, "worker %u: registering the capture ring (%zu bytes) failed: %s; "
			   "forwarding in copy mode", s->worker, s->mem_len, strerror(e));
		pthread_mutex_unlock(&s->mu);
	}
	c->stage_mr = ibv_reg_mr(c->pd, s->stage, s->stage_len, 0);
	c->credit_mr = ibv_reg_mr(c->pd, c->credit_buf, sizeof(c->credit_buf),
				  IBV_ACCESS_LOCAL_WRITE);
	if (!c->stage_mr || !c->credit_mr) {
		snprintf(s->reason, sizeof(s->reason), "registering buffers on %s: %s", dev,
			 strerror(errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < NRECV; i++)
		if (post_recv(c, i)) {
			snprintf(s->reason, sizeof(s->reason), "posting receives failed");
			return -EIO;
		}
	cp.private_data = &hello;
	cp.private_data_len = sizeof(hello);
	cp.retry_count = 7;
	cp.rnr_retry_count = 7;
	if (rdma_connect(c->id, &cp)) {
		snprintf(s->reason, sizeof(s->reason), "rdma_connect: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void established(struct rdma_sink *s, const void *pd, size_t len)
{
	struct conn *c = &s->c;
	struct rc_rdma_welcome w;

	if (!pd || len < sizeof(w)) {
		conn_failed(s, "the collector's answer is too short");
		return;
	}
	memcpy(&w, pd, sizeof(w));
	if (be32toh(w.magic) != RC_RDMA_MAGIC || be32toh(w.version) != RC_RDMA_VERSION) {
		conn_failed(s, "the peer is not a ringcap collector of this version");
		return;
	}
	/* its slots are laid out with this stride and counted modulo their
	 * number on both ends: they must be what the hello asked for, or
	 * fewer */
	if (be32toh(w.slot_size) != s->slot_size || !be32toh(w.slots) ||
	    be32toh(w.slots) > s->slots) {
		conn_failed(s, "the collector's slots are not the ones asked for");
		return;
	}
	c->raddr = be64toh(w.addr);
	c->rkey = be32toh(w.rkey);
	c->slots = be32toh(w.slots);
	s->backoff_ns = BACKOFF_MIN_NS;
	/* set up: from here on the worker may post on it */
	pthread_mutex_lock(&s->mu);
	c->up = true;
	if (s->ever_up)
		s->st.fwd_reconnects++;
	s->ever_up = true;
	set_notice(s, "worker %u: forwarding to %s over %s, %u slots of %u bytes, %s", s->worker,
		   s->peer, ibv_get_device_name(c->id->verbs->device), c->slots, s->slot_size,
		   !c->ring_mr ? "mode: copy"
		   : s->unit_size ? "zero-copy from the capture ring"
				  : "zero-copy from the UMEM (gather lists)");
	pthread_mutex_unlock(&s->mu);
}

static void handle_cm(struct rdma_sink *s)
{
	struct rdma_cm_event *ev;

	while (!rdma_get_cm_event(s->ech, &ev)) {
		enum rdma_cm_event_type type = ev->event;
		int status = ev->status;
		struct rc_rdma_welcome w;
		size_t wlen = 0;
		bool ours = ev->id == s->c.id;

		/* param.conn is meaningful for ESTABLISHED only here */
		if (type == RDMA_CM_EVENT_ESTABLISHED && ev->param.conn.private_data) {
			wlen = RC_MIN((size_t)ev->param.conn.private_data_len, sizeof(w));
			memcpy(&w, ev->param.conn.private_data, wlen);
		}
		rdma_ack_cm_event(ev);
		if (!ours)
			continue;  /* from a connection already torn down */
		switch (type) {
		case RDMA_CM_EVENT_ADDR_RESOLVED:
			if (rdma_resolve_route(s->c.id, 2000)) {
				snprintf(s->reason, sizeof(s->reason), "resolving a route: %s",
					 strerror(errno));
				conn_failed(s, s->reason);
			}
			break;
		case RDMA_CM_EVENT_ROUTE_RESOLVED:
			if (setup_qp(s) < 0)
				conn_failed(s, s->reason);
			break;
		case RDMA_CM_EVENT_ESTABLISHED:
			established(s, wlen ? &w : NULL, wlen);
			break;
		case RDMA_CM_EVENT_REJECTED:
			snprintf(s->reason, sizeof(s->reason),
				 "connection refused (no collector listening, or it said no; status %d)",
				 status);
			conn_failed(s, s->reason);
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
			conn_failed(s, "the collector went away");
			break;
		case RDMA_CM_EVENT_TIMEWAIT_EXIT:
			break;
		default:
			snprintf(s->reason, sizeof(s->reason), "%s (status %d)",
				 rdma_event_str(type), status);
			conn_failed(s, s->reason);
			break;
		}
	}
}

static void handle_cq(struct rdma_sink *s, struct cq_pass *ret)
{
	struct ibv_cq *cq;
	void *ctx;

	while (!ibv_get_cq_event(s->c.ch, &cq, &ctx)) {
		ibv_ack_cq_events(cq, 1);
		ibv_req_notify_cq(cq, 0);
	}
	poll_cq(s, ret);
}

static void *sink_thread(void *arg)
{
	struct rdma_sink *s = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = s->ech->fd, .events = POLLIN },
			{ .fd = s->wake_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		uint64_t now, v;
		int timeout = 100;

		/* the connection's resources are this thread's own: no lock */
		if (s->c.ch)
			p[2].fd = s->c.ch->fd;
		now = now_ns();
		if (!s->c.id && s->next_attempt_ns > now)
			timeout = (int)RC_MIN((s->next_attempt_ns - now) / 1000000 + 1, 100);

		poll(p, 3, timeout);
		if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
			break;
		if (p[1].revents && read(s->wake_fd, &v, sizeof(v)) < 0) {
			/* nothing to read: fine */
		}
		handle_cm(s);
		if (s->c.cq) {
			struct cq_pass cp = { 0 };

			handle_cq(s, &cp);
			/* a write error or a stuck queue pair: start over */
			if (cp.broken) {
				if (cp.post_err)
					snprintf(s->reason, sizeof(s->reason),
						 "posting a write failed: %s", strerror(cp.post_err));
				conn_failed(s, s->reason);
			}
		}
		if (!s->c.id && now_ns() >= s->next_attempt_ns)
			start_connect(s);
	}
	teardown(s);
	return NULL;
}

/* ---- ops ---- */

static int rdma_close(struct rc_sink *sink)
{
	struct rdma_sink *s = (struct rdma_sink *)sink;
	uint64_t one = 1, deadline = now_ns() + CLOSE_WAIT_NS;

	/* let what is in flight (and held) arrive */
	pthread_mutex_lock(&s->mu);
	while (s->c.up && !s->c.broken &&
	       (s->c.completed < s->c.posted || s->c.consumed < s->c.posted || s->hold_n) &&
	       now_ns() < deadline) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	if (write(s->wake_fd, &one, sizeof(one)) < 0) {
		/* the thread polls with a timeout */
	}
	if (s->thr_started) {
		pthread_join(s->thr, NULL);
		s->thr_started = false;
	}
	return 0;
}

static void rdma_stats(struct rc_sink *sink, struct rc_sink_stats *ret)
{
	struct rdma_sink *s = (struct rdma_sink *)sink;

	pthread_mutex_lock(&s->mu);
	*ret = s->st;
	ret->fwd_connected = s->c.up && !s->c.broken;
	ret->fwd_zero_copy = ret->fwd_connected && s->c.ring_mr;
	ret->fwd_credits = 0;
	if (ret->fwd_connected) {
		uint64_t a = s->c.slots - (s->c.posted - s->c.consumed);
		uint64_t b = s->c.slots - (s->c.posted - s->c.completed);

		ret->fwd_credits = RC_MIN(a, b);
	}
	pthread_mutex_unlock(&s->mu);
}

static const char *rdma_current(struct rc_sink *sink, char *buf, size_t len)
{
	struct rdma_sink *s = (struct rdma_sink *)sink;

	snprintf(buf, len, "rdma://%s", s->peer);
	return buf;
}

static const char *rdma_notice(struct rc_sink *sink, char *buf, size_t len)
{
	struct rdma_sink *s = (struct rdma_sink *)sink;
	const char *r = NULL;

	pthread_mutex_lock(&s->mu);
	if (s->notice_seen != s->notice_gen) {
		snprintf(buf, len, "%s", s->notice);
		s->notice_seen = s->notice_gen;
		r = buf;
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

static void rdma_free(struct rc_sink *sink)
{
	struct rdma_sink *s = (struct rdma_sink *)sink;

	if (!s)
		return;
	if (s->thr_started)
		rdma_close(sink);
	if (s->ech)
		rdma_destroy_event_channel(s->ech);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->stage)
		munmap(s->stage, s->stage_len);
	free(s->fl);
	free(s->hold);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

static const struct rc_sink_ops rdma_ops = {
	.name = "rdma",
	.write = rdma_write,
	.close = rdma_close,
	.stats = rdma_stats,
	.current = rdma_current,
	.notice = rdma_notice,
	.free = rdma_free,
};

bool rc_rdma_built(void)
{
	return true;
}

static int resolve(struct rdma_sink *s, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	int r;

	r = getaddrinfo(s->host, s->port, &hints, &ai);
	if (r || !ai) {
		snprintf(err, errlen, "RDMA peer %s: %s", s->peer,
			 r ? gai_strerror(r) : "no address");
		return -EINVAL;
	}
	memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

int rc_rdma_sink_new(const struct rc_rdma_conf *conf, struct rc_source *src,
		     unsigned worker, struct rc_sink **ret, char *err, size_t errlen)
{
	struct rdma_sink *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &rdma_ops;
	s->wake_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	snprintf(s->peer, sizeof(s->peer), "%s", conf->peer);
	if (conf->device)
		snprintf(s->device, sizeof(s->device), "%s", conf->device);
	r = rc_peer_split(conf->peer, s->host, sizeof(s->host), s->port, sizeof(s->port), err,
			  errlen);
	if (r < 0)
		goto fail;
	r = resolve(s, err, errlen);
	if (r < 0)
		goto fail;
	s->slots = conf->slots ? conf->slots : RC_RDMA_SLOTS_DEFAULT;
	s->policy = conf->policy;
	s->hold_max = conf->hold_blocks ? conf->hold_blocks : RC_RDMA_HOLD_DEFAULT;
	s->dlt = (uint32_t)src->dlt;
	s->snaplen = src->snaplen;
	s->worker = worker;
	s->src = src;
	{
		struct rc_export x;

		/* no memory to offer: everything goes in copy mode */
		if (rc_source_export(src, NULL, &x) == 0) {
			s->mem = x.mem;
			s->mem_len = x.mem_len;
			s->unit_size = x.unit_max;
		}
	}
	s->force_copy = getenv("RINGCAP_RDMA_COPY") && !strcmp(getenv("RINGCAP_RDMA_COPY"), "1");
	{
		const char *v = getenv("RINGCAP_RDMA_TEST_SLOW_MS");

		s->test_slow_ns = v ? strtoull(v, NULL, 10) * 1000000ULL : 0;
	}
	s->slot_size = s->unit_size ? s->unit_size : COPY_SLOT_DEFAULT;
	if (s->slot_size > RC_RDMA_MAX_SLOT) {
		snprintf(err, errlen, "RDMA forwarding sends whole blocks of at most %u MiB; "
			 "this capture's blocks are %u MiB", RC_RDMA_MAX_SLOT >> 20,
			 s->slot_size >> 20);
		r = -EINVAL;
		goto fail;
	}
	s->stage_len = (size_t)s->slots * s->slot_size;
	s->stage = mmap(NULL, s->stage_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (s->stage == MAP_FAILED) {
		s->stage = NULL;
		r = -ENOMEM;
		snprintf(err, errlen, "RDMA staging buffer of %zu bytes: %s", s->stage_len,
			 strerror(ENOMEM));
		goto fail;
	}
	s->fl = calloc(s->slots, sizeof(*s->fl));
	s->hold = calloc(s->hold_max, sizeof(*s->hold));
	if (!s->fl || !s->hold) {
		r = -ENOMEM;
		goto fail;
	}
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->ech = rdma_create_event_channel();
	if (s->wake_fd < 0 || !s->ech) {
		r = -errno;
		snprintf(err, errlen, "cannot open the RDMA connection manager "
			 "(/dev/infiniband/rdma_cm): %s", strerror(errno));
		goto fail;
	}
	fcntl(s->ech->fd, F_SETFL, fcntl(s->ech->fd, F_GETFL) | O_NONBLOCK);
	s->backoff_ns = BACKOFF_MIN_NS;
	snprintf(s->reason, sizeof(s->reason), "connecting");
	{
		/* signals belong to the main thread (signalfd): none for ours */
		sigset_t all, old;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		r = -pthread_create(&s->thr, NULL, sink_thread, s);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot start the RDMA thread: %s", strerror(-r));
		goto fail;
	}
	s->thr_started = true;
	*ret = &s->base;
	return 0;
fail:
	rdma_free(&s->base);
	return r;
}

#endif /* RC_HAVE_RDMA */
