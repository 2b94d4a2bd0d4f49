// SPDX-License-Identifier: MIT
/*
 * The RDMA sender's posting: how a batch of frames becomes RDMA writes
 * into the collector's slots, and how their completions and the
 * collector's credits end them.  State and locking: sender_priv.h.
 *
 * The worker calls write() once per batch, with mu held for the whole of
 * it.  On a connection that is up, with credit (fewer than `slots` writes
 * neither completed nor consumed by the collector):
 *   - a whole TPACKET_V3 block of the registered ring (the source's export
 *     op says the batch still is one) goes as it is, one write, zero copy;
 *   - frames that sit in registered memory but not as one block (AF_XDP
 *     UMEM frames) go in gather lists: block and frame headers built in a
 *     staging slot alternate with the frames themselves, zero copy of the
 *     frames;
 *   - anything else (no registration, RINGCAP_RDMA_COPY=1, a batch a -c
 *     count cut short on a device without gather) is copied into a
 *     registered staging slot laid out as a block: mode "copy", counted in
 *     fwd_copied.
 * Out of credit, policy "drop" counts the frames as not delivered and lets
 * the block go; policy "hold" keeps up to hold_blocks whole blocks leased
 * (a FIFO) and sends them first once credit returns.
 *
 * Each write that reads capture memory takes one more reference on the
 * batch's lease; its completion drops it, which is what hands the block
 * back to the kernel.  Frames count as delivered when the collector's
 * credit says it has written them, not when the write completes.
 *
 * Threads: write() on the worker; completions, credits and held blocks on
 * the sink thread (rc_sender_poll_cq), also from the teardown's drain.
 */
#include "sender_priv.h"

#ifdef RC_HAVE_RDMA

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../capture/tpv3.h"
#include "../common/cleanup.h"

static bool has_credit(const struct sender *s)
{
	const struct sender_conn *c = &s->c;

	return c->up && !c->broken && c->posted - c->consumed < c->slots &&
	       c->posted - c->completed < c->slots;
}


/* ---- posting (worker thread, or the sink thread for held blocks) ---- */

/* One write of @len bytes gathered from @sge[0..nsge) into the next slot;
 * @lease (if any) is held until it completes. */
static int post_sges(struct sender *s, struct ibv_sge *sge, unsigned nsge, uint32_t len,
		     struct rc_lease *lease, uint32_t frames, uint64_t bytes)
{
	struct sender_conn *c = &s->c;
	uint64_t seq = c->posted;
	uint32_t slot = (uint32_t)(seq % c->slots);
	struct ibv_send_wr wr = { 0 }, *bad = NULL;
	int r;

	wr.wr_id = seq;
	wr.sg_list = sge;
	wr.num_sge = (int)nsge;
	wr.opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.imm_data = htobe32((uint32_t)seq);
	wr.wr.rdma.remote_addr = c->raddr + (uint64_t)slot * s->slot_size;
	wr.wr.rdma.rkey = c->rkey;
	if (lease)
		rc_lease_get(lease);
	s->fl[slot] = (struct inflight){ lease, frames, bytes };
	r = ibv_post_send(c->id->qp, &wr, &bad);
	if (r) {
		s->fl[slot] = (struct inflight){ 0 };
		if (lease)
			rc_lease_put(lease);
		/* the sink thread tears down; s->reason is its own */
		c->post_err = r;
		c->broken = true;
		return -r;
	}
	c->posted++;
	s->st.fwd_wire_bytes += len;
	return 0;
}

static int post_write(struct sender *s, const void *addr, uint32_t len, uint32_t lkey,
		      struct rc_lease *lease, uint32_t frames, uint64_t bytes)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };

	return post_sges(s, &sge, 1, len, lease, frames, bytes);
}

/*
 * Frames that sit in registered memory but not as one kernel block (AF_XDP
 * UMEM frames): no copy either.  Each write is a gather list that lays out
 * a TPACKET_V3 block at the collector: the block header and each frame's
 * tpacket3 header (built in the slot's part of the staging buffer, with the
 * previous frame's alignment padding in front) alternate with the frames
 * themselves, straight from the UMEM.  Up to max_sge / 2 frames a write.
 */
static void post_gather(struct sender *s, const struct rc_batch *b)
{
	const uint32_t hl = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	const uint32_t bl = TPACKET_ALIGN(sizeof(struct tpacket_block_desc));
	unsigned done = 0, per = s->c.max_sge / 2;

	while (done < b->n) {
		struct sender_conn *c = &s->c;
		struct ibv_sge sge[RC_RDMA_MAX_SGE];
		uint8_t *h = s->stage + (size_t)(c->posted % c->slots) * s->slot_size;
		uint8_t *p = h + bl;  /* the first header goes right after the block's */
		struct tpacket_block_desc *bd = (struct tpacket_block_desc *)h;
		uint8_t *prev = NULL;     /* the previous frame's header, maybe unaligned */
		uint32_t off = bl, prev_off = 0, len = 0, pad = 0;
		uint64_t bytes = 0;
		unsigned k = 0, nsge = 0;

		if (!has_credit(s)) {
			s->st.fwd_no_credit++;
			break;
		}
		sge[nsge++] = (struct ibv_sge){ (uintptr_t)h, bl, c->stage_mr->lkey };
		while (done + k < b->n && k < per) {
			const struct rc_frame *f = &b->frames[done + k];
			uint8_t *piece = p;
			struct tpacket3_hdr th;

			if (off + hl + f->h.caplen > s->slot_size)
				break;
			/* the previous frame's padding, then this frame's header; the
			 * pieces are packed here, so the header is copied in */
			rc_tpv3_frame_hdr(&th, f);
			memset(piece, 0, pad + hl);
			memcpy(piece + pad, &th, sizeof(th));
			if (k == 0)
				sge[0].length = bl + hl;  /* the block header and the first */
			else
				sge[nsge++] = (struct ibv_sge){ (uintptr_t)piece, pad + hl,
								c->stage_mr->lkey };
			sge[nsge++] = (struct ibv_sge){ (uintptr_t)f->data, f->h.caplen,
							c->ring_mr->lkey };
			if (prev) {
				uint32_t next = off - prev_off;

				memcpy(prev + offsetof(struct tpacket3_hdr, tp_next_offset), &next,
				       sizeof(next));
			}
			prev = piece + pad;
			prev_off = off;
			len = off + hl + f->h.caplen;
			p = piece + pad + hl;
			pad = TPACKET_ALIGN(f->h.caplen) - f->h.caplen;
			off += hl + TPACKET_ALIGN(f->h.caplen);
			bytes += f->h.len;
			k++;
		}
		if (!k) {
			rc_sender_lost(s, 1);  /* larger than a slot */
			done++;
			continue;
		}
		rc_tpv3_block_hdr(bd, c->posted, b->frames + done, k, len);
		if (post_sges(s, sge, nsge, len, b->lease, k, bytes) < 0)
			break;
		done += k;
	}
	if (done < b->n)
		rc_sender_lost(s, b->n - done);
}

/* Frames that are not one whole kernel block: copy them into staging
 * slots laid out as blocks, as many blocks as credits allow. */
static void post_copy(struct sender *s, const struct rc_batch *b)
{
	unsigned done = 0;

	while (done < b->n) {
		struct sender_conn *c = &s->c;
		uint8_t *slot;
		uint32_t len;
		uint64_t bytes = 0;
		unsigned k;

		if (!has_credit(s)) {
			s->st.fwd_no_credit++;
			break;
		}
		slot = s->stage + (size_t)(c->posted % c->slots) * s->slot_size;
		k = rc_tpv3_block_build(slot, s->slot_size, c->posted, b->frames + done,
					b->n - done, &len, &bytes);
		if (!k) {
			/* one frame larger than a slot: cannot be forwarded */
			rc_sender_lost(s, 1);
			done++;
			continue;
		}
		if (post_write(s, slot, len, c->stage_mr->lkey, NULL, k, bytes) < 0)
			break;
		s->st.fwd_copied += len;
		done += k;
	}
	if (done < b->n)
		rc_sender_lost(s, b->n - done);
}

/* @raw: the batch as one whole block of the registered ring, or NULL */
static void post_batch(struct sender *s, const struct rc_batch *b, const void *raw,
		       uint32_t raw_len)
{
	if (!raw && s->c.ring_mr && s->c.max_sge >= 2)
		post_gather(s, b);
	else if (!raw || !s->c.ring_mr)
		post_copy(s, b);
	else if (post_write(s, raw, raw_len, s->c.ring_mr->lkey, b->lease, b->n, b->bytes) < 0)
		rc_sender_lost(s, b->n);
}

void rc_sender_drop_held(struct sender *s)
{
	while (s->hold_n) {
		struct held *h = &s->hold[s->hold_head];

		rc_sender_lost(s, h->frames);
		rc_lease_put(h->lease);
		s->hold_head = (s->hold_head + 1) % s->hold_max;
		s->hold_n--;
	}
}

static void post_held(struct sender *s)
{
	while (s->hold_n && has_credit(s)) {
		struct held *h = &s->hold[s->hold_head];

		if (post_write(s, h->raw, h->len, s->c.ring_mr->lkey, h->lease, h->frames,
			       h->bytes) < 0)
			rc_sender_lost(s, h->frames);
		rc_lease_put(h->lease);  /* the hold's own reference */
		s->hold_head = (s->hold_head + 1) % s->hold_max;
		s->hold_n--;
	}
}

/* On a connection that is up, under mu: held blocks first, then @b, held
 * itself or counted when there is no credit. */
static void post_or_hold(struct sender *s, const struct rc_batch *b, const struct rc_export *x)
{
	post_held(s);
	if (!s->hold_n && has_credit(s)) {
		post_batch(s, b, x->unit, x->unit_len);
	} else if (s->policy == RC_RDMA_HOLD && x->unit && s->c.ring_mr &&
		   s->hold_n < s->hold_max) {
		struct held *h = &s->hold[(s->hold_head + s->hold_n) % s->hold_max];

		rc_lease_get(b->lease);
		*h = (struct held){ b->lease, x->unit, x->unit_len, b->n, b->bytes };
		s->hold_n++;
		s->st.fwd_held++;
	} else {
		s->st.fwd_no_credit++;
		rc_sender_lost(s, b->n);
	}
}

int rc_sender_write(struct rc_sink *sink, const struct rc_batch *b)
{
	struct sender *s = (struct sender *)sink;
	struct rc_export x = { 0 };
	bool broken;

	/* a source with blocks says whether this batch is still one whole
	 * block (not when a -c count cut it short) */
	if (s->unit_size)
		rc_source_export(s->src, b, &x);
	pthread_mutex_lock(&s->mu);
	if (!s->c.up || s->c.broken)
		rc_sender_lost(s, b->n);
	else
		post_or_hold(s, b, &x);
	broken = s->c.up && s->c.broken;
	pthread_mutex_unlock(&s->mu);
	if (broken) {
		uint64_t one = 1;

		if (write(s->wake_fd, &one, sizeof(one)) < 0) {
			/* the thread looks at the connection every 100 ms anyway */
		}
	}
	return 0;
}

/* ---- completions (sink thread, or teardown) ---- */

int rc_sender_post_recv(struct sender_conn *c, unsigned i)
{
	struct ibv_sge sge = { .addr = (uintptr_t)&c->credit_buf[i],
			       .length = sizeof(c->credit_buf[i]), .lkey = c->credit_mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = RECV_TAG | i, .sg_list = &sge, .num_sge = 1 }, *bad;

	return ibv_post_recv(c->id->qp, &wr, &bad);
}

/* With mu held, like everything that reads or changes c.posted, c.completed,
 * c.consumed, fl[] and the stats while the worker may post. */
static void handle_wc(struct sender *s, const struct ibv_wc *wc)
{
	struct sender_conn *c = &s->c;

	if (wc->wr_id & RECV_TAG) {
		unsigned i = (unsigned)(wc->wr_id & ~RECV_TAG);

		if (wc->status != IBV_WC_SUCCESS || i >= RC_RDMA_CREDIT_RECVS)
			return;
		if (wc->byte_len >= sizeof(struct rc_rdma_credit)) {
			uint64_t v = be64toh(c->credit_buf[i].consumed);

			/* blocks count as delivered when the collector says it
			 * has written them, not when the write completes */
			for (; c->consumed < v && c->consumed < c->posted; c->consumed++) {
				struct inflight *f = &s->fl[c->consumed % c->slots];

				s->st.fwd_blocks++;
				s->st.fwd_frames += f->frames;
				s->st.fwd_bytes += f->bytes;
				f->frames = 0;
				f->bytes = 0;
			}
		}
		if (rc_sender_post_recv(c, i)) {
			snprintf(s->reason, sizeof(s->reason), "re-posting a receive failed");
			c->broken = true;
		}
		return;
	}
	{
		/* the write is done with the capture memory: the lease goes */
		struct inflight *f = &s->fl[wc->wr_id % c->slots];

		if (wc->status != IBV_WC_SUCCESS && wc->status != IBV_WC_WR_FLUSH_ERR &&
		    !c->broken) {
			snprintf(s->reason, sizeof(s->reason), "a write failed: %s",
				 ibv_wc_status_str(wc->status));
			c->broken = true;
		}
		if (f->lease)
			rc_lease_put(f->lease);
		f->lease = NULL;
		c->completed++;
	}
}

/* Sink thread, mu not held; see sender_priv.h. */
int rc_sender_poll_cq(struct sender *s, struct cq_pass *ret)
{
	struct ibv_wc wc[32];
	int n, total = 0;

	do {
		n = ibv_poll_cq(s->c.v.cq, 32, wc);
		if (n <= 0 && !ret)
			break;
		pthread_mutex_lock(&s->mu);
		for (int i = 0; i < n; i++)
			handle_wc(s, &wc[i]);
		if (n > 0)
			pthread_cond_broadcast(&s->cv);
		if (n < 32 && ret) {
			post_held(s);
			ret->broken = s->c.broken;
			ret->post_err = s->c.post_err;
		}
		pthread_mutex_unlock(&s->mu);
		total += n > 0 ? n : 0;
	} while (n == 32);
	return total;
}

#endif /* RC_HAVE_RDMA */
