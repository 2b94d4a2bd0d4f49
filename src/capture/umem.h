/* SPDX-License-Identifier: MIT */
/*
 * The UMEM of one AF_XDP socket: the memory the kernel writes frames into,
 * as `nchunks` chunks of `chunk` bytes, and the FILL ring through which
 * user space gives chunks (back) to the kernel.
 *
 * Owns: the area (huge pages when it can: reserved ones, else transparent
 * ones on a 2 MiB-aligned mapping, else regular pages), libxdp's umem
 * object with its FILL and COMPLETION rings (no TX: the completion ring is
 * only there because the kernel requires one), and a spare queue for
 * chunks the FILL ring has no room for.  For unit tests it can run over a
 * caller's area and FILL ring instead (rc_umem_use), owning neither.
 *
 * Invariants: every chunk is the kernel's (in the FILL ring or being
 * filled), the worker's (in the RX ring or in a batch), or waiting in the
 * spare queue; the spare queue drains before new chunks go in, so the
 * kernel fills memory in the order it was freed.  The FILL ring does not
 * care in which order chunks come back.
 *
 * Threads: rc_umem_give_back() from any thread (the lease release hook of
 * a batch runs wherever its last reference goes): the FILL producer side is
 * under a spinlock, uncontended unless an asynchronous sink releases at
 * the same moment as the worker.  Everything else from the owner's thread,
 * before the worker starts or after it stopped.
 *
 * Only built with RC_HAVE_AFXDP.
 */
#ifndef RC_UMEM_H
#define RC_UMEM_H

#ifdef RC_HAVE_AFXDP

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* libpcap and the kernel both define struct bpf_insn (see xdp_env.c) */
#define bpf_insn rc_kernel_bpf_insn
#include <xdp/xsk.h>
#undef bpf_insn

struct rc_umem {
	uint8_t *area;
	uint64_t area_len;         /* nchunks * chunk */
	size_t map_len;            /* 0: the area is not ours to unmap */
	const char *pages;         /* what backs the area, for the notes */
	uint32_t chunk;
	uint32_t nchunks;
	struct xsk_umem *xsk_umem; /* NULL over a caller's area */
	struct xsk_ring_prod fill_own;
	struct xsk_ring_cons comp_own;
	struct xsk_ring_prod *fill;
	int wake_fd;               /* the socket to kick when the FILL ring needs it, or -1 */

	pthread_spinlock_t fill_lock;
	uint64_t *spare;           /* a queue of nchunks entries */
	uint32_t spare_head, nspare;
};

/* @nchunks chunks of @chunk bytes (a power of two), nothing mapped yet. */
int rc_umem_init(struct rc_umem *u, uint32_t chunk, uint32_t nchunks);
/* Map the area (huge pages when it can; u->pages says which).  -errno. */
int rc_umem_map(struct rc_umem *u);
/* Register the area with the kernel through libxdp, with a FILL ring of
 * @fill_size entries and @headroom bytes in front of each frame.  -errno,
 * as xsk_umem__create() says. */
int rc_umem_register(struct rc_umem *u, uint32_t fill_size, uint32_t headroom);
/* For unit tests: the caller's area and FILL ring. */
void rc_umem_use(struct rc_umem *u, void *area, struct xsk_ring_prod *fill);
/* Chunks (any address inside each) back to the kernel; any thread. */
void rc_umem_give_back(struct rc_umem *u, const uint64_t *addrs, uint32_t n);
/* Every chunk to the kernel, once, before the socket takes frames.  -ENOMEM. */
int rc_umem_fill_all(struct rc_umem *u);
/* After the socket is gone: the umem object, the area, the spare queue. */
void rc_umem_fini(struct rc_umem *u);

#endif /* RC_HAVE_AFXDP */

#endif
