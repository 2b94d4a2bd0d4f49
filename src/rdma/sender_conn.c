// SPDX-License-Identifier: MIT
/*
 * The RDMA sender's connection: one RC queue pair to the collector per
 * capture worker, made, watched and remade by the sink's own thread.
 * State, locking and the other half (posting): sender_priv.h.
 *
 * The state machine, all on the sink thread:
 *
 *     (no id) ──backoff passed──▶ resolving the address ──▶ resolving a route
 *       ──▶ set up (queue pair, the capture memory and staging registered,
 *           credit receives posted; rdma_connect with the hello)
 *       ──ESTABLISHED, welcome checked──▶ up (the worker may post)
 *       ──any failure, DISCONNECTED, a failed write──▶ teardown ──▶ (no id)
 *
 * Each failure says why in the sink's notice (once per reason unless the
 * connection had been up) and doubles the backoff, 100 ms up to 5 s; a
 * connection that comes up resets it.  Nothing here ever blocks the
 * worker or the main thread: set-up, registration (RINGCAP_RDMA_TEST_SLOW_MS
 * makes it slower, as it is for a ring of many GiB), teardown and the
 * drain of completions run without mu; see the locking rule in
 * sender_priv.h.
 *
 * Teardown order (src/README.md, the lease model; verbs.h): queue pair to
 * error, drain its completions (each returns its lease), destroy the queue
 * pair, deregister, and only then may the source unmap the ring.  close()
 * waits up to 2 s for writes in flight (and held blocks) before tearing
 * down.
 *
 * Test hooks (environment): RINGCAP_RDMA_COPY=1 forwards in copy mode;
 * RINGCAP_RDMA_TEST_SLOW_MS=N makes registering and deregistering the
 * capture memory take N ms longer each.
 *
 * Without RC_HAVE_RDMA only the two stubs at the top are built.
 */
#include "sender.h"

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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/clock.h"
#include "sender_priv.h"

#define BACKOFF_MIN_NS (100ULL * 1000000ULL)
#define BACKOFF_MAX_NS (5000ULL * 1000000ULL)
#define CLOSE_WAIT_NS (2000ULL * 1000000ULL)
/* slots for sources without blocks (AF_XDP): a gather write carries at most
 * RC_RDMA_MAX_SGE / 2 frames, so small slots, and many of them for the
 * same memory, buffer more frames */
#define COPY_SLOT_DEFAULT (64u << 10)

/* A change of the connection's state: kept (to say each one once) and
 * posted as an event for the code that talks to the user. */
__attribute__((format(printf, 3, 4)))
static void set_notice(struct sender *s, enum rc_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->notice, sizeof(s->notice), fmt, ap);
	va_end(ap);
	s->notice_gen++;
	rc_sink_event(&s->base, lvl, "%s", s->notice);
}

/* the RINGCAP_RDMA_TEST_SLOW_MS hook: a slow (de)registration */
static void test_slow(const struct sender *s)
{
	struct timespec ts = rc_timespec(s->test_slow_ns);

	while (s->test_slow_ns && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- set-up and teardown (sink thread, mu not held) ---- */

/*
 * Take the connection down and free it.  Under mu, briefly: mark it down
 * (from then on the worker neither posts nor holds blocks; none is posting
 * now, since posts happen under mu) and let the held blocks go.  Then,
 * without mu, the slow part in the order of src/README.md's lease model
 * (verbs.h): queue pair to error, drain its completions (each returns its
 * lease; up to 2 s), destroy it, deregister, destroy the rest.  Returns
 * whether it was up.
 */
static bool teardown(struct sender *s)
{
	struct sender_conn *c = &s->c;
	bool was_up;

	pthread_mutex_lock(&s->mu);
	was_up = c->up;
	c->up = false;
	rc_sender_drop_held(s);
	pthread_mutex_unlock(&s->mu);

	if (c->id && c->v.qp) {
		struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };
		uint64_t deadline = rc_clock_ns(CLOCK_MONOTONIC) + 2000000000ULL;

		if (was_up)
			rdma_disconnect(c->id);
		ibv_modify_qp(c->id->qp, &a, IBV_QP_STATE);
		/* every posted write completes, flushed if not done; only this
		 * thread changes c->completed now, and nobody c->posted */
		while (c->completed < c->posted && rc_clock_ns(CLOCK_MONOTONIC) < deadline) {
			if (!rc_sender_poll_cq(s, NULL)) {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
			}
		}
		rc_verbs_destroy_qp(&c->v, c->id);
		/* The queue pair is gone, nothing reads the memory any more.
		 * What the collector did not confirm was not delivered. */
		pthread_mutex_lock(&s->mu);
		for (uint64_t q = RC_MIN(c->completed, c->consumed); q < c->posted; q++) {
			struct inflight *f = &s->fl[q % c->slots];

			if (q >= c->consumed)
				rc_sender_lost(s, f->frames);
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
	rc_verbs_close(&c->v);
	if (c->id)
		rdma_destroy_id(c->id);
	pthread_mutex_lock(&s->mu);
	memset(c, 0, sizeof(*c));
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return was_up;
}

/* The attempt ended (or never got going): tear down, try again later. */
static void conn_failed(struct sender *s, const char *why)
{
	bool was_up;

	if (why && why != s->reason)
		snprintf(s->reason, sizeof(s->reason), "%s", why);
	was_up = teardown(s);
	s->next_attempt_ns = rc_clock_ns(CLOCK_MONOTONIC) + s->backoff_ns;
	pthread_mutex_lock(&s->mu);
	if (was_up || !s->notice_gen || !strstr(s->notice, s->reason))
		set_notice(s, RC_LOG_WARNING,
			   "worker %u: not forwarding to %s: %s; retrying every %llu ms at most",
			   s->worker, s->peer, s->reason, (unsigned long long)(BACKOFF_MAX_NS / 1000000));
	pthread_mutex_unlock(&s->mu);
	s->backoff_ns = RC_MIN(s->backoff_ns * 2, BACKOFF_MAX_NS);
}

static void start_connect(struct sender *s)
{
	struct sender_conn *c = &s->c;

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

static int setup_qp(struct sender *s)
{
	struct sender_conn *c = &s->c;
	struct rc_verbs_caps caps = {
		.cq_depth = s->slots + RC_RDMA_CREDIT_RECVS + 8,
		.send_wr = s->slots + 4,
		.recv_wr = RC_RDMA_CREDIT_RECVS,
	};
	struct rdma_conn_param cp = { 0 };
	struct rc_rdma_hello hello = {
		.magic = htobe32(RC_RDMA_MAGIC), .version = htobe32(RC_RDMA_VERSION),
		.slot_size = htobe32(s->slot_size), .slots = htobe32(s->slots),
		.dlt = htobe32(s->dlt), .snaplen = htobe32(s->snaplen), .worker = htobe32(s->worker),
	};
	const char *dev = ibv_get_device_name(c->id->verbs->device);
	int r;

	if (s->device[0] && strcmp(dev, s->device)) {
		snprintf(s->reason, sizeof(s->reason), "%s is reached through RDMA device %s, not %s",
			 s->host, dev, s->device);
		return -ENODEV;
	}
	r = rc_verbs_open(&c->v, c->id, caps.cq_depth);
	if (r < 0) {
		snprintf(s->reason, sizeof(s->reason), "allocating verbs resources on %s: %s", dev,
			 strerror(-r));
		return -ENOMEM;
	}
	c->max_sge = rc_verbs_max_sge(c->id, RC_RDMA_MAX_SGE);
	caps.send_sge = c->max_sge;
	r = rc_verbs_create_qp(&c->v, c->id, &caps);
	if (r < 0) {
		snprintf(s->reason, sizeof(s->reason), "creating a queue pair on %s: %s", dev,
			 strerror(-r));
		return r;
	}
	/* local access only: the collector never reads or writes it.
	 * RINGCAP_RDMA_COPY=1 skips it, to exercise copy mode. */
	if (s->mem && !s->force_copy)
		test_slow(s);
	c->ring_mr = s->mem && !s->force_copy ? ibv_reg_mr(c->v.pd, s->mem, s->mem_len, 0) : NULL;
	if (!c->ring_mr && s->mem && !s->force_copy && !s->notice_gen) {
		int e = errno;

		pthread_mutex_lock(&s->mu);
		set_notice(s, RC_LOG_WARNING, "worker %u: registering the capture ring (%zu bytes) "
			   "failed: %s; "
			   "forwarding in copy mode", s->worker, s->mem_len, strerror(e));
		pthread_mutex_unlock(&s->mu);
	}
	c->stage_mr = ibv_reg_mr(c->v.pd, s->stage, s->stage_len, 0);
	c->credit_mr = ibv_reg_mr(c->v.pd, c->credit_buf, sizeof(c->credit_buf),
				  IBV_ACCESS_LOCAL_WRITE);
	if (!c->stage_mr || !c->credit_mr) {
		snprintf(s->reason, sizeof(s->reason), "registering buffers on %s: %s", dev,
			 strerror(errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < RC_RDMA_CREDIT_RECVS; i++)
		if (rc_sender_post_recv(c, i)) {
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

static void established(struct sender *s, const void *pd, size_t len)
{
	struct sender_conn *c = &s->c;
	struct rc_rdma_welcome w;

	if (!pd || len < sizeof(w)) {
		conn_failed(s, "the collector's answer is too short");
		return;
	}
	memcpy(&w, pd, sizeof(w));
	if (!rc_rdma_wire_ours(w.magic, w.version)) {
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
	set_notice(s, RC_LOG_INFO, "worker %u: forwarding to %s over %s, %u slots of %u bytes, %s",
		   s->worker,
		   s->peer, ibv_get_device_name(c->id->verbs->device), c->slots, s->slot_size,
		   !c->ring_mr ? "mode: copy"
		   : s->unit_size ? "zero-copy from the capture ring"
				  : "zero-copy from the UMEM (gather lists)");
	pthread_mutex_unlock(&s->mu);
}

static void handle_cm(struct sender *s)
{
	struct rdma_cm_event *ev;

	while (!rdma_get_cm_event(s->ech, &ev)) {
		enum rdma_cm_event_type type = ev->event;
		int status = ev->status;
		struct rc_rdma_welcome w;
		size_t wlen = 0;
		bool ours = ev->id == s->c.id;

		/* param.conn is meaningful for ESTABLISHED only here */
		if (type == RDMA_CM_EVENT_ESTABLISHED)
			wlen = rc_rdma_cm_private(ev, &w, sizeof(w));
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

static void handle_cq(struct sender *s, struct cq_pass *ret)
{
	rc_verbs_rearm(&s->c.v);
	rc_sender_poll_cq(s, ret);
}

static void *sink_thread(void *arg)
{
	struct sender *s = arg;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = s->ech->fd, .events = POLLIN },
			{ .fd = s->wake_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		uint64_t now, v;
		int timeout = 100;

		/* the connection's resources are this thread's own: no lock */
		if (s->c.v.ch)
			p[2].fd = s->c.v.ch->fd;
		now = rc_clock_ns(CLOCK_MONOTONIC);
		if (!s->c.id && s->next_attempt_ns > now)
			timeout = (int)RC_MIN((s->next_attempt_ns - now) / 1000000 + 1, 100);

		poll(p, 3, timeout);
		if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
			break;
		if (p[1].revents && read(s->wake_fd, &v, sizeof(v)) < 0) {
			/* nothing to read: fine */
		}
		handle_cm(s);
		if (s->c.v.cq) {
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
		if (!s->c.id && rc_clock_ns(CLOCK_MONOTONIC) >= s->next_attempt_ns)
			start_connect(s);
	}
	teardown(s);
	return NULL;
}

/* ---- ops ---- */

static int rdma_close(struct rc_sink *sink)
{
	struct sender *s = (struct sender *)sink;
	uint64_t one = 1, deadline = rc_clock_ns(CLOCK_MONOTONIC) + CLOSE_WAIT_NS;

	/* let what is in flight (and held) arrive */
	pthread_mutex_lock(&s->mu);
	while (s->c.up && !s->c.broken &&
	       (s->c.completed < s->c.posted || s->c.consumed < s->c.posted || s->hold_n) &&
	       rc_clock_ns(CLOCK_MONOTONIC) < deadline) {
		struct timespec ts = rc_timespec(rc_clock_ns(CLOCK_REALTIME) + 10000000ULL);

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
	struct sender *s = (struct sender *)sink;

	pthread_mutex_lock(&s->mu);
	*ret = s->st;
	ret->g.fwd_connected = s->c.up && !s->c.broken;
	ret->g.fwd_zero_copy = ret->g.fwd_connected && s->c.ring_mr;
	ret->g.fwd_credits = 0;
	if (ret->g.fwd_connected) {
		uint64_t a = s->c.slots - (s->c.posted - s->c.consumed);
		uint64_t b = s->c.slots - (s->c.posted - s->c.completed);

		ret->g.fwd_credits = RC_MIN(a, b);
	}
	pthread_mutex_unlock(&s->mu);
}

static const char *rdma_current(struct rc_sink *sink, char *buf, size_t len)
{
	struct sender *s = (struct sender *)sink;

	snprintf(buf, len, "rdma://%s", s->peer);
	return buf;
}

static void rdma_free(struct rc_sink *sink)
{
	struct sender *s = (struct sender *)sink;

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
	.write = rc_sender_write,
	.close = rdma_close,
	.stats = rdma_stats,
	.current = rdma_current,
	.free = rdma_free,
};

bool rc_rdma_built(void)
{
	return true;
}

static void sender_freep(struct sender **p)
{
	if (*p)
		rdma_free(&(*p)->base);
}

/* The sink's thread; signals belong to the main thread (signalfd): none
 * for ours. */
static int start_thread(struct sender *s)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&s->thr, NULL, sink_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		s->thr_started = true;
	return r;
}

int rc_rdma_sink_new(const struct rc_rdma_conf *conf, struct rc_source *src,
		     unsigned worker, struct rc_sink **ret, char *err, size_t errlen)
{
	_cleanup_(sender_freep) struct sender *s = NULL;
	struct rc_export x;
	const char *why, *slow;
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
		return r;
	r = rc_rdma_resolve(s->host, s->port, false, &s->addr, &why);
	if (r < 0) {
		snprintf(err, errlen, "RDMA peer %s: %s", s->peer, why);
		return r;
	}
	s->slots = conf->slots ? conf->slots : RC_RDMA_SLOTS_DEFAULT;
	s->policy = conf->policy;
	s->hold_max = conf->hold_blocks ? conf->hold_blocks : RC_RDMA_HOLD_DEFAULT;
	s->dlt = (uint32_t)src->dlt;
	s->snaplen = src->snaplen;
	s->worker = worker;
	s->src = src;
	/* no memory to offer: everything goes in copy mode */
	if (rc_source_export(src, NULL, &x) == 0) {
		s->mem = x.mem;
		s->mem_len = x.mem_len;
		s->unit_size = x.unit_max;
	}
	s->force_copy = getenv("RINGCAP_RDMA_COPY") && !strcmp(getenv("RINGCAP_RDMA_COPY"), "1");
	slow = getenv("RINGCAP_RDMA_TEST_SLOW_MS");
	s->test_slow_ns = slow ? strtoull(slow, NULL, 10) * 1000000ULL : 0;
	s->slot_size = s->unit_size ? s->unit_size : COPY_SLOT_DEFAULT;
	if (s->slot_size > RC_RDMA_MAX_SLOT) {
		snprintf(err, errlen, "RDMA forwarding sends whole blocks of at most %u MiB; "
			 "this capture's blocks are %u MiB", RC_RDMA_MAX_SLOT >> 20,
			 s->slot_size >> 20);
		return -EINVAL;
	}
	s->stage_len = (size_t)s->slots * s->slot_size;
	s->stage = mmap(NULL, s->stage_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (s->stage == MAP_FAILED) {
		s->stage = NULL;
		snprintf(err, errlen, "RDMA staging buffer of %zu bytes: %s", s->stage_len,
			 strerror(ENOMEM));
		return -ENOMEM;
	}
	s->fl = calloc(s->slots, sizeof(*s->fl));
	s->hold = calloc(s->hold_max, sizeof(*s->hold));
	if (!s->fl || !s->hold)
		return -ENOMEM;
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot make an eventfd for the RDMA thread: %s",
			 strerror(-r));
		return r;
	}
	r = rc_rdma_cm_open(&s->ech, err, errlen);
	if (r < 0)
		return r;
	s->backoff_ns = BACKOFF_MIN_NS;
	snprintf(s->reason, sizeof(s->reason), "connecting");
	r = start_thread(s);
	if (r < 0) {
		snprintf(err, errlen, "cannot start the RDMA thread: %s", strerror(-r));
		return r;
	}
	*ret = &TAKE_PTR(s)->base;
	return 0;
}

#endif /* RC_HAVE_RDMA */
