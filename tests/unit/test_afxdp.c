// SPDX-License-Identifier: MIT
/*
 * Unit tests for the AF_XDP source's user-space half (src/capture/afxdp.h):
 * batches and leases over the RX ring, chunks back to the FILL ring (in
 * any order), the user-space filter, time stamps from the XDP program's
 * metadata, untrusted descriptors, and the set-up checks that need no
 * interface.
 *
 * No socket and no privilege: rc_afxdp_open_mem() runs the source over
 * rings and a UMEM in ordinary memory, and a small "kernel" here plays the
 * other side the way net/xdp/xsk.c does in copy mode: it takes chunks from
 * the FILL ring, copies a frame XDP_PACKET_HEADROOM + 8 bytes into the
 * chunk (the source asks for 8 bytes of UMEM headroom), puts the program's
 * 8-byte TAI stamp right before it, and publishes an RX descriptor with a
 * release store of the producer index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/capture/afxdp.h"
#include "../../src/capture/lease.h"
#include "../../src/config/conf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#include "rc_table.h"

#ifdef RC_HAVE_AFXDP

#include <errno.h>
#include <time.h>
/* the kernel's struct bpf_insn clashes with libpcap's (see afxdp.c) */
#define bpf_insn rc_kernel_bpf_insn
#include <xdp/xsk.h>
#undef bpf_insn

#define CHUNK 2048u
#define NCHUNKS 64u
#define RING 64u        /* = NCHUNKS: every chunk fits the FILL ring */
#define DATA_OFF (256u + 8u)   /* XDP_PACKET_HEADROOM + the source's UMEM headroom */
#define TAI_OFF 37000000000LL  /* what rc_afxdp_set_tai_offset() is told */

/* ------------------------------------------------------------------ */
/* the "kernel"                                                        */

struct kern {
	uint8_t *umem;
	/* FILL: user space produces, we consume */
	uint32_t fill_prod, fill_cons, fill_flags;
	uint64_t fill_ring[RING];
	/* RX: we produce, user space consumes */
	uint32_t rx_prod, rx_cons, rx_flags;
	struct xdp_desc rx_ring[RING];
	struct xsk_ring_prod fill;
	struct xsk_ring_cons rx;
	struct rc_capture_conf conf;
	struct rc_source *src;
	char err[512];
};

static void kern_init(struct kern *k)
{
	memset(k, 0, sizeof(*k));
	k->umem = aligned_alloc(4096, (size_t)NCHUNKS * CHUNK);
	assert_non_null(k->umem);
	memset(k->umem, 0, (size_t)NCHUNKS * CHUNK);
	k->fill = (struct xsk_ring_prod){
		.cached_prod = 0, .cached_cons = RING, .mask = RING - 1, .size = RING,
		.producer = &k->fill_prod, .consumer = &k->fill_cons,
		.ring = k->fill_ring, .flags = &k->fill_flags,
	};
	k->rx = (struct xsk_ring_cons){
		.cached_prod = 0, .cached_cons = 0, .mask = RING - 1, .size = RING,
		.producer = &k->rx_prod, .consumer = &k->rx_cons,
		.ring = k->rx_ring, .flags = &k->rx_flags,
	};
	rc_capture_conf_init(&k->conf);
	k->conf.iface = "mem0";
	k->conf.xdp.dedicated_port = true;
	k->conf.xdp.frame_size = CHUNK;
	k->conf.xdp.frame_count = NCHUNKS;
	k->conf.xdp.ring_size = RING;
}

static int kern_open(struct kern *k)
{
	int r = rc_afxdp_open_mem(&k->conf, k->umem, (uint64_t)NCHUNKS * CHUNK, &k->rx, &k->fill,
				  &k->src, k->err, sizeof(k->err));

	if (r == 0)
		rc_afxdp_set_tai_offset(k->src, TAI_OFF);
	return r;
}

static void kern_fini(struct kern *k)
{
	if (k->src)
		k->src->ops->free(k->src);
	free(k->umem);
}

static uint32_t fill_count(struct kern *k)
{
	return __atomic_load_n(&k->fill_prod, __ATOMIC_ACQUIRE) - k->fill_cons;
}

/* Take one chunk from the FILL ring, as the kernel does for each frame. */
static uint64_t fill_take(struct kern *k)
{
	uint64_t a;

	assert_true(fill_count(k) > 0);
	a = k->fill_ring[k->fill_cons & (RING - 1)];
	__atomic_store_n(&k->fill_cons, k->fill_cons + 1, __ATOMIC_RELEASE);
	return a;
}

/* A UDP frame to port @port, its first payload byte @tag. */
static unsigned build_udp(uint8_t *buf, unsigned len, uint16_t port, uint8_t tag)
{
	memset(buf, 0, len);
	memset(buf, 0xff, 6);
	buf[12] = 0x08;                 /* IPv4 */
	buf[14] = 0x45;
	buf[16] = (uint8_t)((len - 14) >> 8);
	buf[17] = (uint8_t)(len - 14);
	buf[22] = 64;
	buf[23] = 17;                   /* UDP */
	buf[36] = (uint8_t)(port >> 8); /* destination port */
	buf[37] = (uint8_t)port;
	buf[42] = tag;
	return len;
}

/* Deliver a frame: chunk from FILL, data + stamp in, RX descriptor out.
 * Returns the chunk address. */
static uint64_t kern_rx(struct kern *k, uint16_t port, uint8_t tag, unsigned len,
			uint64_t tai_stamp)
{
	uint64_t chunk = fill_take(k);
	uint8_t *data = k->umem + chunk + DATA_OFF;
	struct xdp_desc *d = &k->rx_ring[k->rx_prod & (RING - 1)];

	build_udp(data, len, port, tag);
	memcpy(data - 8, &tai_stamp, 8);
	d->addr = chunk + DATA_OFF;
	d->len = len;
	d->options = 0;
	__atomic_store_n(&k->rx_prod, k->rx_prod + 1, __ATOMIC_RELEASE);
	return chunk;
}

/* Deliver one frame of @len bytes over several chunks, as the kernel does
 * for a socket bound with XDP_USE_SG: each chunk holds up to @part bytes,
 * every descriptor but the last marked XDP_PKT_CONTD; the stamp goes
 * before the first part.  Publishes the first @publish descriptors (all
 * when 0).  Byte i of the frame is (i * 7 + @tag) & 0xff. */
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
static unsigned kern_rx_multi(struct kern *k, unsigned len, unsigned part, uint8_t tag,
			      uint64_t tai_stamp, unsigned publish)
{
	unsigned done = 0, n = 0;

	while (done < len) {
		uint64_t chunk = fill_take(k);
		uint8_t *data = k->umem + chunk + DATA_OFF;
		struct xdp_desc *d = &k->rx_ring[(k->rx_prod + n) & (RING - 1)];
		unsigned here = len - done < part ? len - done : part;

		for (unsigned i = 0; i < here; i++)
			data[i] = (uint8_t)((done + i) * 7 + tag);
		if (!done)
			memcpy(data - 8, &tai_stamp, 8);
		d->addr = chunk + DATA_OFF;
		d->len = here;
		done += here;
		d->options = done < len ? XDP_PKT_CONTD : 0;
		n++;
	}
	__atomic_store_n(&k->rx_prod, k->rx_prod + (publish ? publish : n), __ATOMIC_RELEASE);
	return n;
}

/* A descriptor the kernel would never write. */
static void kern_rx_raw(struct kern *k, uint64_t addr, uint32_t len)
{
	struct xdp_desc *d = &k->rx_ring[k->rx_prod & (RING - 1)];

	d->addr = addr;
	d->len = len;
	__atomic_store_n(&k->rx_prod, k->rx_prod + 1, __ATOMIC_RELEASE);
}

/* The worker's way: next(), and wait() while next() holds back a few
 * frames for company. */
static int take(struct kern *k, struct rc_batch *b)
{
	for (int i = 0; i < 200; i++) {
		if (k->src->ops->next(k->src, b) == 1)
			return 1;
		if (k->src->ops->wait(k->src, -1, 5) < 0)
			return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct kern *k = malloc(sizeof(*k));

	if (!k)
		return -1;
	kern_init(k);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	kern_fini(*state);
	free(*state);
	return 0;
}

/* ------------------------------------------------------------------ */
/* tests                                                               */

static void test_fill_at_open(void **state)
{
	struct kern *k = *state;
	uint64_t seen[RING];

	assert_int_equal(kern_open(k), 0);
	assert_int_equal(fill_count(k), RING);
	for (unsigned i = 0; i < RING; i++) {
		seen[i] = fill_take(k);
		assert_int_equal(seen[i] % CHUNK, 0);
		assert_true(seen[i] < (uint64_t)NCHUNKS * CHUNK);
		for (unsigned j = 0; j < i; j++)
			assert_true(seen[j] != seen[i]);
	}
}

static void test_batch_and_handback(void **state)
{
	struct kern *k = *state;
	uint64_t chunks[3], stamp = 1700000000123456789ULL + (uint64_t)TAI_OFF;
	struct rc_batch b;

	assert_int_equal(kern_open(k), 0);
	for (unsigned i = 0; i < 3; i++)
		chunks[i] = kern_rx(k, 5000, (uint8_t)i, 60 + i, stamp + i);
	assert_int_equal(fill_count(k), RING - 3);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.bytes, 60 + 61 + 62);
	assert_int_equal(rc_lease_refs(b.lease), 1);
	for (unsigned i = 0; i < 3; i++) {
		const struct rc_frame *f = &b.frames[i];

		assert_ptr_equal(f->data, k->umem + chunks[i] + DATA_OFF);
		assert_int_equal(f->h.len, 60 + i);
		assert_int_equal(f->h.caplen, 60 + i);
		assert_int_equal(f->data[42], i);
		/* TAI stamp minus the TAI offset, nanoseconds in tv_usec */
		assert_int_equal(f->h.ts.tv_sec, 1700000000);
		assert_int_equal(f->h.ts.tv_usec, 123456789 + i);
		/* read once, then cleared: a chunk reused without a stamp shows */
		assert_int_equal(*(const uint64_t *)(f->data - 8), 0);
	}
	/* the RX entries are released at once, the chunks only with the lease */
	assert_int_equal(__atomic_load_n(&k->rx_cons, __ATOMIC_ACQUIRE), 3);
	assert_int_equal(fill_count(k), RING - 3);
	k->src->ops->done(k->src, &b);
	assert_int_equal(fill_count(k), RING);
}

/* An async sink holds the first batch past the second: the second's
 * chunks go back first, the first's when its last reference goes. */
static void test_out_of_order_release(void **state)
{
	struct kern *k = *state;
	struct rc_batch a, b;
	uint64_t ca, cb;

	assert_int_equal(kern_open(k), 0);
	ca = kern_rx(k, 5000, 1, 100, 1);
	assert_int_equal(take(k, &a), 1);
	rc_lease_get(a.lease);            /* the async sink */
	k->src->ops->done(k->src, &a);    /* the worker moves on */
	assert_int_equal(fill_count(k), RING - 1);

	cb = kern_rx(k, 5000, 2, 100, 2);
	assert_int_equal(take(k, &b), 1);
	assert_ptr_not_equal(a.lease, b.lease);
	assert_int_equal(b.frames[0].data[42], 2);
	k->src->ops->done(k->src, &b);
	assert_int_equal(fill_count(k), RING - 1);
	/* a's frame is still intact for the sink */
	assert_int_equal(a.frames[0].data[42], 1);

	assert_int_equal(rc_lease_put(a.lease), 1);
	assert_int_equal(fill_count(k), RING);
	/* both chunks are back, b's first */
	for (unsigned i = 0; i < RING - 2; i++)
		fill_take(k);
	assert_int_equal(fill_take(k), cb);
	assert_int_equal(fill_take(k), ca);
}

static void test_filter_rejects_go_back_at_once(void **state)
{
	struct kern *k = *state;
	struct rc_afxdp_stats st;
	struct rc_batch b;

	k->conf.filter = "udp dst port 5001";
	assert_int_equal(kern_open(k), 0);
	for (unsigned i = 0; i < 6; i++)
		kern_rx(k, (uint16_t)(5000 + i % 2), (uint8_t)i, 80, 10 + i);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 3);
	for (unsigned i = 0; i < b.n; i++)
		assert_int_equal(b.frames[i].data[42], 2 * i + 1);
	/* the three that failed are back already */
	assert_int_equal(fill_count(k), RING - 3);
	assert_int_equal(rc_afxdp_stats(k->src, &st), 0);
	assert_int_equal(st.filtered, 3);
	k->src->ops->done(k->src, &b);
	assert_int_equal(fill_count(k), RING);
}

static void test_set_filter_applies_to_next_batch(void **state)
{
	struct kern *k = *state;
	struct rc_batch b;
	char err[256] = "";

	assert_int_equal(kern_open(k), 0);
	kern_rx(k, 5000, 0, 80, 1);
	kern_rx(k, 5001, 1, 80, 2);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 2);
	k->src->ops->done(k->src, &b);

	assert_int_equal(k->src->ops->set_filter(k->src, "udp dst port 5000", err, sizeof(err)), 0);
	kern_rx(k, 5000, 2, 80, 3);
	kern_rx(k, 5001, 3, 80, 4);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.frames[0].data[42], 2);
	k->src->ops->done(k->src, &b);

	assert_int_equal(k->src->ops->set_filter(k->src, "udp dst port", err, sizeof(err)), -EBADMSG);
	assert_true(err[0] != '\0');
	assert_int_equal(k->src->ops->set_filter(k->src, "", err, sizeof(err)), 0);
	kern_rx(k, 5001, 4, 80, 5);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 1);
	k->src->ops->done(k->src, &b);
}

static void test_missing_stamp_falls_back(void **state)
{
	struct kern *k = *state;
	struct rc_afxdp_stats st;
	struct timespec before, after;
	struct rc_batch b;

	assert_int_equal(kern_open(k), 0);
	kern_rx(k, 5000, 0, 80, 0); /* the program could not grow the metadata */
	clock_gettime(CLOCK_REALTIME, &before);
	assert_int_equal(take(k, &b), 1);
	clock_gettime(CLOCK_REALTIME, &after);
	assert_true(b.frames[0].h.ts.tv_sec >= before.tv_sec);
	assert_true(b.frames[0].h.ts.tv_sec <= after.tv_sec);
	assert_true(b.frames[0].h.ts.tv_usec < 1000000000);
	k->src->ops->done(k->src, &b);
	assert_int_equal(rc_afxdp_stats(k->src, &st), 0);
	assert_int_equal(st.ts_fallback, 1);
}

static void test_snaplen_caps_caplen(void **state)
{
	struct kern *k = *state;
	struct rc_batch b;

	k->conf.snaplen = 64;
	assert_int_equal(kern_open(k), 0);
	kern_rx(k, 5000, 0, 1514, 1);
	kern_rx(k, 5000, 1, 60, 2);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.frames[0].h.caplen, 64);
	assert_int_equal(b.frames[0].h.len, 1514);
	assert_int_equal(b.frames[1].h.caplen, 60);
	k->src->ops->done(k->src, &b);
}

struct bad_desc {
	const char *name;
	bool in_chunk;   /* addr is an offset into the chunk the kernel took */
	uint64_t addr;
	uint32_t len;
};

static const struct bad_desc bad_descs[] = {
	{ "address past the UMEM", false, (uint64_t)NCHUNKS * CHUNK + DATA_OFF, 60 },
	{ "frame runs past its chunk", true, DATA_OFF, CHUNK },
	{ "zero length", true, DATA_OFF, 0 },
};

static void test_bad_descriptor(void **state)
{
	const struct bad_desc *row = *state;
	struct kern k;
	struct rc_source_stats st;
	struct rc_batch b;
	uint64_t chunk;
	uint32_t before;

	kern_init(&k);
	assert_int_equal(kern_open(&k), 0);
	chunk = fill_take(&k);
	before = fill_count(&k);
	kern_rx_raw(&k, row->in_chunk ? chunk + row->addr : row->addr, row->len);
	kern_rx(&k, 5000, 9, 80, 1);
	assert_int_equal(take(&k, &b), 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.frames[0].data[42], 9);
	/* a bad descriptor naming one of our chunks gives the chunk back */
	assert_int_equal(fill_count(&k), before - 1 + (row->in_chunk ? 1 : 0));
	k.src->ops->done(k.src, &b);
	assert_int_equal(k.src->ops->stats(k.src, &st), 0);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.frames, 1);
	kern_fini(&k);
}

static void test_quiesce_drains(void **state)
{
	struct kern *k = *state;
	struct rc_batch b;

	assert_int_equal(kern_open(k), 0);
	kern_rx(k, 5000, 0, 80, 1);
	assert_int_equal(k->src->ops->quiesce(k->src), 0);
	assert_false(k->src->ops->drained(k->src));
	/* no holding back once quiesced: the frame comes at once */
	assert_int_equal(k->src->ops->next(k->src, &b), 1);
	k->src->ops->done(k->src, &b);
	assert_true(k->src->ops->drained(k->src));
}

/* Multi-buffer: a 9000-byte frame in six chunks comes out whole, stamped
 * from its first chunk, its chunks back to the kernel at once (it was
 * copied); the one-chunk frames around it stay in the UMEM under the
 * lease, and the user-space filter sees the whole frame. */
static void test_multibuffer_frame(void **state)
{
	struct kern *k = *state;
	uint64_t stamp = 1700000000000000005ULL + (uint64_t)TAI_OFF;
	struct rc_afxdp_stats st;
	struct rc_batch b;
	unsigned parts;

	k->conf.filter = "len > 100 or udp dst port 5000";
	assert_int_equal(kern_open(k), 0);
	kern_rx(k, 5000, 1, 80, stamp);
	parts = kern_rx_multi(k, 9000, CHUNK - DATA_OFF, 3, stamp + 1, 0);
	assert_int_equal(parts, (9000 + CHUNK - DATA_OFF - 1) / (CHUNK - DATA_OFF));
	kern_rx(k, 5000, 2, 80, stamp + 2);
	kern_rx(k, 5001, 3, 80, stamp + 3); /* fails the filter */
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.frames[0].data[42], 1);
	assert_int_equal(b.frames[1].h.len, 9000);
	assert_int_equal(b.frames[1].h.caplen, 9000);
	for (unsigned i = 0; i < 9000; i++)
		if (b.frames[1].data[i] != (uint8_t)(i * 7 + 3))
			fail_msg("byte %u of the frame put together is 0x%02x", i,
				 b.frames[1].data[i]);
	assert_int_equal(b.frames[1].h.ts.tv_sec, 1700000000);
	assert_int_equal(b.frames[1].h.ts.tv_usec, 6);
	assert_int_equal(b.frames[2].data[42], 2);
	assert_int_equal(b.bytes, 80 + 9000 + 80);
	/* its chunks and the filtered frame's are back; two are leased */
	assert_int_equal(fill_count(k), RING - 2);
	k->src->ops->done(k->src, &b);
	assert_int_equal(fill_count(k), RING);
	assert_int_equal(rc_afxdp_stats(k->src, &st), 0);
	assert_int_equal(st.filtered, 1);
}

/* A frame whose last descriptor is not there yet is left in the ring
 * (no half frame goes out) and comes whole once it is. */
static void test_multibuffer_cut(void **state)
{
	struct kern *k = *state;
	struct rc_source_stats st;
	struct rc_batch b;

	assert_int_equal(kern_open(k), 0);
	kern_rx(k, 5000, 1, 80, 1);
	kern_rx_multi(k, 5000, CHUNK - DATA_OFF, 9, 2, 2); /* 3 parts, 2 published */
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.frames[0].h.len, 80);
	/* the two parts stay in the ring */
	assert_int_equal(__atomic_load_n(&k->rx_cons, __ATOMIC_ACQUIRE), 1);
	k->src->ops->done(k->src, &b);
	assert_int_equal(k->src->ops->next(k->src, &b), 0);
	__atomic_store_n(&k->rx_prod, k->rx_prod + 1, __ATOMIC_RELEASE);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.frames[0].h.len, 5000);
	assert_int_equal(b.frames[0].data[4999], (uint8_t)(4999 * 7 + 9));
	k->src->ops->done(k->src, &b);
	assert_int_equal(__atomic_load_n(&k->rx_cons, __ATOMIC_ACQUIRE), 4);
	assert_int_equal(fill_count(k), RING);
	assert_int_equal(k->src->ops->stats(k->src, &st), 0);
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.malformed, 0);
}

/* One bad part spoils its frame only: counted malformed, every chunk of
 * it back, the next frame fine. */
static void test_multibuffer_bad_part(void **state)
{
	struct kern *k = *state;
	struct rc_source_stats st;
	struct rc_batch b;
	unsigned first = k->rx_prod;

	assert_int_equal(kern_open(k), 0);
	kern_rx_multi(k, 3000, CHUNK - DATA_OFF, 1, 1, 0);
	k->rx_ring[(first + 1) & (RING - 1)].len = CHUNK; /* runs past its chunk */
	kern_rx(k, 5000, 7, 80, 2);
	assert_int_equal(take(k, &b), 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.frames[0].data[42], 7);
	assert_int_equal(fill_count(k), RING - 1);
	k->src->ops->done(k->src, &b);
	assert_int_equal(k->src->ops->stats(k->src, &st), 0);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.frames, 1);
}

struct bad_conf {
	const char *name;
	bool dedicated;
	uint32_t frame_size, frame_count, ring_size;
	const char *msg; /* part of the error message */
	bool take;
	const char *filter;
};

static const struct bad_conf bad_confs[] = {
	{ "no dedicated-port consent", false, 2048, 64, 64, "dedicated capture port", false, NULL },
	{ "no consent at all", false, 2048, 64, 64, "give a filter and --take-matching", false,
	  "udp" },
	{ "both consents", true, 2048, 64, 64, "exclude each other", true, "udp" },
	{ "take-matching without a filter", false, 2048, 64, 64, "give a filter", true, NULL },
	{ "frame size 3000", true, 3000, 64, 64, "2048 or 4096", false, NULL },
	{ "ring size not a power of two", true, 2048, 64, 100, "power of two", false, NULL },
	{ "ring size 32", true, 2048, 64, 32, "power of two between 64", false, NULL },
	{ "frame count 10", true, 2048, 10, 64, "frame count 10", false, NULL },
};

static void test_bad_conf(void **state)
{
	const struct bad_conf *row = *state;
	struct kern k;
	int r;

	kern_init(&k);
	k.conf.xdp.dedicated_port = row->dedicated;
	k.conf.xdp.take_matching = row->take;
	k.conf.filter = (char *)(uintptr_t)row->filter;
	k.conf.xdp.frame_size = row->frame_size;
	k.conf.xdp.frame_count = row->frame_count;
	k.conf.xdp.ring_size = row->ring_size;
	r = kern_open(&k);
	assert_int_equal(r, -EINVAL);
	assert_null(k.src);
	if (!strstr(k.err, row->msg))
		fail_msg("message '%s' lacks '%s'", k.err, row->msg);
	/* the same words from the real open, before anything is touched */
	memset(k.err, 0, sizeof(k.err));
	r = rc_afxdp_open(&k.conf, 0, &k.src, k.err, sizeof(k.err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(k.err, row->msg));
	kern_fini(&k);
}

static void test_no_such_interface(void **state)
{
	struct kern *k = *state;
	int r;

	k->conf.iface = "rc-no-such-if0";
	r = rc_afxdp_open(&k->conf, 0, &k->src, k->err, sizeof(k->err));
	assert_int_equal(r, -ENODEV);
	assert_non_null(strstr(k->err, "rc-no-such-if0"));
	assert_int_equal(rc_afxdp_queue_count("rc-no-such-if0"), -ENODEV);
	assert_true(rc_afxdp_queue_count("lo") >= 1);
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test_setup_teardown(test_fill_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_and_handback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_rejects_go_back_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_filter_applies_to_next_batch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_stamp_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snaplen_caps_caplen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiesce_drains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multibuffer_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multibuffer_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multibuffer_bad_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_such_interface, setup, teardown),
	};
	static const struct table tables[] = {
		TABLE("bad descriptor", test_bad_descriptor, bad_descs),
		TABLE("bad settings", test_bad_conf, bad_confs),
	};

	return run_tables("afxdp", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

#else

int main(void)
{
	printf("SKIP: built without AF_XDP (bpf/bpf.mk found no libbpf/libxdp/clang/bpftool)\n");
	return 77;
}

#endif
