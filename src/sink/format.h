/* SPDX-License-Identifier: MIT */
/*
 * Capture file formats: the bytes that start a file, the bytes that end
 * one, and the length of a record read back from its first bytes - the
 * parts of a format that are not on the per-frame path.  The records
 * themselves are laid out by the file sink (file.c), inline in its write
 * loop, with the constants below.
 *
 *   pcap    libpcap owns it: the file header comes from libpcap's own
 *           writer (pcap_dump_fopen on a dead handle), so magic, version,
 *           snaplen and link type are what tcpdump writes; records are
 *           pcap_dump()'s 16-byte header and the frame.
 *   pcapng  a section header block (shb_hardware, shb_os, shb_userappl),
 *           one interface description block per interface (if_name,
 *           if_description, if_tsresol, if_filter; link type, snaplen),
 *           enhanced packet blocks (epb_flags: direction and reception
 *           type; epb_dropcount), and at the end one interface statistics
 *           block per interface.
 *
 * Pure: no I/O besides asking libpcap for a header and reading the CPU's
 * name once.  Any thread.
 */
#ifndef RC_SINK_FORMAT_H
#define RC_SINK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"

/* One interface the frames come from: a pcapng interface block each. */
struct rc_file_iface {
	const char *name;        /* if_name */
	const char *desc;        /* if_description, or NULL */
	int dlt;                 /* libpcap link type */
};

#define RC_PCAP_FILE_HDR 24u
#define RC_PCAP_REC_HDR 16u

#define RC_NG_SHB 0x0A0D0D0Au
#define RC_NG_IDB 1u
#define RC_NG_ISB 5u
#define RC_NG_EPB 6u
#define RC_NG_EPB_HDR 28u        /* type, length, interface, ts high, ts low, caplen, len */
#define RC_NG_EPB_FLAGS 2
#define RC_NG_EPB_DROPCOUNT 4
#define RC_NG_ISB_LEN 100u       /* what rc_format_ng_isb() writes */
#define RC_NG_PAD(n) (((n) + 3u) & ~3u)

/* The pcap file header for link type @dlt: 24 bytes into @buf. */
int rc_format_pcap_head(int dlt, unsigned snaplen, bool micro, uint8_t *buf, char *err,
			size_t errlen);

/*
 * The pcapng section header block and an interface block for each of
 * @ifs[0..n), in a buffer of the caller's (free()).  @filter is what
 * made the file (if_filter), or NULL.
 */
int rc_format_ng_head(const struct rc_file_iface *ifs, unsigned n, unsigned snaplen, bool micro,
		      const char *filter, uint8_t **ret, size_t *ret_len, char *err,
		      size_t errlen);

/*
 * One interface statistics block (RC_NG_ISB_LEN bytes) into @buf: the
 * file's span @t0..@t1 (in the interface's time units), what the source
 * counted in that span (@d, or zeros when @d is NULL), and @usrdeliv, the
 * frames in the file.
 */
size_t rc_format_ng_isb(uint8_t *buf, uint32_t iface, uint64_t t0, uint64_t t1,
			const struct rc_sink_counters *d, uint64_t usrdeliv);

/* A record's length from its first 16 (pcap) / 8 (pcapng) bytes, and
 * whether it holds a frame; UINT64_MAX when it cannot be one. */
uint64_t rc_format_pcap_rec_len(const uint8_t *p, bool *ret_frame);
uint64_t rc_format_ng_rec_len(const uint8_t *p, bool *ret_frame);

#endif
