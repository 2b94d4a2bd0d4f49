/* SPDX-License-Identifier: MIT */
/*
 * Single-writer counters: one thread adds, any thread reads.  Relaxed
 * atomics make the cross-thread read well-defined and cost nothing on
 * x86-64 (plain loads and stores).  Update per batch, not per frame.
 */
#ifndef RC_COUNTER_H
#define RC_COUNTER_H

#define RC_COUNTER_ADD(field, n) \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), \
			 __ATOMIC_RELAXED)
#define RC_COUNTER_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define RC_COUNTER_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
