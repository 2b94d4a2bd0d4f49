// SPDX-License-Identifier: MIT
/*
 * AF_PACKET TPACKET_V3 source.
 *
 * Owns one packet socket and its mmap'd RX ring.  Set-up is a row of small
 * steps (resolve → socket → link type → filter → version → ring → mmap →
 * bind → fanout → promisc), each failing with a message that names it.
 *
 * The socket is created with protocol 0, so the kernel delivers nothing to
 * it until bind(); the filter is attached before that, which is why no
 * frame that fails the filter can ever be in the ring.  A socket that is
 * to join a PACKET_FANOUT group binds with a drop-everything filter and
 * gets its real one only once it is in the group: between bind() and the
 * join it would otherwise receive every frame of the interface, and the
 * group's other members receive them too (each frame twice).  The caller
 * arms the members with set_filter() once all of them have joined, so
 * that the capture starts on all of them at once.  On loopback
 * the kernel rejects the outgoing copy of each frame (as libpcap does).
 *
 * "any" is a cooked (SOCK_DGRAM) socket bound to every interface: frames
 * come from their network header on, and the block walker puts a
 * LINUX_SLL2 header in front of each (interface index, direction), as
 * libpcap does; the filter, compiled for LINUX_SLL2, is rewritten for the
 * cooked socket (rc_filter_cook), or runs in user space when it cannot be.
 *
 * Losses are told where they happened: a block the kernel marks
 * TP_STATUS_LOSING comes after dropped frames, and its first frame carries
 * the count PACKET_STATISTICS gives (pcapng's epb_dropcount).
 *
 * Shutdown without loss: quiesce() swaps in a drop-everything filter, then
 * reads PACKET_STATISTICS; every frame the kernel put into the ring up to
 * then is (received - dropped), and the worker keeps walking until it has
 * seen that many.  The last partly filled block arrives when the kernel's
 * retire timer closes it.
 *
 * Wake-ups: a worker that keeps up sleeps in poll() after each block and
 * is woken by the kernel when the next one is closed.  Each wake-up costs
 * more than many frames do (measured on the 2-core VM this was written on:
 * about 50 us of the worker's CPU per sleep and wake-up, 9 % of the CPU
 * of a 64-byte-frame capture at one wake-up per 1 MiB block).  So a worker
 * whose last wake-up found blocks naps NAP_NS before it waits for the
 * socket, and then finds several blocks ready at once; not after a nap
 * that found nothing (slow traffic: it waits for the socket as before),
 * and only with a ring of NAP_MIN_RING bytes or more, which holds what a
 * burst at line rate brings during a nap.
 *
 * Threads: the worker calls everything except stats(), which any thread may
 * call (PACKET_STATISTICS resets on read, so totals are kept under a lock).
 */
#include "afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/sockios.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/counter.h"
#include "../common/stdfd.h"
#include "filter.h"
#include "tpv3.h"
#include "tstamp.h"

#define NAP_NS (10 * 1000000L)
#define NAP_MIN_RING (32ULL << 20)

struct afpacket {
	struct rc_source base;
	int fd;
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct rc_source_iface iface;
	void *map;
	size_t map_len;
	struct rc_tpv3_ring ring;
	uint64_t drain_target;
	bool quiesced;
	pthread_mutex_t lock;        /* guards the totals below */
	uint64_t received, drops, freeze_q;
	uint64_t drops_told;         /* of drops: told with a batch (worker only) */
	uint64_t link_down;
	bool loopback;               /* skip PACKET_OUTGOING: each frame once */
	bool any;                    /* every interface: a cooked socket, LINUX_SLL2 */
	unsigned since_wait;         /* blocks handed out since the last wait (worker) */
	bool nap_empty;              /* the last nap found nothing (worker) */
};

#define AFP(s) ((struct afpacket *)(s))

static int read_kernel_stats(struct afpacket *a)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	a->received += st.tp_packets;
	a->drops += st.tp_drops;
	a->freeze_q += st.tp_freeze_q_cnt;
	return 0;
}

static int afp_stats(struct rc_source *s, struct rc_source_stats *ret)
{
	struct afpacket *a = AFP(s);
	int r;

	pthread_mutex_lock(&a->lock);
	r = read_kernel_stats(a);
	ret->received = a->received;
	ret->kernel_drops = a->drops;
	ret->freeze_q = a->freeze_q;
	pthread_mutex_unlock(&a->lock);
	ret->frames = RC_COUNTER_GET(a->ring.st.frames);
	ret->bytes = RC_COUNTER_GET(a->ring.st.bytes);
	ret->blocks = RC_COUNTER_GET(a->ring.st.blocks);
	ret->empty_blocks = RC_COUNTER_GET(a->ring.st.empty_blocks);
	ret->seq_gaps = RC_COUNTER_GET(a->ring.st.seq_gaps);
	ret->malformed = RC_COUNTER_GET(a->ring.st.malformed);
	ret->vlan_restored = RC_COUNTER_GET(a->ring.st.vlan_restored);
	ret->link_down = RC_COUNTER_GET(a->link_down);
	return r;
}

static int afp_next(struct rc_source *s, struct rc_batch *ret)
{
	struct afpacket *a = AFP(s);
	int r;

	a->ring.want_dir = a->base.want_dir;
	r = rc_tpv3_ring_next(&a->ring, ret);
	a->since_wait += r == 1;

	if (rc_unlikely(r == 1 && a->ring.losing)) {
		a->ring.losing = false;
		/* The kernel dropped frames before this block and had not
		 * been asked since: ask now (it then stops marking blocks) and
		 * tell the drops not told yet with its first frame.  Another
		 * thread's stats() may have asked first: that count is in
		 * a->drops too. */
		pthread_mutex_lock(&a->lock);
		read_kernel_stats(a);
		ret->drops = a->drops - a->drops_told;
		a->drops_told = a->drops;
		pthread_mutex_unlock(&a->lock);
		ret->drops_at = 0;
	}
	return r;
}

static void afp_done(struct rc_source *s, struct rc_batch *b)
{
	(void)s;
	rc_lease_put(b->lease);
}

/* An error on the socket: the interface went down (the kernel re-attaches
 * us when it comes back up) or went away for good. */
static int socket_error(struct afpacket *a)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -errno;
	if (soerr == 0)
		return 1;
	if (soerr == ENETDOWN) {
		if ((int)if_nametoindex(a->ifname) == a->ifindex) {
			RC_COUNTER_ADD(a->link_down, 1);
			return 0;
		}
		return -ENODEV;
	}
	return -soerr;
}

static int afp_wait(struct rc_source *s, int wake_fd, int timeout_ms)
{
	struct afpacket *a = AFP(s);
	struct pollfd pfd[2] = {
		{ .fd = a->fd, .events = POLLIN | POLLRDNORM | POLLERR },
		{ .fd = wake_fd, .events = POLLIN },
	};
	int n;

	if (rc_tpv3_ring_ready(&a->ring))
		return 1;
	if (a->ring.blocked) {
		/* the next block is still leased to an async sink: the socket
		 * would poll readable at once, so nap instead of spinning */
		struct timespec ts = { 0, 1000000 };

		if (timeout_ms > 0)
			nanosleep(&ts, NULL);
		return 1;
	}
	/* keeping up: let blocks gather rather than wake for each (above) */
	if (a->since_wait && !a->nap_empty && timeout_ms > NAP_NS / 1000000 &&
	    (uint64_t)a->ring.block_nr * a->ring.block_size >= NAP_MIN_RING) {
		struct timespec ts = { 0, NAP_NS };

		a->since_wait = 0;
		nanosleep(&ts, NULL);
		if (rc_tpv3_ring_ready(&a->ring))
			return 1;
		a->nap_empty = true;
	} else {
		a->nap_empty = false;
	}
	a->since_wait = 0;
	n = poll(pfd, wake_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	if (pfd[0].revents & POLLERR)
		return socket_error(a);
	if (pfd[0].revents & POLLNVAL)
		return -EBADF;
	return pfd[0].revents ? 1 : 0;
}

static int afp_quiesce(struct rc_source *s)
{
	struct afpacket *a = AFP(s);
	int r;

	if (a->quiesced)
		return 0;
	r = rc_filter_attach_drop_all(a->fd);
	if (r < 0)
		return r;
	pthread_mutex_lock(&a->lock);
	r = read_kernel_stats(a);
	a->drain_target = a->received - a->drops;
	pthread_mutex_unlock(&a->lock);
	a->quiesced = true;
	return r;
}

static bool afp_drained(struct rc_source *s)
{
	struct afpacket *a = AFP(s);

	return a->quiesced && RC_COUNTER_GET(a->ring.st.frames) >= a->drain_target;
}

static int attach_fd(int fd, bool loopback, const struct bpf_program *prog)
{
	return loopback ? rc_filter_attach_no_outgoing(fd, prog) : rc_filter_attach(fd, prog);
}

static int attach(struct afpacket *a, const struct bpf_program *prog)
{
	return attach_fd(a->fd, a->loopback, prog);
}

/* The kernel program for @expr; on "any", rewritten for the cooked
 * socket (-ENOTSUP: it cannot run in the kernel, see rc_filter_cook). */
static int compile(struct afpacket *a, const char *expr, uint32_t snaplen,
		   struct bpf_program *prog, char *err, size_t errlen)
{
	int r = rc_filter_compile(expr, a->base.dlt, snaplen, prog, err, errlen);

	if (r < 0 || !a->any)
		return r;
	r = rc_filter_cook(prog);
	if (r < 0) {
		pcap_freecode(prog);
		snprintf(err, errlen, "the filter '%s' reads the LINUX_SLL2 link address or a "
			 "frame's length, which a cooked socket's kernel filter cannot see", expr);
	}
	return r;
}

static int afp_set_filter(struct rc_source *s, const char *expr, char *err, size_t errlen)
{
	struct afpacket *a = AFP(s);
	struct bpf_program prog = { 0 };
	int r;

	r = compile(a, expr, a->base.snaplen, &prog, err, errlen);
	if (r < 0)
		return r;
	/* one setsockopt swaps the program atomically: no frame goes unfiltered */
	r = attach(a, &prog);
	pcap_freecode(&prog);
	if (r < 0)
		snprintf(err, errlen, "attaching the filter on %s: %s", a->ifname, strerror(-r));
	return r;
}

/* The ring, registered whole by RDMA forwarding, and a batch's block when
 * the batch is still all of it. */
static int afp_export(struct rc_source *s, const struct rc_batch *b, struct rc_export *ret)
{
	struct afpacket *a = AFP(s);

	if (!a->map)
		return -ENODATA;
	ret->mem = a->map;
	ret->mem_len = (size_t)a->ring.block_nr * a->ring.block_size;
	ret->unit_max = a->ring.block_size;
	ret->unit = b ? rc_tpv3_ring_whole_block(&a->ring, b, &ret->unit_len) : NULL;
	if (!ret->unit)
		ret->unit_len = 0;
	return 0;
}

static void afp_free(struct rc_source *s)
{
	struct afpacket *a = AFP(s);

	if (!a)
		return;
	rc_tpv3_ring_fini(&a->ring);
	if (a->map)
		munmap(a->map, a->map_len);
	if (a->fd >= 0)
		close(a->fd);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static void afp_freep(struct afpacket **a)
{
	if (*a)
		afp_free(&(*a)->base);
}

static void pcap_freecodep(struct bpf_program *p)
{
	pcap_freecode(p);
}

static const struct rc_source_ops afpacket_ops = {
	.name = "afpacket",
	.next = afp_next,
	.wait = afp_wait,
	.done = afp_done,
	.quiesce = afp_quiesce,
	.drained = afp_drained,
	.stats = afp_stats,
	.set_filter = afp_set_filter,
	.export = afp_export,
	.free = afp_free,
};

static int step_link_type(struct afpacket *a, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };

	if (a->any) {
		/* frames of every link type, each behind a LINUX_SLL2 header */
		a->base.dlt = DLT_LINUX_SLL2;
		return 0;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->ifname);
	if (ioctl(a->fd, SIOCGIFHWADDR, &ifr) < 0)
		return rc_source_fail(err, errlen, -errno, "cannot read the link type of %s: %s", a->ifname,
			    strerror(errno));
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_LOOPBACK:
		a->loopback = true;
		a->base.dlt = DLT_EN10MB;
		return 0;
	case ARPHRD_ETHER:
		a->base.dlt = DLT_EN10MB;
		return 0;
	case ARPHRD_NONE:
		a->base.dlt = DLT_RAW;
		return 0;
	default:
		return rc_source_fail(err, errlen, -EPROTONOSUPPORT,
			    "%s has link type %u (ARPHRD), which ringcap cannot capture yet; "
			    "Ethernet, loopback and raw-IP (tun) interfaces are supported",
			    a->ifname, ifr.ifr_hwaddr.sa_family);
	}
}

/*
 * The longest frame a block holds.  The kernel cuts a frame to what fits
 * in one block after the block header (48 bytes) and the frame's offset
 * (tpacket3_hdr + sockaddr_ll, 16-byte aligned with at least 16 bytes of
 * link header room, plus our 4-byte reserve, less the link header): 3962
 * bytes in a 4 KiB block for Ethernet.  The files must not claim a longer
 * snapshot length than that, and the user is told.
 */
static void step_snaplen(struct afpacket *a, const struct rc_capture_conf *c)
{
	uint32_t maclen = a->base.dlt == DLT_EN10MB ? ETH_HLEN : 0;
	uint32_t hdr = TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll);
	uint32_t netoff = TPACKET_ALIGN(hdr + (maclen < 16 ? 16 : maclen)) + 4;
	uint32_t blk = TPACKET_ALIGN(sizeof(struct tpacket_block_desc));
	uint32_t fits = c->ring.block_size - blk - (netoff - maclen);
	struct ifreq ifr = { 0 };

	if (a->any) {
		/* a cooked frame starts at its network header, at
		 * TPACKET_ALIGN(hdr) + 16 + 4; the walker puts the 20-byte
		 * LINUX_SLL2 header in front of it */
		fits = c->ring.block_size - blk - ((uint32_t)TPACKET_ALIGN(hdr) + 16 + 4) + 20;
		a->base.snaplen = RC_MIN(fits, c->snaplen);
		return;
	}
	a->base.snaplen = c->snaplen;
	if (fits >= c->snaplen)
		return;
	/* a tag the kernel stripped comes back in the reserve: 4 more bytes */
	a->base.snaplen = RC_MIN(fits + 4, c->snaplen);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->ifname);
	/* worth a word when the interface's frames can be longer than that */
	if (ioctl(a->fd, SIOCGIFMTU, &ifr) == 0 && (uint32_t)ifr.ifr_mtu + maclen + 4 > fits)
		rc_source_note(&a->base, "frames longer than %u bytes are cut to %u (the MTU of %s "
			       "is %d): a ring block of %u bytes holds no more; a larger block "
			       "size keeps them whole", fits, fits, a->ifname, ifr.ifr_mtu,
			       c->ring.block_size);
}

/* What pcapng's interface block says about it: the name, and what
 * captures it (with the driver, when the kernel tells). */
static void describe(struct afpacket *a)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };

	snprintf(a->iface.name, sizeof(a->iface.name), "%s", a->ifname);
	a->iface.dlt = a->base.dlt;
	a->iface.snaplen = a->base.snaplen;
	a->iface.ifindex = a->ifindex;
	if (a->any) {
		snprintf(a->iface.desc, sizeof(a->iface.desc), "every interface, each frame with a "
			 "LINUX_SLL2 header (interface index, direction), AF_PACKET TPACKET_V3 ring");
		return;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->ifname);
	ifr.ifr_data = (void *)&di;
	if (ioctl(a->fd, SIOCETHTOOL, &ifr) == 0 && di.driver[0])
		snprintf(a->iface.desc, sizeof(a->iface.desc),
			 "%s (driver %.32s), AF_PACKET TPACKET_V3 ring", a->ifname, di.driver);
	else
		snprintf(a->iface.desc, sizeof(a->iface.desc), "%s, AF_PACKET TPACKET_V3 ring",
			 a->ifname);
}

/* The kernel may refuse a large ring (ENOMEM): halve the block count and
 * try again, down to two blocks, and say so. */
static int step_ring(struct afpacket *a, const struct rc_ring_conf *rc, uint32_t *ret_nr,
		     char *err, size_t errlen)
{
	uint32_t nr = rc->block_nr;

	for (;;) {
		struct tpacket_req3 req = {
			.tp_block_size = rc->block_size,
			.tp_block_nr = nr,
			.tp_frame_size = rc->frame_size,
			.tp_frame_nr = (rc->block_size / rc->frame_size) * nr,
			.tp_retire_blk_tov = rc->retire_tov_ms,
		};

		if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) == 0)
			break;
		if ((errno != ENOMEM && errno != ENOBUFS) || nr <= 2)
			return rc_source_fail(err, errlen, -errno,
				    "PACKET_RX_RING (%u blocks of %u bytes) on %s: %s", nr,
				    rc->block_size, a->ifname, strerror(errno));
		nr /= 2;
	}
	if (nr != rc->block_nr)
		rc_source_note(&a->base, "kernel refused a ring of %u blocks, shrunk to %u blocks",
		     rc->block_nr, nr);
	*ret_nr = nr;
	return 0;
}

static int step_mmap(struct afpacket *a, size_t len, char *err, size_t errlen)
{
	int flags = MAP_SHARED | MAP_POPULATE;

	a->map = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_LOCKED, a->fd, 0);
	if (a->map == MAP_FAILED) {
		int e = errno;

		a->map = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, a->fd, 0);
		if (a->map == MAP_FAILED) {
			a->map = NULL;
			return rc_source_fail(err, errlen, -errno, "mmap of the %zu-byte ring on %s: %s", len,
				    a->ifname, strerror(errno));
		}
		rc_source_note(&a->base, "ring not locked in memory (%s%s); it may be paged out under "
		     "memory pressure", strerror(e),
		     e == EPERM ? ": missing CAP_IPC_LOCK" :
		     (e == ENOMEM || e == EAGAIN) ? ": RLIMIT_MEMLOCK too low" : "");
	}
	a->map_len = len;
	return 0;
}

int rc_afpacket_open(const struct rc_capture_conf *c, struct rc_fanout *fanout,
		     struct rc_source **ret, char *err, size_t errlen)
{
	_cleanup_(afp_freep) struct afpacket *a = NULL;
	_cleanup_(pcap_freecodep) struct bpf_program prog = { 0 };
	struct sockaddr_ll sll = { 0 };
	int v, r;
	uint32_t nr = 0;

	if (!c->iface || strlen(c->iface) >= IF_NAMESIZE)
		return rc_source_fail(err, errlen, -ENODEV, "interface name '%s' is not valid",
			    c->iface ? c->iface : "");
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	a->base.ops = &afpacket_ops;
	a->base.snaplen = c->snaplen;  /* until the ring says how much fits */
	a->base.ifaces = &a->iface;
	a->base.n_ifaces = 1;
	a->base.poll_fd = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", c->iface);

	/* resolve; "any" is every interface, bound to index 0, as libpcap */
	a->any = !strcmp(a->ifname, "any");
	a->ifindex = a->any ? 0 : (int)if_nametoindex(a->ifname);
	if (a->ifindex == 0 && !a->any) {
		return rc_source_fail(err, errlen, -ENODEV, "no such interface: %s", a->ifname);
	}
	/* socket: protocol 0 receives nothing until bind().  On "any" the
	 * frames come without their link headers (which differ from one
	 * interface to the next), and the walker puts LINUX_SLL2 in front */
	a->fd = socket(AF_PACKET, (a->any ? SOCK_DGRAM : SOCK_RAW) | SOCK_CLOEXEC, 0);
	r = a->fd < 0 ? -errno : 0;
	if (a->fd >= 0) {
		/* never where a log line or stdout's records could go */
		a->fd = rc_fd_above_std(a->fd);
		r = a->fd < 0 ? a->fd : 0;
	}
	if (r < 0) {
		a->fd = -1;
		if (r == -EPERM || r == -EACCES)
			r = rc_source_fail(err, errlen, -EPERM,
				 "capturing on %s needs the CAP_NET_RAW capability "
				 "(run as root or grant cap_net_raw)", a->ifname);
		else
			rc_source_fail(err, errlen, r, "socket(AF_PACKET): %s", strerror(-r));
		return r;
	}
	r = step_link_type(a, err, errlen);
	if (r < 0)
		return r;
	/* adapter timestamps, before any frame: a bad -j is the user's input */
	r = rc_tstamp_setup(a->fd, a->ifname, c->tstamp, err, errlen);
	if (r < 0)
		return r;
	/* filter, before any frame can arrive; a vlan test runs in user space,
	 * and so does one a cooked socket cannot run.  A fanout member takes
	 * nothing until it is in the group. */
	a->base.user_filter = rc_filter_needs_userspace(c->filter);
	r = compile(a, a->base.user_filter ? NULL : c->filter, c->snaplen, &prog, err, errlen);
	if (r == -ENOTSUP) {
		a->base.user_filter = true;
		r = compile(a, NULL, c->snaplen, &prog, err, errlen);
	}
	if (r < 0)
		return r;
	/* the kernel may refuse a program libpcap made (a loop from protochain,
	 * more than BPF_MAXINSNS): then, as libpcap does, it runs in user space
	 * and the kernel takes every frame.  The socket is not bound yet, so
	 * trying it takes no frame; a fanout member then takes nothing until
	 * it is in the group. */
	r = attach(a, &prog);
	if (r == -EINVAL && !a->base.user_filter && c->filter && c->filter[0]) {
		pcap_freecodep(&prog);
		r = compile(a, NULL, c->snaplen, &prog, err, errlen);
		if (r < 0)
			return r;
		a->base.user_filter = true;
		rc_source_note(&a->base, "the kernel does not take the filter '%s': it runs in "
			       "user space (every frame is copied to the ring first)", c->filter);
		r = attach(a, &prog);
	}
	if (r >= 0 && fanout)
		r = rc_filter_attach_drop_all(a->fd);
	if (r < 0) {
		rc_source_fail(err, errlen, r, "attaching the filter to the socket on %s: %s", a->ifname,
		     strerror(-r));
		return r;
	}
	/* version */
	v = TPACKET_V3;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
		return rc_source_fail(err, errlen, -errno, "PACKET_VERSION V3: %s", strerror(errno));
	/* room to put a stripped VLAN tag back in front of the frame */
	v = 4;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof(v)) < 0)
		return rc_source_fail(err, errlen, -errno, "PACKET_RESERVE: %s", strerror(errno));
	r = step_ring(a, &c->ring, &nr, err, errlen);
	if (r < 0)
		return r;
	r = step_mmap(a, (size_t)nr * c->ring.block_size, err, errlen);
	if (r < 0)
		return r;
	step_snaplen(a, c);
	r = rc_tpv3_ring_init(&a->ring, a->map, c->ring.block_size, nr, a->base.snaplen);
	if (r < 0)
		return r;
	a->base.poll_fd = a->fd;
	a->ring.cooked = a->any;
	describe(a);
	/* bind: from here on, frames flow */
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = a->ifindex;
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return rc_source_fail(err, errlen, -errno, "bind to %s: %s", a->ifname, strerror(errno));
	if (fanout) {
		uint16_t flags = fanout->flags;
		socklen_t len = sizeof(v);

		/* the first socket has the kernel choose an id nobody else uses */
		if (!fanout->joined)
			flags |= PACKET_FANOUT_FLAG_UNIQUEID;
		v = (fanout->joined ? fanout->group_id : 0) | ((fanout->mode | flags) << 16);
		if (setsockopt(a->fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v)) < 0)
			return rc_source_fail(err, errlen, -errno, "PACKET_FANOUT group %s%u on %s: %s",
					      fanout->joined ? "" : "(new) ",
					      fanout->joined ? fanout->group_id : 0, a->ifname,
					      strerror(errno));
		if (!fanout->joined) {
			if (getsockopt(a->fd, SOL_PACKET, PACKET_FANOUT, &v, &len) < 0)
				return rc_source_fail(err, errlen, -errno,
						      "reading the PACKET_FANOUT id: %s", strerror(errno));
			fanout->group_id = (uint16_t)(v & 0xffff);
			fanout->joined = true;
		}
		/* still taking nothing: the caller arms every member with
		 * set_filter() once all of them are in the group */
	}
	if (c->promisc && a->any) {
		rc_source_note(&a->base, "promiscuous mode is not supported on \"any\" (as with "
			       "tcpdump): each interface receives what it would anyway");
	} else if (c->promisc) {
		struct packet_mreq mr = { .mr_ifindex = a->ifindex, .mr_type = PACKET_MR_PROMISC };

		if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			rc_source_note(&a->base, "could not put %s in promiscuous mode: %s", a->ifname,
			     strerror(errno));
	}
	*ret = &TAKE_PTR(a)->base;
	return 0;
}

int rc_afpacket_counter_open(const char *ifname, const char *expr, int dlt, bool promisc,
			     bool *every, char *err, size_t errlen)
{
	_cleanup_(pcap_freecodep) struct bpf_program prog = { 0 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	struct ifreq ifr = { 0 };
	bool lo;
	int fd, v = 0, r;

	if (strlen(ifname) >= IF_NAMESIZE || !(sll.sll_ifindex = (int)if_nametoindex(ifname)))
		return rc_source_fail(err, errlen, -ENODEV, "no such interface: %s", ifname);
	/* protocol 0: it takes nothing until bind(), after its filter */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rc_source_fail(err, errlen, -errno, "socket(AF_PACKET): %s", strerror(errno));
	fd = rc_fd_above_std(fd);
	if (fd < 0)
		return rc_source_fail(err, errlen, fd, "socket(AF_PACKET): %s", strerror(-fd));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* the smallest receive buffer: the kernel counts, then drops, nearly
	 * every frame (PACKET_STATISTICS counts those it dropped too) */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0 ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		r = -errno;
		goto fail;
	}
	lo = ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK;
	/* the filter, or every frame when the kernel cannot run it (a vlan
	 * test, a loop) */
	*every = !expr || !expr[0] || rc_filter_needs_userspace(expr);
	r = -EINVAL;
	if (!*every && rc_filter_compile(expr, dlt, 65535, &prog, err, errlen) == 0) {
		r = attach_fd(fd, lo, &prog);
		pcap_freecodep(&prog);
	}
	if (r < 0) {
		*every = true;
		r = rc_filter_compile(NULL, dlt, 65535, &prog, err, errlen);
		if (r == 0)
			r = attach_fd(fd, lo, &prog);
	}
	if (r == 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		r = -errno;
	/* the interface stays promiscuous while the runs change */
	mr.mr_ifindex = sll.sll_ifindex;
	if (r == 0 && promisc &&
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		r = -errno;
	if (r < 0)
		goto fail;
	return fd;
fail:
	rc_source_fail(err, errlen, r, "counting socket on %s: %s", ifname, strerror(-r));
	close(fd);
	return r;
}

int rc_afpacket_counted(int fd, uint64_t *ret)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* tp_packets includes tp_drops; the totals reset on each read */
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return -errno;
	*ret += st.tp_packets;
	return 0;
}
