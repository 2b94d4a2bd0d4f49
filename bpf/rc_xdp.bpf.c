// SPDX-License-Identifier: (MIT OR GPL-2.0-only)
/*
 * ringcap's XDP program: hand every frame of an RX queue to the AF_XDP
 * socket ringcap bound to that queue, stamped with the time it arrived.
 *
 * - xsks (XSKMAP) holds one socket per RX queue.  bpf_redirect_map() falls
 *   back to XDP_PASS when the queue has no entry, so a queue ringcap is not
 *   capturing, a queue being shut down (its entry deleted), and every queue
 *   of a ringcap that died (the kernel drops a socket's entries when the
 *   socket closes, SIGKILL included) all go to the host's stack as if no
 *   program were attached.
 * - Before a frame is redirected, the metadata area in front of it grows
 *   by 8 bytes and gets bpf_ktime_get_tai_ns(); the frame lands in the UMEM
 *   with that stamp right before its first byte.  Frames passed to the
 *   stack are left as they came.
 * - counters: per RX queue, per CPU: frames seen, redirected, passed.
 *   User space sums the CPUs; "redirected" is what the socket should have
 *   received (taken from its ring or counted in XDP_STATISTICS).
 * - owner_*: who attached this copy of the program, set by user space
 *   before loading (read-only afterwards).  A later ringcap finding the
 *   program on an interface with no living owner removes it as stale.
 *
 * Runs in the kernel, on whichever CPU processes the queue; it is loaded
 * through libxdp's dispatcher (chain call on XDP_PASS, default priority).
 * The licence string is GPL-compatible so that the program can replace a
 * slot of libxdp's (GPL) dispatcher.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define RC_XDP_MAX_QUEUES 256
#define RC_XDP_META_LEN 8

struct rc_xdp_counters {
	__u64 seen;
	__u64 redirected;
	__u64 passed;
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

/* Set by user space before load: pid, its start time (clock ticks since
 * boot, /proc/PID/stat field 22) and pid-namespace inode. */
const volatile __u64 owner_pid = 0;
const volatile __u64 owner_start = 0;
const volatile __u64 owner_pidns = 0;

SEC("xdp")
int ringcap_xdp(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index;
	struct rc_xdp_counters *c;
	int act;

	/* Not loaded by ringcap: stay out of the way.  (This also keeps the
	 * owner fields among the program's maps, where a later ringcap looks
	 * for them; the verifier drops the branch.) */
	if (owner_pid == 0)
		return XDP_PASS;
	c = bpf_map_lookup_elem(&counters, &q);
	act = bpf_redirect_map(&xsks, q, XDP_PASS);

	if (act == XDP_REDIRECT && bpf_xdp_adjust_meta(ctx, -RC_XDP_META_LEN) == 0) {
		void *data = (void *)(long)ctx->data;
		__u64 *meta = (void *)(long)ctx->data_meta;

		if ((void *)(meta + 1) <= data)
			*meta = bpf_ktime_get_tai_ns();
	}
	if (c) {
		c->seen++;
		if (act == XDP_REDIRECT)
			c->redirected++;
		else
			c->passed++;
	}
	return act;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
