// SPDX-License-Identifier: MIT
/*
 * `ringcap -D`: the interfaces, in tcpdump -D's order and with its numbers
 * (libpcap's pcap_findalldevs() list, which puts loopback, down interfaces
 * and pseudo-devices such as nflog later; -i N picks the N-th), with
 * what ringcap can do on each: its state, the link type a capture would
 * record (or why it cannot capture there), its RX queues (the AF_XDP
 * backend's workers), its XDP modes and whether AF_XDP can bind zero-copy
 * (the kernel's netdev netlink family, xdp-features, where the kernel has
 * it), and the timestamps it offers (-j).
 *
 * Read-only: nothing is attached, nothing configured.  An entry of that
 * list that is no network interface (nflog, dbus-system, ...) keeps its
 * number, and says ringcap cannot capture there.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <net/if_arp.h>
#include <linux/net_tstamp.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "cli.h"

/* The kernel's "netdev" generic netlink family (linux/netdev.h, 6.3+),
 * which Debian 12's headers do not have yet. */
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_BASIC (1u << 0)
#define NETDEV_XDP_ACT_REDIRECT (1u << 1)
#define NETDEV_XDP_ACT_XSK_ZEROCOPY (1u << 3)

struct nlreq {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void add_attr(struct nlreq *q, uint16_t type, const void *v, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)q + NLMSG_ALIGN(q->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, v, len);
	q->nh.nlmsg_len = NLMSG_ALIGN(q->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Send @q and find attribute @want in the answer's top level: its value
 * (at most @len bytes) into @ret.  1 found, 0 not there, -errno. */
static int ask(int fd, struct nlreq *q, uint16_t want, void *ret, size_t len)
{
	char buf[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;

	if (send(fd, q, q->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EPROTO;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -ENOENT;
	}
	{
		char *p = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
		char *end = (char *)nh + nh->nlmsg_len;

		while (p + NLA_HDRLEN <= end) {
			struct nlattr *a = (struct nlattr *)p;

			if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == want) {
				memset(ret, 0, len);
				memcpy(ret, p + NLA_HDRLEN,
				       RC_MIN(len, (size_t)(a->nla_len - NLA_HDRLEN)));
				return 1;
			}
			p += NLA_ALIGN(a->nla_len);
		}
	}
	return 0;
}

/* The netdev family's id, or 0 when this kernel has none. */
static uint16_t netdev_family(int fd)
{
	struct nlreq q = { .nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
				   .nlmsg_type = GENL_ID_CTRL, .nlmsg_flags = NLM_F_REQUEST },
			   .gh = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 } };
	uint16_t id = 0;

	add_attr(&q, CTRL_ATTR_FAMILY_NAME, "netdev", 7);
	return ask(fd, &q, CTRL_ATTR_FAMILY_ID, &id, sizeof(id)) == 1 ? id : 0;
}

/* xdp-features of @ifindex: 1 and *ret, 0 unknown. */
static int xdp_features(int fd, uint16_t family, int ifindex, uint64_t *ret)
{
	struct nlreq q = { .nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = family,
				   .nlmsg_flags = NLM_F_REQUEST },
			   .gh = { .cmd = NETDEV_CMD_DEV_GET, .version = 1 } };
	uint32_t idx = (uint32_t)ifindex;

	if (!family)
		return 0;
	add_attr(&q, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	return ask(fd, &q, NETDEV_A_DEV_XDP_FEATURES, ret, sizeof(*ret)) == 1;
}

static unsigned rx_queues(const char *name)
{
	char path[64 + IF_NAMESIZE];
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "rx-", 3);
	closedir(d);
	return n;
}

/* What a capture records there, or why it cannot capture there. */
static const char *link_type(int fd, const char *name, bool *ret_ether)
{
	struct ifreq ifr = { 0 };

	*ret_ether = false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return "link type unknown";
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
		*ret_ether = true;
		return "EN10MB (Ethernet)";
	case ARPHRD_LOOPBACK:
		return "EN10MB (loopback)";
	case ARPHRD_NONE:
		return "RAW (raw IP)";
	default:
		return NULL;
	}
}

/* Hardware timestamps for every received frame (-j adapter_unsynced)? */
static bool adapter_stamps(int fd, const char *name)
{
	struct ethtool_ts_info info = { .cmd = ETHTOOL_GET_TS_INFO };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&info;
	return ioctl(fd, SIOCETHTOOL, &ifr) == 0 &&
	       (info.so_timestamping & SOF_TIMESTAMPING_RAW_HARDWARE) &&
	       (info.rx_filters & (1u << HWTSTAMP_FILTER_ALL));
}

/* pcap_findalldevs(): tcpdump's list.  Its message in @err on failure. */
static int find_all(pcap_if_t **ret, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";

	if (pcap_findalldevs(ret, ebuf) < 0) {
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : "pcap_findalldevs failed");
		return -EIO;
	}
	return 0;
}

int rc_cli_iface_names(char ***ret, size_t *ret_n, char *err, size_t errlen)
{
	pcap_if_t *all, *d;
	char **v;
	size_t n = 0, k = 0;
	int r = find_all(&all, err, errlen);

	if (r < 0)
		return r;
	for (d = all; d; d = d->next)
		n++;
	v = calloc(n ? n : 1, sizeof(*v));
	for (d = all; v && d; d = d->next) {
		v[k] = strdup(d->name);
		if (!v[k])
			break;
		k++;
	}
	pcap_freealldevs(all);
	if (!v || k < n) {
		for (size_t i = 0; v && i < k; i++)
			free(v[i]);
		free(v);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* One network interface: its state and what ringcap can do there. */
static void list_netdev(int fd, int nl, uint16_t family, const char *name, unsigned ifindex)
{
	struct ifreq ifr = { 0 };
	const char *lt;
	unsigned q = rx_queues(name);
	uint64_t xf = 0;
	bool ether, known;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	printf("[%s%s%s]", ifr.ifr_flags & IFF_UP ? "Up" : "Down",
	       ifr.ifr_flags & IFF_RUNNING ? ", Running" : "",
	       ifr.ifr_flags & IFF_LOOPBACK ? ", Loopback" : "");
	lt = link_type(fd, name, &ether);
	if (!lt) {
		printf(" link type not capturable by ringcap\n");
		return;
	}
	printf(" %s, %u RX queue%s", lt, q, q == 1 ? "" : "s");
	known = nl >= 0 && xdp_features(nl, family, (int)ifindex, &xf);
	if (!ether)
		printf(", no XDP capture (Ethernet only)");
	else if (!known)
		printf(", XDP: skb (native: unknown, no xdp-features)");
	else
		printf(", XDP: %sskb, AF_XDP %s",
		       (xf & (NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT)) ==
				       (NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT) ?
			       "native, " : "",
		       xf & NETDEV_XDP_ACT_XSK_ZEROCOPY ? "zero-copy" : "copy mode");
	printf(", timestamps: host%s\n", adapter_stamps(fd, name) ? ", adapter_unsynced" : "");
}

int rc_cli_list_ifaces(void)
{
	struct timeval tv = { 1, 0 };
	char err[PCAP_ERRBUF_SIZE + 64];
	pcap_if_t *all = NULL, *d;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	uint16_t family = 0;
	unsigned k = 0;

	if (fd < 0 || find_all(&all, err, sizeof(err)) < 0) {
		log_err("cannot list the interfaces: %s", fd < 0 ? strerror(errno) : err);
		if (fd >= 0)
			close(fd);
		if (nl >= 0)
			close(nl);
		return RC_EXIT_FAILURE;
	}
	if (nl >= 0) {
		setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		family = netdev_family(nl);
	}
	for (d = all; d; d = d->next) {
		unsigned idx = if_nametoindex(d->name);

		printf("%u.%s ", ++k, d->name);
		if (!strcmp(d->name, "any"))
			printf("[Up, Running] every interface: LINUX_SLL2 (interface and direction "
			       "per frame), timestamps: host\n");
		else if (idx)
			list_netdev(fd, nl, family, d->name, idx);
		else
			printf("(%s) not capturable by ringcap (not a network interface)\n",
			       d->description ? d->description : "no description");
	}
	pcap_freealldevs(all);
	close(fd);
	if (nl >= 0)
		close(nl);
	return RC_EXIT_OK;
}
