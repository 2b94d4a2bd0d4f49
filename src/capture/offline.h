/* SPDX-License-Identifier: MIT */
/*
 * Frames from a pcap or pcapng file (-r); see offline.c.
 */
#ifndef RC_OFFLINE_H
#define RC_OFFLINE_H

#include <stddef.h>

#include "../config/conf.h"
#include "source.h"

/*
 * Open @c->read_file ("-": standard input) and compile @c->filter for its
 * link type.  The source's frames carry the file's timestamps
 * (packet_time).  -errno with a message naming the file in @err; a bad
 * filter is -EBADMSG with libpcap's text.
 */
int rc_offline_open(const struct rc_capture_conf *c, struct rc_source **ret, char *err,
		    size_t errlen);

#endif
