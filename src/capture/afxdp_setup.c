// SPDX-License-Identifier: MIT
/*
 * AF_XDP source, the set-up half; see afxdp.h for the contract and
 * afxdp.c for the running source.
 *
 * Set-up is a row of small steps (check → resolve → link → umem →
 * program → filter → socket → slots and fill → map), each failing with a
 * message that names it.  Frames start to flow only at the last step, when
 * the socket enters the program's XSKMAP; the capture filter is in the
 * program before that.
 *
 * The consent: AF_XDP takes the frames it captures from the host, so
 * nothing is set up without the operator's word, --dedicated-port (every
 * frame) or --take-matching (those that match the filter, which must then
 * run in the XDP program).  The link step decides whether frames need
 * more than one UMEM frame (multi-buffer AF_XDP); the socket step finds
 * out whether the kernel and driver allow it, and a refusal says what to
 * do, in flags the command line takes.
 *
 * Threads: the owner's.
 */
#include "afxdp_priv.h"

#ifdef RC_HAVE_AFXDP

#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/stopsig.h"
#include "filter.h"

/* The consent, as this module checks it for every front end (the CLI and
 * the YAML check it first, in their own words). */
#define RC_AFXDP_CONSENT \
	"AF_XDP takes the frames it captures away from the host's network stack: on a " \
	"dedicated capture port (SPAN/TAP) say so with --dedicated-port (YAML xdp: " \
	"{ dedicated_port: true }) and every frame is taken; on a port the host uses, give a " \
	"filter and --take-matching (YAML xdp: { take_matching: true }): the frames that match " \
	"it are taken from the host, the others reach it as before"
#define RC_AFXDP_CONSENT_BOTH \
	"--dedicated-port and --take-matching (dedicated_port and take_matching) exclude each " \
	"other: a dedicated port gives every frame to the capture, --take-matching only the " \
	"frames that match the filter"
#define RC_AFXDP_CONSENT_FILTER \
	"--take-matching (take_matching: true) takes the frames that match the capture " \
	"filter from the host: give a filter"
/* the largest frame of an MTU: the Ethernet header and one VLAN tag more */
#define FRAME_OVER_MTU 18u

/* ------------------------------------------------------------------ */
/* set-up steps                                                        */

/* What one UMEM frame of @frame_size bytes holds of a frame. */
static uint32_t frame_room(uint32_t frame_size)
{
	return frame_size - XDP_PACKET_HEADROOM - UMEM_HEADROOM;
}

static int step_check(const struct rc_capture_conf *c, char *err, size_t errlen)
{
	const struct rc_xdp_conf *x = &c->xdp;

	if (!x->dedicated_port && !x->take_matching)
		return rc_source_fail(err, errlen, -EINVAL, "%s", RC_AFXDP_CONSENT);
	if (x->dedicated_port && x->take_matching)
		return rc_source_fail(err, errlen, -EINVAL, "%s", RC_AFXDP_CONSENT_BOTH);
	if (x->take_matching && (!c->filter || !c->filter[0]))
		return rc_source_fail(err, errlen, -EINVAL, "%s", RC_AFXDP_CONSENT_FILTER);
	if (x->frame_size != 2048 && x->frame_size != 4096)
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP frame size %u is not a UMEM frame size (2048 or 4096)",
			    x->frame_size);
	if (x->ring_size < 64 || x->ring_size > (1u << 20) || (x->ring_size & (x->ring_size - 1)))
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP ring size %u is not a power of two between 64 and 1048576",
			    x->ring_size);
	if (x->frame_count < 64 || x->frame_count > (1u << 22))
		return rc_source_fail(err, errlen, -EINVAL,
			    "AF_XDP frame count %u is not between 64 and 4194304", x->frame_count);
	if (!c->snaplen)
		return rc_source_fail(err, errlen, -EINVAL, "snaplen 0 is not a capture length");
	return 0;
}

/* Batch slots and the first FILL entries. */
static int step_slots(struct afxdp *a, const struct rc_capture_conf *c)
{
	a->batch_max = RC_MIN(BATCH_MAX, c->xdp.ring_size);
	a->slots = calloc(NSLOTS, sizeof(*a->slots));
	a->rejects = calloc(a->batch_max, sizeof(*a->rejects));
	if (!a->slots || !a->rejects)
		return -ENOMEM;
	for (unsigned i = 0; i < NSLOTS; i++) {
		rc_lease_init(&a->slots[i].lease, &a->owner, i);
		a->slots[i].addrs = calloc(a->batch_max, sizeof(uint64_t));
		a->slots[i].frames = calloc(a->batch_max, sizeof(struct rc_frame));
		if (!a->slots[i].addrs || !a->slots[i].frames)
			return -ENOMEM;
	}
	return rc_umem_fill_all(&a->mem);
}

static void afxdp_freep(struct afxdp **a)
{
	if (*a)
		rc_afxdp_ops.free(&(*a)->base);
}

static struct afxdp *afxdp_alloc(const struct rc_capture_conf *c)
{
	_cleanup_(afxdp_freep) struct afxdp *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fd = -1;
	a->base.ops = &rc_afxdp_ops;
	a->owner.release = rc_afxdp_slot_release;
	a->base.dlt = DLT_EN10MB;
	a->base.snaplen = c->snaplen;
	a->base.ifaces = &a->iface;
	a->base.n_ifaces = 1;
	a->base.poll_fd = -1;
	a->dedicated = c->xdp.dedicated_port;
	a->tai_off = rc_afxdp_measure_tai_offset();
	a->tai_next_ns = (int64_t)rc_clock_ns(CLOCK_MONOTONIC_COARSE) + TAI_REFRESH_NS;
	a->hold_ns = HOLD_START_NS;
	pthread_mutex_init(&a->filter_lock, NULL);
	if (rc_umem_init(&a->mem, c->xdp.frame_size, c->xdp.frame_count) < 0)
		return NULL;
	return TAKE_PTR(a);
}

/*
 * Ethernet only; and does a frame fit one UMEM chunk after the kernel's
 * headroom?  The largest frame is the MTU plus the Ethernet header and one
 * VLAN tag.  One that does not fit needs multi-buffer AF_XDP (a->sg);
 * whether the kernel and driver allow it shows at bind.
 */
static int step_link(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		     size_t errlen)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return rc_source_fail(err, errlen, -errno, "socket(AF_INET): %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return rc_source_fail(err, errlen, -errno, "cannot read the link type of %s: %s", a->ifname,
			    strerror(errno));
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return rc_source_fail(err, errlen, -EPROTONOSUPPORT,
			    "%s has link type %u (ARPHRD); AF_XDP capture supports Ethernet "
			    "interfaces only (use afpacket)", a->ifname, ifr.ifr_hwaddr.sa_family);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return rc_source_fail(err, errlen, -errno, "cannot read the MTU of %s: %s", a->ifname,
			    strerror(errno));
	a->mtu = (uint32_t)ifr.ifr_mtu;
	a->sg = a->mtu + FRAME_OVER_MTU > frame_room(c->xdp.frame_size);
	return 0;
}

/* The message for an MTU that needs multi-buffer AF_XDP where it was
 * refused (@why); returns -EINVAL.  Its advice works from the CLI as it
 * stands: the MTU it names fits the frame size in use. */
static int sg_refused(struct afxdp *a, const struct rc_capture_conf *c, const char *why,
		      char *err, size_t errlen)
{
	uint32_t room = frame_room(c->xdp.frame_size), room4k = frame_room(4096);
	char bigger[64] = "";

	if (c->xdp.frame_size < 4096)
		snprintf(bigger, sizeof(bigger), "; with --xdp-frame-size 4096, up to %u",
			 room4k - FRAME_OVER_MTU);
	if (c->xdp.frame_size < 4096 && a->mtu + FRAME_OVER_MTU <= room4k)
		return rc_source_fail(err, errlen, -EINVAL,
			    "the MTU of %s (%u) is too large for AF_XDP frames of %u bytes, which "
			    "hold frames of up to %u bytes, and multi-buffer AF_XDP is refused here "
			    "(%s): use --xdp-frame-size 4096 (YAML xdp: { frame_size: 4096 })",
			    a->ifname, a->mtu, c->xdp.frame_size, room, why);
	return rc_source_fail(err, errlen, -EINVAL,
		    "the MTU of %s (%u) is too large for AF_XDP frames of %u bytes, which hold "
		    "frames of up to %u bytes, and multi-buffer AF_XDP (XDP_USE_SG: Linux 6.6 or "
		    "later and a driver that supports it) is refused here (%s): lower the MTU "
		    "(ip link set dev %s mtu %u%s) or capture with --backend afpacket",
		    a->ifname, a->mtu, c->xdp.frame_size, room, why, a->ifname,
		    room - FRAME_OVER_MTU, bigger);
}

static int step_umem(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		     size_t errlen)
{
	int r;

	r = rc_umem_map(&a->mem);
	if (r < 0)
		return rc_source_fail(err, errlen, r, "allocating the %llu MiB UMEM for %s queue %u: %s",
			    (unsigned long long)(a->mem.area_len >> 20), a->ifname, a->queue,
			    strerror(-r));
	r = rc_umem_register(&a->mem, c->xdp.ring_size, UMEM_HEADROOM);
	if (r < 0 && !a->mem.xsk_umem) {
		if (rc_xdp_is_perm(r))
			return rc_xdp_fail_perm(err, errlen, a->ifname, "socket(AF_XDP)");
		if (r == -ENOBUFS || r == -ENOMEM)
			return rc_source_fail(err, errlen, -ENOBUFS,
				    "registering the %llu MiB UMEM for %s queue %u: %s; the UMEM is "
				    "locked in memory: grant CAP_IPC_LOCK, raise RLIMIT_MEMLOCK "
				    "(LimitMEMLOCK=) or lower frame_count",
				    (unsigned long long)(a->mem.area_len >> 20), a->ifname, a->queue,
				    strerror(-r));
		return rc_source_fail(err, errlen, r, "registering the UMEM for %s queue %u: %s", a->ifname,
			    a->queue, strerror(-r));
	}
	if (r < 0)
		return rc_source_fail(err, errlen, r, "FD_CLOEXEC on the AF_XDP socket: %s",
			    strerror(-r));
	return 0;
}

/*
 * Make the socket and bind it to the queue.  A socket that had the queue
 * (this capture's own, just stopped by a restart or a reload) lets go of
 * it in a kernel work item that runs after the socket is gone; until it
 * has run, a bind is refused with EBUSY.  On a busy machine that takes
 * milliseconds, so EBUSY is tried again for up to BIND_BUSY_NS before it
 * is taken to mean that another socket has the queue.  The failed attempt
 * left the UMEM's socket with an RX ring that cannot be set twice: the
 * UMEM is registered again (same memory) for the next.
 *
 * Both programs block their signals (they read them from a signalfd)
 * before set-up starts, so a stop signal sent meanwhile waits, pending:
 * the wait looks for one (rc_stop_pending) and gives up with -ECANCELED,
 * and the caller stops cleanly (the XDP program detached) instead of
 * after the whole wait.
 */
#define BIND_BUSY_NS 2000000000ULL
#define BIND_BUSY_STEP_NS 10000000ULL

static int bind_queue(struct afxdp *a, const struct rc_capture_conf *c,
		      const struct xsk_socket_config *cfg)
{
	const struct timespec step = rc_timespec(BIND_BUSY_STEP_NS);
	uint64_t end = rc_clock_ns(CLOCK_MONOTONIC) + BIND_BUSY_NS;
	int r;

	for (;;) {
		r = xsk_socket__create(&a->xsk, a->ifname, a->queue, a->mem.xsk_umem, &a->rx_own,
				       NULL, cfg);
		if (r != -EBUSY || rc_clock_ns(CLOCK_MONOTONIC) >= end)
			return r;
		if (rc_stop_pending())
			return -ECANCELED;
		a->xsk = NULL;
		xsk_umem__delete(a->mem.xsk_umem);
		a->mem.xsk_umem = NULL;
		nanosleep(&step, NULL);
		r = rc_umem_register(&a->mem, c->xdp.ring_size, UMEM_HEADROOM);
		if (r < 0)
			return r;
	}
}

/*
 * Bind without XDP_ZEROCOPY or XDP_COPY: the kernel tries zero-copy and
 * falls back to copy mode by itself when the driver cannot; XDP_OPTIONS
 * then says which one it chose.
 */
static int step_socket(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		       size_t errlen)
{
	struct xsk_socket_config cfg = {
		.rx_size = c->xdp.ring_size,
		.tx_size = 0,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = XDP_USE_NEED_WAKEUP | (a->sg ? XDP_USE_SG : 0),
	};
	struct xdp_options opts = { 0 };
	socklen_t len = sizeof(opts);
	bool zc;
	int r;

	/* for tests: a kernel or driver without multi-buffer AF_XDP */
	if (a->sg && getenv("RINGCAP_TEST_NO_SG"))
		return sg_refused(a, c, "RINGCAP_TEST_NO_SG is set", err, errlen);
	r = bind_queue(a, c, &cfg);
	if (r < 0) {
		a->xsk = NULL;
		if (rc_xdp_is_perm(r))
			return rc_xdp_fail_perm(err, errlen, a->ifname, "binding the AF_XDP socket");
		if (a->sg && (r == -EINVAL || r == -EOPNOTSUPP))
			return sg_refused(a, c, strerror(-r), err, errlen);
		if (r == -ECANCELED)
			return rc_source_fail(err, errlen, r,
				    "asked to stop while waiting for %s queue %u, which another AF_XDP "
				    "socket had", a->ifname, a->queue);
		if (r == -EBUSY)
			return rc_source_fail(err, errlen, r,
				    "binding an AF_XDP socket to %s queue %u: %s for %llu s: another "
				    "AF_XDP socket has the queue", a->ifname, a->queue, strerror(-r),
				    BIND_BUSY_NS / 1000000000ULL);
		return rc_source_fail(err, errlen, r, "binding an AF_XDP socket to %s queue %u: %s",
			    a->ifname, a->queue, strerror(-r));
	}
	a->rx = &a->rx_own;
	a->fd = xsk_socket__fd(a->xsk);
	a->mem.wake_fd = a->fd;
	zc = getsockopt(a->fd, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0 &&
	     (opts.flags & XDP_OPTIONS_ZEROCOPY);
	rc_source_note(&a->base, "queue %u: %s, UMEM of %llu MiB on %s%s", a->queue,
	     zc ? "zero-copy" : "copy mode (the driver has no zero-copy AF_XDP)",
	     (unsigned long long)(a->mem.area_len >> 20),
	     a->mem.pages, a->sg ? ", multi-buffer (frames larger than a UMEM frame)" : "");
	return 0;
}

static int step_filter(struct afxdp *a, const struct rc_capture_conf *c, char *err,
		       size_t errlen)
{
	char why[512] = "";
	int r = rc_afxdp_place_filter(a, c->filter, why, sizeof(why), err, errlen);

	if (r < 0 || !c->filter || !c->filter[0] || a->queue != 0)
		return r < 0 ? r : 0;
	if (r == 1)
		rc_source_note(&a->base, "the capture filter runs in the XDP program%s",
			       a->dedicated ? " (frames it rejects are dropped: --dedicated-port)" :
			       ": frames it rejects go on to the host");
	else
		rc_source_note(&a->base, "the capture filter cannot run in the XDP program (%s): it "
			       "runs in user space, on every frame of the port", why);
	return 0;
}

/* What pcapng's interface block says about it. */
static void describe(struct afxdp *a)
{
	snprintf(a->iface.name, sizeof(a->iface.name), "%s", a->ifname);
	snprintf(a->iface.desc, sizeof(a->iface.desc), "%s queue %u, AF_XDP", a->ifname, a->queue);
	a->iface.dlt = a->base.dlt;
	a->iface.snaplen = a->base.snaplen;
	a->iface.ifindex = a->ifindex;
}

int rc_afxdp_queue_count(const char *iface)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	char path[64 + IF_NAMESIZE];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (!iface || !iface[0] || strlen(iface) >= IF_NAMESIZE || !if_nametoindex(iface))
		return -ENODEV;
	{
		_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd >= 0) {
			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
			ifr.ifr_data = (void *)&ch;
			if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
				n = (int)(ch.rx_count + ch.combined_count);
		}
	}
	if (n > 0)
		return n;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", iface);
	d = opendir(path);
	if (!d)
		return 1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "rx-", 3))
			n++;
	closedir(d);
	return n > 0 ? n : 1;
}

int rc_afxdp_open(const struct rc_capture_conf *c, unsigned queue, struct rc_source **ret,
		  char *err, size_t errlen)
{
	_cleanup_(afxdp_freep) struct afxdp *a = NULL;
	struct rc_xdp_counters cnt;
	int r, nq;

	r = step_check(c, err, errlen);
	if (r < 0)
		return r;
	if (!c->iface || !c->iface[0] || strlen(c->iface) >= IF_NAMESIZE)
		return rc_source_fail(err, errlen, -ENODEV, "interface name '%s' is not valid",
			    c->iface ? c->iface : "");
	a = afxdp_alloc(c);
	if (!a)
		return -ENOMEM;
	a->queue = queue;
	snprintf(a->ifname, sizeof(a->ifname), "%s", c->iface);

	/* resolve */
	a->ifindex = (int)if_nametoindex(a->ifname);
	if (a->ifindex == 0)
		return rc_source_fail(err, errlen, -ENODEV, "no such interface: %s", a->ifname);
	r = step_link(a, c, err, errlen);
	if (r < 0)
		return r;
	nq = rc_afxdp_queue_count(a->ifname);
	if (nq > 0 && queue >= (unsigned)nq)
		return rc_source_fail(err, errlen, -EINVAL, "%s has %d RX queue%s; there is no queue %u",
			 a->ifname, nq, nq == 1 ? "" : "s", queue);
	r = step_umem(a, c, err, errlen);
	if (r < 0)
		return r;
	/* attach (or share) the interface's program */
	r = rc_xdp_prog_get(c, a->ifindex, a->ifname, a->sg, &a->base, &a->prog, err, errlen);
	if (r < 0)
		return r;
	if (queue >= rc_xdp_prog_max_queues(a->prog))
		return rc_source_fail(err, errlen, -EINVAL, "AF_XDP capture handles queues 0 to %u; not %u",
			 rc_xdp_prog_max_queues(a->prog) - 1, queue);
	/* filter: in the program before any frame can reach the socket */
	r = step_filter(a, c, err, errlen);
	if (r < 0)
		return r;
	r = step_socket(a, c, err, errlen);
	if (r < 0)
		return r;
	r = step_slots(a, c);
	if (r < 0)
		return rc_source_fail(err, errlen, r, "setting up the batches of %s queue %u: %s",
				      a->ifname, queue, strerror(-r));
	/* map: from here on, frames flow.  The counter is read first, so
	 * that every frame redirected to this socket is counted. */
	r = rc_xdp_prog_counters(a->prog, queue, &cnt);
	if (r < 0)
		return rc_source_fail(err, errlen, r, "reading the XDP program's counters: %s",
				      strerror(-r));
	a->base_redirected = cnt.redirected;
	a->base_filtered = cnt.filtered;
	r = rc_xdp_prog_add_socket(a->prog, a->xsk);
	if (r < 0)
		return rc_source_fail(err, errlen, r,
				      "adding the AF_XDP socket of %s queue %u to the XSKMAP: %s",
				      a->ifname, queue, strerror(-r));
	describe(a);
	*ret = &TAKE_PTR(a)->base;
	return 0;
}

int rc_afxdp_open_mem(const struct rc_capture_conf *c, void *umem, uint64_t umem_len,
		      struct xsk_ring_cons *rx, struct xsk_ring_prod *fill,
		      struct rc_source **ret, char *err, size_t errlen)
{
	_cleanup_(afxdp_freep) struct afxdp *a = NULL;
	int r;

	r = step_check(c, err, errlen);
	if (r < 0)
		return r;
	if ((uint64_t)c->xdp.frame_count * c->xdp.frame_size > umem_len)
		return rc_source_fail(err, errlen, -EINVAL, "the UMEM is smaller than %u frames of %u bytes",
			    c->xdp.frame_count, c->xdp.frame_size);
	a = afxdp_alloc(c);
	if (!a)
		return -ENOMEM;
	snprintf(a->ifname, sizeof(a->ifname), "%s", c->iface ? c->iface : "mem");
	rc_umem_use(&a->mem, umem, fill);
	a->rx = rx;
	r = rc_filter_new(c->filter, a->base.dlt, c->snaplen, &a->filter, err, errlen);
	if (r == 0)
		r = step_slots(a, c);
	if (r < 0) {
		if (!err[0])
			rc_source_fail(err, errlen, r, "setting up the batches: %s", strerror(-r));
		return r;
	}
	describe(a);
	*ret = &TAKE_PTR(a)->base;
	return 0;
}

#endif /* RC_HAVE_AFXDP */
