/* SPDX-License-Identifier: MIT */
/*
 * Leases on capture memory (src/README.md, the lease model).
 *
 * A unit of capture memory (a TPACKET_V3 block, a run of UMEM frames) is
 * either the kernel's or user space's, and its lease is the one place that
 * says which.  Nothing else is asked: in particular not the kernel's status
 * word of a unit user space holds, since user space's own last store there
 * may not be visible yet.
 *
 *     KERNEL ──rc_lease_begin (the worker took the unit: refs = 1)──▶ USER
 *     USER ──rc_lease_get (+1: an async sink's work is in flight)──▶ USER, refs > 1
 *     USER ──rc_lease_put (−1), refs > 0 left──▶ USER
 *     USER ──rc_lease_put of the last reference: the owner's release hook
 *             hands the unit back, THEN state = KERNEL (release store)──▶ KERNEL
 *
 * The worker holds one reference for as long as synchronous sinks read the
 * unit; every asynchronous sink takes one more for each piece of work in
 * flight.  rc_lease_put() is the single hand-back point: only the last
 * reference calls the hook, and only after the hook has returned does the
 * state say KERNEL.  So a worker that loads KERNEL (rc_lease_held() false,
 * acquire) also sees everything the hook stored, e.g. TP_STATUS_KERNEL in a
 * block's status word, and can never mistake the stale TP_STATUS_USER of the
 * lap before for a new block.  The reference count alone cannot say this:
 * it reaches zero before the hook runs.
 *
 * Threads: the worker creates leases, begins them and reads the state;
 * rc_lease_get/put may be called from any thread (completion handlers).
 * The count is updated with acq_rel ordering so that every holder's reads
 * happen before the hand-back.
 */
#ifndef RC_LEASE_H
#define RC_LEASE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct rc_lease;

struct rc_lease_owner {
	/* Hand unit @lease->unit back to the kernel.  Called exactly once per
	 * rc_lease_begin(), by whichever holder lets go last; the lease still
	 * reads as held while it runs. */
	void (*release)(struct rc_lease_owner *owner, struct rc_lease *lease);
};

enum rc_lease_state {
	RC_LEASE_KERNEL = 0, /* the kernel's, or handed over but not yet taken */
	RC_LEASE_USER = 1,   /* taken by the worker; in flight when refs > 1 */
};

struct rc_lease {
	uint32_t refs;
	uint32_t state;      /* enum rc_lease_state, atomic */
	uint32_t unit;       /* block index / batch slot, owner-defined */
	uint64_t cookie;     /* owner-defined: e.g. the block's seq_num */
	struct rc_lease_owner *owner;
};

static inline void rc_lease_init(struct rc_lease *l, struct rc_lease_owner *owner,
				 uint32_t unit)
{
	l->refs = 0;
	l->state = RC_LEASE_KERNEL;
	l->unit = unit;
	l->cookie = 0;
	l->owner = owner;
}

/* True from rc_lease_begin() until the last rc_lease_put() has handed the
 * unit back; acquire, so that a false also shows the hand-back's stores. */
static inline bool rc_lease_held(const struct rc_lease *l)
{
	return __atomic_load_n(&l->state, __ATOMIC_ACQUIRE) != RC_LEASE_KERNEL;
}

/* The worker takes the unit from the kernel: one reference, its own.  Only
 * a unit that is not held may be taken. */
static inline void rc_lease_begin(struct rc_lease *l, uint64_t cookie)
{
	if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) != RC_LEASE_KERNEL)
		abort(); /* taken twice: two owners of one unit */
	l->cookie = cookie;
	__atomic_store_n(&l->state, RC_LEASE_USER, __ATOMIC_RELAXED);
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

/* Drop one reference; the last one hands the unit back and only then marks
 * it the kernel's.  Returns 1 when this call released the unit, 0
 * otherwise.  The caller must not touch @l after a 1. */
int rc_lease_put(struct rc_lease *l);

#endif
