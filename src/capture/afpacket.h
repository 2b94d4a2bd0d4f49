/* SPDX-License-Identifier: MIT */
/*
 * AF_PACKET TPACKET_V3 capture source.
 */
#ifndef RC_AFPACKET_H
#define RC_AFPACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/conf.h"
#include "source.h"

/*
 * A PACKET_FANOUT group shared by the sockets of one capture.  The first
 * socket has the kernel choose an id nobody else uses and writes it back;
 * 0 is a valid id (the kernel's counter starts at 0 at boot), so whether
 * the group exists is @joined, never the id.
 */
struct rc_fanout {
	uint16_t group_id;  /* valid once @joined */
	uint16_t mode;      /* PACKET_FANOUT_* */
	uint16_t flags;     /* PACKET_FANOUT_FLAG_* */
	bool joined;        /* a socket of ours made the group */
};

/*
 * Open a capture on @c->iface: ring, filter, bind, optional fanout group.
 * A member of a fanout group is returned taking no frames at all (a
 * drop-everything filter): once every member has joined, the caller arms
 * each one with ops->set_filter(), so that no frame reaches a socket
 * outside the group and the capture starts on all members together.
 * On failure returns -errno and a message naming the failed step in @err:
 *   -ENODEV  no such interface        -EPERM  missing CAP_NET_RAW
 *   -EINVAL  bad filter (libpcap's text) or unsupported link type
 *   -ENOMEM  the kernel refused even the smallest ring
 */
int rc_afpacket_open(const struct rc_capture_conf *c, struct rc_fanout *fanout,
		     struct rc_source **ret, char *err, size_t errlen);

/*
 * A socket that only counts the frames a capture's socket on @ifname
 * would take: those its kernel filter @expr accepts, on loopback not the
 * outgoing copies; every frame (*@every true) for no filter, or one the
 * kernel cannot run.  It has no ring and the smallest receive buffer, so
 * the kernel counts and then drops nearly all of them; @promisc keeps the
 * interface promiscuous while it is open.  A restart's gap is measured
 * with it: the frames that pass a capture's sockets reach it in the same
 * pass, so its count and theirs can be compared at any moment, which the
 * link's counters (bumped when a frame is sent, before the receive path
 * runs) cannot.  Returns the descriptor, or -errno with a message in @err.
 */
int rc_afpacket_counter_open(const char *ifname, const char *expr, int dlt, bool promisc,
			     bool *every, char *err, size_t errlen);

/* Add to *@ret the frames counted since the last call (or the open). */
int rc_afpacket_counted(int fd, uint64_t *ret);

#endif
