/* SPDX-License-Identifier: MIT */
/*
 * pcap file sink: libpcap writes nanosecond pcap, rotated per rotate.h.
 */
#ifndef RC_SINK_PCAP_H
#define RC_SINK_PCAP_H

#include <stddef.h>

#include "../config/conf.h"
#include "sink.h"

/*
 * Open the first file now, so that a bad path fails before capture starts.
 * @dlt and @capture_snaplen describe the frames that will arrive.  On
 * failure returns -errno with a message naming the path in @err.
 */
int rc_pcap_sink_new(const struct rc_pcap_conf *conf, int dlt, unsigned capture_snaplen,
		     struct rc_sink **ret, char *err, size_t errlen);

#endif
