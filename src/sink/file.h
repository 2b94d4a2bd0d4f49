/* SPDX-License-Identifier: MIT */
/*
 * File sink: pcap or pcapng files, rotated per rotate.h.
 */
#ifndef RC_SINK_FILE_H
#define RC_SINK_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "../config/conf.h"
#include "format.h"
#include "sink.h"

/* What the frames handed to the sink are. */
struct rc_file_input {
	const struct rc_file_iface *ifaces;  /* rc_batch.iface indexes this */
	unsigned n_ifaces;                   /* pcap takes one */
	unsigned snaplen;                    /* the longest frame */
	const char *filter;                  /* the capture filter (if_filter), or NULL */
	bool packet_time;                    /* frames from a file (-r): rotation by
					      * time and strftime names follow
					      * the frames' timestamps */
};

/*
 * Make the sink; no I/O: the first file is opened by start(), on the
 * worker.  On failure returns -errno with a message in @err (a bad filter:
 * -EBADMSG with libpcap's text).
 */
int rc_file_sink_new(const struct rc_pcap_conf *conf, const struct rc_file_input *in,
		     struct rc_sink **ret, char *err, size_t errlen);

#endif
