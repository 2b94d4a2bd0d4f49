// SPDX-License-Identifier: MIT
/*
 * Unit tests for the TPACKET_V3 block walker and block leases
 * (src/capture/tpv3.h, lease.h, frame.h).
 *
 * The ring is ordinary aligned memory.  A small builder plays the kernel:
 * it lays blocks out the way net/packet/af_packet.c does (block descriptor,
 * first frame at the aligned end of it, tpacket3_hdr + sockaddr_ll, MAC
 * header at the offset tpacket_rcv() computes with PACKET_RESERVE=4, frames
 * chained by tp_next_offset, the last one 0) and publishes a block by a
 * release store of TP_STATUS_USER, as the kernel does.  Blocks used for bad
 * input tests are allocations of exactly one block, so that any read past
 * the block is caught by the ASan build.  Ownership under real threads (a
 * kernel, the worker and an asynchronous releaser) is test_tpv3_threads.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/capture/frame.h"
#include "../../src/capture/lease.h"
#include "../../src/capture/tpv3.h"

#define BLK 4096u
#define SNAP_ALL 262144u
#define ALIGN8(x) (((x) + 7u) & ~7u)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "rc_table.h"

/* What the kernel computes in tpacket_rcv() for an Ethernet frame on a V3
 * ring with PACKET_RESERVE=4. */
#define MACLEN 14u
#define RESERVE 4u
#define NETOFF ((uint32_t)TPACKET_ALIGN(TPACKET3_HDRLEN + 16u) + RESERVE)
#define MACOFF (NETOFF - MACLEN)
/* BLK_PLUS_PRIV(0): the descriptor rounded up to 8 bytes */
#define FIRST_PKT ALIGN8((uint32_t)sizeof(struct tpacket_block_desc))

/* ------------------------------------------------------------------ */
/* the "kernel": block builder                                         */

struct fspec {
	uint32_t len;    /* tp_len as the kernel reports it (VLAN tag stripped) */
	uint32_t snap;   /* tp_snaplen, 0 = len */
	uint32_t status; /* extra tp_status bits (TP_STATUS_VLAN_VALID, ...) */
	uint16_t tci, tpid;
	uint32_t sec, nsec;
	uint8_t tag;     /* seeds the payload bytes */
	uint8_t pkttype; /* sll_pkttype: PACKET_HOST (0), ... */
};

struct blk {
	uint8_t *base;
	uint32_t size;
	uint32_t off; /* where the next frame header goes */
	uint32_t n;
	struct tpacket3_hdr *last;
	struct tpacket3_hdr *hdrs[128];
};

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

/* Frame bytes as the kernel leaves them in the ring (tag already stripped). */
static uint8_t wire_byte(uint8_t tag, uint32_t i)
{
	if (i < 6)
		return mac_dst[i];
	if (i < 12)
		return mac_src[i - 6];
	if (i == 12)
		return 0x08; /* IPv4 */
	if (i == 13)
		return 0x00;
	return (uint8_t)(tag * 37u + i * 7u + 1u);
}

static void blk_open(struct blk *b, void *mem, uint32_t size)
{
	struct tpacket_block_desc *bd = mem;

	/* the block is the kernel's while it is being filled */
	assert_int_equal(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE),
			 TP_STATUS_KERNEL);
	memset(b, 0, sizeof(*b));
	memset(mem, 0, size);
	b->base = mem;
	b->size = size;
	b->off = FIRST_PKT;
}

static struct tpacket3_hdr *blk_add(struct blk *b, const struct fspec *f)
{
	uint32_t snap = f->snap ? f->snap : f->len;
	uint32_t total = ALIGN8(MACOFF + snap);
	struct tpacket3_hdr *h = (struct tpacket3_hdr *)(b->base + b->off);
	struct sockaddr_ll *sll;
	uint8_t *d;

	/* a test that overfills a block is a broken test */
	assert_true(b->off + total <= b->size);
	assert_true(b->n < ARRAY_SIZE(b->hdrs));
	h->tp_next_offset = total; /* the last frame's is zeroed when the block closes */
	h->tp_sec = f->sec;
	h->tp_nsec = f->nsec;
	h->tp_snaplen = snap;
	h->tp_len = f->len;
	h->tp_status = TP_STATUS_USER | f->status;
	h->tp_mac = (uint16_t)MACOFF;
	h->tp_net = (uint16_t)NETOFF;
	h->hv1.tp_rxhash = 0x5a5a5a5a;
	h->hv1.tp_vlan_tci = f->tci;
	h->hv1.tp_vlan_tpid = f->tpid;
	sll = (struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_IP);
	sll->sll_ifindex = 7;
	sll->sll_hatype = 1; /* ARPHRD_ETHER */
	sll->sll_pkttype = f->pkttype;
	sll->sll_halen = 6;
	memcpy(sll->sll_addr, mac_src, 6);
	d = (uint8_t *)h + MACOFF;
	for (uint32_t i = 0; i < snap; i++)
		d[i] = wire_byte(f->tag, i);
	if (b->last)
		assert_int_equal((uint8_t *)h - (uint8_t *)b->last, b->last->tp_next_offset);
	b->last = h;
	b->hdrs[b->n++] = h;
	b->off += total;
	return h;
}

/* Retire the block: fill in the descriptor, then hand it to user space. */
static void blk_close(struct blk *b, uint64_t seq, uint32_t extra_status, bool publish)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)b->base;

	if (b->last)
		b->last->tp_next_offset = 0;
	bd->version = TPACKET_V3;
	bd->offset_to_priv = FIRST_PKT;
	bd->hdr.bh1.num_pkts = b->n;
	bd->hdr.bh1.offset_to_first_pkt = FIRST_PKT;
	bd->hdr.bh1.blk_len = b->off;
	bd->hdr.bh1.seq_num = seq;
	if (b->n) {
		bd->hdr.bh1.ts_first_pkt.ts_sec = b->hdrs[0]->tp_sec;
		bd->hdr.bh1.ts_first_pkt.ts_nsec = b->hdrs[0]->tp_nsec;
		bd->hdr.bh1.ts_last_pkt.ts_sec = b->last->tp_sec;
		bd->hdr.bh1.ts_last_pkt.ts_nsec = b->last->tp_nsec;
	}
	if (publish)
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_USER | extra_status,
				 __ATOMIC_RELEASE);
}

static void blk_publish(void *mem)
{
	struct tpacket_block_desc *bd = mem;

	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_USER, __ATOMIC_RELEASE);
}

static uint32_t blk_status(const void *mem)
{
	const struct tpacket_block_desc *bd = mem;

	return __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------------------------ */
/* what user space must see                                            */

/* The frame as tcpdump would record it: the stripped tag put back. */
static uint32_t expected_bytes(const struct fspec *f, uint8_t *out, uint32_t max)
{
	uint32_t snap = f->snap ? f->snap : f->len;
	bool vlan = (f->status & TP_STATUS_VLAN_VALID) || f->tci;
	uint16_t tpid = (f->status & TP_STATUS_VLAN_TPID_VALID) && f->tpid ? f->tpid : 0x8100;
	uint32_t n = 0;

	for (uint32_t i = 0; i < snap && n < max; i++) {
		if (vlan && i == 12) {
			uint8_t tag[4] = { (uint8_t)(tpid >> 8), (uint8_t)tpid,
					   (uint8_t)(f->tci >> 8), (uint8_t)f->tci };
			for (unsigned k = 0; k < 4 && n < max; k++)
				out[n++] = tag[k];
			if (n == max)
				break;
		}
		out[n++] = wire_byte(f->tag, i);
	}
	return n;
}

static void check_frame(const struct rc_frame *fr, const struct fspec *f, uint32_t ring_snap,
			const struct tpacket3_hdr *h)
{
	uint8_t want[2048];
	bool vlan = (f->status & TP_STATUS_VLAN_VALID) || f->tci;
	uint32_t snap = (f->snap ? f->snap : f->len) + (vlan ? 4 : 0);
	uint32_t caplen = snap < ring_snap ? snap : ring_snap;
	uint32_t n;

	assert_int_equal(fr->h.ts.tv_sec, f->sec);
	assert_int_equal(fr->h.ts.tv_usec, f->nsec); /* nanoseconds, not micro */
	assert_int_equal(fr->h.len, f->len + (vlan ? 4 : 0));
	assert_int_equal(fr->h.caplen, caplen);
	if (h)
		assert_ptr_equal(fr->data, (const uint8_t *)h + MACOFF - (vlan ? 4 : 0));
	n = expected_bytes(f, want, caplen < sizeof(want) ? caplen : sizeof(want));
	assert_int_equal(n, caplen);
	assert_memory_equal(fr->data, want, n);
}

/* ------------------------------------------------------------------ */
/* fixture: a ring over aligned_alloc'd memory                         */

struct fix {
	const void *row; /* the table row of a table-driven case */
	uint8_t *mem;
	uint32_t block_size, block_nr;
	struct rc_tpv3_ring r;
	bool ring_up;
};

static void fix_ring(struct fix *f, uint32_t block_size, uint32_t block_nr, uint32_t snaplen)
{
	if (f->ring_up)
		rc_tpv3_ring_fini(&f->r);
	free(f->mem);
	f->ring_up = false;
	f->mem = aligned_alloc(4096, (size_t)block_size * block_nr);
	assert_non_null(f->mem);
	memset(f->mem, 0, (size_t)block_size * block_nr); /* every block TP_STATUS_KERNEL */
	f->block_size = block_size;
	f->block_nr = block_nr;
	assert_int_equal(rc_tpv3_ring_init(&f->r, f->mem, block_size, block_nr, snaplen), 0);
	f->ring_up = true;
	assert_ptr_equal(rc_tpv3_block(&f->r, 1), f->mem + block_size);
}

static int fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->row = *state;
	*state = f;
	fix_ring(f, BLK, 4, SNAP_ALL);
	return 0;
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;

	if (f->ring_up)
		rc_tpv3_ring_fini(&f->r);
	free(f->mem);
	free(f);
	return 0;
}

static uint8_t *fblock(struct fix *f, uint32_t i)
{
	return f->mem + (size_t)i * f->block_size;
}

/* Let the "kernel" fill ring block @i with @n frames and hand it over. */
static void kfill(struct fix *f, uint32_t i, uint64_t seq, const struct fspec *fs, unsigned n,
		  struct blk *ret)
{
	struct blk b;

	blk_open(&b, fblock(f, i), f->block_size);
	for (unsigned k = 0; k < n; k++)
		blk_add(&b, &fs[k]);
	blk_close(&b, seq, 0, true);
	if (ret)
		*ret = b;
}

static struct fspec plain(uint32_t len, uint8_t tag)
{
	struct fspec s = { .len = len, .tag = tag, .sec = 1700000000u + tag,
			   .nsec = 999000000u + tag };
	return s;
}

/* ------------------------------------------------------------------ */
/* frames, order, wrap-around                                          */

static void test_frames_in_order_and_wrap(void **state)
{
	struct fix *f = *state;
	struct fspec specs[6][4];
	struct blk built[6];
	uint64_t want_frames = 0, want_bytes = 0;
	struct rc_batch b;

	/* lap one fills all four blocks (1..4 frames each), lap two two more */
	for (unsigned blkno = 0; blkno < 6; blkno++) {
		unsigned n = blkno % 4 + 1;

		for (unsigned k = 0; k < n; k++) {
			struct fspec *s = &specs[blkno][k];

			*s = plain(60 + 97 * k + 13 * blkno, (uint8_t)(blkno * 10 + k));
			s->sec = 1700000000u + blkno;
			s->nsec = 999999990u - (blkno * 4 + k) * 1111u; /* > 1e6: not micro */
		}
	}
	for (unsigned blkno = 0; blkno < 4; blkno++)
		kfill(f, blkno, blkno + 1, specs[blkno], blkno + 1, &built[blkno]);

	for (unsigned blkno = 0; blkno < 6; blkno++) {
		unsigned n = blkno % 4 + 1;
		uint64_t bytes = 0;

		if (blkno == 4) {
			/* the ring has wrapped: block 0 is next, and it was handed back */
			assert_int_equal(f->r.cur, 0);
			assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
			assert_false(f->r.blocked);
			kfill(f, 0, 5, specs[4], 1, &built[4]);
			kfill(f, 1, 6, specs[5], 2, &built[5]);
		}
		assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
		assert_int_equal(b.n, n);
		assert_non_null(b.lease);
		assert_int_equal(b.lease->unit, blkno % 4);
		for (unsigned k = 0; k < n; k++) {
			check_frame(&b.frames[k], &specs[blkno][k], SNAP_ALL, built[blkno].hdrs[k]);
			bytes += specs[blkno][k].len;
		}
		assert_int_equal(b.bytes, bytes);
		want_frames += n;
		want_bytes += bytes;
		assert_int_equal(rc_lease_put(b.lease), 1);
		assert_int_equal(blk_status(fblock(f, blkno % 4)), TP_STATUS_KERNEL);
	}
	assert_int_equal(f->r.cur, 2);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_int_equal(f->r.st.blocks, 6);
	assert_int_equal(f->r.st.frames, want_frames);
	assert_int_equal(f->r.st.bytes, want_bytes);
	assert_int_equal(f->r.st.seq_gaps, 0);
	assert_int_equal(f->r.st.malformed, 0);
	assert_int_equal(f->r.st.empty_blocks, 0);
	assert_int_equal(f->r.st.vlan_restored, 0);
}

static void test_kernel_block_not_taken(void **state)
{
	struct fix *f = *state;
	struct fspec s[2] = { plain(100, 1), plain(200, 2) };
	struct rc_batch b = { 0 };
	struct blk built;

	/* nothing handed over yet */
	assert_false(rc_tpv3_ring_ready(&f->r));
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_false(f->r.blocked);
	assert_null(b.lease);

	/* filled but not yet retired: still the kernel's */
	blk_open(&built, fblock(f, 0), BLK);
	blk_add(&built, &s[0]);
	blk_add(&built, &s[1]);
	blk_close(&built, 1, 0, false);
	assert_false(rc_tpv3_ring_ready(&f->r));
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_false(f->r.blocked);
	assert_int_equal(f->r.cur, 0);
	assert_int_equal(f->r.st.blocks, 0);

	/* the kernel flips it: the walk resumes at the same block */
	blk_publish(fblock(f, 0));
	assert_true(rc_tpv3_ring_ready(&f->r));
	assert_int_equal(f->r.cur, 0); /* ready() does not take the block */
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 2);
	check_frame(&b.frames[0], &s[0], SNAP_ALL, built.hdrs[0]);
	check_frame(&b.frames[1], &s[1], SNAP_ALL, built.hdrs[1]);
	assert_int_equal(f->r.cur, 1);
	assert_int_equal(rc_lease_put(b.lease), 1);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
}

/* ------------------------------------------------------------------ */
/* hand-back                                                           */

static void test_handback_after_put(void **state)
{
	struct fix *f = *state;
	struct fspec s = plain(300, 3);
	struct rc_batch b;

	kfill(f, 0, 1, &s, 1, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(rc_lease_refs(b.lease), 1);
	/* while the worker's reference is held, the block stays user space's */
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_USER);
	check_frame(&b.frames[0], &s, SNAP_ALL, NULL);
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_USER);
	assert_int_equal(rc_lease_put(b.lease), 1);
	assert_int_equal(rc_lease_refs(b.lease), 0);
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_KERNEL);
	/* untouched neighbours */
	for (uint32_t i = 1; i < f->block_nr; i++)
		assert_int_equal(blk_status(fblock(f, i)), TP_STATUS_KERNEL);
}

struct two_holders_case {
	const char *name;
	bool sink_first; /* the async sink's completion comes before the worker is done */
};

static const struct two_holders_case two_holders_cases[] = {
	{ "worker puts first, sink last", false },
	{ "sink puts first, worker last", true },
};

/* Two holders: the worker and an async sink.  The sink's reference is kept
 * across the worker moving on to the next block, so the order matters. */
static void test_two_holders(void **state)
{
	struct fix *f = *state;
	const struct two_holders_case *tc = f->row;
	struct fspec s1 = plain(90, 1), s2 = plain(91, 2);
	struct rc_batch b1, b2;
	struct rc_frame kept;
	const uint32_t first = 0, second = 1;
	const uint64_t seq = 10;

	kfill(f, first, seq, &s1, 1, NULL);
	kfill(f, second, seq + 1, &s2, 1, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b1), 1);
	rc_lease_get(b1.lease); /* async sink */
	/* the sink keeps a copy of the view: b1.frames is the ring's scratch
	 * array, which the next rc_tpv3_ring_next() overwrites */
	kept = b1.frames[0];
	if (tc->sink_first) {
		assert_int_equal(rc_lease_put(b1.lease), 0); /* completion */
		assert_int_equal(blk_status(fblock(f, first)), TP_STATUS_USER);
		assert_int_equal(rc_lease_put(b1.lease), 1); /* worker done */
		assert_int_equal(blk_status(fblock(f, first)), TP_STATUS_KERNEL);
		assert_int_equal(rc_tpv3_ring_next(&f->r, &b2), 1);
	} else {
		assert_int_equal(rc_lease_put(b1.lease), 0); /* worker done */
		/* worker moves on while the sink still holds the first block */
		assert_int_equal(rc_tpv3_ring_next(&f->r, &b2), 1);
		assert_int_equal(blk_status(fblock(f, first)), TP_STATUS_USER);
		check_frame(&kept, &s1, SNAP_ALL, NULL); /* still valid under the lease */
		assert_int_equal(rc_lease_put(b1.lease), 1); /* completion */
		assert_int_equal(blk_status(fblock(f, first)), TP_STATUS_KERNEL);
	}
	check_frame(&b2.frames[0], &s2, SNAP_ALL, NULL);
	assert_int_equal(blk_status(fblock(f, second)), TP_STATUS_USER);
	assert_int_equal(rc_lease_put(b2.lease), 1);
	assert_int_equal(blk_status(fblock(f, second)), TP_STATUS_KERNEL);
}

/* ------------------------------------------------------------------ */
/* a block still leased from the previous lap                          */

static void test_leased_last_lap_not_rewalked(void **state)
{
	struct fix *f = *state;
	struct fspec a = plain(100, 1), c = plain(120, 3), d = plain(130, 4);
	struct rc_batch b0, b1, b;

	fix_ring(f, BLK, 2, SNAP_ALL);
	kfill(f, 0, 1, &a, 1, NULL);
	kfill(f, 1, 2, &c, 1, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b0), 1);
	rc_lease_get(b0.lease); /* an async sink keeps block 0 */
	assert_int_equal(rc_lease_put(b0.lease), 0);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b1), 1);
	assert_int_equal(rc_lease_put(b1.lease), 1);

	/* block 0: still held by the sink, so not looked at (its status word
	 * still says USER: our own store of last lap) */
	assert_int_equal(f->r.cur, 0);
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_USER);
	assert_false(rc_tpv3_ring_ready(&f->r));
	assert_true(f->r.blocked);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_true(f->r.blocked);
	assert_int_equal(f->r.st.blocks, 2);
	assert_int_equal(f->r.st.frames, 2);

	/* the sink completes: block 0 goes back; not blocked, just not ready */
	assert_int_equal(rc_lease_put(b0.lease), 1);
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_KERNEL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_false(f->r.blocked);

	/* the kernel refills it with the next seq_num: walked */
	kfill(f, 0, 3, &d, 1, NULL);
	assert_true(rc_tpv3_ring_ready(&f->r));
	assert_false(f->r.blocked);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 1);
	check_frame(&b.frames[0], &d, SNAP_ALL, NULL);
	assert_int_equal(rc_lease_put(b.lease), 1);
	assert_int_equal(f->r.st.blocks, 3);
	assert_int_equal(f->r.st.seq_gaps, 0);
}

/*
 * A block user space holds is not read at all, whatever its status word and
 * seq_num say.  With an asynchronous releaser the worker can see its own
 * TP_STATUS_USER of the lap before after the block has gone back, and the
 * kernel may already have reopened it (a new seq_num, frames half laid
 * out).  Here the worker is shown exactly that while the sink still holds
 * the block: nothing may be taken until the lease says the kernel's.
 */
static void test_held_block_not_read(void **state)
{
	struct fix *f = *state;
	struct fspec a = plain(100, 1), c = plain(120, 3), d = plain(130, 4);
	struct tpacket_block_desc *bd;
	struct rc_batch b0, b1, b;

	fix_ring(f, BLK, 2, SNAP_ALL);
	kfill(f, 0, 1, &a, 1, NULL);
	kfill(f, 1, 2, &c, 1, NULL);
	assert_false(rc_lease_held(&f->r.leases[0]));
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b0), 1);
	assert_true(rc_lease_held(b0.lease));
	assert_int_equal(b0.lease->cookie, 1); /* the block's seq_num */
	rc_lease_get(b0.lease); /* an async sink keeps block 0 */
	assert_int_equal(rc_lease_put(b0.lease), 0);
	assert_true(rc_lease_held(b0.lease));
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b1), 1);
	assert_int_equal(rc_lease_put(b1.lease), 1);
	assert_false(rc_lease_held(b1.lease));

	/* block 0 as a late view shows it: USER, a new number, garbage frames */
	bd = (struct tpacket_block_desc *)fblock(f, 0);
	bd->hdr.bh1.seq_num = 3;
	bd->hdr.bh1.num_pkts = 0xdbdbdbdbu;
	bd->hdr.bh1.offset_to_first_pkt = 0xdbdbdbdbu;
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_USER);
	assert_int_equal(f->r.cur, 0);
	assert_false(rc_tpv3_ring_ready(&f->r));
	assert_true(f->r.blocked);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_true(f->r.blocked);
	assert_int_equal(f->r.cur, 0);
	assert_int_equal(f->r.st.blocks, 2);
	assert_int_equal(f->r.st.malformed, 0);
	assert_int_equal(f->r.st.empty_blocks, 0);

	/* the sink lets go: the status word goes back first, then the lease */
	assert_int_equal(rc_lease_put(b0.lease), 1);
	assert_false(rc_lease_held(b0.lease));
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_KERNEL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_false(f->r.blocked);
	kfill(f, 0, 3, &d, 1, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 1);
	check_frame(&b.frames[0], &d, SNAP_ALL, NULL);
	assert_int_equal(b.lease->cookie, 3);
	assert_int_equal(rc_lease_put(b.lease), 1);
	assert_int_equal(f->r.st.blocks, 3);
	assert_int_equal(f->r.st.seq_gaps, 0);
}

/* ------------------------------------------------------------------ */
/* blocks the kernel retired empty                                     */

static void test_empty_block_released_at_once(void **state)
{
	struct fix *f = *state;
	struct fspec s[3] = { plain(70, 1), plain(80, 2), plain(90, 3) };
	struct blk e;
	struct rc_batch b;

	blk_open(&e, fblock(f, 0), BLK);
	blk_close(&e, 1, TP_STATUS_BLK_TMO, true); /* retired by timeout, no frames */
	kfill(f, 1, 2, s, 3, NULL);

	/* one call: past the empty block, to the next one */
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.lease->unit, 1);
	for (unsigned k = 0; k < 3; k++)
		check_frame(&b.frames[k], &s[k], SNAP_ALL, NULL);
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_KERNEL);
	assert_int_equal(rc_lease_refs(&f->r.leases[0]), 0);
	assert_int_equal(blk_status(fblock(f, 1)), TP_STATUS_USER);
	assert_int_equal(f->r.st.empty_blocks, 1);
	assert_int_equal(f->r.st.blocks, 2);
	assert_int_equal(f->r.st.frames, 3);
	assert_int_equal(f->r.st.malformed, 0);
	assert_int_equal(rc_lease_put(b.lease), 1);

	/* a run of empty blocks up to one the kernel still has: all handed back */
	blk_open(&e, fblock(f, 2), BLK);
	blk_close(&e, 3, TP_STATUS_BLK_TMO, true);
	blk_open(&e, fblock(f, 3), BLK);
	blk_close(&e, 4, TP_STATUS_BLK_TMO, true);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 0);
	assert_false(f->r.blocked);
	assert_int_equal(blk_status(fblock(f, 2)), TP_STATUS_KERNEL);
	assert_int_equal(blk_status(fblock(f, 3)), TP_STATUS_KERNEL);
	assert_int_equal(f->r.cur, 0);
	assert_int_equal(f->r.st.empty_blocks, 3);
	assert_int_equal(f->r.st.blocks, 4);
}

/* Each frame's direction and reception type from its sockaddr_ll; a
 * block the kernel marked TP_STATUS_LOSING (frames dropped before it)
 * is flagged for the source, also when an empty block carried the mark. */
static void test_direction_and_losing(void **state)
{
	struct fix *f = *state;
	struct fspec s[5] = { plain(70, 1), plain(80, 2), plain(90, 3), plain(100, 4),
			      plain(110, 5) };
	static const uint8_t want[5] = {
		RC_DIR_IN | RC_RX_UNICAST, RC_DIR_OUT, RC_DIR_IN | RC_RX_BROADCAST,
		RC_DIR_IN | RC_RX_MULTICAST, RC_DIR_IN | RC_RX_PROMISC,
	};
	struct blk e, k;
	struct rc_batch b;

	f->r.want_dir = true;
	s[0].pkttype = PACKET_HOST;
	s[1].pkttype = PACKET_OUTGOING;
	s[2].pkttype = PACKET_BROADCAST;
	s[3].pkttype = PACKET_MULTICAST;
	s[4].pkttype = PACKET_OTHERHOST;
	kfill(f, 0, 1, s, 5, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(b.frames[i].dir, want[i]);
	assert_false(f->r.losing);
	assert_int_equal(rc_lease_put(b.lease), 1);

	/* frames lost before block 1 */
	blk_open(&k, fblock(f, 1), BLK);
	blk_add(&k, &s[0]);
	blk_close(&k, 2, TP_STATUS_LOSING, true);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_true(f->r.losing);
	f->r.losing = false;  /* the source asked the kernel */
	assert_int_equal(rc_lease_put(b.lease), 1);

	/* an empty block carries the mark: it goes with the next frames */
	blk_open(&e, fblock(f, 2), BLK);
	blk_close(&e, 3, TP_STATUS_BLK_TMO | TP_STATUS_LOSING, true);
	kfill(f, 3, 4, s, 2, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.lease->unit, 3);
	assert_true(f->r.losing);
	assert_int_equal(rc_lease_put(b.lease), 1);
}

/* A cooked ("any") frame starts at its network header; the walker puts
 * the LINUX_SLL2 header in front of it from the frame's sockaddr_ll, once:
 * a second walk (the RDMA collector's) gives the same frame. */
static void test_cooked_sll2(void **state)
{
	struct fix *f = *state;
	const uint32_t netoff = TPACKET_ALIGN(TPACKET3_HDRLEN) + 16u + RESERVE;
	struct fspec fs[2] = { plain(84, 1), plain(300, 2) };
	struct rc_frame again[2];
	struct blk k;
	struct rc_batch b;
	uint64_t vlan = 0, bytes = 0;
	bool malformed;

	f->r.cooked = true;
	f->r.want_dir = true;
	fs[0].pkttype = PACKET_OUTGOING;
	fs[1].pkttype = PACKET_HOST;
	fs[1].status = TP_STATUS_VLAN_VALID;  /* a stripped tag: SLL2 has no room for it */
	fs[1].tci = 42;
	blk_open(&k, fblock(f, 0), BLK);
	for (unsigned i = 0; i < 2; i++) {
		struct tpacket3_hdr *h;
		uint8_t *d;

		/* a slot as long as the cooked frame's: MACOFF + MACLEN = netoff */
		fs[i].snap = fs[i].len + MACLEN;
		h = blk_add(&k, &fs[i]);
		d = (uint8_t *)h + netoff;
		/* what a SOCK_DGRAM socket's ring holds: the IP packet at tp_net */
		h->tp_mac = h->tp_net = (uint16_t)netoff;
		h->tp_snaplen = h->tp_len = fs[i].len;
		for (uint32_t j = 0; j < fs[i].len; j++)
			d[j] = wire_byte(fs[i].tag, j + MACLEN);
	}
	blk_close(&k, 1, 0, true);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct rc_frame *fr = &b.frames[i];
		const uint8_t *d = fr->data;
		uint32_t ifindex;

		assert_int_equal(fr->h.len, fs[i].len + 20);
		assert_int_equal(fr->h.caplen, fs[i].len + 20);
		assert_int_equal(d[0], 0x08);  /* protocol: IPv4, network order */
		assert_int_equal(d[1], 0x00);
		assert_int_equal(d[2] | d[3], 0);
		memcpy(&ifindex, d + 4, 4);
		assert_int_equal(ntohl(ifindex), 7);
		assert_int_equal(d[8] << 8 | d[9], 1);  /* ARPHRD_ETHER */
		assert_int_equal(d[10], fs[i].pkttype);
		assert_int_equal(d[11], 6);
		assert_memory_equal(d + 12, mac_src, 6);
		assert_int_equal(d[18] | d[19], 0);
		for (uint32_t j = 0; j < fs[i].len; j++)
			assert_int_equal(d[20 + j], wire_byte(fs[i].tag, j + MACLEN));
	}
	assert_int_equal(b.frames[0].dir, RC_DIR_OUT);
	assert_int_equal(b.frames[1].dir, RC_DIR_IN | RC_RX_UNICAST);
	assert_int_equal(f->r.st.vlan_restored, 0);
	/* the block describes the frames as they are now */
	assert_int_equal(rc_tpv3_block_walk((struct tpacket_block_desc *)fblock(f, 0), BLK,
					    SNAP_ALL, again, 2, &malformed, &vlan, &bytes), 2);
	assert_false(malformed);
	assert_int_equal(vlan, 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_ptr_equal(again[i].data, b.frames[i].data);
		assert_int_equal(again[i].h.caplen, b.frames[i].h.caplen);
		assert_int_equal(again[i].h.len, b.frames[i].h.len);
	}
	assert_int_equal(rc_lease_put(b.lease), 1);
}

/* ------------------------------------------------------------------ */
/* seq_num gaps                                                        */

struct seq_case {
	const char *name;
	uint64_t seq[4];
	uint64_t gaps;
};

static const struct seq_case seq_cases[] = {
	{ "1,2,3,4: none", { 1, 2, 3, 4 }, 0 },
	{ "1,2,5,6: two", { 1, 2, 5, 6 }, 2 },
	{ "7,9,10,11: one (first block sets the base)", { 7, 9, 10, 11 }, 1 },
	{ "1,5,9,13: three per step", { 1, 5, 9, 13 }, 9 },
	{ "1,2,3,1000: large jump", { 1, 2, 3, 1000 }, 996 },
};

static void test_seq_gaps(void **state)
{
	struct fix *f = *state;
	const struct seq_case *tc = f->row;
	struct rc_batch b;

	for (uint32_t i = 0; i < 4; i++) {
		struct fspec s = plain(64, (uint8_t)i);

		kfill(f, i, tc->seq[i], &s, 1, NULL);
	}
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
		assert_int_equal(rc_lease_put(b.lease), 1);
	}
	assert_int_equal(f->r.st.seq_gaps, tc->gaps);
	assert_int_equal(f->r.st.blocks, 4);
}

/* The ring's first three blocks carry 1, 2, 5: two gaps (the brief's case),
 * checked after each block so a gap is counted when it is seen. */
static void test_seq_gap_counted_when_seen(void **state)
{
	struct fix *f = *state;
	static const uint64_t seq[3] = { 1, 2, 5 };
	static const uint64_t gaps_after[3] = { 0, 0, 2 };
	struct rc_batch b;

	for (uint32_t i = 0; i < 3; i++) {
		struct fspec s = plain(64, (uint8_t)i);

		kfill(f, i, seq[i], &s, 1, NULL);
	}
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
		assert_int_equal(f->r.st.seq_gaps, gaps_after[i]);
		assert_int_equal(rc_lease_put(b.lease), 1);
	}
}

/* ------------------------------------------------------------------ */
/* VLAN tags the kernel stripped                                       */

struct vlan_case {
	const char *name;
	uint32_t status;
	uint16_t tci, tpid;
	const uint8_t tag[4]; /* what must appear after the MAC addresses */
	bool restored;
};

static const struct vlan_case vlan_cases[] = {
	{ "802.1Q, VID 100", TP_STATUS_VLAN_VALID, 0x0064, 0, { 0x81, 0x00, 0x00, 0x64 }, true },
	{ "802.1ad, TPID 0x88a8", TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, 0x0064,
	  0x88a8, { 0x88, 0xa8, 0x00, 0x64 }, true },
	{ "TPID flagged but 0: 802.1Q", TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, 0xe123,
	  0, { 0x81, 0x00, 0xe1, 0x23 }, true },
	{ "priority tag, TCI 0", TP_STATUS_VLAN_VALID, 0x0000, 0, { 0x81, 0x00, 0x00, 0x00 },
	  true },
	{ "TCI without the flag (old kernels)", 0, 0x0fff, 0, { 0x81, 0x00, 0x0f, 0xff }, true },
	{ "no tag", 0, 0, 0, { 0x08, 0x00, 0, 0 }, false },
};

static void test_vlan_restored_once(void **state)
{
	struct fix *f = *state;
	const struct vlan_case *tc = f->row;
	struct fspec s[2] = { plain(100, 5), plain(80, 6) };
	struct rc_frame again[4];
	struct rc_frame first[2];
	uint8_t first_bytes[2][256];
	struct sockaddr_ll sll_before;
	struct tpacket3_hdr *h;
	struct rc_batch b;
	struct blk built;
	bool malformed = true;
	uint64_t vlan = 0;
	unsigned n;

	fix_ring(f, BLK, 1, SNAP_ALL);
	s[0].status = tc->status;
	s[0].tci = tc->tci;
	s[0].tpid = tc->tpid;
	kfill(f, 0, 1, s, 2, &built);
	h = built.hdrs[0];
	memcpy(&sll_before, (uint8_t *)h + TPACKET_ALIGN(sizeof(*h)), sizeof(sll_before));

	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 2);
	check_frame(&b.frames[0], &s[0], SNAP_ALL, h);
	check_frame(&b.frames[1], &s[1], SNAP_ALL, built.hdrs[1]);
	assert_memory_equal(b.frames[0].data, mac_dst, 6);
	assert_memory_equal(b.frames[0].data + 6, mac_src, 6);
	assert_memory_equal(b.frames[0].data + 12, tc->tag, tc->restored ? 4 : 2);
	if (tc->restored) {
		/* the original ethertype follows the tag */
		assert_int_equal(b.frames[0].data[16], 0x08);
		assert_int_equal(b.frames[0].data[17], 0x00);
	}
	assert_int_equal(f->r.st.vlan_restored, tc->restored ? 1 : 0);
	assert_int_equal(b.bytes, s[0].len + s[1].len + (tc->restored ? 4 : 0));
	/* the tag went into the headroom, not over the kernel's headers */
	assert_memory_equal((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)), &sll_before,
			    sizeof(sll_before));
	assert_int_equal(h->hv1.tp_rxhash, 0x5a5a5a5a);

	for (unsigned k = 0; k < 2; k++) {
		first[k] = b.frames[k];
		memcpy(first_bytes[k], b.frames[k].data, b.frames[k].h.caplen);
	}

	/* the same block memory walked a second time (e.g. by the RDMA
	 * collector): the header was rewritten, so the same frames */
	n = rc_tpv3_block_walk(rc_tpv3_block(&f->r, 0), BLK, SNAP_ALL, again, 4,
			       &malformed, &vlan, NULL);
	assert_int_equal(n, 2);
	assert_false(malformed);
	assert_int_equal(vlan, 0);
	for (unsigned k = 0; k < 2; k++) {
		assert_ptr_equal(again[k].data, first[k].data);
		assert_int_equal(again[k].h.caplen, first[k].h.caplen);
		assert_int_equal(again[k].h.len, first[k].h.len);
		assert_int_equal(again[k].h.ts.tv_sec, first[k].h.ts.tv_sec);
		assert_int_equal(again[k].h.ts.tv_usec, first[k].h.ts.tv_usec);
		assert_memory_equal(again[k].data, first_bytes[k], first[k].h.caplen);
	}
	assert_int_equal(rc_lease_put(b.lease), 1);
}

/* A VLAN frame whose MAC header sits right behind the frame header (no
 * kernel lays it out so): there is no room for the tag, and the walker must
 * not make room by writing over the tpacket3 header. */
static void test_vlan_without_headroom(void **state)
{
	static const uint16_t macs[] = { sizeof(struct tpacket3_hdr),
					 sizeof(struct tpacket3_hdr) + 3 };
	struct fix *f = *state;

	for (size_t c = 0; c < ARRAY_SIZE(macs); c++) {
		struct fspec s = plain(100, 7);
		struct tpacket3_hdr *h, saved;
		struct rc_batch b;
		struct blk built;

		fix_ring(f, BLK, 1, SNAP_ALL);
		s.status = TP_STATUS_VLAN_VALID;
		s.tci = 0x0064;
		kfill(f, 0, 1, &s, 1, &built);
		h = built.hdrs[0];
		/* the "kernel" is the one that wrote the block: do it again */
		__atomic_store_n(&rc_tpv3_block(&f->r, 0)->hdr.bh1.block_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELAXED);
		memmove((uint8_t *)h + macs[c], (uint8_t *)h + h->tp_mac, h->tp_snaplen);
		h->tp_mac = macs[c];
		memcpy(&saved, h, sizeof(saved));
		blk_publish(fblock(f, 0));

		assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
		assert_int_equal(b.n, 1);
		assert_memory_equal(h, &saved, sizeof(saved)); /* header untouched */
		assert_ptr_equal(b.frames[0].data, (uint8_t *)h + macs[c]);
		assert_int_equal(b.frames[0].h.len, 100);
		assert_int_equal(b.frames[0].h.caplen, 100);
		assert_int_equal(f->r.st.vlan_restored, 0);
		assert_int_equal(rc_lease_put(b.lease), 1);
	}
}

/* ------------------------------------------------------------------ */
/* snaplen                                                             */

struct snap_case {
	const char *name;
	uint32_t len, snap; /* as the kernel stored it */
	bool vlan;
	uint32_t caplen, wire_len; /* what the sink must get */
};

static const struct snap_case snap_cases[] = {
	{ "shorter than snaplen", 63, 0, false, 63, 63 },
	{ "exactly snaplen", 64, 0, false, 64, 64 },
	{ "one over", 65, 0, false, 64, 65 },
	{ "longer", 1000, 0, false, 64, 1000 },
	{ "kernel truncated too", 1500, 200, false, 64, 1500 },
	{ "VLAN pushes it over", 62, 0, true, 64, 66 },
	{ "VLAN lands exactly on it", 60, 0, true, 64, 64 },
	{ "VLAN stays under", 59, 0, true, 63, 63 },
};

static void test_snaplen_caps_caplen(void **state)
{
	struct fix *f = *state;
	const struct snap_case *tc = f->row;
	struct fspec s = plain(tc->len, 9);
	uint8_t want[64];
	struct rc_batch b;

	s.snap = tc->snap;
	if (tc->vlan) {
		s.status = TP_STATUS_VLAN_VALID;
		s.tci = 0x0123;
	}
	fix_ring(f, BLK, 2, 64);
	kfill(f, 0, 1, &s, 1, NULL);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.frames[0].h.caplen, tc->caplen);
	assert_int_equal(b.frames[0].h.len, tc->wire_len);
	assert_int_equal(b.bytes, tc->wire_len);
	assert_int_equal(expected_bytes(&s, want, tc->caplen), tc->caplen);
	assert_memory_equal(b.frames[0].data, want, tc->caplen);
	assert_int_equal(rc_lease_put(b.lease), 1);
}

/* ------------------------------------------------------------------ */
/* malformed blocks                                                    */

enum spoil {
	SPOIL_FIRST,      /* offset_to_first_pkt = v */
	SPOIL_NUM,        /* num_pkts = v */
	SPOIL_NEXT,       /* frame's tp_next_offset = v */
	SPOIL_NEXT_END,   /* frame's tp_next_offset: the next header v bytes before the end */
	SPOIL_SNAP_LEN,   /* frame's tp_snaplen = tp_len = v */
	SPOIL_SNAP_OVER,  /* frame's tp_snaplen = tp_len + v */
	SPOIL_MAC,        /* frame's tp_mac = v */
	SPOIL_SHIFT,      /* the first frame, intact, moved v bytes further in */
};

struct bad_case {
	const char *name;
	enum spoil what;
	unsigned frame; /* which of the three frames */
	uint32_t v;
	unsigned frames; /* good frames before the walk must stop */
};

static const struct bad_case bad_cases[] = {
	{ "offset_to_first_pkt at the block end", SPOIL_FIRST, 0, BLK, 0 },
	{ "offset_to_first_pkt far beyond", SPOIL_FIRST, 0, 0xfffffff0u, 0 },
	{ "first header straddles the end", SPOIL_FIRST, 0, BLK - 16, 0 },
	{ "first frame inside the descriptor", SPOIL_FIRST, 0, 8, 0 },
	{ "first frame misaligned by 2", SPOIL_SHIFT, 0, 2, 0 },
	{ "first frame misaligned by 1", SPOIL_SHIFT, 0, 1, 0 },
	{ "first frame moved by 4 (aligned)", SPOIL_SHIFT, 0, 4, 1 },
	{ "tp_next_offset past the block", SPOIL_NEXT, 1, BLK, 2 },
	{ "tp_next_offset wraps", SPOIL_NEXT, 0, 0xfffffff8u, 1 },
	{ "tp_next_offset leaves no room for a header", SPOIL_NEXT_END, 1, 8, 2 },
	{ "tp_next_offset 0 before the last frame", SPOIL_NEXT, 0, 0, 1 },
	{ "tp_mac+tp_snaplen past the end", SPOIL_SNAP_LEN, 2, BLK, 2 },
	{ "tp_snaplen 0xffffffff", SPOIL_SNAP_LEN, 1, 0xffffffffu, 1 },
	{ "tp_mac past the end", SPOIL_MAC, 1, 0xffff, 1 },
	{ "tp_mac inside the frame header", SPOIL_MAC, 0, 10, 0 },
	{ "tp_snaplen > tp_len", SPOIL_SNAP_OVER, 1, 1, 1 },
	{ "num_pkts longer than the chain", SPOIL_NUM, 0, 10, 3 },
	{ "num_pkts 0xffffffff", SPOIL_NUM, 0, 0xffffffffu, 3 },
};

static void spoil(struct blk *b, const struct bad_case *tc)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)b->base;
	struct tpacket3_hdr *h = b->hdrs[tc->frame];
	uint32_t h_off = (uint32_t)((uint8_t *)h - b->base);

	switch (tc->what) {
	case SPOIL_FIRST:
		bd->hdr.bh1.offset_to_first_pkt = tc->v;
		break;
	case SPOIL_NUM:
		bd->hdr.bh1.num_pkts = tc->v;
		break;
	case SPOIL_NEXT:
		h->tp_next_offset = tc->v;
		break;
	case SPOIL_NEXT_END:
		h->tp_next_offset = BLK - tc->v - h_off;
		break;
	case SPOIL_SNAP_LEN:
		h->tp_snaplen = tc->v;
		h->tp_len = tc->v;
		break;
	case SPOIL_SNAP_OVER:
		h->tp_snaplen = h->tp_len + tc->v;
		break;
	case SPOIL_MAC:
		h->tp_mac = (uint16_t)tc->v;
		break;
	case SPOIL_SHIFT:
		/* a well-formed frame at an offset the kernel never uses */
		memmove((uint8_t *)h + tc->v, h, h->tp_next_offset);
		b->hdrs[0] = (struct tpacket3_hdr *)((uint8_t *)h + tc->v);
		bd->hdr.bh1.offset_to_first_pkt = h_off + tc->v;
		break;
	}
}

static void test_malformed_blocks(void **state)
{
	struct fix *f = *state;
	const struct bad_case *tc = f->row;
	struct fspec s[3] = { plain(200, 1), plain(300, 2), plain(400, 3) };
	struct rc_batch b;
	struct blk built;
	uint32_t len;
	int r;

	/* a one-block ring: the block is its own allocation, so ASan sees
	 * any read past it */
	fix_ring(f, BLK, 1, SNAP_ALL);
	blk_open(&built, fblock(f, 0), BLK);
	for (unsigned k = 0; k < 3; k++)
		blk_add(&built, &s[k]);
	blk_close(&built, 1, 0, false);
	spoil(&built, tc);
	blk_publish(fblock(f, 0));

	r = rc_tpv3_ring_next(&f->r, &b);
	assert_int_equal(f->r.st.malformed, 1);
	assert_int_equal(f->r.st.blocks, 1);
	if (tc->frames == 0) {
		/* nothing usable: handed back at once, like an empty block */
		assert_int_equal(r, 0);
		assert_int_equal(f->r.st.empty_blocks, 1);
		assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_KERNEL);
		return;
	}
	assert_int_equal(r, 1);
	assert_int_equal(b.n, tc->frames);
	for (unsigned k = 0; k < tc->frames; k++)
		check_frame(&b.frames[k], &s[k], SNAP_ALL, built.hdrs[k]);
	assert_int_equal(f->r.st.frames, tc->frames);
	/* what is left of a malformed block is never sent as the block */
	assert_null(rc_tpv3_ring_whole_block(&f->r, &b, &len));
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_USER);
	assert_int_equal(rc_lease_put(b.lease), 1);
	assert_int_equal(blk_status(fblock(f, 0)), TP_STATUS_KERNEL);
}

/* A block packed with more frames than the walker has views for: the
 * smallest frame a synthetic block can carry (header + MAC offset at the
 * header's end, 8 bytes of data) is smaller than any the kernel writes. */
static void test_more_frames_than_views(void **state)
{
	struct fix *f = *state;
	const uint32_t stride = (uint32_t)sizeof(struct tpacket3_hdr) + 8;
	struct tpacket_block_desc *bd;
	uint32_t off, n = 0;
	struct rc_batch b;

	fix_ring(f, BLK, 1, SNAP_ALL);
	bd = rc_tpv3_block(&f->r, 0);
	for (off = FIRST_PKT; off + stride <= BLK; off += stride, n++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)((uint8_t *)bd + off);

		h->tp_next_offset = off + 2 * stride <= BLK ? stride : 0;
		h->tp_mac = (uint16_t)sizeof(*h);
		h->tp_snaplen = 8;
		h->tp_len = 8;
		h->tp_sec = n;
		h->tp_status = TP_STATUS_USER;
		memset((uint8_t *)h + sizeof(*h), (int)n, 8);
	}
	assert_true(n > f->r.max_views);
	bd->hdr.bh1.num_pkts = n;
	bd->hdr.bh1.offset_to_first_pkt = FIRST_PKT;
	bd->hdr.bh1.seq_num = 1;
	blk_publish(bd);

	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, f->r.max_views);
	assert_int_equal(f->r.st.malformed, 1);
	assert_null(rc_tpv3_ring_whole_block(&f->r, &b, &n));
	for (unsigned k = 0; k < b.n; k++) {
		assert_int_equal(b.frames[k].h.ts.tv_sec, k);
		assert_int_equal(b.frames[k].h.caplen, 8);
		assert_int_equal(b.frames[k].data[7], (uint8_t)k);
	}
	assert_int_equal(rc_lease_put(b.lease), 1);
}

/* A batch is one whole block for a sink that sends blocks as they are
 * (RDMA zero copy) only while it holds every frame of its block: not once
 * the worker has cut it short (-c), not from another ring. */
static void test_whole_block(void **state)
{
	struct fix *f = *state;
	struct fspec s[3] = { plain(200, 1), plain(300, 2), plain(400, 3) };
	struct rc_tpv3_ring other;
	struct rc_batch b, cut;
	struct blk built;
	uint32_t len = 0;
	uint8_t *other_mem = aligned_alloc(4096, BLK);

	kfill(f, 0, 1, s, 3, &built);
	assert_int_equal(rc_tpv3_ring_next(&f->r, &b), 1);
	assert_int_equal(b.n, 3);
	assert_ptr_equal(rc_tpv3_ring_whole_block(&f->r, &b, &len), fblock(f, 0));
	assert_int_equal(len, built.off);
	assert_int_equal(len, ((struct tpacket_block_desc *)fblock(f, 0))->hdr.bh1.blk_len);

	cut = b;
	cut.n = 2;
	len = 7;
	assert_null(rc_tpv3_ring_whole_block(&f->r, &cut, &len));
	assert_int_equal(len, 7);

	/* the same batch asked of a ring that did not hand it out */
	assert_non_null(other_mem);
	memset(other_mem, 0, BLK);
	assert_int_equal(rc_tpv3_ring_init(&other, other_mem, BLK, 1, SNAP_ALL), 0);
	assert_null(rc_tpv3_ring_whole_block(&other, &b, &len));
	rc_tpv3_ring_fini(&other);
	free(other_mem);

	assert_int_equal(rc_lease_put(b.lease), 1);
}

/* rc_tpv3_block_walk on its own: never more than @max views. */
static void test_block_walk_max(void **state)
{
	struct fspec s[3] = { plain(100, 1), plain(110, 2), plain(120, 3) };
	struct rc_frame out[3];
	uint8_t *mem = aligned_alloc(4096, BLK);
	struct blk built;
	bool malformed;
	uint64_t vlan = 0;

	(void)state;
	assert_non_null(mem);
	memset(mem, 0, BLK);
	blk_open(&built, mem, BLK);
	for (unsigned k = 0; k < 3; k++)
		blk_add(&built, &s[k]);
	blk_close(&built, 1, 0, true);

	memset(out, 0xa5, sizeof(out));
	assert_int_equal(rc_tpv3_block_walk((struct tpacket_block_desc *)mem, BLK, SNAP_ALL, out, 2,
					    &malformed, &vlan, NULL), 2);
	assert_true(malformed);
	check_frame(&out[0], &s[0], SNAP_ALL, built.hdrs[0]);
	check_frame(&out[1], &s[1], SNAP_ALL, built.hdrs[1]);
	/* the view past max was not written */
	assert_int_equal(out[2].h.caplen, 0xa5a5a5a5u);

	assert_int_equal(rc_tpv3_block_walk((struct tpacket_block_desc *)mem, BLK, SNAP_ALL, out, 3,
					    &malformed, &vlan, NULL), 3);
	assert_false(malformed);
	check_frame(&out[2], &s[2], SNAP_ALL, built.hdrs[2]);
	assert_int_equal(vlan, 0);
	free(mem);
}

/* ------------------------------------------------------------------ */
/* the lease on its own                                                */

struct count_owner {
	struct rc_lease_owner owner;
	int releases;
	struct rc_lease *last;
	bool held_in_hook;
};

static void count_release(struct rc_lease_owner *o, struct rc_lease *l)
{
	struct count_owner *c = (struct count_owner *)o;

	c->releases++;
	c->last = l;
	c->held_in_hook = rc_lease_held(l);
}

static void test_lease_refcount(void **state)
{
	struct count_owner o = { .owner.release = count_release };
	struct rc_lease l;

	(void)state;
	rc_lease_init(&l, &o.owner, 42);
	assert_int_equal(l.unit, 42);
	assert_int_equal(rc_lease_refs(&l), 0);
	assert_false(rc_lease_held(&l));
	for (int lap = 0; lap < 2; lap++) {
		rc_lease_begin(&l, 1000 + lap);
		assert_int_equal(l.cookie, 1000 + lap);
		assert_int_equal(rc_lease_refs(&l), 1);
		assert_true(rc_lease_held(&l));
		rc_lease_get(&l);
		rc_lease_get(&l);
		assert_int_equal(rc_lease_refs(&l), 3);
		assert_int_equal(rc_lease_put(&l), 0);
		assert_int_equal(rc_lease_put(&l), 0);
		assert_int_equal(o.releases, lap);
		assert_true(rc_lease_held(&l));
		o.held_in_hook = false;
		assert_int_equal(rc_lease_put(&l), 1);
		assert_int_equal(o.releases, lap + 1);
		assert_ptr_equal(o.last, &l);
		assert_int_equal(rc_lease_refs(&l), 0);
		/* user space's until the hook has handed the unit back */
		assert_true(o.held_in_hook);
		assert_false(rc_lease_held(&l));
	}
}

/* @fn(@l) in a child, which must die of SIGABRT (and leave no core file in
 * the tree); the parent's lease is untouched by what the child did. */
static void assert_aborts(void (*fn)(struct rc_lease *l), struct rc_lease *l)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		signal(SIGABRT, SIG_DFL);
		fn(l);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void put_once_more(struct rc_lease *l)
{
	(void)rc_lease_put(l);
}

static void begin_again(struct rc_lease *l)
{
	rc_lease_begin(l, 2);
}

static void test_lease_extra_put_aborts(void **state)
{
	struct count_owner o = { .owner.release = count_release };
	struct rc_lease l;

	(void)state;
	rc_lease_init(&l, &o.owner, 0);
	rc_lease_begin(&l, 1);
	assert_int_equal(rc_lease_put(&l), 1);
	assert_aborts(put_once_more, &l); /* one put too many */
	assert_int_equal(o.releases, 1);
}

/* Taking a unit user space already holds is two owners of one unit. */
static void test_lease_begin_held_aborts(void **state)
{
	struct count_owner o = { .owner.release = count_release };
	struct rc_lease l;

	(void)state;
	rc_lease_init(&l, &o.owner, 0);
	rc_lease_begin(&l, 1);
	assert_aborts(begin_again, &l); /* still held */
	assert_int_equal(rc_lease_put(&l), 1);
	rc_lease_begin(&l, 3); /* handed back: may be taken again */
	assert_int_equal(rc_lease_put(&l), 1);
	assert_int_equal(o.releases, 2);
}

/* The RDMA copy path lays frames out as a block; the walker (and so the
 * collector) must give back exactly those frames, and the builder must stop
 * at the first frame that does not fit. */
static void test_block_build_roundtrip(void **state)
{
	enum { N = 200, SIZE = 64 * 1024 };
	static uint8_t data[N][1600];
	struct rc_frame in[N], out[N];
	uint8_t *blk = aligned_alloc(4096, SIZE);
	uint32_t len = 0, used = 48;
	unsigned n, fit = 0, walked;
	bool malformed;
	uint64_t vlan = 0, bytes = 0, want_bytes = 0, built_bytes = 0;

	(void)state;
	assert_non_null(blk);
	for (unsigned i = 0; i < N; i++) {
		uint32_t caplen = 60 + (i * 97) % 1455;

		for (uint32_t j = 0; j < caplen; j++)
			data[i][j] = (uint8_t)(i * 31 + j);
		in[i].data = data[i];
		in[i].h.caplen = caplen;
		in[i].h.len = caplen + (i % 3 ? 0 : 100);  /* some were cut by a snaplen */
		in[i].h.ts.tv_sec = 1700000000 + i;
		in[i].h.ts.tv_usec = (suseconds_t)(i * 1000003 % 1000000000);
		/* what the kernel's layout needs: header, then the aligned frame */
		if (used + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + TPACKET_ALIGN(caplen) <= SIZE) {
			used += TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + TPACKET_ALIGN(caplen);
			if (fit == i) {
				fit++;
				want_bytes += in[i].h.len;
			}
		}
	}
	n = rc_tpv3_block_build(blk, SIZE, 42, in, N, &len, &built_bytes);
	assert_int_equal(n, fit);
	assert_int_equal(built_bytes, want_bytes);
	assert_true(n > 10 && n < N);
	assert_true(len <= SIZE);
	assert_int_equal(((struct tpacket_block_desc *)blk)->hdr.bh1.blk_len, len);
	assert_int_equal(((struct tpacket_block_desc *)blk)->hdr.bh1.seq_num, 42);
	assert_int_equal(((struct tpacket_block_desc *)blk)->hdr.bh1.ts_last_pkt.ts_nsec,
			 in[n - 1].h.ts.tv_usec);

	/* walked with the received length as the bound, as the collector does */
	walked = rc_tpv3_block_walk((struct tpacket_block_desc *)blk, len, 262144, out, N,
				    &malformed, &vlan, &bytes);
	assert_false(malformed);
	assert_int_equal(walked, n);
	assert_int_equal(vlan, 0);
	assert_int_equal(bytes, want_bytes);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(out[i].h.caplen, in[i].h.caplen);
		assert_int_equal(out[i].h.len, in[i].h.len);
		assert_int_equal(out[i].h.ts.tv_sec, in[i].h.ts.tv_sec);
		assert_int_equal(out[i].h.ts.tv_usec, in[i].h.ts.tv_usec);
		assert_memory_equal(out[i].data, in[i].data, in[i].h.caplen);
	}
	/* nothing fits in a block too small for one frame */
	assert_int_equal(rc_tpv3_block_build(blk, 100, 0, in, N, &len, NULL), 0);
	free(blk);
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test_setup_teardown(test_frames_in_order_and_wrap, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_block_not_taken, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_handback_after_put, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_leased_last_lap_not_rewalked, fix_setup,
						fix_teardown),
		cmocka_unit_test_setup_teardown(test_held_block_not_read, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_empty_block_released_at_once, fix_setup,
						fix_teardown),
		cmocka_unit_test_setup_teardown(test_direction_and_losing, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_cooked_sll2, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_seq_gap_counted_when_seen, fix_setup,
						fix_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_without_headroom, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_more_frames_than_views, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_whole_block, fix_setup, fix_teardown),
		cmocka_unit_test(test_block_walk_max),
		cmocka_unit_test(test_block_build_roundtrip),
		cmocka_unit_test(test_lease_refcount),
		cmocka_unit_test(test_lease_extra_put_aborts),
		cmocka_unit_test(test_lease_begin_held_aborts),
	};
	static const struct table tables[] = {
		TABLE_FIX("two holders", test_two_holders, fix_setup, fix_teardown,
			  two_holders_cases),
		TABLE_FIX("seq gaps", test_seq_gaps, fix_setup, fix_teardown, seq_cases),
		TABLE_FIX("vlan", test_vlan_restored_once, fix_setup, fix_teardown, vlan_cases),
		TABLE_FIX("snaplen 64", test_snaplen_caps_caplen, fix_setup, fix_teardown,
			  snap_cases),
		TABLE_FIX("malformed", test_malformed_blocks, fix_setup, fix_teardown, bad_cases),
	};

	return run_tables("tpv3", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}
