// SPDX-License-Identifier: MIT
/*
 * Block ownership under threads (src/capture/tpv3.h, lease.h).
 *
 * Three threads over a synthetic TPACKET_V3 ring in ordinary memory:
 *
 *   kernel    fills blocks in ring order, as af_packet.c does: it waits for
 *             a block's status to read TP_STATUS_KERNEL (acquire), poisons
 *             the whole block, writes seq_num (the kernel does that when it
 *             opens a block), lays out frames carrying consecutive frame
 *             numbers, and publishes the block with a release store of
 *             TP_STATUS_USER.
 *   worker    walks the ring with rc_tpv3_ring_next(), checks every frame
 *             against its number, hands some leases to the releaser with an
 *             extra reference, and drops its own.
 *   releaser  an asynchronous sink (the RDMA completion thread): holds the
 *             leases it was given, in random order and for random times,
 *             checks that the frames behind them are still intact, and drops
 *             them.
 *
 * The adversarial rows aim at the moment a block user space still holds
 * goes back while the worker is looking at it: the worker spins flat out on
 * a block the releaser holds; the releaser interrupts it with a signal,
 * wherever in its spin it happens to be, and keeps it in the handler while
 * it drops the lease and the kernel reopens the block (seq_num written,
 * frames not there yet).  The kernel keeps the block open until the worker
 * has resumed and polled again.  A walker that decided from a status word
 * it loaded before the interruption takes that half-filled block.
 *
 * What must hold: every block sequence number is taken once and in order
 * (empty blocks included, counted as such), every frame is seen once and in
 * order with its own content, nothing the kernel poisoned is ever read as a
 * frame, the kernel never gets a block back while a lease on it is held,
 * and nothing stalls (every wait is bounded).  Built with -fsanitize=thread
 * (make tsan-unit), any read of a block the kernel is refilling is also a
 * reported data race.
 *
 * RC_TPV3_THREADS_BLOCKS=N in the environment overrides the blocks per row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/if_packet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "../../src/capture/frame.h"
#include "../../src/capture/lease.h"
#include "../../src/capture/tpv3.h"

#include "rc_table.h"

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#define BLOCK_SIZE 1024u
#define FIRST_PKT ((uint32_t)TPACKET_ALIGN(sizeof(struct tpacket_block_desc)))
#define MAC_OFF ((uint32_t)TPACKET_ALIGN(sizeof(struct tpacket3_hdr)))
#define MAX_FRAMES 6u
#define POISON 0xdb
#define MS 1000000LL
#define STALL_NS (10 * 1000 * MS) /* no progress for this long: stalled */
#define QCAP 64u                  /* > any ring's block count */

/* ------------------------------------------------------------------ */
/* shared state                                                        */

struct held {
	struct rc_lease *lease;
	unsigned n;
	uint64_t seq;
	struct rc_frame f[MAX_FRAMES];
	uint64_t since; /* releaser's loop count when it was taken */
};

struct row {
	const char *name;
	uint32_t block_nr;
	uint64_t blocks;   /* a tenth of that under TSan */
	unsigned hold_pct; /* share of blocks an async sink takes a reference on */
	bool adversarial;  /* interrupt the worker while a held block goes back */
};

struct run {
	const struct row *row;
	uint8_t *mem;
	struct rc_tpv3_ring r;
	uint64_t nblocks;

	/* the kernel's: nframes_of[seq] is written before block seq is
	 * published; the totals are read after the kernel thread is joined */
	uint8_t *nframes_of;
	uint64_t kernel_frames, kernel_empty;

	/* worker → releaser, single producer, single consumer */
	struct held q[QCAP];
	uint32_t q_head, q_tail; /* atomics */

	/* test-only signals, all atomics */
	uint32_t worker_waiting_on; /* block index + 1 the worker spins on, 0 none */
	uint64_t worker_polls;      /* rc_tpv3_ring_next() calls so far */
	int worker_done;
	int stop;
	uint32_t kernel_open;       /* block index + 1 the kernel is filling, 0 none */
	uint32_t hold_open;         /* block index + 1 the kernel keeps open until the
				     * interrupted worker has polled again */
	uint32_t freeze, frozen;    /* releaser → worker's handler and back: a generation */
	pthread_t worker;

	/* the releaser's, read after it is joined */
	uint64_t spun_releases;     /* released while the worker spun on them */
	uint64_t frozen_releases;   /* ... with the worker held in the signal handler */

	pthread_mutex_t fail_lock;
	char fail[512];
};

static void failf(struct run *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct run *u, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&u->fail_lock);
	if (!u->fail[0]) {
		va_start(ap, fmt);
		vsnprintf(u->fail, sizeof(u->fail), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&u->fail_lock);
	__atomic_store_n(&u->stop, 1, __ATOMIC_RELEASE);
}

static bool stopped(struct run *u)
{
	return __atomic_load_n(&u->stop, __ATOMIC_ACQUIRE);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/* A bounded wait: spin a little, then let the other threads run; false
 * (and the run failed) after STALL_NS without progress. */
struct waiter {
	unsigned calls;
	int64_t since;
};

static bool wait_more(struct run *u, struct waiter *w, const char *who)
{
	if (stopped(u))
		return false;
	if (++w->calls % 64 == 0)
		sched_yield();
	else
		relax();
	if (w->calls % 1024 == 0) {
		int64_t t = now_ns();

		if (!w->since)
			w->since = t;
		else if (t - w->since > STALL_NS) {
			failf(u, "%s: no progress for %lld s", who, STALL_NS / (1000 * MS));
			return false;
		}
	}
	return true;
}

/* Short hand-shake waits: spin, but give the CPU away often, since two
 * cores are shared by three threads (and whatever else runs). */
static void spin_once(unsigned *n)
{
	if (++*n % 16 == 0)
		sched_yield();
	else
		relax();
}

/* Wait until *@v == @want, at most @ns. */
static bool wait_for(struct run *u, const uint32_t *v, uint32_t want, int64_t ns)
{
	int64_t until = now_ns() + ns;
	unsigned n = 0;

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) != want) {
		if (stopped(u) || now_ns() > until)
			return false;
		spin_once(&n);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* frames                                                              */

static uint32_t frame_len(uint64_t fseq)
{
	return 24u + (uint32_t)(fseq * 11u % 97u);
}

static uint8_t frame_byte(uint64_t fseq, uint32_t i)
{
	return (uint8_t)(fseq * 13u + i * 7u + 1u);
}

/* NULL when the frame is frame number @fseq of block @seq, else what is not. */
static const char *frame_wrong(const struct rc_frame *f, uint64_t fseq, uint64_t seq)
{
	uint32_t len = frame_len(fseq);
	uint64_t v;

	if (f->h.caplen != len || f->h.len != len)
		return "length";
	memcpy(&v, f->data, 8);
	if (v != fseq)
		return "frame number";
	memcpy(&v, f->data + 8, 8);
	if (v != seq)
		return "block number";
	for (uint32_t i = 16; i < len; i++)
		if (f->data[i] != frame_byte(fseq, i))
			return "payload";
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the kernel                                                          */

/* Adversarial rows: a block just reopened under an interrupted worker stays
 * open (seq_num new, no frames, status KERNEL) until the worker is back and
 * has polled twice, as a real block stays open until it fills or its
 * timer retires it. */
static void keep_open(struct run *u, uint32_t idx)
{
	int64_t until = now_ns() + 200 * MS;
	uint64_t polls;
	unsigned n = 0;

	if (__atomic_load_n(&u->hold_open, __ATOMIC_ACQUIRE) != idx + 1)
		return;
	while ((__atomic_load_n(&u->freeze, __ATOMIC_ACQUIRE) ||
		__atomic_load_n(&u->frozen, __ATOMIC_ACQUIRE)) && !stopped(u) && now_ns() < until)
		spin_once(&n);
	polls = __atomic_load_n(&u->worker_polls, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&u->worker_polls, __ATOMIC_ACQUIRE) - polls < 2 && !stopped(u) &&
	       now_ns() < until)
		spin_once(&n);
	__atomic_store_n(&u->hold_open, 0, __ATOMIC_RELEASE);
}

static void kernel_fill(struct run *u, uint32_t idx, uint64_t seq, unsigned k, uint64_t *fseq)
{
	uint8_t *blk = u->mem + (size_t)idx * BLOCK_SIZE;
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)blk;
	const size_t status_at = offsetof(struct tpacket_block_desc, hdr.bh1.block_status);
	uint32_t off = FIRST_PKT;
	struct tpacket3_hdr *last = NULL;
	unsigned n = 0;

	/* Poison everything but the status word: a frame read from here on,
	 * by anyone, is a frame read from a block user space gave back. */
	memset(blk, POISON, status_at);
	memset(blk + status_at + 4, POISON, BLOCK_SIZE - status_at - 4);
	bd->hdr.bh1.seq_num = seq;
	__atomic_store_n(&u->kernel_open, idx + 1, __ATOMIC_RELEASE);
	if (u->row->adversarial)
		keep_open(u, idx);
	while (n < k) {
		uint32_t len = frame_len(*fseq);
		uint32_t need = MAC_OFF + (uint32_t)TPACKET_ALIGN(len);
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)(blk + off);
		uint8_t *d = blk + off + MAC_OFF;

		if (off + need > BLOCK_SIZE)
			break;
		memset(h, 0, MAC_OFF);
		h->tp_next_offset = need;
		h->tp_sec = (uint32_t)seq;
		h->tp_nsec = (uint32_t)(*fseq % 1000000000u);
		h->tp_snaplen = len;
		h->tp_len = len;
		h->tp_status = TP_STATUS_USER;
		h->tp_mac = (uint16_t)MAC_OFF;
		h->tp_net = (uint16_t)(MAC_OFF + 14);
		memcpy(d, fseq, 8);
		memcpy(d + 8, &seq, 8);
		for (uint32_t i = 16; i < len; i++)
			d[i] = frame_byte(*fseq, i);
		last = h;
		off += need;
		n++;
		(*fseq)++;
	}
	if (last)
		last->tp_next_offset = 0;
	bd->version = TPACKET_V3;
	bd->offset_to_priv = FIRST_PKT;
	bd->hdr.bh1.num_pkts = n;
	bd->hdr.bh1.offset_to_first_pkt = FIRST_PKT;
	bd->hdr.bh1.blk_len = off;
	memset(&bd->hdr.bh1.ts_first_pkt, 0, sizeof(bd->hdr.bh1.ts_first_pkt));
	memset(&bd->hdr.bh1.ts_last_pkt, 0, sizeof(bd->hdr.bh1.ts_last_pkt));
	u->nframes_of[seq] = (uint8_t)n;
	if (!n)
		u->kernel_empty++;
	u->kernel_frames += n;
	__atomic_store_n(&u->kernel_open, 0, __ATOMIC_RELEASE);
}

static void *kernel_thread(void *arg)
{
	struct run *u = arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL ^ u->row->block_nr, fseq = 0;

	for (uint64_t seq = 1; seq <= u->nblocks; seq++) {
		uint32_t idx = (uint32_t)((seq - 1) % u->row->block_nr);
		struct tpacket_block_desc *bd = rc_tpv3_block(&u->r, idx);
		struct waiter w = { 0 };
		uint64_t x = rnd(&s);
		unsigned k;

		while (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) !=
		       TP_STATUS_KERNEL)
			if (!wait_more(u, &w, "kernel waiting for a block back"))
				return NULL;
		/* handed back: no lease may be left on it */
		if (rc_lease_refs(&u->r.leases[idx]) != 0) {
			failf(u, "kernel: block %u handed back with %u references held", idx,
			      rc_lease_refs(&u->r.leases[idx]));
			return NULL;
		}
		/* one block in 16 retires empty (the kernel's timeout); the last
		 * one never does, so the worker knows when it has seen it all */
		k = (x & 15) == 0 && seq != u->nblocks ? 0 : 1 + (unsigned)(x >> 8) % MAX_FRAMES;
		kernel_fill(u, idx, seq, k, &fseq);
		/* now and then take a while, so the worker catches up and waits */
		if ((x >> 32) % 8 == 0)
			for (unsigned i = (unsigned)(x >> 40) % 200; i; i--)
				relax();
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_USER, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the releaser: an asynchronous sink                                  */

static void release_one(struct run *u, struct held *h)
{
	for (unsigned i = 0; i < h->n; i++) {
		uint64_t fseq;
		const char *bad;

		memcpy(&fseq, h->f[i].data, 8);
		bad = frame_wrong(&h->f[i], fseq, h->seq);
		if (bad) {
			failf(u, "releaser: frame %u of block seq %llu changed under its lease (%s)",
			      i, (unsigned long long)h->seq, bad);
			break;
		}
	}
	rc_lease_put(h->lease);
}

/* The worker's SIGUSR1 handler: stay here, wherever the worker was, while
 * the releaser's generation lasts (bounded, so a lost hand-shake cannot
 * hang it).  Atomics, clock_gettime and nanosleep: async-signal-safe. */
static struct run *the_run;

static void freeze_handler(int sig)
{
	struct run *u = __atomic_load_n(&the_run, __ATOMIC_ACQUIRE);
	int64_t until;
	uint32_t gen;

	(void)sig;
	if (!u)
		return;
	gen = __atomic_load_n(&u->freeze, __ATOMIC_ACQUIRE);
	if (!gen)
		return; /* late: that round is over */
	__atomic_store_n(&u->frozen, gen, __ATOMIC_RELEASE);
	until = now_ns() + 2000 * MS;
	while (__atomic_load_n(&u->freeze, __ATOMIC_ACQUIRE) == gen && now_ns() < until) {
		/* off the CPU: the kernel and the releaser need both */
		struct timespec ts = { 0, 2000 };

		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&u->frozen, 0, __ATOMIC_RELEASE);
}

/* Drop @h's lease with the worker interrupted wherever it is in its spin;
 * let it go on once the kernel has reopened the block. */
static void release_frozen(struct run *u, struct held *h, uint32_t gen)
{
	const uint32_t idx = h->lease->unit;
	bool frozen;

	__atomic_store_n(&u->freeze, gen, __ATOMIC_RELEASE);
	pthread_kill(u->worker, SIGUSR1);
	frozen = wait_for(u, &u->frozen, gen, 100 * MS);
	if (frozen)
		__atomic_store_n(&u->hold_open, idx + 1, __ATOMIC_RELEASE);
	release_one(u, h);
	if (frozen)
		wait_for(u, &u->kernel_open, idx + 1, 100 * MS);
	__atomic_store_n(&u->freeze, 0, __ATOMIC_RELEASE);
	if (frozen) {
		u->frozen_releases++;
		wait_for(u, &u->frozen, 0, 1000 * MS);
	}
}

static void *releaser_thread(void *arg)
{
	struct run *u = arg;
	struct held pool[QCAP];
	unsigned npool = 0;
	uint64_t s = 0xd1b54a32d192ed03ULL ^ u->row->block_nr, loops = 0;
	uint32_t gen = 0;
	struct waiter w = { 0 };
	/* under TSan a signal waits for the worker's next intercepted call,
	 * so it would not land inside the walk: releases stay ordinary there */
	const bool freeze = u->row->adversarial && !UNDER_TSAN;

	for (;;) {
		uint32_t tail = __atomic_load_n(&u->q_tail, __ATOMIC_ACQUIRE);
		uint32_t head = u->q_head;
		uint32_t waiting;
		bool done;

		loops++;
		while (head != tail) {
			pool[npool] = u->q[head % QCAP];
			pool[npool++].since = loops;
			head++;
		}
		__atomic_store_n(&u->q_head, head, __ATOMIC_RELEASE);
		if (stopped(u))
			break;
		done = __atomic_load_n(&u->worker_done, __ATOMIC_ACQUIRE);
		if (!npool) {
			if (done && __atomic_load_n(&u->q_tail, __ATOMIC_ACQUIRE) == head)
				break;
			if (!wait_more(u, &w, "releaser waiting for work"))
				break;
			continue;
		}
		w = (struct waiter){ 0 };
		waiting = __atomic_load_n(&u->worker_waiting_on, __ATOMIC_ACQUIRE);
		for (unsigned i = 0; i < npool; i++) {
			bool spun = waiting && pool[i].lease->unit + 1 == waiting;

			/* adversarial rows: the block the worker spins on, and
			 * the others after a while; else at random */
			if (!(u->row->adversarial ? spun || loops - pool[i].since > 1000 || done
						  : rnd(&s) % 8 == 0 || done))
				continue;
			if (spun)
				u->spun_releases++;
			if (freeze && spun && !done)
				release_frozen(u, &pool[i], ++gen);
			else
				release_one(u, &pool[i]);
			pool[i] = pool[--npool];
			i--;
		}
		for (unsigned i = (unsigned)(rnd(&s) % 64); i; i--)
			relax(); /* random holding times */
	}
	for (unsigned i = 0; i < npool; i++)
		rc_lease_put(pool[i].lease);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the worker                                                          */

static void *worker_thread(void *arg)
{
	struct run *u = arg;
	struct rc_tpv3_ring *r = &u->r;
	uint64_t s = 0x2545f4914f6cdd1dULL ^ u->row->block_nr;
	uint64_t fseq = 0, want_seq = 1, polls = 0;
	struct waiter w = { 0 };
	unsigned flat = 0;

	for (;;) {
		struct rc_batch b;
		const struct tpacket_block_desc *bd;
		uint64_t seq;
		int got;

		if (stopped(u))
			break;
		got = rc_tpv3_ring_next(r, &b);
		__atomic_store_n(&u->worker_polls, ++polls, __ATOMIC_RELEASE);
		if (!got) {
			/* the last block is never empty: when it has been seen,
			 * everything has */
			if (want_seq > u->nblocks)
				break;
			__atomic_store_n(&u->worker_waiting_on, r->blocked ? r->cur + 1 : 0,
					 __ATOMIC_RELEASE);
			/* the adversarial rows spin flat out on a held block, so
			 * that the releaser's signal lands anywhere in the walk */
			if (u->row->adversarial && r->blocked && ++flat % 4096)
				continue;
			if (!wait_more(u, &w, "worker waiting for a block"))
				break;
			continue;
		}
		w = (struct waiter){ 0 };
		__atomic_store_n(&u->worker_waiting_on, 0, __ATOMIC_RELEASE);
		bd = rc_tpv3_block(r, b.lease->unit);
		seq = bd->hdr.bh1.seq_num;
		/* every block once, in order: the empty ones in between were
		 * taken and released by the walker itself */
		while (want_seq <= u->nblocks && want_seq < seq && u->nframes_of[want_seq] == 0)
			want_seq++;
		if (seq != want_seq) {
			failf(u, "worker: block %u has seq %llu, expected %llu (frame %llu next; "
			      "walker: %llu empty, %llu malformed so far)",
			      b.lease->unit, (unsigned long long)seq, (unsigned long long)want_seq,
			      (unsigned long long)fseq, (unsigned long long)r->st.empty_blocks,
			      (unsigned long long)r->st.malformed);
			rc_lease_put(b.lease);
			break;
		}
		want_seq++;
		if (b.n != u->nframes_of[seq]) {
			failf(u, "worker: block seq %llu gave %u frames, the kernel wrote %u",
			      (unsigned long long)seq, b.n, u->nframes_of[seq]);
			rc_lease_put(b.lease);
			break;
		}
		for (unsigned i = 0; i < b.n; i++, fseq++) {
			const char *bad = frame_wrong(&b.frames[i], fseq, seq);

			if (bad) {
				failf(u, "worker: frame %llu (block seq %llu, #%u): wrong %s",
				      (unsigned long long)fseq, (unsigned long long)seq, i, bad);
				break;
			}
		}
		if (!stopped(u) && rnd(&s) % 100 < u->row->hold_pct) {
			uint32_t tail = u->q_tail;
			struct held *h = &u->q[tail % QCAP];

			/* at most one entry per block: never full */
			if (tail - __atomic_load_n(&u->q_head, __ATOMIC_ACQUIRE) >= QCAP) {
				failf(u, "worker: release queue overflow");
				rc_lease_put(b.lease);
				break;
			}
			rc_lease_get(b.lease);
			h->lease = b.lease;
			h->n = b.n;
			h->seq = seq;
			memcpy(h->f, b.frames, b.n * sizeof(b.frames[0]));
			__atomic_store_n(&u->q_tail, tail + 1, __ATOMIC_RELEASE);
		}
		rc_lease_put(b.lease);
	}
	__atomic_store_n(&u->worker_waiting_on, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&u->worker_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------------------ */

static const struct row rows[] = {
	{ "4 blocks, random holds", 4, 100000, 50, false },
	{ "2 blocks, every block held", 2, 30000, 100, false },
	/* about 1000 interrupted releases in all: the walker of main took a
	 * half-filled block after 2 to 877 of them (mean ~110) in 12 runs */
	{ "4 blocks, the worker interrupted while a held block goes back", 4, 1000, 100, true },
	{ "2 blocks, the worker interrupted while a held block goes back", 2, 1000, 100, true },
};

static void test_three_threads(void **state)
{
	const struct row *row = *state;
	struct run *u = calloc(1, sizeof(*u));
	const char *env = getenv("RC_TPV3_THREADS_BLOCKS");
	struct sigaction sa = { 0 }, old_sa;
	pthread_t kt, rt;
	int64_t t0;

	assert_non_null(u);
	u->row = row;
	u->nblocks = env ? strtoull(env, NULL, 10) : UNDER_TSAN ? row->blocks / 10 : row->blocks;
	assert_true(u->nblocks > 0);
	/* aligned_alloc wants a size that is a multiple of the alignment */
	u->mem = aligned_alloc(4096, ((size_t)BLOCK_SIZE * row->block_nr + 4095) & ~(size_t)4095);
	u->nframes_of = calloc(u->nblocks + 1, 1);
	assert_non_null(u->mem);
	assert_non_null(u->nframes_of);
	memset(u->mem, 0, (size_t)BLOCK_SIZE * row->block_nr); /* all TP_STATUS_KERNEL */
	pthread_mutex_init(&u->fail_lock, NULL);
	assert_int_equal(rc_tpv3_ring_init(&u->r, u->mem, BLOCK_SIZE, row->block_nr, 262144), 0);
	sa.sa_handler = freeze_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old_sa), 0);
	__atomic_store_n(&the_run, u, __ATOMIC_RELEASE);

	t0 = now_ns();
	assert_int_equal(pthread_create(&kt, NULL, kernel_thread, u), 0);
	assert_int_equal(pthread_create(&u->worker, NULL, worker_thread, u), 0);
	assert_int_equal(pthread_create(&rt, NULL, releaser_thread, u), 0);
	pthread_join(u->worker, NULL);
	pthread_join(rt, NULL);
	if (u->fail[0])
		__atomic_store_n(&u->stop, 1, __ATOMIC_RELEASE);
	pthread_join(kt, NULL);
	__atomic_store_n(&the_run, NULL, __ATOMIC_RELEASE);
	sigaction(SIGUSR1, &old_sa, NULL);
	print_message("  %s: %llu blocks (%llu empty), %llu frames; %llu released while the "
		      "worker spun on them, %llu of them with the worker interrupted; %.2f s\n",
		      row->name, (unsigned long long)u->nblocks,
		      (unsigned long long)u->kernel_empty, (unsigned long long)u->kernel_frames,
		      (unsigned long long)u->spun_releases,
		      (unsigned long long)u->frozen_releases, (double)(now_ns() - t0) / 1e9);
	if (u->fail[0])
		fail_msg("%s", u->fail);

	/* the walker's own account agrees with the kernel's */
	assert_int_equal(u->r.st.blocks, u->nblocks);
	assert_int_equal(u->r.st.empty_blocks, u->kernel_empty);
	assert_int_equal(u->r.st.frames, u->kernel_frames);
	assert_int_equal(u->r.st.seq_gaps, 0);
	assert_int_equal(u->r.st.malformed, 0);
	/* every block went back, and the leases say so */
	for (uint32_t i = 0; i < row->block_nr; i++) {
		assert_int_equal(rc_lease_refs(&u->r.leases[i]), 0);
		assert_int_equal(__atomic_load_n(&rc_tpv3_block(&u->r, i)->hdr.bh1.block_status,
						 __ATOMIC_ACQUIRE) & TP_STATUS_USER ? 1 : 0,
				 0);
	}

	rc_tpv3_ring_fini(&u->r);
	pthread_mutex_destroy(&u->fail_lock);
	free(u->nframes_of);
	free(u->mem);
	free(u);
}

int main(void)
{
	static const struct table tables[] = {
		TABLE("kernel, worker, async releaser", test_three_threads, rows),
	};

	return run_tables("tpv3_threads", NULL, 0, tables, ARRAY_SIZE(tables));
}
