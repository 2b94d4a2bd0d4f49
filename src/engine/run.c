// SPDX-License-Identifier: MIT
/*
 * Running captures; see run.h.
 */
#include "ifaces.h"
#include "run.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/afpacket.h"
#ifdef RC_HAVE_AFXDP
#include "../capture/afxdp.h"
#endif
#include "../capture/filter.h"
#include "../capture/multi.h"
#include "../capture/offline.h"
#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/counter.h"
#include "../sink/file.h"
#include "../rdma/sender.h"
#include "../sink/rotate.h"

static uint16_t fanout_mode(enum rc_fanout_mode m)
{
	switch (m) {
	case RC_FANOUT_LB:
		return PACKET_FANOUT_LB;
	case RC_FANOUT_CPU:
		return PACKET_FANOUT_CPU;
	case RC_FANOUT_QM:
		return PACKET_FANOUT_QM;
	case RC_FANOUT_ROLLOVER:
		return PACKET_FANOUT_ROLLOVER;
	case RC_FANOUT_RANDOM:
		return PACKET_FANOUT_RND;
	case RC_FANOUT_HASH:
	default:
		return PACKET_FANOUT_HASH;
	}
}

/* Several interfaces (-i ... -i): a socket and ring each, one source. */
static int open_several(const struct rc_capture_conf *c, struct rc_source **ret, char *err,
			size_t errlen)
{
	struct rc_source *subs[RC_MAX_IFACES];
	unsigned n = 0;
	int rv = 0;

	if (c->n_ifaces > RC_MAX_IFACES) {
		snprintf(err, errlen, "at most %u interfaces in one capture", RC_MAX_IFACES);
		return -E2BIG;
	}
	for (; n < c->n_ifaces; n++) {
		struct rc_capture_conf one = *c;

		one.iface = c->ifaces[n];
		one.ifaces = NULL;
		one.n_ifaces = 0;
		rv = rc_afpacket_open(&one, NULL, &subs[n], err, errlen);
		if (rv < 0)
			break;
	}
	if (rv < 0) {
		while (n--)
			subs[n]->ops->free(subs[n]);
		return rv;
	}
	return rc_multi_source_new(subs, n, ret);
}

/* What each source had to settle for at set-up, said once (the workers of
 * one capture usually have the same to say). */
static void post_notes(struct rc_run *r)
{
	const char *last = "";

	for (unsigned k = 0; k < r->nworkers && r->events; k++) {
		const char *n = r->workers[k].src->notes;

		if (!n[0] || !strcmp(n, last))
			continue;
		rc_events_post(r->events, RC_LOG_WARNING, "%s%s%s", r->label, r->label[0] ? ": " : "",
			       n);
		last = n;
	}
}

/* The filter a run's sockets run in the kernel; NULL: every frame. */
static const char *kernel_filter(const struct rc_run *r)
{
	const struct rc_source *src = r->nworkers ? r->workers[0].src : NULL;
	const char *f = src && !src->user_filter && r->conf ? r->conf->filter : NULL;

	return f && f[0] ? f : NULL;
}

/* Does @r take frames through the same kernel filter as the count? */
static bool counted_alike(const struct rc_run *r, const struct rc_run_gap *g)
{
	const char *f = kernel_filter(r);

	return !r->afxdp && (f && g->expr ? !strcmp(f, g->expr) : f == g->expr);
}

static uint64_t received(struct rc_run *r)
{
	struct rc_source_stats st;
	uint64_t n = 0;

	for (unsigned k = 0; k < r->nworkers; k++) {
		if (r->released) {
			n += r->workers[k].final.src.received;
			continue;
		}
		memset(&st, 0, sizeof(st));
		r->workers[k].src->ops->stats(r->workers[k].src, &st);
		n += st.received;
	}
	return n;
}

/*
 * The count and what @r received, at one moment: @r's sockets and the
 * counting socket see a frame in the same pass, but are read one after the
 * other.  A reading of the count between two equal readings of @r holds
 * the frames @r had; after a few tries with frames arriving all the time,
 * the first reading of @r, which may leave out a frame the count holds.
 */
static void sample(struct rc_run *r, struct rc_run_gap *g, uint64_t *took, uint64_t *count)
{
	for (int i = 0; i < 100; i++) {
		uint64_t before = received(r), after;

		rc_run_gap_poll(g);
		after = received(r);
		*took = before;
		*count = g->count;
		if (after == before)
			return;
	}
}

int rc_run_gap_begin(struct rc_run *old, const struct rc_capture_conf *next,
		     struct rc_run_gap *g, char *err, size_t errlen)
{
	const struct rc_source *src = old->nworkers ? old->workers[0].src : NULL;
	const char *fo = old->conf && old->conf->filter && old->conf->filter[0] ?
			 old->conf->filter : NULL;
	const char *fn = next->filter && next->filter[0] ? next->filter : NULL;
	_cleanup_free_ char *f = NULL;
	bool every = true;
	int fd;

	rc_run_gap_drop(g);
	if (!src || src->n_ifaces != 1 || !src->ifaces || !strcmp(src->ifaces[0].name, "any")) {
		snprintf(err, errlen, "a capture of several interfaces or of \"any\" has no count");
		return -ENOTSUP;
	}
	/* what either filter takes is missed (no filter: every frame) */
	if (fo && fn && asprintf(&f, strcmp(fo, fn) ? "(%s) or (%s)" : "%s", fo, fn) < 0) {
		f = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = rc_afpacket_counter_open(src->ifaces[0].name, f, src->dlt,
				      (old->conf && old->conf->promisc) || next->promisc, &every,
				      err, errlen);
	if (fd < 0)
		return fd;
	g->expr = every ? NULL : TAKE_PTR(f);
	g->ok = true;
	g->fd = fd;
	g->mono_ns = rc_clock_ns(CLOCK_MONOTONIC);
	g->old_counted = counted_alike(old, g);
	if (g->old_counted)
		sample(old, g, &g->old_from, &g->count_from);
	return 0;
}

void rc_run_gap_stopped(struct rc_run_gap *g, struct rc_run *old)
{
	if (!g->ok)
		return;
	g->old_pending = !old;
	if (old)
		rc_run_gap_old_ended(g, old);
}

void rc_run_gap_old_ended(struct rc_run_gap *g, struct rc_run *old)
{
	if (!g->ok)
		return;
	g->old_to = received(old);
	g->old_pending = false;
}

void rc_run_gap_poll(struct rc_run_gap *g)
{
	if (g->ok && !g->frozen)
		rc_afpacket_counted(g->fd, &g->count);
}

void rc_run_gap_freeze(struct rc_run_gap *g, struct rc_run *next)
{
	if (!g->ok || g->frozen)
		return;
	g->next_counted = next && counted_alike(next, g);
	if (g->next_counted)
		sample(next, g, &g->next_took, &g->count);
	else
		rc_run_gap_poll(g);
	/* what it counts from here on is the new run's */
	g->frozen = true;
	close(g->fd);
	g->fd = -1;
}

bool rc_run_gap_end(struct rc_run_gap *g, bool started, uint64_t *frames, uint64_t *ms)
{
	uint64_t count, took = 0;

	if (!g->ok)
		return false;
	rc_run_gap_freeze(g, NULL);
	count = g->count - g->count_from;
	if (g->old_counted && !g->old_pending && g->old_to > g->old_from)
		took += g->old_to - g->old_from;
	if (started && g->next_counted)
		took += g->next_took;
	*frames = count > took ? count - took : 0;
	*ms = (rc_clock_ns(CLOCK_MONOTONIC) - g->mono_ns) / 1000000ULL;
	rc_run_gap_drop(g);
	return true;
}

void rc_run_gap_drop(struct rc_run_gap *g)
{
	if (g->ok && g->fd >= 0)  /* a zeroed one has neither */
		close(g->fd);
	free(g->expr);
	*g = (struct rc_run_gap){ .fd = -1 };
}

int rc_run_open(const struct rc_capture_conf *c, struct rc_events *events, const char *label,
		struct rc_run **ret, char *err, size_t errlen)
{
	struct rc_fanout fo = { 0 };
	struct rc_run *r;
	int rv;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->conf = c;
	r->afxdp = c->backend == RC_BACKEND_AFXDP;
	r->events = events;
	if (label)
		snprintf(r->label, sizeof(r->label), "%s", label);
	r->nworkers = c->workers ? c->workers : 1;
	if (c->backend == RC_BACKEND_AFXDP) {
#ifdef RC_HAVE_AFXDP
		/* one worker per RX queue, all of them unless told otherwise */
		if (!c->workers) {
			rv = rc_afxdp_queue_count(c->iface);
			if (rv <= 0) {
				snprintf(err, errlen, "cannot count the RX queues of %s: %s",
					 c->iface, rv < 0 ? strerror(-rv) : "none");
				free(r);
				return rv < 0 ? rv : -ENODEV;
			}
			r->nworkers = (unsigned)rv;
		}
#else
		snprintf(err, errlen, "this ringcap was built without AF_XDP support");
		free(r);
		return -EPROTONOSUPPORT;
#endif
	}
	r->workers = calloc(r->nworkers, sizeof(*r->workers));
	if (!r->workers) {
		free(r);
		return -ENOMEM;
	}
	fo.mode = fanout_mode(c->fanout);
	fo.flags = (c->fanout_defrag ? PACKET_FANOUT_FLAG_DEFRAG : 0) |
		   (c->fanout_rollover ? PACKET_FANOUT_FLAG_ROLLOVER : 0);
	for (unsigned k = 0; k < r->nworkers; k++) {
		rc_worker_init(&r->workers[k].w);
#ifdef RC_HAVE_AFXDP
		if (c->backend == RC_BACKEND_AFXDP)
			rv = rc_afxdp_open(c, k, &r->workers[k].src, err, errlen);
		else
#endif
		if (c->read_file)
			rv = rc_offline_open(c, &r->workers[k].src, err, errlen);
		else if (c->n_ifaces > 1)
			/* one worker serves them all (the CLI has one) */
			rv = r->nworkers == 1 ? open_several(c, &r->workers[k].src, err, errlen) :
				rc_source_fail(err, errlen, -EINVAL,
					       "several interfaces go with one worker");
		else
			rv = rc_afpacket_open(c, r->nworkers > 1 ? &fo : NULL,
					      &r->workers[k].src, err, errlen);
		if (rv < 0) {
			rc_run_free(r);
			return rv;
		}
	}
	r->fanout_group = fo.group_id;
	if (fo.joined) {
		/* every member is in the group: now they may take frames */
		const char *expr = r->workers[0].src->user_filter ? NULL : c->filter;

		rv = rc_run_set_filter(r, expr, err, errlen);
		if (rv < 0) {
			rc_run_free(r);
			return rv;
		}
	}
	post_notes(r);
	*ret = r;
	return 0;
}

/* The output conf one worker uses: its own file names and share of limits. */
static int worker_output(const struct rc_pcap_conf *in, unsigned k, unsigned n,
			 struct rc_pcap_conf *out, char *path, size_t pathlen)
{
	char tag[16];
	int r;

	*out = *in;
	if (n == 1)
		return 0;
	snprintf(tag, sizeof(tag), "w%u", k);
	r = rc_rotate_tag(in->path, tag, path, pathlen);
	if (r < 0)
		return r;
	out->path = path;
	rc_rotate_conf_split(&in->rotate, n, &out->rotate);
	return 0;
}

/* The source's counters for the statistics a file records (pcapng ISB):
 * interface @i of worker @arg's source.  On the worker thread. */
static int source_counters(void *arg, unsigned i, struct rc_sink_counters *ret)
{
	struct rc_run_worker *rw = arg;
	struct rc_source *src = rw->src;
	struct rc_source_stats st = { 0 };
	int r;

	if (src->ops->iface_stats)
		r = src->ops->iface_stats(src, i, &st);
	else
		r = i == 0 ? src->ops->stats(src, &st) : -ENOENT;
	if (r < 0)
		return r;
	/* a filter run in user space (AF_XDP, files read): what it rejected
	 * was seen too */
	ret->ifrecv = st.received + st.xdp_filtered + st.user_filtered;
	ret->ifdrop = st.kernel_drops;
	ret->filteraccept = st.received;
	return 0;
}

/* Where the sink's events go and how they name it. */
static void setup_sink(struct rc_run *r, unsigned k, struct rc_sink *s)
{
	s->events = r->events;
	s->retry = r->retry;
	if (r->label[0] && r->nworkers > 1)
		snprintf(s->label, sizeof(s->label), "%.100s worker %u", r->label, k);
	else if (r->label[0])
		snprintf(s->label, sizeof(s->label), "%s", r->label);
}

int rc_run_open_outputs(struct rc_run *r, char *err, size_t errlen)
{
	const struct rc_capture_conf *c = r->conf;

	for (unsigned k = 0; k < r->nworkers; k++) {
		struct rc_run_worker *rw = &r->workers[k];
		/* a filter the kernel cannot run (a vlan test) goes to the
		 * outputs; AF_XDP runs every filter in user space already */
		bool user_filter = c->backend != RC_BACKEND_AFXDP && rw->src->user_filter;
		struct rc_file_iface ifs[RC_MAX_IFACES];
		struct rc_file_input in = {
			.ifaces = ifs,
			.n_ifaces = RC_MIN(rw->src->n_ifaces, RC_MAX_IFACES),
			.snaplen = rw->src->snaplen,
			.filter = user_filter ? NULL : c->filter,
			.packet_time = rw->src->packet_time,
		};

		for (unsigned i = 0; i < in.n_ifaces; i++)
			ifs[i] = (struct rc_file_iface){ rw->src->ifaces[i].name,
							 rw->src->ifaces[i].desc,
							 rw->src->ifaces[i].dlt };
		rw->sinks = calloc(c->n_pcaps + c->n_rdmas + 1, sizeof(*rw->sinks));
		if (!rw->sinks)
			return -ENOMEM;
		for (size_t i = 0; i < c->n_pcaps; i++) {
			struct rc_pcap_conf pc;
			char path[4096], both[8192];
			int rv;

			rv = worker_output(&c->pcaps[i], k, r->nworkers, &pc, path, sizeof(path));
			if (rv < 0) {
				snprintf(err, errlen, "output path %s is too long", c->pcaps[i].path);
				return rv;
			}
			if (user_filter) {
				/* a vlan expression runs here, on the restored tag */
				if (pc.filter && pc.filter[0])
					snprintf(both, sizeof(both), "(%s) and (%s)", c->filter,
						 pc.filter);
				else
					snprintf(both, sizeof(both), "%s", c->filter);
				pc.filter = both;
			}
			rv = rc_file_sink_new(&pc, &in, &rw->sinks[i], err, errlen);
			if (rv < 0)
				return rv;
			if (rc_file_format_of(&pc) == RC_FORMAT_PCAPNG)
				rw->src->want_dir = true;  /* its packet blocks say it */
			rw->nsinks++;
			setup_sink(r, k, rw->sinks[i]);
			rw->sinks[i]->counters = source_counters;
			rw->sinks[i]->counters_arg = rw;
			rw->sinks[i]->closed = r->closed;
			rw->sinks[i]->closed_arg = r->closed_arg;
		}
		/* forwarding goes after the files: a block is on disk before it
		 * is on the wire */
		for (size_t i = 0; i < c->n_rdmas; i++) {
			int rv = rc_rdma_sink_new(&c->rdmas[i], rw->src, k, &rw->sinks[rw->nsinks],
						  err, errlen);

			if (rv < 0)
				return rv;
			setup_sink(r, k, rw->sinks[rw->nsinks]);
			rw->nsinks++;
		}
	}
	return 0;
}

int rc_run_start(struct rc_run *r, uint64_t count_limit, uint32_t drain_timeout_ms,
		 int ready_fd, int done_fd)
{
	for (unsigned k = 0; k < r->nworkers; k++) {
		struct rc_run_worker *rw = &r->workers[k];
		int rv;

		rw->w.src = rw->src;
		rw->w.sinks = rw->sinks;
		rw->w.nsinks = rw->nsinks;
		rw->w.count_limit = count_limit;
		rw->w.count_shared = &r->count_taken;
		rw->w.drain_timeout_ms = drain_timeout_ms;
		rw->w.ready_fd = ready_fd;
		rw->w.done_fd = done_fd;
		rv = rc_worker_start(&rw->w);
		if (rv < 0) {
			rc_run_request_stop(r);
			rc_run_join(r);
			return rv;
		}
	}
	r->running = true;
	return 0;
}

void rc_run_request_stop(struct rc_run *r)
{
	for (unsigned k = 0; k < r->nworkers; k++)
		if (r->workers[k].w.started)
			rc_worker_request_stop(&r->workers[k].w);
}

void rc_run_rotate(struct rc_run *r)
{
	for (unsigned k = 0; k < r->nworkers; k++)
		if (r->workers[k].w.started)
			rc_worker_request_rotate(&r->workers[k].w);
}

int rc_run_join(struct rc_run *r)
{
	int worst = RC_WORKER_STOPPED;

	for (unsigned k = 0; k < r->nworkers; k++) {
		int end = rc_worker_join(&r->workers[k].w);

		if (end > worst)
			worst = end;
	}
	r->running = false;
	return worst;
}

static void free_worker(struct rc_run_worker *rw)
{
	rc_worker_join(&rw->w);
	rc_worker_fini(&rw->w);
	for (unsigned i = 0; rw->sinks && i < rw->nsinks; i++)
		rw->sinks[i]->ops->free(rw->sinks[i]);
	free(rw->sinks);
	rw->sinks = NULL;
	if (rw->src)
		rw->src->ops->free(rw->src);
	rw->src = NULL;
}

int rc_run_join_timeout(struct rc_run *r, uint32_t ms)
{
	uint64_t deadline = rc_clock_ns(CLOCK_MONOTONIC) + (uint64_t)ms * 1000000ULL;
	int worst = RC_WORKER_STOPPED;

	for (unsigned k = 0; k < r->nworkers; k++) {
		int end = rc_worker_timedjoin(&r->workers[k].w, deadline);

		if (end == -ETIMEDOUT) {
			r->stuck = true;
			return -ETIMEDOUT;
		}
		if (end > worst)
			worst = end;
	}
	r->running = false;
	r->stuck = false;  /* every worker has ended: it may be freed after all */
	return worst;
}

/* A number that moves while any worker makes progress. */
static uint64_t progress(struct rc_run *r)
{
	uint64_t p = 0;

	for (unsigned k = 0; k < r->nworkers; k++)
		p += RC_COUNTER_GET(r->workers[k].w.heartbeat) +
		     RC_COUNTER_GET(r->workers[k].w.delivered);
	return p;
}

int rc_run_join_progress(struct rc_run *r, uint32_t idle_ms, uint32_t max_ms)
{
	uint64_t start = rc_clock_ns(CLOCK_MONOTONIC), last = progress(r), moved = start;

	for (;;) {
		uint64_t now, p;
		int end = rc_run_join_timeout(r, 200);

		if (end != -ETIMEDOUT)
			return end;
		r->stuck = false;  /* not yet: only when we give up */
		now = rc_clock_ns(CLOCK_MONOTONIC);
		p = progress(r);
		if (p != last) {
			last = p;
			moved = now;
		}
		if (now - moved >= (uint64_t)idle_ms * 1000000ULL ||
		    now - start >= (uint64_t)max_ms * 1000000ULL) {
			r->stuck = true;
			return -ETIMEDOUT;
		}
	}
}

void rc_run_free(struct rc_run *r)
{
	if (!r || r->stuck)
		return;
	for (unsigned k = 0; k < r->nworkers; k++) {
		free_worker(&r->workers[k]);
		free(r->workers[k].final_out);
	}
	free(r->workers);
	free(r);
}

void rc_run_release(struct rc_run *r)
{
	if (r->released || r->stuck)
		return;
	for (unsigned k = 0; k < r->nworkers; k++) {
		struct rc_run_worker *rw = &r->workers[k];

		rc_worker_join(&rw->w);
		rc_run_worker_stats(r, k, &rw->final);
		rw->final_out = calloc(rw->nsinks ? rw->nsinks : 1, sizeof(*rw->final_out));
		for (unsigned i = 0; rw->final_out && i < rw->nsinks; i++)
			rc_run_output(r, k, i, &rw->final_out[i]);
	}
	r->released = true;
	for (unsigned k = 0; k < r->nworkers; k++)
		free_worker(&r->workers[k]);
	r->running = false;
}

unsigned rc_run_noutputs(struct rc_run *r, unsigned k)
{
	struct rc_run_worker *rw = &r->workers[k];

	return r->released && !rw->final_out ? 0 : rw->nsinks;
}

void rc_run_output(struct rc_run *r, unsigned k, unsigned i, struct rc_run_output *ret)
{
	struct rc_run_worker *rw = &r->workers[k];
	struct rc_sink *s;

	if (r->released) {
		*ret = rw->final_out[i];
		return;
	}
	s = rw->sinks[i];
	memset(ret, 0, sizeof(*ret));
	ret->kind = s->ops->name;
	s->ops->current(s, ret->path, sizeof(ret->path));
	if (s->ops->state) {
		ret->state = s->ops->state(s, ret->why, sizeof(ret->why));
	} else {
		ret->state = s->dead ? RC_SINK_FAILED : RC_SINK_WRITING;
		snprintf(ret->why, sizeof(ret->why), "%s", s->dead ? s->err : "");
	}
	s->ops->stats(s, &ret->st);
}

enum rc_run_change rc_run_change_of(const struct rc_run *r, const struct rc_capture_conf *new)
{
	const struct rc_capture_conf *old = r->conf;
	bool user_filter = false;

	if (!rc_capture_conf_equal(old, new, true))
		return RC_RUN_RESTART;
	if (rc_capture_conf_equal(old, new, false))
		return RC_RUN_KEEP;
	for (unsigned k = 0; k < r->nworkers && !r->released; k++)
		user_filter |= r->workers[k].src && r->workers[k].src->user_filter;
	/* a filter run in user space is in the outputs, which are made at start */
	if (user_filter || rc_filter_needs_userspace(new->filter))
		return RC_RUN_RESTART;
	return RC_RUN_SWAP_FILTER;
}

int rc_run_set_filter(struct rc_run *r, const char *expr, char *err, size_t errlen)
{
	if (r->released) {
		snprintf(err, errlen, "the capture is not running");
		return -ESRCH;
	}
	char note[512] = "";

	for (unsigned k = 0; k < r->nworkers; k++) {
		int rv = r->workers[k].src->ops->set_filter(r->workers[k].src, expr, err, errlen);

		if (rv < 0)
			return rv;
		if (rv > 0 && !note[0])
			snprintf(note, sizeof(note), "%s", err);
	}
	snprintf(err, errlen, "%s", note);
	return note[0] ? 1 : 0;
}

/* Add the first @len bytes of @src to @dst, both runs of uint64_t counters. */
static void add_counters(void *dst, const void *src, size_t len)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < len / sizeof(uint64_t); i++)
		d[i] += s[i];
}

void rc_run_worker_stats(struct rc_run *r, unsigned k, struct rc_run_stats *ret)
{
	struct rc_run_worker *rw = &r->workers[k];

	if (r->released) {
		*ret = rw->final;
		return;
	}
	memset(ret, 0, sizeof(*ret));
	rw->src->ops->stats(rw->src, &ret->src);
	for (unsigned i = 0; i < rw->nsinks; i++) {
		struct rc_sink_stats s = { 0 };

		rw->sinks[i]->ops->stats(rw->sinks[i], &s);
		rc_sink_stats_add(&ret->sink, &s);
	}
	ret->delivered = RC_COUNTER_GET(rw->w.delivered);
	ret->delivered_bytes = RC_COUNTER_GET(rw->w.delivered_bytes);
	ret->lost_at_stop = RC_COUNTER_GET(rw->w.lost_at_stop);
	ret->heartbeat = RC_COUNTER_GET(rw->w.heartbeat);
	ret->end = __atomic_load_n(&rw->w.end, __ATOMIC_ACQUIRE);
}

void rc_run_total_stats(struct rc_run *r, struct rc_run_stats *ret)
{
	struct rc_run_stats w;

	memset(ret, 0, sizeof(*ret));
	for (unsigned k = 0; k < r->nworkers; k++) {
		rc_run_worker_stats(r, k, &w);
		/* the source's counters are uint64_t counters, all of them */
		add_counters(&ret->src, &w.src, sizeof(w.src));
		rc_sink_stats_add(&ret->sink, &w.sink);
		ret->delivered += w.delivered;
		ret->delivered_bytes += w.delivered_bytes;
		ret->lost_at_stop += w.lost_at_stop;
		if (w.end > ret->end)
			ret->end = w.end;
	}
}


const char *rc_run_sink_error(struct rc_run *r)
{
	for (unsigned k = 0; k < r->nworkers && !r->released; k++)
		for (unsigned i = 0; i < r->workers[k].nsinks; i++)
			if (r->workers[k].sinks[i]->dead && r->workers[k].sinks[i]->err[0])
				return r->workers[k].sinks[i]->err;
	return NULL;
}
