// SPDX-License-Identifier: MIT
/*
 * TPACKET_V3 block walker; see tpv3.h for the contract.
 *
 * Ownership: each block's lease (lease.h) is the one truth about whose the
 * block is.  Per block:
 *
 *     lease KERNEL, status KERNEL   the kernel's (possibly being filled)
 *     lease KERNEL, status USER     handed over, not taken yet: ready
 *     lease USER, refs >= 1         user space's: the worker walks it, async
 *                                   sinks hold it in flight (refs > 1 while
 *                                   the worker still has its own)
 *     lease USER, refs 0            being handed back right now
 *
 * The worker reads a block's status word only when the lease says KERNEL,
 * and then with acquire ordering, before anything else in the block.  The
 * hand-back is the lease's release hook: a release store of TP_STATUS_KERNEL
 * (after every holder is done: the count's acq_rel ordering), after which
 * rc_lease_put() marks the lease KERNEL with a release store.  A worker that
 * loads KERNEL with acquire therefore sees the status word at TP_STATUS_KERNEL
 * or at what the kernel stored after it; never the stale TP_STATUS_USER of
 * the lap before, which is what let a block being refilled be taken as new
 * when ownership was read off the status word and seq_num.
 */
#include "tpv3.h"

#include "../common/cleanup.h"
#include "../common/counter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define VLAN_TAG_LEN 4
#define MAC_ADDRS_LEN 12
/* how far ahead the walk asks for the kernel's lines: 2 KiB (about 14
 * 64-byte frames) measured 6 % less CPU per frame than 1 KiB once the
 * worker naps between blocks (afpacket.c), which leaves them colder */
#define PREFETCH_AHEAD 2048

/* The lease hook, run by whichever thread drops a block's last reference:
 * the one store user space makes to the status word.  rc_lease_put() marks
 * the lease the kernel's only after this store. */
static void block_release(struct rc_lease_owner *owner, struct rc_lease *l)
{
	struct rc_tpv3_ring *r = (struct rc_tpv3_ring *)((char *)owner -
							 offsetof(struct rc_tpv3_ring, owner));
	struct tpacket_block_desc *bd = rc_tpv3_block(r, l->unit);

	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

int rc_tpv3_ring_init(struct rc_tpv3_ring *r, void *base, uint32_t block_size,
		      uint32_t block_nr, uint32_t snaplen)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->block_size = block_size;
	r->block_nr = block_nr;
	r->snaplen = snaplen;
	r->owner.release = block_release;
	/* the smallest frame slot a block can hold is well above 64 bytes */
	r->max_views = block_size / 64 + 1;
	r->leases = calloc(block_nr, sizeof(*r->leases));
	r->views = calloc(r->max_views, sizeof(*r->views));
	if (!r->leases || !r->views) {
		rc_tpv3_ring_fini(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < block_nr; i++)
		rc_lease_init(&r->leases[i], &r->owner, i);
	return 0;
}

void rc_tpv3_ring_fini(struct rc_tpv3_ring *r)
{
	free(r->leases);
	free(r->views);
	r->leases = NULL;
	r->views = NULL;
}

static void restore_vlan(struct tpacket3_hdr *h, uint8_t **data)
{
	uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) && h->hv1.tp_vlan_tpid ?
				h->hv1.tp_vlan_tpid : ETH_P_8021Q;
	uint16_t be_tpid = htons(tpid), be_tci = htons(h->hv1.tp_vlan_tci);
	uint8_t *d = *data - VLAN_TAG_LEN;

	memmove(d, *data, MAC_ADDRS_LEN);
	memcpy(d + MAC_ADDRS_LEN, &be_tpid, 2);
	memcpy(d + MAC_ADDRS_LEN + 2, &be_tci, 2);
	h->tp_mac -= VLAN_TAG_LEN;
	h->tp_snaplen += VLAN_TAG_LEN;
	h->tp_len += VLAN_TAG_LEN;
	h->tp_status &= ~(TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID);
	/* a non-zero TCI alone also means "tag stripped": clear it too, or a
	 * second walk of this block inserts the tag again */
	h->hv1.tp_vlan_tci = 0;
	h->hv1.tp_vlan_tpid = 0;
	*data = d;
}

/* sll_pkttype -> rc_frame.dir */
static const uint8_t dir_of_pkttype[8] = {
	[PACKET_HOST] = RC_DIR_IN | RC_RX_UNICAST,
	[PACKET_BROADCAST] = RC_DIR_IN | RC_RX_BROADCAST,
	[PACKET_MULTICAST] = RC_DIR_IN | RC_RX_MULTICAST,
	[PACKET_OTHERHOST] = RC_DIR_IN | RC_RX_PROMISC,
	[PACKET_OUTGOING] = RC_DIR_OUT,
	[PACKET_LOOPBACK] = RC_DIR_IN,
	[PACKET_USER] = RC_DIR_IN,
	[PACKET_KERNEL] = RC_DIR_IN,
};

/* Where the kernel puts a frame's struct sockaddr_ll, and the smallest
 * tp_mac that leaves room for it (blocks built by rc_tpv3_block_build()
 * have none: their frames' direction is not known). */
#define SLL_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
#define SLL_END (SLL_OFF + sizeof(struct sockaddr_ll))
#define SLL2_LEN 20u

/*
 * A cooked (SOCK_DGRAM) frame starts at its network header: put the
 * LINUX_SLL2 header in front of it, from the frame's sockaddr_ll, as
 * libpcap does for "any".  tp_mac then no longer equals tp_net, which is
 * what makes a second walk leave the frame alone.
 */
static bool add_sll2(struct tpacket3_hdr *h, uint8_t **data)
{
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)((uint8_t *)h + SLL_OFF);
	uint8_t *d = *data - SLL2_LEN;
	uint32_t ifindex = htonl((uint32_t)sll->sll_ifindex);
	uint16_t hatype = htons(sll->sll_hatype);

	if (h->tp_mac != h->tp_net || h->tp_mac < SLL_END + SLL2_LEN)
		return false;
	memcpy(d, &sll->sll_protocol, 2);
	memset(d + 2, 0, 2);
	memcpy(d + 4, &ifindex, 4);
	memcpy(d + 8, &hatype, 2);
	d[10] = sll->sll_pkttype;
	d[11] = sll->sll_halen;
	memset(d + 12, 0, 8);
	memcpy(d + 12, sll->sll_addr, RC_MIN(sll->sll_halen, 8));
	h->tp_mac -= SLL2_LEN;
	h->tp_snaplen += SLL2_LEN;
	h->tp_len += SLL2_LEN;
	/* LINUX_SLL2 has no place for a stripped tag (libpcap drops it too);
	 * clear it so that no later walk takes the frame for Ethernet */
	h->tp_status &= ~(TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID);
	h->hv1.tp_vlan_tci = 0;
	h->hv1.tp_vlan_tpid = 0;
	*data = d;
	return true;
}

static inline __attribute__((always_inline)) unsigned
walk(struct tpacket_block_desc *bd, uint32_t block_size, uint32_t snaplen, bool cooked,
     bool want_dir, struct rc_frame *out, unsigned max, bool *ret_malformed, uint64_t *ret_vlan,
     uint64_t *ret_bytes)
{
	uint64_t bytes = 0;
	uint32_t n = bd->hdr.bh1.num_pkts;
	uint64_t off = bd->hdr.bh1.offset_to_first_pkt;
	uint8_t *base = (uint8_t *)bd;
	unsigned i;

	*ret_malformed = false;
	if (n > max) {
		*ret_malformed = true;
		n = max;
	}
	for (i = 0; i < n; i++) {
		struct tpacket3_hdr *h;
		uint8_t *data;
		uint32_t snap;

		if (off < sizeof(struct tpacket_block_desc) ||
		    off + sizeof(struct tpacket3_hdr) > block_size || (off & 3))
			goto bad;
		h = (struct tpacket3_hdr *)(base + off);
		/* the kernel just wrote these lines from another core: ask for the
		 * frames ahead while this one is being looked at */
		__builtin_prefetch((uint8_t *)h + PREFETCH_AHEAD);
		__builtin_prefetch((uint8_t *)h + PREFETCH_AHEAD + 64);
		if (h->tp_mac < sizeof(struct tpacket3_hdr) ||
		    off + h->tp_mac + (uint64_t)h->tp_snaplen > block_size ||
		    h->tp_snaplen > h->tp_len)
			goto bad;
		data = (uint8_t *)h + h->tp_mac;
		if (want_dir)
			out[i].dir = h->tp_mac >= SLL_END ?
				dir_of_pkttype[((const struct sockaddr_ll *)((uint8_t *)h +
						SLL_OFF))->sll_pkttype & 7] : 0;
		if (__builtin_expect(!!(h->tp_status & TP_STATUS_VLAN_VALID) ||
				     h->hv1.tp_vlan_tci != 0 || cooked, 0)) {
			if (cooked) {
				/* room for it is checked against tp_mac; the frame
				 * still ends where it did */
				add_sll2(h, &data);
			} else if (h->tp_snaplen >= MAC_ADDRS_LEN &&
				   /* headroom: never write over the tpacket3 header */
				   h->tp_mac >= sizeof(struct tpacket3_hdr) + VLAN_TAG_LEN) {
				restore_vlan(h, &data);
				(*ret_vlan)++;
			}
		}
		snap = h->tp_snaplen < snaplen ? h->tp_snaplen : snaplen;
		out[i].h.ts.tv_sec = h->tp_sec;
		out[i].h.ts.tv_usec = h->tp_nsec;
		out[i].h.caplen = snap;
		out[i].h.len = h->tp_len;
		out[i].data = data;
		bytes += h->tp_len;
		if (i + 1 < n && h->tp_next_offset == 0)
			goto bad_after;
		off += h->tp_next_offset;
	}
	goto out;
bad_after:
	i++;
bad:
	*ret_malformed = true;
out:
	if (ret_bytes)
		*ret_bytes = bytes;
	return i;
}

unsigned rc_tpv3_block_walk(struct tpacket_block_desc *bd, uint32_t block_size,
			    uint32_t snaplen, struct rc_frame *out, unsigned max,
			    bool *ret_malformed, uint64_t *ret_vlan, uint64_t *ret_bytes)
{
	return walk(bd, block_size, snaplen, false, true, out, max, ret_malformed, ret_vlan,
		    ret_bytes);
}

/* Ready: the lease says the block is not user space's, and the kernel has
 * handed it over.  A block user space holds is not looked at at all. */
static bool block_ready(struct rc_tpv3_ring *r, struct tpacket_block_desc *bd, uint32_t idx)
{
	r->blocked = rc_lease_held(&r->leases[idx]);
	if (r->blocked)
		return false;
	return __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

bool rc_tpv3_ring_ready(struct rc_tpv3_ring *r)
{
	return block_ready(r, rc_tpv3_block(r, r->cur), r->cur);
}

int rc_tpv3_ring_next(struct rc_tpv3_ring *r, struct rc_batch *ret)
{
	for (;;) {
		uint32_t idx = r->cur;
		struct tpacket_block_desc *bd = rc_tpv3_block(r, idx);
		struct rc_lease *l = &r->leases[idx];
		uint64_t seq;
		uint64_t vlan, bytes;
		bool malformed;
		unsigned n;

		if (!block_ready(r, bd, idx))
			return 0;

		seq = bd->hdr.bh1.seq_num;
		if (r->have_seq && seq != r->next_seq && seq > r->next_seq)
			RC_COUNTER_ADD(r->st.seq_gaps, seq - r->next_seq);
		r->next_seq = seq + 1;
		r->have_seq = true;
		r->cur = idx + 1 == r->block_nr ? 0 : idx + 1;
		RC_COUNTER_ADD(r->st.blocks, 1);

		/* The kernel marks a block it closed after dropping frames
		 * (and before anyone asked how many): they were lost before
		 * its first frame, or the next block's if it has none.  The
		 * source reads the count and clears the flag. */
		if (bd->hdr.bh1.block_status & TP_STATUS_LOSING)
			r->losing = true;
		rc_lease_begin(l, seq);
		vlan = 0;
		/* the plain case compiled on its own: what only some captures
		 * need costs the others nothing per frame */
		if (rc_likely(!r->cooked && !r->want_dir))
			n = walk(bd, r->block_size, r->snaplen, false, false, r->views,
				 r->max_views, &malformed, &vlan, &bytes);
		else
			n = walk(bd, r->block_size, r->snaplen, r->cooked, r->want_dir, r->views,
				 r->max_views, &malformed, &vlan, &bytes);
		if (vlan)
			RC_COUNTER_ADD(r->st.vlan_restored, vlan);
		if (malformed)
			RC_COUNTER_ADD(r->st.malformed, 1);
		if (n == 0) {
			RC_COUNTER_ADD(r->st.empty_blocks, 1);
			rc_lease_put(l);
			continue;
		}
		ret->frames = r->views;
		ret->n = n;
		ret->lease = l;
		ret->bytes = bytes;
		ret->iface = 0;
		ret->drops = 0;
		ret->drops_at = 0;
		RC_COUNTER_ADD(r->st.frames, n);
		RC_COUNTER_ADD(r->st.bytes, ret->bytes);
		return 1;
	}
}

/* The walk gives every frame of a block only when its frame list was
 * sound: a malformed block gives fewer than num_pkts (rc_tpv3_block_walk
 * stops at the first bad frame, or at max views).  So a batch of exactly
 * num_pkts frames is the whole block, untouched by the worker. */
const void *rc_tpv3_ring_whole_block(const struct rc_tpv3_ring *r, const struct rc_batch *b,
				     uint32_t *ret_len)
{
	const struct tpacket_block_desc *bd;

	/* a cooked block's frames carry no link header: only the walker's
	 * views do (LINUX_SLL2), so it is not a block a reader can take as
	 * it is */
	if (r->cooked || !b->lease || b->lease->owner != &r->owner ||
	    b->lease->unit >= r->block_nr)
		return NULL;
	bd = rc_tpv3_block(r, b->lease->unit);
	if (!b->n || b->n != bd->hdr.bh1.num_pkts)
		return NULL;
	*ret_len = RC_MIN(bd->hdr.bh1.blk_len, r->block_size);
	return bd;
}

void rc_tpv3_frame_hdr(struct tpacket3_hdr *h, const struct rc_frame *f)
{
	memset(h, 0, sizeof(*h));
	h->tp_sec = (uint32_t)f->h.ts.tv_sec;
	h->tp_nsec = (uint32_t)f->h.ts.tv_usec;
	h->tp_snaplen = f->h.caplen;
	h->tp_len = f->h.len;
	h->tp_mac = (uint16_t)TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	h->tp_status = TP_STATUS_USER;
}

void rc_tpv3_block_hdr(struct tpacket_block_desc *bd, uint64_t seq, const struct rc_frame *f,
		       unsigned n, uint32_t len)
{
	memset(bd, 0, sizeof(*bd));
	bd->version = TPACKET_V3;
	bd->hdr.bh1.num_pkts = n;
	bd->hdr.bh1.offset_to_first_pkt = TPACKET_ALIGN(sizeof(*bd));
	bd->hdr.bh1.blk_len = len;
	bd->hdr.bh1.seq_num = seq;
	bd->hdr.bh1.block_status = TP_STATUS_USER;
	if (n) {
		bd->hdr.bh1.ts_first_pkt.ts_sec = (uint32_t)f[0].h.ts.tv_sec;
		bd->hdr.bh1.ts_first_pkt.ts_nsec = (uint32_t)f[0].h.ts.tv_usec;
		bd->hdr.bh1.ts_last_pkt.ts_sec = (uint32_t)f[n - 1].h.ts.tv_sec;
		bd->hdr.bh1.ts_last_pkt.ts_nsec = (uint32_t)f[n - 1].h.ts.tv_usec;
	}
}

unsigned rc_tpv3_block_build(void *mem, uint32_t size, uint64_t seq, const struct rc_frame *f,
			     unsigned n, uint32_t *ret_len, uint64_t *ret_bytes)
{
	struct tpacket_block_desc *bd = mem;
	const uint32_t hdr = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	uint32_t off = TPACKET_ALIGN(sizeof(*bd)), prev = 0;
	uint64_t bytes = 0;
	unsigned i;

	if (size < off)
		return 0;
	for (i = 0; i < n; i++) {
		uint32_t need = hdr + TPACKET_ALIGN(f[i].h.caplen);
		struct tpacket3_hdr *h;

		if (need > size - off)
			break;
		h = (struct tpacket3_hdr *)((uint8_t *)mem + off);
		rc_tpv3_frame_hdr(h, &f[i]);
		memset((uint8_t *)h + sizeof(*h), 0, hdr - sizeof(*h));
		memcpy((uint8_t *)h + hdr, f[i].data, f[i].h.caplen);
		bytes += f[i].h.len;
		if (i)
			((struct tpacket3_hdr *)((uint8_t *)mem + prev))->tp_next_offset = off - prev;
		prev = off;
		off += need;
	}
	rc_tpv3_block_hdr(bd, seq, f, i, off);
	*ret_len = off;
	if (ret_bytes)
		*ret_bytes = bytes;
	return i;
}
