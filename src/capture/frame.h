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
 *
 * @dir is the frame's direction and how it was addressed, as far as the
 * source knows (AF_PACKET's sll_pkttype; AF_XDP sees only what arrives),
 * in the bits the pcapng EPB flags word uses for them: 0 when unknown.
 */
#ifndef RC_FRAME_H
#define RC_FRAME_H

#include <pcap/pcap.h>
#include <stdint.h>

struct rc_lease;

/* rc_frame.dir: direction (bits 0-1) and reception type (bits 2-4) */
enum {
	RC_DIR_IN = 1,
	RC_DIR_OUT = 2,
	RC_RX_UNICAST = 1 << 2,
	RC_RX_MULTICAST = 2 << 2,
	RC_RX_BROADCAST = 3 << 2,
	RC_RX_PROMISC = 4 << 2,
};

struct rc_frame {
	struct pcap_pkthdr h;  /* ts.tv_sec, ts.tv_usec = nanoseconds, caplen, len */
	const uint8_t *data;
	uint8_t dir;           /* RC_DIR_* | RC_RX_*, 0 = not known */
};

struct rc_batch {
	struct rc_frame *frames;
	unsigned n;
	struct rc_lease *lease;  /* the memory behind every frame above */
	uint64_t bytes;          /* sum of h.len, for counters */
	/* Which of the source's interfaces (rc_source.ifaces) every frame of
	 * the batch came from: a batch never mixes interfaces. */
	unsigned iface;
	/* The kernel dropped @drops frames (ring full) just before frame
	 * @drops_at, as far as it says (0: nothing known). */
	unsigned drops_at;
	uint64_t drops;
};

#endif
