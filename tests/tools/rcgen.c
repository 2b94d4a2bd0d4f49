/*
 * rcgen - deterministic test traffic generator for ringcap's tests.
 *
 * Sends raw Ethernet frames (optional 802.1Q tag, IPv4, UDP, payload
 * carrying the magic "RCGEN\0\0\1" and a 64-bit big-endian sequence
 * number) on one interface through an AF_PACKET SOCK_RAW socket, in
 * sendmmsg() batches, optionally paced.  Same arguments => same frames.
 * Single file, libc only.  Run with --help for usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX   64
#define VLAN_TAG    4
#define IP_HDR      20
#define UDP_HDR     8
#define MAGIC_LEN   8
#define SEQ_LEN     8
#define MIN_FRAME   60
#define MAX_FRAME   9014        /* a 9000-byte MTU (jumbo frames) */
#define MAX_PORTS   4096
#define SRC_PORT    4000
#define NSEC        1000000000ULL

static const uint8_t rc_magic[MAGIC_LEN] = { 'R', 'C', 'G', 'E', 'N', 0, 0, 1 };

static volatile sig_atomic_t stop_flag;

struct opts {
	const char *ifname;
	uint64_t count;
	int have_count;
	uint64_t pps;               /* 0 = unlimited */
	unsigned min_len, max_len;
	uint64_t seed;
	int vlan;                   /* -1 = untagged */
	uint16_t ports[MAX_PORTS];
	unsigned nports;
	uint8_t src_mac[6], dst_mac[6];
	uint64_t start_seq;
	double duration;            /* 0 = none */
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: rcgen -i IFACE -n COUNT [-r PPS] [-s MIN[-MAX]] [--seed N]\n"
	    "             [--vlan ID] [--ports P1,P2,...] [--src-mac MAC]\n"
	    "             [--dst-mac MAC] [--start-seq N] [--duration SECS]\n"
	    "\n"
	    "Send COUNT deterministic Ethernet/IPv4/UDP test frames on IFACE\n"
	    "(AF_PACKET raw socket, sendmmsg batches of up to %d).\n"
	    "\n"
	    "  -i, --interface IFACE  interface to send on (required)\n"
	    "  -n, --count COUNT      frames to send; 0 = unlimited (only with\n"
	    "                         --duration; -n may then be omitted)\n"
	    "  -r, --rate PPS         pace to about PPS frames/s (0 or absent =\n"
	    "                         as fast as possible)\n"
	    "  -s, --size MIN[-MAX]   frame length without FCS, tag included;\n"
	    "                         a range picks a seeded pseudo-random size\n"
	    "                         per frame (default 60; 60..9014, or\n"
	    "                         64..9018 with --vlan; over 1514\n"
	    "                         needs a jumbo MTU)\n"
	    "      --seed N           PRNG seed for sizes (default 1)\n"
	    "      --vlan ID          add an 802.1Q tag with VID ID (0..4094)\n"
	    "      --ports P1,P2,...  UDP destination ports, used in turn\n"
	    "                         (default 5000)\n"
	    "      --src-mac MAC      source MAC (default 02:00:00:00:00:01)\n"
	    "      --dst-mac MAC      destination MAC (default 02:00:00:00:00:02)\n"
	    "      --start-seq N      first sequence number (default 0)\n"
	    "      --duration SECS    stop after SECS seconds (decimals allowed)\n"
	    "  -h, --help             show this help\n"
	    "\n"
	    "Frame: dst,src MAC | [8100 tag] | IPv4 198.18.0.1 -> 198.18.0.2,\n"
	    "TTL 64 | UDP 4000 -> port | \"RCGEN\\0\\0\\1\" | seq (u64 BE) | filler.\n"
	    "Prints \"sent N frames, B bytes, R retries, T.TTT s\" at the end.\n"
	    "Exit: 0 ok, 1 send/socket error, 2 bad arguments.\n",
	    BATCH_MAX);
}

static _Noreturn void die_arg(const char *flag, const char *value, const char *why)
{
	fprintf(stderr, "rcgen: invalid value '%s' for %s: %s\n", value, flag, why);
	fprintf(stderr, "rcgen: try 'rcgen --help'\n");
	exit(2);
}

/* Strict unsigned decimal parse: whole string, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static uint64_t arg_u64(const char *flag, const char *s, uint64_t lo, uint64_t hi)
{
	uint64_t v;
	char why[96];

	if (parse_u64(s, &v) != 0)
		die_arg(flag, s, "not an unsigned decimal integer");
	if (v < lo || v > hi) {
		snprintf(why, sizeof why, "must be between %llu and %llu",
		    (unsigned long long)lo, (unsigned long long)hi);
		die_arg(flag, s, why);
	}
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void arg_mac(const char *flag, const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		die_arg(flag, s, "expected a MAC address like 02:00:00:00:00:01");
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			die_arg(flag, s,
			    "expected a MAC address like 02:00:00:00:00:01");
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
}

static void arg_ports(const char *flag, const char *s, struct opts *o)
{
	char buf[64];
	const char *p = s;

	o->nports = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == 0 || len >= sizeof buf)
			die_arg(flag, s, "expected a comma-separated list of ports 1..65535");
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (o->nports == MAX_PORTS)
			die_arg(flag, s, "too many ports (max 4096)");
		o->ports[o->nports++] = (uint16_t)arg_u64(flag, buf, 1, 65535);
		if (!comma)
			break;
		p = comma + 1;
	}
}

static void arg_size(const char *flag, const char *s, struct opts *o)
{
	char buf[64];
	const char *dash = strchr(s, '-');
	uint64_t lo = 0, hi = 0;

	if (strlen(s) >= sizeof buf)
		die_arg(flag, s, "expected SIZE or MIN-MAX");
	if (dash) {
		memcpy(buf, s, (size_t)(dash - s));
		buf[dash - s] = '\0';
		if (parse_u64(buf, &lo) != 0 || parse_u64(dash + 1, &hi) != 0)
			die_arg(flag, s, "expected SIZE or MIN-MAX (decimal)");
		if (lo > hi)
			die_arg(flag, s, "MIN is larger than MAX");
	} else {
		if (parse_u64(s, &lo) != 0)
			die_arg(flag, s, "expected SIZE or MIN-MAX (decimal)");
		hi = lo;
	}
	if (hi > 100000)
		die_arg(flag, s, "frame length too large");
	o->min_len = (unsigned)lo;
	o->max_len = (unsigned)hi;
}

static double arg_duration(const char *flag, const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(d > 0.0) || d > 1e9)
		die_arg(flag, s, "expected a positive number of seconds");
	return d;
}

enum { OPT_SEED = 256, OPT_VLAN, OPT_PORTS, OPT_SRCMAC, OPT_DSTMAC,
	OPT_STARTSEQ, OPT_DURATION };

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "src-mac", required_argument, NULL, OPT_SRCMAC },
		{ "dst-mac", required_argument, NULL, OPT_DSTMAC },
		{ "start-seq", required_argument, NULL, OPT_STARTSEQ },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ NULL, 0, NULL, 0 },
	};
	static const uint8_t def_src[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t def_dst[6] = { 2, 0, 0, 0, 0, 2 };
	int c, have_size = 0;
	unsigned lo, hi;

	memset(o, 0, sizeof *o);
	o->min_len = o->max_len = MIN_FRAME;
	o->seed = 1;
	o->vlan = -1;
	o->ports[0] = 5000;
	o->nports = 1;
	memcpy(o->src_mac, def_src, 6);
	memcpy(o->dst_mac, def_dst, 6);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:n:r:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (optarg[0] == '\0' || strlen(optarg) >= IFNAMSIZ)
				die_arg("-i", optarg, "not a valid interface name");
			o->ifname = optarg;
			break;
		case 'n':
			o->count = arg_u64("-n", optarg, 0, UINT64_MAX);
			o->have_count = 1;
			break;
		case 'r':
			o->pps = arg_u64("-r", optarg, 0, 1000000000ULL);
			break;
		case 's':
			arg_size("-s", optarg, o);
			have_size = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_SEED:
			o->seed = arg_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case OPT_VLAN:
			o->vlan = (int)arg_u64("--vlan", optarg, 0, 4094);
			break;
		case OPT_PORTS:
			arg_ports("--ports", optarg, o);
			break;
		case OPT_SRCMAC:
			arg_mac("--src-mac", optarg, o->src_mac);
			break;
		case OPT_DSTMAC:
			arg_mac("--dst-mac", optarg, o->dst_mac);
			break;
		case OPT_STARTSEQ:
			o->start_seq = arg_u64("--start-seq", optarg, 0, UINT64_MAX);
			break;
		case OPT_DURATION:
			o->duration = arg_duration("--duration", optarg);
			break;
		case ':':
			if (optopt)
				fprintf(stderr, "rcgen: option -%c needs a value\n", optopt);
			else
				fprintf(stderr, "rcgen: option %s needs a value\n",
				    argv[optind - 1]);
			fprintf(stderr, "rcgen: try 'rcgen --help'\n");
			exit(2);
		default:
			if (optopt)
				fprintf(stderr, "rcgen: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "rcgen: unknown option %s\n",
				    argv[optind - 1]);
			fprintf(stderr, "rcgen: try 'rcgen --help'\n");
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rcgen: unexpected argument '%s'\n", argv[optind]);
		fprintf(stderr, "rcgen: try 'rcgen --help'\n");
		exit(2);
	}
	if (!o->ifname) {
		fprintf(stderr, "rcgen: missing required option -i IFACE\n");
		exit(2);
	}
	if (!o->have_count && o->duration == 0.0) {
		fprintf(stderr, "rcgen: missing required option -n COUNT "
		    "(or --duration SECS)\n");
		exit(2);
	}
	if (o->count == 0 && o->duration == 0.0) {
		fprintf(stderr, "rcgen: invalid value '0' for -n: "
		    "COUNT 0 (unlimited) needs --duration\n");
		exit(2);
	}
	lo = MIN_FRAME + (o->vlan >= 0 ? VLAN_TAG : 0);
	hi = MAX_FRAME + (o->vlan >= 0 ? VLAN_TAG : 0);
	if (o->min_len < lo || o->max_len > hi) {
		char why[96], val[48];

		snprintf(why, sizeof why, "frame length must be within %u..%u%s",
		    lo, hi, o->vlan >= 0 ? " with --vlan" : "");
		if (o->min_len == o->max_len)
			snprintf(val, sizeof val, "%u", o->min_len);
		else
			snprintf(val, sizeof val, "%u-%u", o->min_len, o->max_len);
		die_arg(have_size ? "-s" : "-s (default)", val, why);
	}
}

/* xorshift64* with a splitmix-style scrambled seed (seed 0 is fine). */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	rng_state = z ? z : 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi] (rejection sampling, no modulo bias). */
static unsigned rng_range(unsigned lo, unsigned hi)
{
	uint64_t span = (uint64_t)hi - lo + 1, limit, r;

	if (span == 1)
		return lo;
	limit = UINT64_MAX - UINT64_MAX % span;
	do
		r = rng_next();
	while (r >= limit);
	return lo + (unsigned)(r % span);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline / NSEC);
	ts.tv_nsec = (long)(deadline % NSEC);
	while (!stop_flag &&
	    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Build one frame of length len into buf.  Header layout is fixed; only
 * lengths, IP id/checksum, UDP destination port, sequence number and the
 * filler vary.  Filler byte at payload offset k (k >= 16) is
 * ((seq * 0x9E3779B97F4A7C15) >> (8 * (k % 8))) ^ k, truncated to 8 bits.
 */
static void build_frame(uint8_t *buf, unsigned len, const struct opts *o,
    uint64_t seq, uint16_t dport)
{
	unsigned off = 0, ip_len, udp_len, plen;
	uint8_t *ip, *udp, *pl;
	uint64_t h = seq * 0x9E3779B97F4A7C15ULL;

	memcpy(buf, o->dst_mac, 6);
	memcpy(buf + 6, o->src_mac, 6);
	off = 12;
	if (o->vlan >= 0) {
		put16(buf + off, 0x8100);
		put16(buf + off + 2, (uint16_t)o->vlan);   /* PCP 0, DEI 0 */
		off += VLAN_TAG;
	}
	put16(buf + off, 0x0800);
	off += 2;

	ip = buf + off;
	ip_len = len - off;
	udp_len = ip_len - IP_HDR;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, (uint16_t)seq);                      /* id */
	put16(ip + 6, 0x4000);                             /* DF */
	ip[8] = 64;
	ip[9] = 17;
	put16(ip + 10, 0);
	ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1;
	ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 2;
	put16(ip + 10, ip_checksum(ip, IP_HDR));

	udp = ip + IP_HDR;
	put16(udp, SRC_PORT);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);

	pl = udp + UDP_HDR;
	plen = udp_len - UDP_HDR;
	memcpy(pl, rc_magic, MAGIC_LEN);
	for (int i = 0; i < 8; i++)
		pl[MAGIC_LEN + i] = (uint8_t)(seq >> (56 - 8 * i));
	for (unsigned k = MAGIC_LEN + SEQ_LEN; k < plen; k++)
		pl[k] = (uint8_t)((h >> (8 * (k & 7))) ^ k);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int main(int argc, char **argv)
{
	static struct opts o;
	static uint8_t frames[BATCH_MAX][MAX_FRAME + VLAN_TAG];
	struct iovec iov[BATCH_MAX];
	struct mmsghdr msgs[BATCH_MAX];
	struct sockaddr_ll sll;
	struct sigaction sa;
	unsigned ifindex, batch_max = BATCH_MAX;
	uint64_t sent = 0, bytes = 0, retries = 0, seq, t0, t_end = 0;
	int fd, rc = 0;

	parse_args(argc, argv, &o);

	/*
	 * Stay on one CPU.  A veth hands each frame to the backlog of the CPU
	 * that sent it; a sender that migrates leaves frames in one CPU's
	 * backlog while later ones go through another's, and they can overtake
	 * each other.  Sequence-numbered traffic must not be reordered by its
	 * own generator.
	 */
	{
		cpu_set_t set;
		int cpu = sched_getcpu();

		CPU_ZERO(&set);
		if (cpu >= 0) {
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0)
				fprintf(stderr, "rcgen: cannot stay on CPU %d: %s\n", cpu, strerror(errno));
		}
	}

	ifindex = if_nametoindex(o.ifname);
	if (ifindex == 0)
		die_arg("-i", o.ifname, strerror(errno));

	/* protocol 0: send-only socket, never queues received frames */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "rcgen: socket(AF_PACKET, SOCK_RAW): %s (%s)\n",
		    strerror(errno), strerrorname_np(errno) ? strerrorname_np(errno) : "?");
		return 1;
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		fprintf(stderr, "rcgen: bind to %s: %s (%s)\n", o.ifname,
		    strerror(errno), strerrorname_np(errno) ? strerrorname_np(errno) : "?");
		close(fd);
		return 1;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;                /* no SA_RESTART: interrupt blocking send */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Under pacing keep batches to about 1 ms worth of frames. */
	if (o.pps > 0) {
		uint64_t b = o.pps / 1000;

		batch_max = b < 1 ? 1 : b > BATCH_MAX ? BATCH_MAX : (unsigned)b;
	}

	rng_seed(o.seed);
	seq = o.start_seq;
	t0 = now_ns();
	if (o.duration > 0.0)
		t_end = t0 + (uint64_t)(o.duration * 1e9);

	while (!stop_flag) {
		unsigned n = batch_max, done = 0;

		if (o.count != 0) {
			if (sent >= o.count)
				break;
			if (o.count - sent < n)
				n = (unsigned)(o.count - sent);
		}
		if (o.pps > 0) {
			/* absolute deadline of this batch's first frame */
			uint64_t dl = t0 + sent / o.pps * NSEC +
			    sent % o.pps * NSEC / o.pps;

			if (t_end && dl > t_end)
				dl = t_end;
			sleep_until(dl);
			if (stop_flag)
				break;
		}
		if (t_end && now_ns() >= t_end)
			break;

		for (unsigned i = 0; i < n; i++) {
			unsigned len = rng_range(o.min_len, o.max_len);
			uint16_t port = o.ports[(sent + i) % o.nports];

			build_frame(frames[i], len, &o, seq + i, port);
			iov[i].iov_base = frames[i];
			iov[i].iov_len = len;
			memset(&msgs[i], 0, sizeof msgs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}

		while (done < n) {
			int r = sendmmsg(fd, msgs + done, n - done, 0);

			if (r > 0) {
				for (int i = 0; i < r; i++)
					bytes += iov[done + (unsigned)i].iov_len;
				done += (unsigned)r;
				/*
				 * A short count means the next frame failed
				 * (the kernel reports the error only when no
				 * frame went out); resending the remainder is
				 * a retry too.
				 */
				if (done < n)
					retries++;
				continue;
			}
			if (r == 0)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN) {
				retries++;
				if (retries % 16 == 0) {
					struct timespec ts = { 0, 50000 };

					nanosleep(&ts, NULL);
				}
				continue;
			}
			if (errno == EINTR) {
				if (stop_flag)
					break;
				continue;
			}
			fprintf(stderr, "rcgen: sendmmsg on %s after %llu frames: "
			    "%s (%s)\n", o.ifname, (unsigned long long)(sent + done),
			    strerror(errno),
			    strerrorname_np(errno) ? strerrorname_np(errno) : "?");
			rc = 1;
			break;
		}
		sent += done;
		seq += done;
		if (rc != 0 || done < n)
			break;
	}

	printf("sent %llu frames, %llu bytes, %llu retries, %.3f s\n",
	    (unsigned long long)sent, (unsigned long long)bytes,
	    (unsigned long long)retries, (double)(now_ns() - t0) / 1e9);
	fflush(stdout);
	close(fd);
	return rc;
}
