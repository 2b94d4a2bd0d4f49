/* SPDX-License-Identifier: MIT */
/*
 * The capture filter, translated for ringcap's XDP program: classic BPF as
 * libpcap compiles it for DLT_EN10MB (rc_filter_compile(), accept value =
 * the snaplen) in, eBPF for an XDP program out.  Pure code: it loads
 * nothing (xdp_prog.c does), so it runs in unit tests without privileges.
 *
 * The translation keeps classic BPF's meaning, frame by frame, as
 * libpcap's bpf_filter() gives it on the whole frame:
 *   - A and X are 32-bit (eBPF ALU32 and JMP32), both 0 at the start; the
 *     scratch words M[0..15] live on the eBPF stack, zeroed first;
 *   - every packet load is checked against data_end before it is made (the
 *     verifier insists, and classic BPF rejects a frame whose load falls
 *     outside it); with `frags`, a load beyond the first buffer of a
 *     multi-buffer frame is made with bpf_xdp_load_bytes() and rejects only
 *     when it falls outside the whole frame;
 *   - `len` is bpf_xdp_get_buff_len(): the whole frame, fragments included;
 *   - division or modulo by an X of 0 rejects; a shift by an X of 32 or
 *     more gives 0, as libpcap's interpreter does.
 * The verdict ends the program in one of two ways: tail calls into a
 * program array (accept_slot / reject_slot of tail_map_fd), which is how
 * ringcap's XDP program uses it, or return values, which is how the tests
 * run it alone (BPF_PROG_TEST_RUN).
 *
 * What it refuses, and what that means for the caller:
 *   -EPROTONOSUPPORT  the program reads what no XDP program can know: the
 *                     kernel's ancillary fields (SKF_AD_*: libpcap emits
 *                     them for `inbound`/`outbound`, the packet type, and
 *                     for `vlan` on a live capture, where the kernel has
 *                     moved the tag out of the frame).  libpcap's own
 *                     interpreter rejects every frame on them, so the
 *                     filter cannot run in user space either.
 *   -ENOTSUP          it could run, but not here: backward jumps (libpcap's
 *                     `protochain` loops), shifts by a constant of 32 or
 *                     more, jumps beyond eBPF's 16-bit offsets.  User space
 *                     can run it.
 *   -EINVAL           not a valid classic BPF program.
 * Each with the reason in @why, for a log line.
 *
 * Threads: none of its own; re-entrant.
 */
#ifndef RC_XDP_FILTER_H
#define RC_XDP_FILTER_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libpcap and the kernel both define struct bpf_insn; the kernel's is
 * called rc_kernel_bpf_insn here, as in every file that includes both. */
#define bpf_insn rc_kernel_bpf_insn
#include <linux/bpf.h>
#undef bpf_insn

struct rc_xdp_filter_target {
	bool frags;              /* frames may come in several buffers */
	int tail_map_fd;         /* >= 0: the verdict is a tail call into this map */
	uint32_t accept_slot;    /* ... at this index for a match */
	uint32_t reject_slot;    /* ... and this one for no match */
	int accept_ret;          /* tail_map_fd < 0: return this for a match */
	int reject_ret;          /* ... and this for no match */
};

struct rc_xdp_filter_code {
	struct rc_kernel_bpf_insn *insns;
	size_t len;
};

/* Translate @prog.  0 and the eBPF in @ret (free with
 * rc_xdp_filter_code_free), or -errno as above with the reason in @why. */
int rc_xdp_filter_translate(const struct bpf_program *prog, const struct rc_xdp_filter_target *t,
			    struct rc_xdp_filter_code *ret, char *why, size_t whylen);

void rc_xdp_filter_code_free(struct rc_xdp_filter_code *c);

#endif
