/* SPDX-License-Identifier: MIT */
/*
 * Leases on capture memory (DESIGN.md, "The lease").
 *
 * A unit of capture memory (a TPACKET_V3 block, a run of UMEM frames) is
 * leased from the kernel while user space reads it.  The lease is a
 * reference count: the worker that walks the unit holds one reference for
 * as long as synchronous sinks read it, and every asynchronous sink takes
 * one more for each piece of work in flight.  When the count drops to zero,
 * and only then, rc_lease_put() calls the owner's release hook, which hands
 * the unit back to the kernel.  That hook is the one place where memory
 * returns to the kernel.
 *
 * Threads: the worker creates and walks leases; rc_lease_get/put may be
 * called from any thread (completion handlers).  The count is updated with
 * acq_rel ordering so that every holder's reads happen before the release.
 */
#ifndef RC_LEASE_H
#define RC_LEASE_H

#include <stdint.h>

struct rc_lease;

struct rc_lease_owner {
	/* Hand unit @lease->unit back to the kernel.  Called exactly once per
	 * rc_lease_begin(), by whichever holder lets go last. */
	void (*release)(struct rc_lease_owner *owner, struct rc_lease *lease);
};

struct rc_lease {
	uint32_t refs;
	uint32_t unit;       /* block index / first UMEM frame, owner-defined */
	uint64_t cookie;     /* owner-defined: e.g. the block's seq_num */
	struct rc_lease_owner *owner;
};

static inline void rc_lease_init(struct rc_lease *l, struct rc_lease_owner *owner,
				 uint32_t unit)
{
	l->refs = 0;
	l->unit = unit;
	l->cookie = 0;
	l->owner = owner;
}

/* The worker takes the unit from the kernel: one reference, its own. */
static inline void rc_lease_begin(struct rc_lease *l, uint64_t cookie)
{
	l->cookie = cookie;
	__atomic_store_n(&l->refs, 1, __ATOMIC_RELAXED);
}

static inline void rc_lease_get(struct rc_lease *l)
{
	__atomic_fetch_add(&l->refs, 1, __ATOMIC_RELAXED);
}

static inline uint32_t rc_lease_refs(const struct rc_lease *l)
{
	return __atomic_load_n(&l->refs, __ATOMIC_ACQUIRE);
}

/* Drop one reference; the last one hands the unit back.  Returns 1 when
 * this call released the unit, 0 otherwise. */
int rc_lease_put(struct rc_lease *l);

#endif
