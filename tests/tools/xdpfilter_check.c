// SPDX-License-Identifier: MIT
/*
 * xdpfilter_check - the capture filter's translation to eBPF
 * (src/capture/xdp_filter.h) against libpcap's own interpreter.
 *
 * For every filter of a table (tcpdump syntax; more may be given as
 * arguments), compiled by libpcap for DLT_EN10MB as ringcap compiles it:
 * the eBPF program is loaded twice into the kernel as an XDP program that
 * returns its verdict (XDP_PASS for a match, XDP_DROP for none), once for
 * single-buffer frames and once with BPF_F_XDP_HAS_FRAGS, where frames
 * longer than a page arrive in fragments.  Each is run by
 * BPF_PROG_TEST_RUN on many frames, crafted (802.1Q, QinQ, IPv4 with
 * options, fragments, IPv6 with extension headers, ARP, ICMP, TCP flags,
 * truncated headers, 9000-byte frames) and random (seeded; mutations of
 * the crafted ones and noise), and its verdict compared with libpcap's
 * bpf_filter() on the whole frame.  Filters the translator must refuse
 * (`inbound`, `protochain`) are checked to be refused with the right code.
 *
 * Needs root (loading BPF programs); exits 77 when it may not load them.
 *   xdpfilter_check [-n RANDOM_FRAMES] [-s SEED] [-v] [FILTER...]
 * Exit: 0 all verdicts agree, 1 a disagreement or a program the kernel
 * refused, 2 bad arguments, 77 no privilege.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/capture/filter.h"
#include "../../src/common/cleanup.h"
#include "../../src/capture/xdp_filter.h"

#define bpf_insn rc_kernel_bpf_insn
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#undef bpf_insn

#define SNAPLEN 262144u
#define MAX_FRAME 9300u
/* what BPF_PROG_TEST_RUN takes as one buffer: a page less the XDP headroom
 * and the room the kernel keeps behind it */
#define LINEAR_MAX 3000u

static const char *const filters[] = {
	"",
	"udp", "tcp", "icmp", "arp", "ip", "ip6", "icmp or arp", "not udp", "not (udp or tcp)",
	"host 198.18.0.1", "src host 198.18.0.1", "dst host 198.18.0.2",
	"net 198.18.0.0/15", "not net 198.18.0.0/16", "src net 198.19.0.0/16",
	"port 5000", "dst port 5001", "udp dst port 5001", "udp dst port 5000",
	"udp and dst port 5000 and greater 200", "udp dst port 6000", "src port 4000",
	"portrange 5000-5010", "tcp portrange 1-1024", "udp portrange 4990-5002",
	"ip[2:2] > 576", "ip[6:2] & 0x1fff != 0", "ip[0] & 0xf > 5", "ip[8] < 64",
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
	"tcp[13] = 18", "tcp[tcpflags] & tcp-ack = 0",
	"icmp[icmptype] = icmp-echo", "icmp[icmptype] != icmp-echo and icmp",
	"ether host 02:00:00:00:00:01", "ether src 02:00:00:00:00:01",
	"ether dst 02:00:00:00:00:02", "ether broadcast", "ether multicast",
	"ether proto 0x88cc", "ip proto 47", "ip multicast",
	"ip6 and udp", "ip6 host 2001:db8::1", "ip6 and tcp dst port 80", "ip6 net 2001:db8::/32",
	"icmp6", "ip6 and not icmp6",
	"vlan", "vlan 7", "vlan 100 and udp", "vlan and vlan 7", "vlan 100 and vlan 200",
	"not vlan", "vlan and ip6", "vlan 7 and arp", "vlan and udp dst port 5000",
	"len > 100", "len <= 64", "greater 200", "less 100", "len >= 9000",
	"udp[8:4] = 0x5243474e", "ip[100:4] != 0",
	"ether[9000:2] != 0", "ip[2:2] - 100 > 0", "ether[8000] = 0xc3",
	/* across the end of the first buffer of a multi-buffer frame */
	"ether[3516:4] = 0x272e353c", "ether[3519:2] = 0x3c43",
	"ip[2:2] / ip[1] > 10", "ip[2:2] % ip[1] = 0", "ip[2:2] % (ip[1] & 0x3) = 0",
	"ip[0] << (ip[1] & 0x3f) > 100", "ip[2:2] >> (ip[1] & 0x3f) = 0",
	"ip[1] * 3 + 7 = 10", "(ip[8] ^ 0x40) = 0", "ip[2:2] & 0xff00 = 0x0200",
	"udp[0:2] = udp[2:2]", "tcp[12] / 16 > 5", "udp and ip[ip[0] & 0xf] = 0",
	"ip[ip[0] & 0xf:2] > 0x1000", "ether[12:2] = 0x0800 and ether[14] & 0xf0 = 0x40",
};

struct frames {
	uint8_t **data;
	uint32_t *len;
	size_t n, cap;
};

static uint64_t rng_state = 1;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic from the seed, nothing more */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static void add(struct frames *f, const uint8_t *data, uint32_t len)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 1024;
		f->data = realloc(f->data, f->cap * sizeof(*f->data));
		f->len = realloc(f->len, f->cap * sizeof(*f->len));
		if (!f->data || !f->len)
			abort();
	}
	f->data[f->n] = malloc(len ? len : 1);
	if (!f->data[f->n])
		abort();
	memcpy(f->data[f->n], data, len);
	f->len[f->n++] = len;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A frame: Ethernet with @ntags tags (outer TPID @tpid), then @l3. */
struct spec {
	int ntags;
	uint16_t tpid;
	uint16_t vid[2];
	uint16_t ethertype;
	uint8_t proto;         /* IPv4/IPv6 next header */
	int ihl;               /* IPv4 header words (5..15) */
	uint16_t frag;         /* IPv4 flags + fragment offset */
	uint16_t sport, dport;
	uint8_t tcpflags;
	uint8_t icmptype;
	uint8_t ttl;
	bool v6ext;            /* IPv6: a hop-by-hop header first */
	bool bcast, mcast;
	uint32_t src, dst;     /* IPv4 */
	uint32_t len;          /* total frame length */
};

static uint32_t build(const struct spec *s, uint8_t *b)
{
	uint32_t off = 12, l3, l4;
	static const uint8_t mac_dst[6] = { 2, 0, 0, 0, 0, 2 }, mac_src[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t proto = s->proto;

	memset(b, 0, s->len);
	for (uint32_t i = 0; i < s->len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	if (s->bcast)
		memset(b, 0xff, 6);
	else if (s->mcast)
		memcpy(b, (uint8_t[]){ 0x01, 0x00, 0x5e, 0, 0, 1 }, 6);
	else
		memcpy(b, mac_dst, 6);
	memcpy(b + 6, mac_src, 6);
	for (int t = 0; t < s->ntags; t++) {
		put16(b + off, t == 0 ? s->tpid : 0x8100);
		put16(b + off + 2, s->vid[t]);
		off += 4;
	}
	put16(b + off, s->ethertype);
	l3 = off + 2;
	if (s->ethertype == 0x0800) {
		b[l3] = (uint8_t)(0x40 | s->ihl);
		b[l3 + 1] = 0;
		put16(b + l3 + 2, (uint16_t)(s->len - l3));
		put16(b + l3 + 6, s->frag);
		b[l3 + 8] = s->ttl;
		b[l3 + 9] = proto;
		for (int i = 0; i < 4; i++) {
			b[l3 + 12 + i] = (uint8_t)(s->src >> (24 - 8 * i));
			b[l3 + 16 + i] = (uint8_t)(s->dst >> (24 - 8 * i));
		}
		for (int i = 20; i < s->ihl * 4; i++)
			b[l3 + i] = 1; /* NOP options */
		l4 = l3 + (uint32_t)s->ihl * 4;
	} else if (s->ethertype == 0x86dd) {
		static const uint8_t a1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
		static const uint8_t a2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

		b[l3] = 0x60;
		b[l3 + 1] = b[l3 + 2] = b[l3 + 3] = 0;
		put16(b + l3 + 4, (uint16_t)(s->len - l3 - 40));
		b[l3 + 6] = s->v6ext ? 0 : proto;
		b[l3 + 7] = 64;
		memcpy(b + l3 + 8, a1, 16);
		memcpy(b + l3 + 24, a2, 16);
		l4 = l3 + 40;
		if (s->v6ext) {
			b[l4] = proto;
			b[l4 + 1] = 0;
			memset(b + l4 + 2, 0, 6);
			l4 += 8;
		}
	} else if (s->ethertype == 0x0806) {
		put16(b + l3, 1);
		put16(b + l3 + 2, 0x0800);
		b[l3 + 4] = 6;
		b[l3 + 5] = 4;
		put16(b + l3 + 6, 1);
		return s->len;
	} else {
		return s->len;
	}
	if (proto == 17 || proto == 6) {
		put16(b + l4, s->sport);
		put16(b + l4 + 2, s->dport);
		if (proto == 6) {
			b[l4 + 12] = 0x50;
			b[l4 + 13] = s->tcpflags;
		} else {
			put16(b + l4 + 4, (uint16_t)(s->len - l4));
			memcpy(b + l4 + 8, "RCGN", 4);
		}
	} else if (proto == 1 || proto == 58) {
		b[l4] = s->icmptype;
		b[l4 + 1] = 0;
	}
	return s->len;
}

static void crafted(struct frames *f)
{
	static const uint16_t ports[] = { 80, 443, 4000, 5000, 5001, 5005, 5010, 6000, 5001, 53 };
	static const uint32_t sizes[] = { 60, 64, 100, 101, 199, 200, 201, 576, 1514, 1518, 3000,
					  4000, 8014, 9000, 9014, 9022 };
	static const uint8_t flags[] = { 0x02, 0x12, 0x10, 0x01, 0x11, 0x04, 0x00 };
	uint8_t *b = malloc(MAX_FRAME);
	uint32_t n = 0;

	if (!b)
		abort();
	for (int round = 0; round < 12; round++)
	for (int tags = 0; tags <= 2; tags++)
		for (int et = 0; et < 4; et++)
			for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
				/* every field drawn on its own (seeded), so that the
				 * combinations the filters ask for occur */
				struct spec s = {
					.ntags = tags,
					.tpid = tags == 2 ? (rnd() % 2 ? 0x88a8 : 0x9100) : 0x8100,
					.vid = { (uint16_t)(uint16_t[]){ 7, 100, 200 }[rnd() % 3],
						 (uint16_t)(rnd() % 2 ? 200 : 7) },
					.ethertype = et == 0 ? 0x0800 : et == 1 ? 0x86dd : et == 2 ? 0x0806 : 0x88cc,
					.proto = (uint8_t[]){ 17, 6, 1, 47 }[rnd() % 4],
					.ihl = 5 + (int)(rnd() % 4 == 0 ? rnd() % 11 : 0),
					.frag = (uint16_t)(rnd() % 4 == 0 ? 0x2000 | (rnd() % 3) :
							   rnd() % 3 == 0 ? 0x4000 : 0),
					.sport = ports[rnd() % 10],
					.dport = ports[rnd() % 10],
					.tcpflags = flags[rnd() % 7],
					.icmptype = (uint8_t)(rnd() % 2 ? 8 : 0),
					.ttl = (uint8_t)(rnd() % 3 ? 64 : 32),
					.v6ext = rnd() % 4 == 1,
					.bcast = rnd() % 13 == 0,
					.mcast = rnd() % 17 == 0,
					.src = rnd() % 2 ? 0xc6120001 : 0xc6130005,
					.dst = rnd() % 3 ? 0xc6120002 : 0xe0000001,
					.len = sizes[si],
				};

				if (et == 1)
					s.proto = (uint8_t[]){ 17, 6, 58, 47 }[rnd() % 4];
				n++;
				build(&s, b);
				add(f, b, s.len);
				/* the same frame cut short: headers end inside */
				for (uint32_t cut = 14; cut < 80 && cut < s.len; cut += 3 + n % 5)
					add(f, b, cut);
			}
	free(b);
}

/* Mutations of the crafted frames and random noise. */
static void random_frames(struct frames *f, size_t count)
{
	size_t base = f->n;
	uint8_t *b = malloc(MAX_FRAME);

	if (!b)
		abort();
	for (size_t i = 0; i < count; i++) {
		uint32_t len;

		if (i % 3 == 0) {
			static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8 };

			len = 14 + rnd() % (i % 30 == 0 ? 9000 : 1500);
			for (uint32_t j = 0; j < len; j++)
				b[j] = (uint8_t)rnd();
			if (rnd() % 4)
				put16(b + 12, types[rnd() % 5]);
			if (len > 18 && b[12] == 0x81 && rnd() % 2)
				put16(b + 16, types[rnd() % 3]);
			if (len > 14 && b[12] == 0x08 && b[13] == 0 && rnd() % 2)
				b[14] = (uint8_t)(0x40 | (rnd() % 16));
		} else {
			size_t src = rnd() % base;
			unsigned flips = 1 + rnd() % 4;

			len = f->len[src];
			memcpy(b, f->data[src], len);
			for (unsigned k = 0; k < flips && len > 14; k++) {
				/* mostly in the headers, where filters look */
				uint32_t at = 12 + rnd() % RC_MIN(len - 12, 70u);

				b[at] = rnd() % 3 ? (uint8_t)rnd() : (uint8_t)(b[at] ^ (1u << (rnd() % 8)));
			}
			if (rnd() % 8 == 0 && len > 15)
				len = 14 + rnd() % (len - 14);
		}
		add(f, b, len);
	}
	free(b);
}

static int load(const struct rc_xdp_filter_code *code, bool frags, char *log, size_t loglen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = frags ? BPF_F_XDP_HAS_FRAGS : 0,
		    .expected_attach_type = BPF_XDP, .log_buf = log, .log_size = (uint32_t)loglen,
		    .log_level = 1);
	int fd;

	log[0] = '\0';
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rc_filter_test", "Dual MIT/GPL",
			   code->insns, code->len, &o);
	return fd < 0 ? -errno : fd;
}

static void hexhead(const uint8_t *d, uint32_t len)
{
	for (uint32_t i = 0; i < len && i < 64; i++)
		fprintf(stderr, "%02x%s", d[i], i % 16 == 15 ? "\n    " : " ");
	fputc('\n', stderr);
}

/* One filter, both program variants, every frame.  Returns mismatches, or
 * -1 for a program that could not be made or loaded. */
static long check_filter(const char *expr, const struct frames *f, bool verbose, size_t *runs)
{
	struct bpf_program cbpf;
	char err[512], why[256];
	static char log[1 << 20];
	long bad = 0;
	int r;

	r = rc_filter_compile(expr, DLT_EN10MB, SNAPLEN, &cbpf, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "'%s': libpcap: %s\n", expr, err);
		return -1;
	}
	for (int frags = 0; frags <= 1; frags++) {
		struct rc_xdp_filter_target t = {
			.frags = frags, .tail_map_fd = -1,
			.accept_ret = XDP_PASS, .reject_ret = XDP_DROP,
		};
		struct rc_xdp_filter_code code;
		long bad_here = 0, matches = 0;
		int fd;

		r = rc_xdp_filter_translate(&cbpf, &t, &code, why, sizeof(why));
		if (r < 0) {
			fprintf(stderr, "'%s': not translated (%s): %s\n", expr, strerror(-r), why);
			pcap_freecode(&cbpf);
			return -1;
		}
		fd = load(&code, frags, log, sizeof(log));
		if (fd < 0) {
			size_t l = strlen(log);

			fprintf(stderr, "'%s'%s: the kernel refused the program (%s):\n%s\n", expr,
				frags ? " (frags)" : "", strerror(-fd),
				l > 4000 ? log + l - 4000 : log);
			rc_xdp_filter_code_free(&code);
			pcap_freecode(&cbpf);
			return -1;
		}
		for (size_t i = 0; i < f->n; i++) {
			bool want, got;

			if (!frags && f->len[i] > LINEAR_MAX)
				continue;
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data[i],
				    .data_size_in = f->len[i], .repeat = 1);
			want = bpf_filter(cbpf.bf_insns, f->data[i], f->len[i], f->len[i]) != 0;
			if (bpf_prog_test_run_opts(fd, &o) < 0) {
				fprintf(stderr, "'%s': BPF_PROG_TEST_RUN on a %u-byte frame: %s\n",
					expr, f->len[i], strerror(errno));
				bad_here++;
				continue;
			}
			(*runs)++;
			matches += want;
			got = o.retval == XDP_PASS;
			if (o.retval != XDP_PASS && o.retval != XDP_DROP) {
				fprintf(stderr, "'%s': the program returned %u\n", expr, o.retval);
				got = !want;
			}
			if (got != want) {
				if (bad_here < 3 || verbose) {
					fprintf(stderr, "'%s'%s: frame %zu (%u bytes): libpcap %s, eBPF %s\n    ",
						expr, frags ? " (frags)" : "", i, f->len[i],
						want ? "match" : "no match", got ? "match" : "no match");
					hexhead(f->data[i], f->len[i]);
				}
				bad_here++;
			}
		}
		if (verbose)
			printf("'%s'%s: %zu classic -> %zu eBPF instructions, %ld matches, "
			       "%ld disagreements\n", expr, frags ? " (frags)" : "",
			       (size_t)cbpf.bf_len, code.len, matches, bad_here);
		bad += bad_here;
		close(fd);
		rc_xdp_filter_code_free(&code);
	}
	pcap_freecode(&cbpf);
	return bad;
}

/* Filters no XDP program can evaluate, or only user space can. */
static int check_refusals(void)
{
	static const struct {
		const char *expr;
		int code;
	} cases[] = {
		{ "inbound", -EPROTONOSUPPORT },
		{ "outbound and udp", -EPROTONOSUPPORT },
		{ "ip6 protochain 6", -ENOTSUP },
		{ "ip protochain 17", -ENOTSUP },
	};
	struct rc_xdp_filter_target t = { .tail_map_fd = -1, .accept_ret = XDP_PASS,
					  .reject_ret = XDP_DROP };
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpf_program cbpf;
		struct rc_xdp_filter_code code;
		char err[512], why[256];
		int r;

		if (rc_filter_compile(cases[i].expr, DLT_EN10MB, SNAPLEN, &cbpf, err, sizeof(err)) < 0) {
			fprintf(stderr, "'%s': libpcap: %s\n", cases[i].expr, err);
			bad++;
			continue;
		}
		r = rc_xdp_filter_translate(&cbpf, &t, &code, why, sizeof(why));
		printf("'%s': refused (%s): %s\n", cases[i].expr, strerror(-r), why);
		if (r != cases[i].code) {
			fprintf(stderr, "'%s': expected %s, got %s\n", cases[i].expr,
				strerror(-cases[i].code), r ? strerror(-r) : "a translation");
			bad++;
		}
		rc_xdp_filter_code_free(&code);
		pcap_freecode(&cbpf);
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct frames f = { 0 };
	size_t nrandom = 20000, runs = 0, nfilters = 0;
	long bad = 0, failed = 0;
	bool verbose = false;
	int c;

	while ((c = getopt(argc, argv, "n:s:v")) != -1) {
		switch (c) {
		case 'n':
			nrandom = strtoul(optarg, NULL, 10);
			break;
		case 's':
			rng_state = strtoull(optarg, NULL, 10) | 1;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: xdpfilter_check [-n RANDOM_FRAMES] [-s SEED] [-v] [FILTER...]\n");
			return 2;
		}
	}
	{
		/* may this process load programs at all? */
		static const struct rc_kernel_bpf_insn ret0[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rc_probe", "Dual MIT/GPL", ret0, 2, NULL);

		if (fd < 0 && (errno == EPERM || errno == EACCES)) {
			printf("SKIP: may not load BPF programs (%s)\n", strerror(errno));
			return 77;
		}
		if (fd >= 0)
			close(fd);
	}
	crafted(&f);
	random_frames(&f, nrandom);
	printf("%zu frames (%zu crafted and cut, %zu random)\n", f.n, f.n - nrandom, nrandom);
	failed += check_refusals();
	for (int i = optind; i <= argc; i++) {
		const char *const *list = i < argc ? (const char *const *)&argv[i] : filters;
		size_t n = i < argc ? 1 : sizeof(filters) / sizeof(filters[0]);

		if (i == argc && optind < argc)
			break; /* filters given: only those */
		for (size_t k = 0; k < n; k++) {
			long b = check_filter(list[k], &f, verbose, &runs);

			nfilters++;
			if (b < 0)
				failed++;
			else
				bad += b;
		}
	}
	printf("%zu filters, %zu verdicts compared, %ld disagreements, %ld filters not run\n",
	       nfilters, runs, bad, failed);
	for (size_t i = 0; i < f.n; i++)
		free(f.data[i]);
	free(f.data);
	free(f.len);
	return bad || failed ? 1 : 0;
}
