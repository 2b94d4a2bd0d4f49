// SPDX-License-Identifier: MIT
/*
 * Capture file formats: headers, trailers, record lengths; see format.h.
 */
#include "format.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../common/cleanup.h"

#ifndef RC_VERSION
#define RC_VERSION "0.1.0"
#endif

/* pcapng option codes (draft-ietf-opsawg-pcapng) */
#define NG_BYTE_ORDER 0x1A2B3C4Du
#define NG_SHB_HARDWARE 2
#define NG_SHB_OS 3
#define NG_SHB_USERAPPL 4
#define NG_IF_NAME 2
#define NG_IF_DESCRIPTION 3
#define NG_IF_TSRESOL 9
#define NG_IF_FILTER 11
#define NG_ISB_STARTTIME 2
#define NG_ISB_ENDTIME 3
#define NG_ISB_IFRECV 4
#define NG_ISB_IFDROP 5
#define NG_ISB_FILTERACCEPT 6
#define NG_ISB_USRDELIV 8

/* ---- pcap -------------------------------------------------------------------- */

int rc_format_pcap_head(int dlt, unsigned snaplen, bool micro, uint8_t *buf, char *err,
			size_t errlen)
{
	uint8_t tmp[64];
	pcap_dumper_t *d;
	pcap_t *pd;
	FILE *f;
	long n;

	pd = pcap_open_dead_with_tstamp_precision(dlt, (int)snaplen, micro ?
						  PCAP_TSTAMP_PRECISION_MICRO :
						  PCAP_TSTAMP_PRECISION_NANO);
	if (!pd) {
		snprintf(err, errlen, "libpcap cannot make a writer for link type %d", dlt);
		return -ENOMEM;
	}
	f = fmemopen(tmp, sizeof(tmp), "w");
	if (!f) {
		pcap_close(pd);
		return -errno;
	}
	setvbuf(f, NULL, _IONBF, 0);
	d = pcap_dump_fopen(pd, f);
	if (!d) {
		snprintf(err, errlen, "libpcap cannot write a file header: %s", pcap_geterr(pd));
		fclose(f);
		pcap_close(pd);
		return -EIO;
	}
	n = pcap_dump_ftell(d);
	pcap_dump_close(d);
	pcap_close(pd);
	if (n != RC_PCAP_FILE_HDR) {
		snprintf(err, errlen, "libpcap wrote a %ld-byte file header", n);
		return -EIO;
	}
	memcpy(buf, tmp, RC_PCAP_FILE_HDR);
	return 0;
}

uint64_t rc_format_pcap_rec_len(const uint8_t *p, bool *ret_frame)
{
	uint32_t caplen;

	memcpy(&caplen, p + 8, 4);
	*ret_frame = true;
	return RC_PCAP_REC_HDR + (uint64_t)caplen;
}

/* The link type a file states for libpcap's @dlt (they differ for a few,
 * DLT_RAW among them): libpcap's own mapping, read off its header. */
static int linktype_of(int dlt, char *err, size_t errlen)
{
	uint8_t buf[RC_PCAP_FILE_HDR];
	uint32_t lt;
	int r = rc_format_pcap_head(dlt, 65535, false, buf, err, errlen);

	if (r < 0)
		return r;
	memcpy(&lt, buf + 20, 4);
	return (int)(lt & 0xffff);
}

/* ---- pcapng ------------------------------------------------------------------- */

uint64_t rc_format_ng_rec_len(const uint8_t *p, bool *ret_frame)
{
	uint32_t type, len;

	memcpy(&type, p, 4);
	memcpy(&len, p + 4, 4);
	*ret_frame = type == RC_NG_EPB;
	/* a block is at least 12 bytes and a multiple of 4: anything else is
	 * not one of ours, and ends the walk */
	return len >= 12 && !(len & 3) ? len : UINT64_MAX;
}

/* A growing buffer for the blocks that start a file. */
struct blk {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void put(struct blk *b, const void *v, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = RC_MAX(b->cap * 2, b->len + n + 256);
		uint8_t *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void put32(struct blk *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put_opt(struct blk *b, uint16_t code, const void *v, size_t n)
{
	static const uint8_t zero[4];
	uint16_t hdr[2] = { code, (uint16_t)n };

	put(b, hdr, 4);
	put(b, v, n);
	put(b, zero, RC_NG_PAD(n) - n);
}

static void put_opt_str(struct blk *b, uint16_t code, const char *str)
{
	size_t n = str ? strlen(str) : 0;

	if (n)
		put_opt(b, code, str, RC_MIN(n, 65535u));
}

/* Start a block of @type; end_block() fills in its length. */
static size_t start_block(struct blk *b, uint32_t type)
{
	size_t start = b->len;

	put32(b, type);
	put32(b, 0);
	return start;
}

static void end_block(struct blk *b, size_t start)
{
	uint32_t len;

	put32(b, 0);  /* opt_endofopt */
	len = (uint32_t)(b->len - start + 4);
	put32(b, len);
	if (!b->oom)
		memcpy(b->p + start + 4, &len, 4);
}

/* The machine, for shb_hardware: the CPU's model name, else the architecture. */
static void hardware(char *buf, size_t len, const char *machine)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(buf, len, "%s", machine);
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			colon += 1 + strspn(colon + 1, " \t");
			colon[strcspn(colon, "\n")] = 0;
			snprintf(buf, len, "%s (%s)", colon, machine);
			break;
		}
	}
	if (f)
		fclose(f);
}

int rc_format_ng_head(const struct rc_file_iface *ifs, unsigned n, unsigned snaplen, bool micro,
		      const char *filter, uint8_t **ret, size_t *ret_len, char *err,
		      size_t errlen)
{
	struct blk b = { 0 };
	struct utsname u;
	char hw[256], os[256];
	uint64_t section_len = UINT64_MAX;   /* not given */
	uint8_t tsresol = micro ? 6 : 9;      /* 10^-6 or 10^-9 s */
	size_t start;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	hardware(hw, sizeof(hw), u.machine);
	snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	start = start_block(&b, RC_NG_SHB);
	put32(&b, NG_BYTE_ORDER);
	put(&b, (uint16_t[]){ 1, 0 }, 4);    /* version 1.0 */
	put(&b, &section_len, 8);
	put_opt_str(&b, NG_SHB_HARDWARE, hw);
	put_opt_str(&b, NG_SHB_OS, os);
	put_opt_str(&b, NG_SHB_USERAPPL, "ringcap " RC_VERSION);
	end_block(&b, start);

	for (unsigned i = 0; i < n; i++) {
		int lt = linktype_of(ifs[i].dlt, err, errlen);

		if (lt < 0) {
			free(b.p);
			return lt;
		}
		start = start_block(&b, RC_NG_IDB);
		put(&b, (uint16_t[]){ (uint16_t)lt, 0 }, 4);
		put32(&b, snaplen);
		put_opt_str(&b, NG_IF_NAME, ifs[i].name);
		put_opt_str(&b, NG_IF_DESCRIPTION, ifs[i].desc);
		put_opt(&b, NG_IF_TSRESOL, &tsresol, 1);
		if (filter && filter[0]) {
			/* type 0: a libpcap filter expression */
			size_t len = RC_MIN(strlen(filter), 65534u);
			uint8_t *v = malloc(len + 1);

			if (!v) {
				b.oom = true;
				break;
			}
			v[0] = 0;
			memcpy(v + 1, filter, len);
			put_opt(&b, NG_IF_FILTER, v, len + 1);
			free(v);
		}
		end_block(&b, start);
	}
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	*ret_len = b.len;
	return 0;
}

static uint8_t *opt64(uint8_t *p, uint16_t code, uint64_t v)
{
	uint16_t hdr[2] = { code, 8 };

	memcpy(p, hdr, 4);
	memcpy(p + 4, &v, 8);
	return p + 12;
}

/* A time option: two 32-bit words, high first, as in a packet block. */
static uint8_t *opt_time(uint8_t *p, uint16_t code, uint64_t t)
{
	uint16_t hdr[2] = { code, 8 };
	uint32_t v[2] = { (uint32_t)(t >> 32), (uint32_t)t };

	memcpy(p, hdr, 4);
	memcpy(p + 4, v, 8);
	return p + 12;
}

size_t rc_format_ng_isb(uint8_t *buf, uint32_t iface, uint64_t t0, uint64_t t1,
			const struct rc_sink_counters *d, uint64_t usrdeliv)
{
	static const struct rc_sink_counters none;
	uint32_t h[5] = { RC_NG_ISB, RC_NG_ISB_LEN, iface, (uint32_t)(t1 >> 32), (uint32_t)t1 };
	uint8_t *p = buf;

	if (!d)
		d = &none;
	memcpy(p, h, sizeof(h));
	p += sizeof(h);
	p = opt_time(p, NG_ISB_STARTTIME, t0);
	p = opt_time(p, NG_ISB_ENDTIME, t1);
	p = opt64(p, NG_ISB_IFRECV, d->ifrecv);
	p = opt64(p, NG_ISB_IFDROP, d->ifdrop);
	p = opt64(p, NG_ISB_FILTERACCEPT, d->filteraccept);
	p = opt64(p, NG_ISB_USRDELIV, usrdeliv);
	memset(p, 0, 4);              /* opt_endofopt */
	memcpy(p + 4, &h[1], 4);
	p += 8;
	return (size_t)(p - buf);
}
