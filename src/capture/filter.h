/* SPDX-License-Identifier: MIT */
/*
 * tcpdump filter expressions: compiled by libpcap, run in the kernel
 * (SO_ATTACH_FILTER) or in user space (per-output filters).
 */
#ifndef RC_FILTER_H
#define RC_FILTER_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>

#include "frame.h"

/*
 * Compile @expr (NULL or "" = accept everything) for link type @dlt.  The
 * program's accept value is @snaplen, so the kernel truncates for us.  On
 * failure returns -EBADMSG (and only then: callers tell a bad expression by
 * it) with libpcap's message in @err.
 */
int rc_filter_compile(const char *expr, int dlt, unsigned snaplen, struct bpf_program *ret,
		      char *err, size_t errlen);

/* The same, on the heap, for filters run in user space: *@ret NULL (no
 * filter) for NULL or "".  Free with rc_filter_free(). */
int rc_filter_new(const char *expr, int dlt, unsigned snaplen, struct bpf_program **ret,
		  char *err, size_t errlen);
void rc_filter_free(struct bpf_program *p);

/* Attach to a socket; -errno. */
int rc_filter_attach(int fd, const struct bpf_program *prog);

/*
 * The same, but the kernel first rejects the frames that the host sends
 * out (PACKET_OUTGOING).  On loopback each frame is delivered twice, once
 * as it leaves and once as it arrives; libpcap skips the outgoing copy,
 * and so must we, or every frame is recorded twice.
 */
int rc_filter_attach_no_outgoing(int fd, const struct bpf_program *prog);

/*
 * Rewrite @prog, compiled for DLT_LINUX_SLL2, for a cooked (SOCK_DGRAM)
 * socket, where the kernel filter sees the frame from its network header
 * and no link header at all: loads past the 20-byte LINUX_SLL2 header
 * move 20 bytes back, loads of its protocol, interface index, ARPHRD type
 * and packet type become the kernel's ancillary loads of the same, and
 * the snapshot length returned shrinks by the header the walker adds
 * back.  -ENOTSUP when the program reads anything else of the header (the
 * link address) or the frame's length: it must then run in user space, on
 * the frame with its header (rc_filter_match).
 */
int rc_filter_cook(struct bpf_program *prog);

/* Attach a program that rejects everything (used to stop intake at shutdown). */
int rc_filter_attach_drop_all(int fd);

/*
 * Does @expr test 802.1Q tags?  The kernel strips them before a socket
 * filter runs, so such an expression must run in user space, on the frame
 * with its tag put back (rc_tpv3_block_walk does that).
 */
bool rc_filter_needs_userspace(const char *expr);

static inline int rc_filter_match(const struct bpf_program *prog, const struct rc_frame *f)
{
	return bpf_filter(prog->bf_insns, f->data, f->h.len, f->h.caplen) != 0;
}

#endif
