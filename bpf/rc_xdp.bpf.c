// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
/*
 * ringcap's XDP program: hand the frames of an RX queue that the capture
 * filter accepts to the AF_XDP socket ringcap bound to that queue, stamped
 * with the time they arrived.
 *
 * Three programs share the maps below.  ringcap_xdp is the one attached to
 * the interface; ringcap_take and ringcap_reject sit in the program array
 * `progs`, next to the capture filter, which user space translates from
 * libpcap's classic BPF to eBPF (src/capture/xdp_filter.h) and loads on its
 * own:
 *
 *   ringcap_xdp ──tail call──▶ progs[FILTER] ──match──▶ progs[TAKE]
 *        │ (no filter there)        └──no match──▶ progs[REJECT]
 *        ▼
 *   no filter in the kernel: take every frame (a dedicated port, whose
 *   filter, if any, runs in user space), or pass every frame (a shared
 *   port: nothing was consented to without a filter)
 *
 * A tail call keeps the attached program the one clang built (its owner
 * fields, libxdp's handling), lets the verifier check the filter on its
 * own, and lets user space swap the filter with one map update, which each
 * frame sees whole: old filter or new, never a mix.
 *
 * - xsks (XSKMAP) holds one socket per RX queue.  bpf_redirect_map() falls
 *   back to XDP_PASS when the queue has no entry, so a queue ringcap is not
 *   capturing, a queue being shut down (its entry deleted), and every queue
 *   of a ringcap that died (the kernel drops a socket's entries when the
 *   socket closes, SIGKILL included, and empties `progs` when the last
 *   descriptor of it goes) all go to the host's stack as if no program
 *   were attached.
 * - A frame the filter rejects goes to the stack on a shared port
 *   (`dedicated` = 0); on a dedicated port it is dropped, unless its queue
 *   has no socket (then it goes to the stack like every frame of such a
 *   queue).
 * - Before a frame is redirected, the metadata area in front of it grows
 *   by 8 bytes and gets bpf_ktime_get_tai_ns(); the frame lands in the UMEM
 *   with that stamp right before its first byte.  Frames passed to the
 *   stack are left as they came.
 * - counters: per RX queue, per CPU: frames seen, redirected, passed to
 *   the stack, rejected by the filter.  User space sums the CPUs;
 *   "redirected" is what the socket should have received (taken from its
 *   ring or counted in XDP_STATISTICS).
 * - owner_*: who attached this copy of the program, set by user space
 *   before loading (read-only afterwards).  A later ringcap finding the
 *   program on an interface with no living owner removes it as stale.
 *   They stay the first 24 bytes of .rodata (xdp_owner.h reads them).
 *
 * Jumbo frames: user space loads all three (and the filter) with
 * BPF_F_XDP_HAS_FRAGS when the MTU is larger than one UMEM frame; nothing
 * here reads beyond the first buffer, and the filter reaches fragments
 * through bpf_xdp_load_bytes().
 *
 * Runs in the kernel, on whichever CPU processes the queue; it is loaded
 * through libxdp (chain call on XDP_PASS, default priority, when libxdp's
 * dispatcher is usable).  The licence string is GPL-compatible so that the
 * program can replace a slot of libxdp's (GPL) dispatcher.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define RC_XDP_MAX_QUEUES 256
#define RC_XDP_META_LEN 8

/* progs[]: must match src/capture/xdp_prog.c */
#define RC_XDP_PROG_FILTER 0
#define RC_XDP_PROG_TAKE 1
#define RC_XDP_PROG_REJECT 2

struct rc_xdp_counters {
	__u64 seen;
	__u64 redirected;
	__u64 passed;
	__u64 filtered;
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, RC_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RC_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct rc_xdp_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

/* Set by user space before load: pid, its start time (clock ticks since
 * boot, /proc/PID/stat field 22) and pid-namespace inode.  Keep them first. */
const volatile __u64 owner_pid = 0;
const volatile __u64 owner_start = 0;
const volatile __u64 owner_pidns = 0;
/* 1: a dedicated capture port (the operator's --dedicated-port): frames
 * the filter rejects are dropped, and without a filter in the kernel every
 * frame is taken.  0: a shared port, where only matching frames are. */
const volatile __u32 dedicated = 0;

static __always_inline struct rc_xdp_counters *queue_counters(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index;

	return bpf_map_lookup_elem(&counters, &q);
}

/* The frame to the queue's socket, stamped; to the stack without one. */
static __always_inline int take(struct xdp_md *ctx, struct rc_xdp_counters *c)
{
	int act = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);

	if (act == XDP_REDIRECT && bpf_xdp_adjust_meta(ctx, -RC_XDP_META_LEN) == 0) {
		void *data = (void *)(long)ctx->data;
		__u64 *meta = (void *)(long)ctx->data_meta;

		if ((void *)(meta + 1) <= data)
			*meta = bpf_ktime_get_tai_ns();
	}
	if (c) {
		if (act == XDP_REDIRECT)
			c->redirected++;
		else
			c->passed++;
	}
	return act;
}

SEC("xdp")
int ringcap_xdp(struct xdp_md *ctx)
{
	struct rc_xdp_counters *c;

	/* Not loaded by ringcap: stay out of the way.  (This also keeps the
	 * owner fields among the program's maps, where a later ringcap looks
	 * for them; the verifier drops the branch.) */
	if (owner_pid == 0)
		return XDP_PASS;
	c = queue_counters(ctx);
	if (c)
		c->seen++;
	bpf_tail_call(ctx, &progs, RC_XDP_PROG_FILTER);
	/* no filter in the kernel */
	if (!dedicated) {
		if (c)
			c->passed++;
		return XDP_PASS;
	}
	return take(ctx, c);
}

SEC("xdp")
int ringcap_take(struct xdp_md *ctx)
{
	return take(ctx, queue_counters(ctx));
}

SEC("xdp")
int ringcap_reject(struct xdp_md *ctx)
{
	struct rc_xdp_counters *c = queue_counters(ctx);
	__u32 q = ctx->rx_queue_index;

	if (c)
		c->filtered++;
	if (dedicated && bpf_map_lookup_elem(&xsks, &q))
		return XDP_DROP;
	if (c)
		c->passed++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
