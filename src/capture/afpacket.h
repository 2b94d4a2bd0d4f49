/* SPDX-License-Identifier: MIT */
/*
 * AF_PACKET TPACKET_V3 capture source.
 */
#ifndef RC_AFPACKET_H
#define RC_AFPACKET_H

#include <stddef.h>
#include <stdint.h>

#include "../config/conf.h"
#include "source.h"

struct rc_fanout {
	uint16_t group_id;  /* 0 = let the kernel pick a unique one (written back) */
	uint16_t mode;      /* PACKET_FANOUT_* */
	uint16_t flags;     /* PACKET_FANOUT_FLAG_* */
};

/*
 * Open a capture on @c->iface: ring, filter, bind, optional fanout group.
 * On failure returns -errno and a message naming the failed step in @err:
 *   -ENODEV  no such interface        -EPERM  missing CAP_NET_RAW
 *   -EINVAL  bad filter (libpcap's text) or unsupported link type
 *   -ENOMEM  the kernel refused even the smallest ring
 */
int rc_afpacket_open(const struct rc_capture_conf *c, struct rc_fanout *fanout,
		     struct rc_source **ret, char *err, size_t errlen);

#endif
