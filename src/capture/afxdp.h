/* SPDX-License-Identifier: MIT */
/*
 * AF_XDP capture source: one socket and one UMEM per RX queue, fed by
 * ringcap's XDP program (bpf/rc_xdp.bpf.c), which libxdp attaches once per
 * interface and detaches when the last socket of that interface is freed.
 *
 * AF_XDP takes the frames it captures away from the host's network stack,
 * so rc_afxdp_open() refuses to run without the operator's word for it:
 * c->xdp.dedicated_port (a capture port, SPAN/TAP: every frame is taken;
 * those the filter rejects are dropped) or c->xdp.take_matching (a port
 * the host uses: the frames that match the filter are taken, the others go
 * on to the stack; needs a filter that runs in the XDP program).  A queue
 * without a live socket (not captured, shutting down, or its ringcap
 * killed) passes its frames to the stack as if no program were attached.
 *
 * A program that captures with it calls rc_xdp_process_init() first and
 * rc_xdp_process_fini() at the end (xdp_env.h: libbpf's and libxdp's print
 * hooks, bpffs for libxdp's dispatcher).  Inside: afxdp.c (the running
 * source) and afxdp_setup.c (its set-up), sharing afxdp_priv.h; umem.c
 * (the UMEM and its FILL/spare queue), xdp_prog.c (the program on an
 * interface), xdp_filter.c (the capture filter translated for it),
 * xdp_owner.c (stale programs), xdp_env.c.
 *
 * Only built with RC_HAVE_AFXDP (bpf/bpf.mk defines it when libbpf, libxdp,
 * clang and bpftool are there).
 */
#ifndef RC_AFXDP_H
#define RC_AFXDP_H

#include <stddef.h>
#include <stdint.h>

#include "../config/conf.h"
#include "source.h"

/*
 * Open a capture of RX queue @queue of @c->iface.  The first call for an
 * interface attaches the XDP program (native mode, SKB mode as fallback,
 * per c->xdp.mode); later calls share it.  c->filter runs in the XDP
 * program (frames that fail it never reach the socket); one that cannot
 * run there runs in user space on every frame (dedicated port only; a note
 * says why).  An MTU larger than one UMEM frame holds is served by AF_XDP
 * multi-buffer (XDP_USE_SG) where the kernel and driver allow it.
 * Set-up fallbacks (mode, copy or zero-copy, huge pages, bpffs mounted, a
 * stale program removed) are described in (*ret)->notes.
 * On failure returns -errno and a message in @err:
 *   -ENODEV  no such interface        -EPERM  missing CAP_NET_ADMIN/CAP_BPF/CAP_NET_RAW
 *   -EINVAL  no consent (dedicated port or take-matching), bad frame/ring
 *            settings, a queue the interface lacks, an MTU too large for the
 *            frames where multi-buffer AF_XDP is refused, a bad filter or one
 *            AF_XDP cannot run
 *   -ENOBUFS the UMEM exceeds RLIMIT_MEMLOCK (no CAP_IPC_LOCK)
 *   -EBUSY   the interface carries an XDP program libxdp cannot share
 *   -EPROTONOSUPPORT  not an Ethernet interface
 */
int rc_afxdp_open(const struct rc_capture_conf *c, unsigned queue, struct rc_source **ret,
		  char *err, size_t errlen);

/* Number of RX queues of @iface (ethtool channels, else sysfs); -errno. */
int rc_afxdp_queue_count(const char *iface);

/* Counters AF_XDP has beyond struct rc_source_stats. */
struct rc_afxdp_stats {
	uint64_t redirected;     /* frames the XDP program sent to this socket */
	uint64_t rx_dropped;     /* XDP_STATISTICS: no UMEM frame free, frame too long */
	uint64_t rx_ring_full;   /* XDP_STATISTICS: RX ring full */
	uint64_t fill_empty;     /* XDP_STATISTICS rx_fill_ring_empty_descs */
	uint64_t invalid_descs;  /* XDP_STATISTICS rx_invalid_descs */
	uint64_t filtered;       /* failed the capture filter in user space, given back */
	uint64_t kernel_filtered; /* failed it in the XDP program (this queue) */
	uint64_t ts_fallback;    /* no stamp from the program: stamped in user space */
	uint64_t batches;
};

/* Any thread; @s must come from rc_afxdp_open(). */
int rc_afxdp_stats(struct rc_source *s, struct rc_afxdp_stats *ret);

/*
 * For unit tests: the same source over rings and a UMEM in ordinary memory
 * (no socket, no program).  The caller plays the kernel: it produces RX
 * descriptors and consumes FILL entries through @rx and @fill, which stay
 * the caller's.  wait() only sleeps, quiesce() stops nothing.
 */
struct xsk_ring_cons;
struct xsk_ring_prod;
int rc_afxdp_open_mem(const struct rc_capture_conf *c, void *umem, uint64_t umem_len,
		      struct xsk_ring_cons *rx, struct xsk_ring_prod *fill,
		      struct rc_source **ret, char *err, size_t errlen);

/* For unit tests: replace the TAI - REALTIME offset (ns) that converts
 * the program's stamps. */
void rc_afxdp_set_tai_offset(struct rc_source *s, int64_t offset_ns);

#endif
