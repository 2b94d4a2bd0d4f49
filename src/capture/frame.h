/* SPDX-License-Identifier: MIT */
/*
 * Frame views and batches: what a source hands to the sinks.
 *
 * A frame view points into capture memory the source owns; it is valid only
 * while the batch's lease is held (see lease.h).  The header is libpcap's
 * own struct pcap_pkthdr so that the pcap sink passes it on untouched; its
 * ts.tv_usec field carries NANOseconds (the files are nanosecond pcap).
 * Where the memory behind a batch lies, for a sink that sends it as it is,
 * the batch's source tells (the export op, source.h).
 */
#ifndef RC_FRAME_H
#define RC_FRAME_H

#include <pcap/pcap.h>
#include <stdint.h>

struct rc_lease;

struct rc_frame {
	struct pcap_pkthdr h;  /* ts.tv_sec, ts.tv_usec = nanoseconds, caplen, len */
	const uint8_t *data;
};

struct rc_batch {
	struct rc_frame *frames;
	unsigned n;
	struct rc_lease *lease;  /* the memory behind every frame above */
	uint64_t bytes;          /* sum of h.len, for counters */
};

#endif
