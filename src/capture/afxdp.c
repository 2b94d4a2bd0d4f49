// SPDX-License-Identifier: MIT
/*
 * AF_XDP source, the running half; see afxdp.h for the contract,
 * afxdp_setup.c for how a source is set up, afxdp_priv.h for the state
 * the two share.
 *
 * What it owns, per RX queue: one AF_XDP socket with its RX ring, its UMEM
 * (umem.h: the memory, the FILL ring and the spare queue), a few batch
 * slots, and one reference on the interface's XDP program (xdp_prog.h:
 * attached once per interface, shared by every queue of it in this
 * process; the last source of an interface to go detaches it).  What AF_XDP
 * changes for the whole process (libbpf's print hook, bpffs) is xdp_env.h's,
 * started and stopped by the program, not here.
 *
 * The capture filter runs in the XDP program (xdp_prog.h translates it):
 * frames that fail it never reach the socket.  One it cannot translate runs
 * here, on every frame, with a note that says why; on a shared port
 * (--take-matching) that would take every frame from the host, so there it
 * is refused instead.  A change of filter (set_filter) moves it between the
 * two places so that no frame meets neither the old filter nor the new.
 *
 * Leases: a batch is a run of RX descriptors taken in one peek, held in a
 * slot; the slot's lease returns its chunk addresses to the FILL ring when
 * the last reference goes, and the slot is free again once its lease is no
 * longer held (lease.h: that state, set after the hook, is the one truth).
 * Slots may be released in any order and from any thread (umem.h says why
 * that is safe).  Frames that fail a user-space filter go back at once and
 * never appear in a batch.  A worker that finds only a few frames waiting
 * leaves them a moment to gather company (see hold()): wake-ups, not
 * frames, are what costs here.
 *
 * Forwarding: the UMEM is offered to sinks that register it (the export
 * op); a batch is never one block, its frames are scattered over the
 * UMEM's chunks, and RDMA forwarding sends them by gather lists.
 *
 * Jumbo frames: when the MTU is larger than one UMEM frame holds, the
 * socket is bound with XDP_USE_SG (AF_XDP multi-buffer) and the program
 * loaded for fragments.  A frame then arrives as a run of descriptors, all
 * but the last marked XDP_PKT_CONTD; it is copied into its batch slot's
 * arena (one contiguous frame for the sinks) and its chunks go back to the
 * kernel at once.  A run cut by the end of a peek is left in the ring for
 * the next one.  Such a UMEM is not offered for forwarding (the frames the
 * sinks see are not all in it).
 *
 * Timestamps: the program leaves bpf_ktime_get_tai_ns() in the 8 bytes
 * before each frame.  They are converted with the TAI - REALTIME offset,
 * which is the kernel's whole-second TAI offset (measured, rounded, and
 * measured again every second so that a leap second is followed).  The
 * stamp is cleared once read, so a frame arriving without one (the program
 * could not grow the metadata area) is seen as such and stamped with the
 * time of its batch instead, and counted.
 *
 * Shutdown without loss: quiesce() deletes the queue's XSKMAP entry (from
 * then on the program passes the queue's frames to the stack); drained()
 * waits until the RX ring is empty and every frame the program redirected
 * before that has been taken or counted as dropped by the kernel.
 *
 * Threads: the worker calls next/wait/done/quiesce/drained; the lease
 * release hook runs wherever the last reference is dropped; stats and
 * set_filter may be called from any thread; free from the owner's thread.
 */
#include "afxdp_priv.h"

#ifdef RC_HAVE_AFXDP

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/counter.h"
#include "filter.h"

#define DRAIN_GRACE_NS (100LL * 1000000LL)
#define PREFETCH_AHEAD 8u
#define HOLD_MIN_NS 20000LL
#define HOLD_MAX_NS 1000000LL

/*
 * CLOCK_TAI is CLOCK_REALTIME plus the kernel's TAI offset, a whole number
 * of seconds; both move together when the clock is set or slewed.  A
 * measurement between two REALTIME reads is off by far less than half a
 * second, so rounding gives the offset exactly.
 */
int64_t rc_afxdp_measure_tai_offset(void)
{
	int64_t r1 = (int64_t)rc_clock_ns(CLOCK_REALTIME);
	int64_t t = (int64_t)rc_clock_ns(CLOCK_TAI);
	int64_t r2 = (int64_t)rc_clock_ns(CLOCK_REALTIME);
	int64_t d = t - (r1 + (r2 - r1) / 2);

	return (d >= 0 ? (d + NSEC / 2) / NSEC : (d - NSEC / 2) / NSEC) * NSEC;
}

/* The lease hook: the one place where batch memory returns to the kernel. */
void rc_afxdp_slot_release(struct rc_lease_owner *owner, struct rc_lease *l)
{
	struct afxdp *a = (struct afxdp *)((char *)owner - offsetof(struct afxdp, owner));
	struct batch_slot *sl = &a->slots[l->unit];

	rc_umem_give_back(&a->mem, sl->addrs, sl->n);
	sl->n = 0;
}

static struct batch_slot *free_slot(struct afxdp *a)
{
	for (unsigned k = 0; k < NSLOTS; k++) {
		unsigned i = (a->next_slot + k) % NSLOTS;

		if (!rc_lease_held(&a->slots[i].lease)) {
			a->next_slot = (i + 1) % NSLOTS;
			return &a->slots[i];
		}
	}
	return NULL;
}

static void take_new_filter(struct afxdp *a)
{
	struct bpf_program *old;

	pthread_mutex_lock(&a->filter_lock);
	old = a->filter;
	a->filter = a->filter_next;
	a->filter_next = NULL;
	a->filter_gen_seen = a->filter_gen;
	pthread_mutex_unlock(&a->filter_lock);
	rc_filter_free(old);
}

static void tai_refresh(struct afxdp *a)
{
	int64_t now = (int64_t)rc_clock_ns(CLOCK_MONOTONIC_COARSE);

	if (a->tai_fixed || now < a->tai_next_ns)
		return;
	a->tai_off = rc_afxdp_measure_tai_offset();
	a->tai_next_ns = now + TAI_REFRESH_NS;
}

/* Entries in the RX ring, the producer read afresh. */
static uint32_t rx_ready(struct xsk_ring_cons *rx)
{
	rx->cached_prod = __atomic_load_n(rx->producer, __ATOMIC_ACQUIRE);
	return rx->cached_prod - rx->cached_cons;
}

/*
 * Each wake-up of the worker costs a few microseconds of system calls, as
 * much as handling dozens of frames.  When only a few frames wait, leave
 * them a little while so that more gather (the frames carry their own
 * time stamps, only delivery waits).  The while adapts: it doubles (up to
 * 1 ms) when it passes without half a batch gathering, and halves (down to
 * 20 us) when a batch filled up during it, so that a fast queue never
 * holds long enough to fill its ring.  Returns true to hold now.
 */
static bool hold(struct afxdp *a, uint32_t ready)
{
	int64_t now;

	if (ready >= a->batch_max / 2 || a->quiesced) {
		if (a->hold_until)
			a->hold_ns = RC_MAX(a->hold_ns / 2, HOLD_MIN_NS);
		a->hold_until = 0;
		return false;
	}
	now = (int64_t)rc_clock_ns(CLOCK_MONOTONIC);
	if (!a->hold_until) {
		a->hold_until = now + a->hold_ns;
		return true;
	}
	if (now < a->hold_until)
		return true;
	a->hold_ns = RC_MIN(a->hold_ns * 2, HOLD_MAX_NS);
	a->hold_until = 0;
	return false;
}

/* What one pass over the RX ring found, counted once at its end. */
struct pass {
	uint32_t k;                /* frames in the batch */
	uint32_t naddr;            /* chunks the batch holds (its frames' own) */
	uint32_t nrej;             /* chunks to give back now */
	uint32_t frames;           /* frames taken from the ring */
	uint32_t nfilt, nfall, bad;
	int64_t batch_time;
	uint64_t bytes;
};

/* Stamp and keep frame @f (@len bytes at @data, its program stamp, if any,
 * in the 8 bytes before @stamp_at), unless the user-space filter rejects
 * it.  Returns whether it was kept. */
static bool keep_frame(struct afxdp *a, struct pass *ps, struct rc_frame *f, const uint8_t *data,
		       uint32_t len, uint8_t *stamp_at)
{
	uint64_t stamp = 0;

	f->data = data;
	f->dir = RC_DIR_IN;  /* XDP sees what arrives, nothing else */
	f->h.len = len;
	f->h.caplen = len < a->base.snaplen ? len : a->base.snaplen;
	if (a->filter && !rc_filter_match(a->filter, f)) {
		ps->nfilt++;
		return false;
	}
	if (rc_likely(stamp_at)) {
		memcpy(&stamp, stamp_at - META_LEN, sizeof(stamp));
		if (stamp)
			memset(stamp_at - META_LEN, 0, META_LEN);
	}
	if (rc_likely(stamp)) {
		int64_t t = (int64_t)stamp - a->tai_off;

		f->h.ts.tv_sec = t / NSEC;
		f->h.ts.tv_usec = t % NSEC;
	} else {
		if (!ps->batch_time)
			ps->batch_time = (int64_t)rc_clock_ns(CLOCK_REALTIME);
		f->h.ts.tv_sec = ps->batch_time / NSEC;
		f->h.ts.tv_usec = ps->batch_time % NSEC;
		ps->nfall++;
	}
	ps->bytes += len;
	return true;
}

/* Is descriptor @d's data inside its chunk? */
static bool desc_ok(const struct afxdp *a, const struct xdp_desc *d)
{
	uint64_t off = d->addr & (a->mem.chunk - 1);

	return d->addr < a->mem.area_len && off + d->len <= a->mem.chunk && d->len != 0;
}

/*
 * A frame in descriptors @i.. of the peek at @idx (@n in all), the first
 * one marked XDP_PKT_CONTD: copied into the slot's arena, its chunks given
 * back.  Returns how many descriptors it took, or 0 when it must wait for
 * the next peek (the run goes past this one, or the arena is full).
 */
static uint32_t take_multi(struct afxdp *a, struct batch_slot *sl, struct pass *ps, uint32_t idx,
			   uint32_t i, uint32_t n)
{
	const struct xdp_desc *first = xsk_ring_cons__rx_desc(a->rx, idx + i);
	uint32_t j = i, total = 0;
	bool ok = true;
	uint8_t *to;

	while (j < n && (xsk_ring_cons__rx_desc(a->rx, idx + j)->options & XDP_PKT_CONTD))
		j++;
	if (j == n)
		return 0; /* its last descriptor is not in this peek */
	for (uint32_t m = i; m <= j; m++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(a->rx, idx + m);

		if (!desc_ok(a, d))
			ok = false;
		else
			total += d->len;
	}
	if (ok && !sl->arena) {
		sl->arena = malloc(ARENA_LEN);
		ok = sl->arena != NULL;
	}
	if (ok && total > ARENA_LEN - sl->arena_used) {
		if (sl->arena_used)
			return 0; /* the next batch has room */
		ok = false;       /* larger than any frame can be */
	}
	to = ok ? sl->arena + sl->arena_used : NULL;
	for (uint32_t m = i; m <= j; m++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(a->rx, idx + m);

		if (d->addr >= a->mem.area_len)
			continue;
		if (ok) {
			memcpy(to, a->mem.area + d->addr, d->len);
			to += d->len;
		}
		a->rejects[ps->nrej++] = d->addr;
	}
	ps->frames++;
	if (!ok) {
		ps->bad++;
		return j - i + 1;
	}
	if (keep_frame(a, ps, &sl->frames[ps->k], sl->arena + sl->arena_used, total,
		       (first->addr & (a->mem.chunk - 1)) >= META_LEN ? a->mem.area + first->addr :
								      NULL)) {
		ps->k++;
		sl->arena_used += total;
	}
	return j - i + 1;
}

static int xdp_next(struct rc_source *s, struct rc_batch *ret)
{
	struct afxdp *a = AFX(s);

	if (__atomic_load_n(&a->filter_gen, __ATOMIC_ACQUIRE) != a->filter_gen_seen)
		take_new_filter(a);
	for (;;) {
		struct batch_slot *sl = free_slot(a);
		struct pass ps = { 0 };
		uint32_t ready, n, idx, used;

		if (!sl)
			return 0; /* every slot leased to an async sink */
		ready = rx_ready(a->rx);
		if (!ready || hold(a, ready))
			return 0;
		n = xsk_ring_cons__peek(a->rx, a->batch_max, &idx);
		if (!n)
			return 0;
		tai_refresh(a);
		sl->arena_used = 0;
		for (used = 0; used < n; used++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(a->rx, idx + used);
			uint64_t addr = d->addr, off = addr & (a->mem.chunk - 1);
			uint32_t len = d->len;

			if (used + PREFETCH_AHEAD < n) {
				const struct xdp_desc *ahead =
					xsk_ring_cons__rx_desc(a->rx, idx + used + PREFETCH_AHEAD);

				/* stamp and frame start share a line (UMEM_HEADROOM) */
				if (ahead->addr >= META_LEN && ahead->addr < a->mem.area_len)
					__builtin_prefetch(a->mem.area + ahead->addr - META_LEN);
			}
			if (rc_unlikely(d->options & XDP_PKT_CONTD)) {
				uint32_t took = take_multi(a, sl, &ps, idx, used, n);

				if (!took)
					break;
				used += took - 1;
				continue;
			}
			ps.frames++;
			/* the ring is shared with the kernel: check before use */
			if (rc_unlikely(!desc_ok(a, d))) {
				ps.bad++;
				if (addr < a->mem.area_len)
					a->rejects[ps.nrej++] = addr;
				continue;
			}
			if (!keep_frame(a, &ps, &sl->frames[ps.k], a->mem.area + addr, len,
					rc_likely(off >= META_LEN) ? a->mem.area + addr : NULL)) {
				a->rejects[ps.nrej++] = addr;
				continue;
			}
			sl->addrs[ps.naddr++] = addr;
			ps.k++;
		}
		/* a multi-buffer frame the peek cut, or no room left for it:
		 * its descriptors stay in the ring for the next pass */
		if (used < n)
			xsk_ring_cons__cancel(a->rx, n - used);
		xsk_ring_cons__release(a->rx, used);
		RC_COUNTER_ADD(a->taken, ps.frames);
		if (ps.nrej)
			rc_umem_give_back(&a->mem, a->rejects, ps.nrej);
		if (ps.nfilt)
			RC_COUNTER_ADD(a->filtered, ps.nfilt);
		if (ps.bad)
			RC_COUNTER_ADD(a->malformed, ps.bad);
		if (ps.nfall)
			RC_COUNTER_ADD(a->ts_fallback, ps.nfall);
		if (!ps.k) {
			if (!used)
				return 0; /* only the start of a frame so far */
			continue;
		}
		/* the frames' own chunks; those of multi-buffer frames went back */
		sl->n = ps.naddr;
		rc_lease_begin(&sl->lease, RC_COUNTER_GET(a->batches));
		RC_COUNTER_ADD(a->frames, ps.k);
		RC_COUNTER_ADD(a->bytes, ps.bytes);
		RC_COUNTER_ADD(a->batches, 1);
		ret->frames = sl->frames;
		ret->n = ps.k;
		ret->lease = &sl->lease;
		ret->bytes = ps.bytes;
		return 1;
	}
}

static void xdp_done(struct rc_source *s, struct rc_batch *b)
{
	(void)s;
	rc_lease_put(b->lease);
}

/* The socket reports ENETDOWN when its interface is unregistered. */
static int device_gone(struct afxdp *a)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == ENETDOWN)
		return -ENODEV;
	if ((int)if_nametoindex(a->ifname) != a->ifindex)
		return -ENODEV;
	return soerr ? -soerr : 0;
}

static bool any_slot_free(struct afxdp *a)
{
	for (unsigned i = 0; i < NSLOTS; i++)
		if (!rc_lease_held(&a->slots[i].lease))
			return true;
	return false;
}

/* Sleep until @until (CLOCK_MONOTONIC) unless @wake_fd wakes us first. */
static void nap(int wake_fd, int64_t until)
{
	int64_t left = until - (int64_t)rc_clock_ns(CLOCK_MONOTONIC);
	struct timespec ts;
	struct pollfd pfd = { .fd = wake_fd, .events = POLLIN };

	if (left <= 0)
		return;
	ts = rc_timespec((uint64_t)left);
	if (wake_fd >= 0)
		ppoll(&pfd, 1, &ts, NULL);
	else
		nanosleep(&ts, NULL);
}

static int xdp_wait(struct rc_source *s, int wake_fd, int timeout_ms)
{
	struct afxdp *a = AFX(s);
	struct pollfd pfd[2] = {
		{ .fd = a->fd, .events = POLLIN | POLLRDNORM },
		{ .fd = wake_fd, .events = POLLIN },
	};
	int n;

	if (rx_ready(a->rx)) {
		if (!any_slot_free(a)) {
			/* frames wait, but every slot is leased to an async
			 * sink: nap instead of spinning */
			if (timeout_ms > 0)
				nap(wake_fd, (int64_t)rc_clock_ns(CLOCK_MONOTONIC) + 1000000);
		} else if (a->hold_until) {
			nap(wake_fd, RC_MIN(a->hold_until, (int64_t)rc_clock_ns(CLOCK_MONOTONIC) +
						     (int64_t)timeout_ms * 1000000));
		}
		return 1;
	}
	a->hold_until = 0;
	if (a->fd < 0) {
		nap(wake_fd, (int64_t)rc_clock_ns(CLOCK_MONOTONIC) +
				     (int64_t)RC_MIN(timeout_ms, 1) * 1000000);
		return 0;
	}
	/* poll() also wakes a zero-copy driver that waits for FILL entries */
	n = poll(pfd, wake_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (pfd[0].revents & POLLNVAL)
		return -EBADF;
	if (n == 0 || (pfd[0].revents & POLLERR)) {
		int r = device_gone(a);

		return r < 0 ? r : 0;
	}
	return (pfd[0].revents & (POLLIN | POLLRDNORM)) ? 1 : 0;
}

static int xdp_quiesce(struct rc_source *s)
{
	struct afxdp *a = AFX(s);

	if (a->quiesced)
		return 0;
	if (a->prog) {
		int r = rc_xdp_prog_remove_socket(a->prog, a->queue);

		if (r < 0)
			return r;
	}
	a->quiesced = true;
	a->quiesce_ns = (int64_t)rc_clock_ns(CLOCK_MONOTONIC);
	return 0;
}

static int xsk_statistics(struct afxdp *a, struct xdp_statistics *ret)
{
	socklen_t len = sizeof(*ret);

	memset(ret, 0, sizeof(*ret));
	if (a->fd < 0)
		return 0;
	if (getsockopt(a->fd, SOL_XDP, XDP_STATISTICS, ret, &len) < 0)
		return -errno;
	return 0;
}

static bool xdp_drained(struct rc_source *s)
{
	struct afxdp *a = AFX(s);
	struct rc_xdp_counters c;
	struct xdp_statistics st;

	if (!a->quiesced || xsk_cons_nb_avail(a->rx, 1))
		return false;
	if (!a->prog)
		return true;
	/* a frame redirected just before the entry went may still be on its
	 * way into the ring: wait until it is in, or counted as dropped */
	if (rc_xdp_prog_counters(a->prog, a->queue, &c) == 0 && xsk_statistics(a, &st) == 0 &&
	    RC_COUNTER_GET(a->taken) + st.rx_dropped + st.rx_ring_full >=
		    c.redirected - a->base_redirected)
		return true;
	return (int64_t)rc_clock_ns(CLOCK_MONOTONIC) - a->quiesce_ns >= DRAIN_GRACE_NS;
}

int rc_afxdp_stats(struct rc_source *s, struct rc_afxdp_stats *ret)
{
	struct afxdp *a = AFX(s);
	struct rc_xdp_counters c = { 0 };
	struct xdp_statistics st;
	int r, r2 = 0;

	memset(ret, 0, sizeof(*ret));
	/* ours first, the kernel's after: "redirected" is never behind */
	ret->filtered = RC_COUNTER_GET(a->filtered);
	ret->ts_fallback = RC_COUNTER_GET(a->ts_fallback);
	ret->batches = RC_COUNTER_GET(a->batches);
	r = xsk_statistics(a, &st);
	ret->rx_dropped = st.rx_dropped;
	ret->rx_ring_full = st.rx_ring_full;
	ret->fill_empty = st.rx_fill_ring_empty_descs;
	ret->invalid_descs = st.rx_invalid_descs;
	if (a->prog) {
		r2 = rc_xdp_prog_counters(a->prog, a->queue, &c);
		ret->redirected = c.redirected - a->base_redirected;
		ret->kernel_filtered = c.filtered - a->base_filtered;
	} else {
		ret->redirected = RC_COUNTER_GET(a->taken);
	}
	return r < 0 ? r : r2;
}

static int xdp_stats(struct rc_source *s, struct rc_source_stats *ret)
{
	struct afxdp *a = AFX(s);
	struct rc_afxdp_stats x;
	uint64_t frames = RC_COUNTER_GET(a->frames);
	uint64_t bytes = RC_COUNTER_GET(a->bytes);
	int r;

	r = rc_afxdp_stats(s, &x);
	memset(ret, 0, sizeof(*ret));
	ret->frames = frames;
	ret->bytes = bytes;
	ret->kernel_drops = x.rx_dropped + x.rx_ring_full;
	/* like PACKET_STATISTICS' tp_packets: what got past the filter,
	 * dropped or not; the filter runs here, so take its rejects out */
	ret->received = x.redirected > x.filtered ? x.redirected - x.filtered : 0;
	ret->blocks = x.batches;
	ret->malformed = RC_COUNTER_GET(a->malformed);
	ret->xdp_filtered = x.filtered;
	ret->xdp_kernel_filtered = x.kernel_filtered;
	ret->xdp_fill_empty = x.fill_empty;
	ret->xdp_invalid_descs = x.invalid_descs;
	ret->xdp_ring_full = x.rx_ring_full;
	ret->xdp_ts_fallback = x.ts_fallback;
	return r;
}

/* The user-space filter the worker takes before the next frame it looks
 * at (NULL: none). */
static void hand_over_filter(struct afxdp *a, struct bpf_program *p)
{
	struct bpf_program *old;

	pthread_mutex_lock(&a->filter_lock);
	old = a->filter_next;
	a->filter_next = p;
	__atomic_store_n(&a->filter_gen, a->filter_gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&a->filter_lock);
	rc_filter_free(old);
}

/*
 * Where @expr runs: in the XDP program (1), or here (0, the reason in
 * @why).  -errno with a message in @err when it runs nowhere: libpcap
 * refused it, it reads what AF_XDP cannot know, or only user space could
 * run it but the port is shared.  Each frame meets the old filter or the
 * new one, or, while they change places between the program and here,
 * both: none is taken that neither accepts.
 */
int rc_afxdp_place_filter(struct afxdp *a, const char *expr, char *why, size_t whylen,
			  char *err, size_t errlen)
{
	struct bpf_program *p = NULL;
	int r;

	/* user space's copy first: it also checks the expression */
	r = rc_filter_new(expr, a->base.dlt, a->base.snaplen, &p, err, errlen);
	if (r < 0)
		return r;
	if (!a->prog) {
		hand_over_filter(a, p);
		return 0;
	}
	r = rc_xdp_prog_set_filter(a->prog, expr, a->base.snaplen, why, whylen);
	if (r == 1) {
		rc_filter_free(p);
		hand_over_filter(a, NULL);
		return 1;
	}
	if (r < 0) {
		rc_filter_free(p);
		if (r == -EPROTONOSUPPORT)
			return rc_source_fail(err, errlen, -EINVAL,
					      "the capture filter cannot be used with AF_XDP: it reads %s",
					      strstr(why, "reads ") ? strstr(why, "reads ") + 6 : why);
		return rc_source_fail(err, errlen, r, "the capture filter: %s", why);
	}
	if (!a->dedicated) {
		rc_filter_free(p);
		return rc_source_fail(err, errlen, -EINVAL,
				      "the capture filter cannot run in the XDP program (%s); with "
				      "--take-matching every frame would then be taken from the host: "
				      "capture with afpacket, or on a dedicated capture port with "
				      "--dedicated-port", why);
	}
	hand_over_filter(a, p);
	rc_xdp_prog_filter_ready(a->prog);
	return 0;
}

static int xdp_set_filter(struct rc_source *s, const char *expr, char *err, size_t errlen)
{
	char why[512];
	int r;

	if (!AFX(s)->dedicated && (!expr || !expr[0]))
		return rc_source_fail(err, errlen, -EINVAL,
				      "an AF_XDP capture with --take-matching needs a filter");
	r = rc_afxdp_place_filter(AFX(s), expr, why, sizeof(why), err, errlen);
	if (r < 0)
		return r;
	if (r == 0 && AFX(s)->prog && expr && expr[0] && AFX(s)->queue == 0) {
		/* said once per capture: by its first queue */
		snprintf(err, errlen, "the capture filter cannot run in the XDP program (%s): it "
			 "runs in user space, on every frame of the port", why);
		return 1;
	}
	return 0;
}

/* The UMEM, which RDMA forwarding registers and sends frames from by
 * gather lists; a batch is never one block (its frames are scattered over
 * the UMEM's chunks).  A UMEM in the caller's memory (rc_afxdp_open_mem)
 * is not offered. */
static int xdp_export(struct rc_source *s, const struct rc_batch *b, struct rc_export *ret)
{
	struct afxdp *a = AFX(s);

	(void)b;
	if (!a->mem.xsk_umem || a->sg)
		return -ENODATA;
	ret->mem = a->mem.area;
	ret->mem_len = a->mem.area_len;
	return 0;
}

static void xdp_free(struct rc_source *s)
{
	struct afxdp *a = AFX(s);

	if (!a)
		return;
	/* closing the socket takes it out of the XSKMAP: the queue's frames
	 * go to the stack from here on */
	if (a->xsk)
		xsk_socket__delete(a->xsk);
	rc_umem_fini(&a->mem);
	rc_xdp_prog_put(a->prog);
	if (a->slots)
		for (unsigned i = 0; i < NSLOTS; i++) {
			free(a->slots[i].addrs);
			free(a->slots[i].frames);
			free(a->slots[i].arena);
		}
	free(a->slots);
	free(a->rejects);
	rc_filter_free(a->filter);
	rc_filter_free(a->filter_next);
	pthread_mutex_destroy(&a->filter_lock);
	free(a);
}

const struct rc_source_ops rc_afxdp_ops = {
	.name = "afxdp",
	.next = xdp_next,
	.wait = xdp_wait,
	.done = xdp_done,
	.quiesce = xdp_quiesce,
	.drained = xdp_drained,
	.stats = xdp_stats,
	.set_filter = xdp_set_filter,
	.export = xdp_export,
	.free = xdp_free,
};

void rc_afxdp_set_tai_offset(struct rc_source *s, int64_t offset_ns)
{
	AFX(s)->tai_off = offset_ns;
	AFX(s)->tai_fixed = true;
}

#endif /* RC_HAVE_AFXDP */
