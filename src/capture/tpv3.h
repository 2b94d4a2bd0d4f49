/* SPDX-License-Identifier: MIT */
/*
 * TPACKET_V3 block walker.
 *
 * Owns the user side of a TPACKET_V3 ring: which block comes next, whose
 * it is (its lease: user space's or the kernel's), whether the kernel has
 * handed it over (block_status, read with acquire ordering and only for a
 * block user space does not hold), turning its frames into views.  The
 * hand-back of a block — a release store of TP_STATUS_KERNEL, then the
 * lease marked the kernel's — happens in rc_lease_put() through this file's
 * lease hook and nowhere else.
 *
 * It knows nothing of sockets: the ring may be an mmap'd PACKET_RX_RING, a
 * block received over RDMA, or synthetic memory in a unit test.  Blocks are
 * treated as untrusted: every offset is checked against the block size.
 *
 * Thread: the worker owning the ring calls everything except the release
 * hook, which runs on whichever thread drops a block's last reference.
 */
#ifndef RC_TPV3_H
#define RC_TPV3_H

#include <linux/if_packet.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "lease.h"

struct rc_tpv3_stats {
	uint64_t blocks;        /* blocks taken from the kernel */
	uint64_t empty_blocks;  /* retired with zero frames, released at once */
	uint64_t seq_gaps;      /* block sequence numbers skipped */
	uint64_t malformed;     /* blocks whose frame list was cut short */
	uint64_t frames;        /* frames walked */
	uint64_t bytes;         /* sum of original lengths */
	uint64_t vlan_restored; /* frames whose stripped 802.1Q tag was put back */
};

struct rc_tpv3_ring {
	uint8_t *base;
	uint32_t block_size;
	uint32_t block_nr;
	uint32_t snaplen;
	uint32_t cur;            /* index of the next block to take */
	uint64_t next_seq;
	bool have_seq;
	bool blocked;            /* the next block is still held from last lap */
	bool cooked;             /* SOCK_DGRAM frames: put a LINUX_SLL2 header in front */
	bool want_dir;           /* fill rc_frame.dir (else it is left as it was) */
	bool losing;             /* the kernel dropped frames before the block
				  * next() returned (TP_STATUS_LOSING); the
				  * source clears it once it has asked how many */
	struct rc_lease *leases; /* one per block: who owns it (lease.h) */
	struct rc_lease_owner owner;
	struct rc_frame *views;  /* scratch array for one block's frames */
	unsigned max_views;
	struct rc_tpv3_stats st; /* written by the worker only */
};

int rc_tpv3_ring_init(struct rc_tpv3_ring *r, void *base, uint32_t block_size,
		      uint32_t block_nr, uint32_t snaplen);
void rc_tpv3_ring_fini(struct rc_tpv3_ring *r);

/*
 * Take the next block if the kernel has handed it over and fill @ret with
 * its frames and its lease (one reference, the caller's).  Blocks without
 * frames are released here and the walk goes on.  Returns 1 with a batch,
 * 0 when the next block is not ready (r->blocked says whether user space
 * still holds it from the previous lap: a sink in flight, or a hand-back
 * under way on another thread).  The lease's cookie is the block's seq_num.
 * With r->want_dir frames carry their direction (0 where the kernel wrote
 * no sockaddr_ll); with r->cooked each frame gets a LINUX_SLL2 header
 * built from it.
 */
int rc_tpv3_ring_next(struct rc_tpv3_ring *r, struct rc_batch *ret);

/*
 * Whether batch @b, which this ring handed out and which is not done yet,
 * is still one whole block: all of the block's frames (none cut off by a
 * -c count), none missing from a malformed frame list.  Then returns the
 * block, self-describing, with its length in *@ret_len, for a sink that
 * sends it as it is; NULL otherwise.
 */
const void *rc_tpv3_ring_whole_block(const struct rc_tpv3_ring *r, const struct rc_batch *b,
				     uint32_t *ret_len);

/* True when the next block is ready to be taken, without taking it. */
bool rc_tpv3_ring_ready(struct rc_tpv3_ring *r);

/*
 * Walk one block's frames into @out (at most @max), with their direction,
 * putting back VLAN tags the kernel stripped and capping lengths at
 * @snaplen.  Rewrites the frame headers it fixes so a block stays
 * self-describing (a second walk gives the same frames).  Returns the
 * number of views; sets *ret_malformed when the frame list did not fit the
 * block, and *ret_bytes (if not NULL) to the sum of the frames' original
 * lengths.
 */
unsigned rc_tpv3_block_walk(struct tpacket_block_desc *bd, uint32_t block_size,
			    uint32_t snaplen, struct rc_frame *out, unsigned max,
			    bool *ret_malformed, uint64_t *ret_vlan, uint64_t *ret_bytes);

/*
 * The inverse of the walk: lay out frames @f[0..n) as one TPACKET_V3 block
 * in @mem (@size bytes), as the kernel would, so that rc_tpv3_block_walk()
 * gives them back.  Copies as many whole frames as fit and returns how many;
 * *ret_len is the block's length.  Used where frames that do not sit in one
 * kernel block are forwarded (the RDMA sink's copy mode).
 */
unsigned rc_tpv3_block_build(void *mem, uint32_t size, uint64_t seq, const struct rc_frame *f,
			     unsigned n, uint32_t *ret_len, uint64_t *ret_bytes);

/* The pieces of that layout, for writers that place the frames themselves
 * (the RDMA sink's gather lists): a frame's header, its data at tp_mac =
 * TPACKET_ALIGN(sizeof *h) and no next offset yet; and the block's header
 * for the @n frames @f[0..n) in @len bytes. */
void rc_tpv3_frame_hdr(struct tpacket3_hdr *h, const struct rc_frame *f);
void rc_tpv3_block_hdr(struct tpacket_block_desc *bd, uint64_t seq, const struct rc_frame *f,
		       unsigned n, uint32_t len);

static inline struct tpacket_block_desc *rc_tpv3_block(const struct rc_tpv3_ring *r, uint32_t i)
{
	return (struct tpacket_block_desc *)(r->base + (uint64_t)i * r->block_size);
}

#endif
