// SPDX-License-Identifier: MIT
/*
 * Filter compilation and attachment.  struct bpf_insn (libpcap) and struct
 * sock_filter (kernel) share one layout, which is what lets a compiled
 * program go straight into SO_ATTACH_FILTER.
 */
#include "filter.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

_Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter),
	       "libpcap and kernel BPF instructions differ");

int rc_filter_compile(const char *expr, int dlt, unsigned snaplen, struct bpf_program *ret,
		      char *err, size_t errlen)
{
	pcap_t *p;
	int r = 0;

	p = pcap_open_dead(dlt, (int)snaplen);
	if (!p) {
		snprintf(err, errlen, "libpcap could not open a handle for link type %d", dlt);
		return -ENOMEM;
	}
	if (pcap_compile(p, ret, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		r = -EBADMSG;
	}
	pcap_close(p);
	return r;
}

int rc_filter_new(const char *expr, int dlt, unsigned snaplen, struct bpf_program **ret,
		  char *err, size_t errlen)
{
	struct bpf_program *p;
	int r;

	*ret = NULL;
	if (!expr || !expr[0])
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = rc_filter_compile(expr, dlt, snaplen, p, err, errlen);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void rc_filter_free(struct bpf_program *p)
{
	if (p) {
		pcap_freecode(p);
		free(p);
	}
}

bool rc_filter_needs_userspace(const char *expr)
{
	const char *p = expr;

	if (!expr)
		return false;
	while ((p = strstr(p, "vlan"))) {
		bool start = p == expr || strchr(" \t(!", p[-1]);
		bool end = strchr(" \t)", p[4]) != NULL; /* also matches the final NUL */

		if (start && end)
			return true;
		p += 4;
	}
	return false;
}

#define SLL2_HDR 20u

/* The ancillary load that stands for a load of @size bytes at @k of the
 * LINUX_SLL2 header, or 0 if there is none. */
static uint32_t sll2_ancillary(uint32_t k, uint16_t size)
{
	if (k == 0 && size == BPF_H)
		return SKF_AD_OFF + SKF_AD_PROTOCOL;
	if (k == 4 && size == BPF_W)
		return SKF_AD_OFF + SKF_AD_IFINDEX;
	if (k == 8 && size == BPF_H)
		return SKF_AD_OFF + SKF_AD_HATYPE;
	if (k == 10 && size == BPF_B)
		return SKF_AD_OFF + SKF_AD_PKTTYPE;
	return 0;
}

int rc_filter_cook(struct bpf_program *prog)
{
	struct bpf_insn *insns = prog->bf_insns;

	/* all or nothing: check every instruction before changing one */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < prog->bf_len; i++) {
			struct bpf_insn *p = &insns[i];
			uint16_t cls = BPF_CLASS(p->code), mode = BPF_MODE(p->code);

			if (cls == BPF_RET && BPF_RVAL(p->code) == BPF_K) {
				if (pass && p->k > SLL2_HDR)
					p->k -= SLL2_HDR;
				continue;
			}
			if (cls != BPF_LD && cls != BPF_LDX)
				continue;
			if (mode == BPF_LEN)
				return -ENOTSUP;  /* the kernel's length has no header */
			if (mode != BPF_ABS && mode != BPF_IND && mode != BPF_MSH)
				continue;
			if (p->k >= SLL2_HDR) {
				if (pass)
					p->k -= SLL2_HDR;
			} else if (mode == BPF_ABS && cls == BPF_LD &&
				   sll2_ancillary(p->k, BPF_SIZE(p->code))) {
				if (pass)
					p->k = sll2_ancillary(p->k, BPF_SIZE(p->code));
			} else {
				return -ENOTSUP;
			}
		}
	}
	return 0;
}

int rc_filter_attach(int fd, const struct bpf_program *prog)
{
	struct sock_fprog fp = {
		.len = (unsigned short)prog->bf_len,
		.filter = (struct sock_filter *)prog->bf_insns,
	};

	if (prog->bf_len > BPF_MAXINSNS)
		return -E2BIG;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		return -errno;
	return 0;
}

int rc_filter_attach_no_outgoing(int fd, const struct bpf_program *prog)
{
	/* A = pkt_type; outgoing: return 0; else A = 0 as a fresh program
	 * expects, and on into the program, whose jumps are relative */
	static const struct sock_filter pre[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_LD | BPF_IMM, 0),
	};
	const size_t npre = sizeof(pre) / sizeof(pre[0]);
	struct sock_filter *all;
	struct sock_fprog fp;
	int r = 0;

	if (prog->bf_len + npre > BPF_MAXINSNS)
		return -E2BIG;
	all = malloc((prog->bf_len + npre) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all, pre, sizeof(pre));
	memcpy(all + npre, prog->bf_insns, prog->bf_len * sizeof(*all));
	fp.len = (unsigned short)(prog->bf_len + npre);
	fp.filter = all;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		r = -errno;
	free(all);
	return r;
}

int rc_filter_attach_drop_all(int fd)
{
	struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fp = { .len = 1, .filter = &insn };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		return -errno;
	return 0;
}
