// SPDX-License-Identifier: MIT
/*
 * Interfaces of a configuration, looked up in this network namespace; see
 * ifaces.h.
 */
#include "ifaces.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>
#include <string.h>

#include "../config/conf.h"
#include "../config/diag.h"

int rc_ifaces_check(const struct rc_config *c, struct rc_diag *diag)
{
	int r = 0;

	for (size_t i = 0; i < c->n_captures; i++) {
		const struct rc_capture_conf *cap = &c->captures[i];

		/* "any": every interface (afpacket) */
		if (!cap->iface || !strcmp(cap->iface, "any") || if_nametoindex(cap->iface))
			continue;
		if (errno == ENODEV || errno == ENXIO)
			rc_diag_add(diag, c->path, cap->iface_line, cap->iface_col,
				    "captures[%zu].interface: no such network interface '%s'", i,
				    cap->iface);
		else
			rc_diag_add(diag, c->path, cap->iface_line, cap->iface_col,
				    "captures[%zu].interface: cannot look up interface '%s': %s", i,
				    cap->iface, strerror(errno));
		r = -ENODEV;
	}
	return r;
}

int rc_link_packets(const char *ifname, uint64_t *ret)
{
	struct ifaddrs *all, *i;
	int r = -ENODEV;

	if (getifaddrs(&all) < 0)
		return -errno;
	for (i = all; i; i = i->ifa_next) {
		const struct rtnl_link_stats *st = i->ifa_data;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || !st ||
		    strcmp(i->ifa_name, ifname))
			continue;
		*ret = (uint64_t)st->rx_packets + st->tx_packets;
		r = 0;
		break;
	}
	freeifaddrs(all);
	return r;
}
