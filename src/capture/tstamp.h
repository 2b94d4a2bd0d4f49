/* SPDX-License-Identifier: MIT */
/*
 * Adapter timestamps (tcpdump's -j adapter / adapter_unsynced): whether an
 * interface can stamp every frame in hardware, and asking it to.
 *
 * The decision is a pure function of what the driver reports
 * (ETHTOOL_GET_TS_INFO), so that it is unit-tested without such a NIC:
 * the driver must stamp received frames (SOF_TIMESTAMPING_RAW_HARDWARE;
 * for "adapter", synchronized to the system clock, SYS_HARDWARE, which
 * today's drivers no longer offer) and must be able to stamp ALL of them
 * (HWTSTAMP_FILTER_ALL), not only PTP frames.  Then the NIC is told to
 * stamp everything (SIOCSHWTSTAMP, CAP_NET_ADMIN) and the socket to put
 * that stamp into the ring (PACKET_TIMESTAMP), as libpcap does.
 */
#ifndef RC_TSTAMP_H
#define RC_TSTAMP_H

#include <linux/ethtool.h>
#include <stddef.h>

#include "../config/conf.h"

/* Can @info's interface @ifname give @type stamps?  0, or -EOPNOTSUPP
 * with a message that says what it offers instead. */
int rc_tstamp_check(const struct ethtool_ts_info *info, enum rc_tstamp_type type,
		    const char *ifname, char *err, size_t errlen);

/* Ask socket @fd bound to @ifname for @type stamps (nothing for host):
 * ETHTOOL_GET_TS_INFO, rc_tstamp_check(), SIOCSHWTSTAMP, PACKET_TIMESTAMP.
 * -errno with a message in @err. */
int rc_tstamp_setup(int fd, const char *ifname, enum rc_tstamp_type type, char *err,
		    size_t errlen);

/* The name tcpdump gives @type. */
const char *rc_tstamp_name(enum rc_tstamp_type type);

#endif
