// SPDX-License-Identifier: MIT
/*
 * Adapter timestamps; see tstamp.h.  Set-up only, on the owner's thread.
 */
#include "tstamp.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

const char *rc_tstamp_name(enum rc_tstamp_type type)
{
	switch (type) {
	case RC_TSTAMP_ADAPTER:
		return "adapter";
	case RC_TSTAMP_ADAPTER_UNSYNCED:
		return "adapter_unsynced";
	case RC_TSTAMP_HOST:
	default:
		return "host";
	}
}

int rc_tstamp_check(const struct ethtool_ts_info *info, enum rc_tstamp_type type,
		    const char *ifname, char *err, size_t errlen)
{
	unsigned want = type == RC_TSTAMP_ADAPTER ? SOF_TIMESTAMPING_SYS_HARDWARE :
						    SOF_TIMESTAMPING_RAW_HARDWARE;

	if (type == RC_TSTAMP_HOST)
		return 0;
	if (!(info->so_timestamping & (SOF_TIMESTAMPING_RAW_HARDWARE |
				       SOF_TIMESTAMPING_SYS_HARDWARE))) {
		snprintf(err, errlen, "-j %s: %s cannot stamp frames in hardware; its driver "
			 "offers software timestamps only (ethtool -T %s): use -j host",
			 rc_tstamp_name(type), ifname, ifname);
		return -EOPNOTSUPP;
	}
	if (!(info->so_timestamping & want)) {
		snprintf(err, errlen, "-j %s: %s stamps frames with its own clock only; use -j "
			 "%s", rc_tstamp_name(type), ifname,
			 type == RC_TSTAMP_ADAPTER ? "adapter_unsynced" : "adapter");
		return -EOPNOTSUPP;
	}
	if (!(info->so_timestamping & SOF_TIMESTAMPING_RX_HARDWARE) ||
	    !(info->rx_filters & (1u << HWTSTAMP_FILTER_ALL))) {
		snprintf(err, errlen, "-j %s: %s cannot stamp every frame it receives in "
			 "hardware (only some, such as PTP; ethtool -T %s): use -j host",
			 rc_tstamp_name(type), ifname, ifname);
		return -EOPNOTSUPP;
	}
	return 0;
}

int rc_tstamp_setup(int fd, const char *ifname, enum rc_tstamp_type type, char *err,
		    size_t errlen)
{
	struct ethtool_ts_info info = { .cmd = ETHTOOL_GET_TS_INFO };
	struct hwtstamp_config hw = { .tx_type = HWTSTAMP_TX_OFF,
				      .rx_filter = HWTSTAMP_FILTER_ALL };
	struct ifreq ifr = { 0 };
	int v, r;

	if (type == RC_TSTAMP_HOST)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
		if (errno == EOPNOTSUPP || errno == EINVAL)
			memset(&info, 0, sizeof(info));  /* it says nothing: it has nothing */
		else {
			r = -errno;
			snprintf(err, errlen, "-j %s: cannot ask %s for its timestamping: %s",
				 rc_tstamp_name(type), ifname, strerror(errno));
			return r;
		}
	}
	r = rc_tstamp_check(&info, type, ifname, err, errlen);
	if (r < 0)
		return r;
	ifr.ifr_data = (void *)&hw;
	if (ioctl(fd, SIOCSHWTSTAMP, &ifr) < 0) {
		r = -errno;
		snprintf(err, errlen, "-j %s: %s refused to stamp every frame (SIOCSHWTSTAMP): "
			 "%s%s", rc_tstamp_name(type), ifname, strerror(errno),
			 errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		return r;
	}
	v = type == RC_TSTAMP_ADAPTER ? SOF_TIMESTAMPING_SYS_HARDWARE :
					SOF_TIMESTAMPING_RAW_HARDWARE;
	if (setsockopt(fd, SOL_PACKET, PACKET_TIMESTAMP, &v, sizeof(v)) < 0) {
		r = -errno;
		snprintf(err, errlen, "-j %s: PACKET_TIMESTAMP on %s: %s", rc_tstamp_name(type),
			 ifname, strerror(errno));
		return r;
	}
	return 0;
}
