/* SPDX-License-Identifier: MIT */
/*
 * The AF_XDP source's state, shared by its two halves: afxdp.c, the
 * running source (batches and leases over the RX ring, waiting, counters,
 * filter changes, teardown), and afxdp_setup.c (the set-up steps and the
 * open functions).  Nothing outside those two includes this.
 *
 * Only built with RC_HAVE_AFXDP.
 */
#ifndef RC_AFXDP_PRIV_H
#define RC_AFXDP_PRIV_H

#include "afxdp.h"

#ifdef RC_HAVE_AFXDP

/* before any <linux/if.h>: glibc's and the kernel's ifreq then agree */
#include <net/if.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>
/* libpcap and the kernel both define struct bpf_insn; the kernel's is only
 * named (never used) below, so it gets another name here. */
#define bpf_insn rc_kernel_bpf_insn
#include <xdp/xsk.h>
#undef bpf_insn

#include "lease.h"
#include "umem.h"
#include "xdp_prog.h"

#define META_LEN 8u
#define BATCH_MAX 1024u
#define NSLOTS 16u
/* each slot's room for frames put together from several descriptors */
#define ARENA_LEN (512u << 10)
/* AF_XDP multi-buffer (Linux 6.6); the headers here may be older */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
/* The kernel puts a frame XDP_PACKET_HEADROOM (256) + this many bytes into
 * its chunk, so the 8-byte stamp right before it shares the frame's first
 * cache line: one miss per frame instead of two. */
#define UMEM_HEADROOM META_LEN
#define NSEC 1000000000LL
#define TAI_REFRESH_NS NSEC
#define HOLD_START_NS 200000LL

/* A batch: a run of RX descriptors taken in one peek, behind one lease. */
struct batch_slot {
	struct rc_lease lease;
	uint32_t n;                /* free: !rc_lease_held(&lease) */
	uint64_t *addrs;           /* the chunks behind frames[] */
	struct rc_frame *frames;
	uint8_t *arena;            /* multi-buffer frames, put together (or NULL) */
	uint32_t arena_used;
};

struct afxdp {
	struct rc_source base;
	struct rc_source_iface iface;  /* what pcapng's interface block says of it */
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t queue;
	int fd;                    /* the socket, -1 for rc_afxdp_open_mem() */
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx_own;
	struct xsk_ring_cons *rx;
	struct rc_umem mem;        /* the UMEM and its FILL/spare queue (umem.h) */
	struct rc_xdp_prog *prog;  /* the interface's XDP program (xdp_prog.h) */
	uint32_t mtu;
	uint64_t base_redirected;  /* the queue's counters when this socket joined */
	uint64_t base_filtered;
	bool dedicated;            /* --dedicated-port: everything may be taken */
	bool sg;                   /* bound with XDP_USE_SG */

	/* worker */
	struct rc_lease_owner owner;
	struct batch_slot *slots;
	unsigned next_slot;
	uint32_t batch_max;
	uint64_t *rejects;
	struct bpf_program *filter; /* NULL: every frame */
	unsigned filter_gen_seen;
	int64_t tai_off;
	int64_t tai_next_ns;       /* CLOCK_MONOTONIC_COARSE */
	bool tai_fixed;
	bool quiesced;
	int64_t quiesce_ns;
	int64_t hold_until;        /* CLOCK_MONOTONIC; 0 = not holding */
	int64_t hold_ns;

	/* set_filter hand-over */
	pthread_mutex_t filter_lock;
	struct bpf_program *filter_next;
	unsigned filter_gen;

	/* single-writer counters (the worker) */
	uint64_t taken;            /* frames taken from the RX ring */
	uint64_t frames, bytes, filtered, ts_fallback, batches, malformed;
};

#define AFX(s) ((struct afxdp *)(s))

/* afxdp.c */
extern const struct rc_source_ops rc_afxdp_ops;
/* The lease hook: the one place where batch memory returns to the kernel. */
void rc_afxdp_slot_release(struct rc_lease_owner *owner, struct rc_lease *l);
/* The kernel's TAI - REALTIME offset in ns, a whole number of seconds. */
int64_t rc_afxdp_measure_tai_offset(void);
/* The capture filter @expr where it can run: 1 in the XDP program, 0 in
 * user space (the reason in @why), -errno with a message in @err. */
int rc_afxdp_place_filter(struct afxdp *a, const char *expr, char *why, size_t whylen,
			  char *err, size_t errlen);

#endif /* RC_HAVE_AFXDP */

#endif
