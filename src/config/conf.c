// SPDX-License-Identifier: MIT
/*
 * Cross-field rules for capture configuration, shared by CLI and daemon.
 */
#include "conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void rc_capture_conf_init(struct rc_capture_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->backend = RC_BACKEND_AFPACKET;
	c->snaplen = RC_SNAPLEN_DEFAULT;
	c->promisc = true;
	c->ring.block_size = RC_BLOCK_SIZE_DEFAULT;
	c->ring.block_nr = (uint32_t)(RC_RING_SIZE_DEFAULT / RC_BLOCK_SIZE_DEFAULT);
	c->ring.frame_size = RC_FRAME_SIZE_DEFAULT;
	c->ring.retire_tov_ms = RC_RETIRE_TOV_DEFAULT_MS;
	c->workers = 1;
	c->fanout = RC_FANOUT_HASH;
	c->xdp.frame_size = RC_XDP_FRAME_SIZE_DEFAULT;
	c->xdp.frame_count = RC_XDP_FRAME_COUNT_DEFAULT;
	c->xdp.ring_size = RC_XDP_RING_SIZE_DEFAULT;
	c->xdp.mode = RC_XDP_MODE_AUTO;
}

void rc_pcap_conf_clear(struct rc_pcap_conf *p)
{
	free(p->path);
	free(p->filter);
	memset(p, 0, sizeof(*p));
}

enum rc_file_format rc_file_format_of(const struct rc_pcap_conf *p)
{
	size_t n;

	if (p->format != RC_FORMAT_AUTO)
		return p->format;
	n = p->path ? strlen(p->path) : 0;
	if (n >= 7 && !strcasecmp(p->path + n - 7, ".pcapng"))
		return RC_FORMAT_PCAPNG;
	return RC_FORMAT_PCAP;
}

const char *rc_file_format_name(enum rc_file_format f)
{
	return f == RC_FORMAT_PCAPNG ? "pcapng" : f == RC_FORMAT_PCAP ? "pcap" : "auto";
}

int rc_file_format_parse(const char *s, enum rc_file_format *ret)
{
	if (!strcmp(s, "pcap"))
		*ret = RC_FORMAT_PCAP;
	else if (!strcmp(s, "pcapng"))
		*ret = RC_FORMAT_PCAPNG;
	else
		return -EINVAL;
	return 0;
}

const char *rc_io_mode_name(enum rc_io_mode m)
{
	return m == RC_IO_DIRECT ? "direct" : m == RC_IO_BUFFERED ? "buffered" : "auto";
}

int rc_io_mode_parse(const char *s, enum rc_io_mode *ret)
{
	if (!strcmp(s, "auto"))
		*ret = RC_IO_AUTO;
	else if (!strcmp(s, "direct"))
		*ret = RC_IO_DIRECT;
	else if (!strcmp(s, "buffered"))
		*ret = RC_IO_BUFFERED;
	else
		return -EINVAL;
	return 0;
}

void rc_rdma_conf_clear(struct rc_rdma_conf *r)
{
	free(r->peer);
	free(r->device);
	memset(r, 0, sizeof(*r));
}

int rc_peer_split(const char *peer, char *host, size_t hostlen, char *port, size_t portlen,
		  char *err, size_t errlen)
{
	const char *p = peer, *colon, *h = NULL;
	size_t hl = 0;
	char *end;
	unsigned long v;

	if (!strncmp(p, "rdma://", 7))
		p += 7;
	if (*p == '[') {
		const char *close = strchr(p, ']');

		if (!close || close[1] != ':')
			goto bad;
		h = p + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(p, ':');
		if (!colon || strchr(p, ':') != colon)
			goto bad;
		h = p;
		hl = (size_t)(colon - p);
	}
	if (!hl || hl >= hostlen)
		goto bad;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || v == 0 || v > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		goto bad;
	memcpy(host, h, hl);
	host[hl] = 0;
	snprintf(port, portlen, "%lu", v);
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not ADDR:PORT (a port 1..65535; IPv6 as [ADDR]:PORT)",
		 peer);
	return -EINVAL;
}

void rc_capture_conf_clear(struct rc_capture_conf *c)
{
	free(c->name);
	free(c->iface);
	for (size_t i = 0; i < c->n_ifaces; i++)
		free(c->ifaces[i]);
	free(c->ifaces);
	free(c->read_file);
	free(c->filter);
	for (size_t i = 0; i < c->n_pcaps; i++)
		rc_pcap_conf_clear(&c->pcaps[i]);
	free(c->pcaps);
	for (size_t i = 0; i < c->n_rdmas; i++)
		rc_rdma_conf_clear(&c->rdmas[i]);
	free(c->rdmas);
	memset(c, 0, sizeof(*c));
}

static bool str_eq(const char *a, const char *b)
{
	return (!a || !*a) ? (!b || !*b) : (b && !strcmp(a, b));
}

static bool pcap_conf_equal(const struct rc_pcap_conf *a, const struct rc_pcap_conf *b)
{
	return str_eq(a->path, b->path) && str_eq(a->filter, b->filter) &&
	       a->file_mode == b->file_mode && a->snaplen == b->snaplen &&
	       rc_file_format_of(a) == rc_file_format_of(b) && a->ts_micro == b->ts_micro &&
	       a->io == b->io &&
	       a->stop_size == b->stop_size && a->stop_files == b->stop_files &&
	       !memcmp(&a->rotate, &b->rotate, sizeof(a->rotate));
}

static bool rdma_conf_equal(const struct rc_rdma_conf *a, const struct rc_rdma_conf *b)
{
	return str_eq(a->peer, b->peer) && str_eq(a->device, b->device) &&
	       a->slots == b->slots && a->policy == b->policy &&
	       a->hold_blocks == b->hold_blocks;
}

bool rc_capture_conf_equal(const struct rc_capture_conf *a, const struct rc_capture_conf *b,
			   bool ignore_filter)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->iface, b->iface) ||
	    a->backend != b->backend || a->snaplen != b->snaplen ||
	    a->promisc != b->promisc || a->tstamp != b->tstamp ||
	    !str_eq(a->read_file, b->read_file) ||
	    memcmp(&a->ring, &b->ring, sizeof(a->ring)) ||
	    memcmp(&a->xdp, &b->xdp, sizeof(a->xdp)) ||
	    a->workers != b->workers || a->fanout != b->fanout ||
	    a->fanout_defrag != b->fanout_defrag || a->fanout_rollover != b->fanout_rollover ||
	    a->n_pcaps != b->n_pcaps || a->n_rdmas != b->n_rdmas)
		return false;
	if (!ignore_filter && !str_eq(a->filter, b->filter))
		return false;
	if (a->n_ifaces != b->n_ifaces)
		return false;
	for (size_t i = 0; i < a->n_ifaces; i++)
		if (!str_eq(a->ifaces[i], b->ifaces[i]))
			return false;
	for (size_t i = 0; i < a->n_pcaps; i++)
		if (!pcap_conf_equal(&a->pcaps[i], &b->pcaps[i]))
			return false;
	for (size_t i = 0; i < a->n_rdmas; i++)
		if (!rdma_conf_equal(&a->rdmas[i], &b->rdmas[i]))
			return false;
	return true;
}

void rc_config_free(struct rc_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_captures; i++)
		rc_capture_conf_clear(&c->captures[i]);
	free(c->captures);
	free(c->path);
	free(c->user);
	free(c->group);
	free(c->runtime_dir);
	free(c->prometheus_path);
	free(c);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int rc_ring_conf_validate(const struct rc_ring_conf *r, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);

	if (r->block_size < (uint32_t)page || !is_pow2(r->block_size) ||
	    r->block_size > (1u << 30)) {
		snprintf(err, errlen,
			 "block size %u is not a power of two between the page size (%ld) and 1 GiB",
			 r->block_size, page);
		return -EINVAL;
	}
	if (r->block_nr < 2) {
		snprintf(err, errlen, "ring needs at least 2 blocks (block count %u)", r->block_nr);
		return -EINVAL;
	}
	if ((uint64_t)r->block_nr * r->block_size > (64ULL << 30)) {
		snprintf(err, errlen, "ring of %u blocks of %u bytes is larger than 64 GiB",
			 r->block_nr, r->block_size);
		return -EINVAL;
	}
	if (r->frame_size < 128 || r->frame_size % 16 || r->frame_size > r->block_size) {
		snprintf(err, errlen,
			 "frame size %u must be a multiple of 16 between 128 and the block size",
			 r->frame_size);
		return -EINVAL;
	}
	if (r->retire_tov_ms < 1 || r->retire_tov_ms > 60000) {
		snprintf(err, errlen, "retire timeout %u ms is not between 1 ms and 60 s",
			 r->retire_tov_ms);
		return -EINVAL;
	}
	return 0;
}

int rc_ring_conf_set_size(struct rc_ring_conf *r, uint64_t total, bool fixed_block,
			  char *err, size_t errlen)
{
	uint64_t nr;

	/* A block size of 0 would divide by zero below, and halving one that
	 * is no power of two would report a size nobody asked for. */
	if (!is_pow2(r->block_size))
		return rc_ring_conf_validate(r, err, errlen);
	/* Small rings get smaller blocks so that they still have several,
	 * unless the block size was asked for. */
	while (!fixed_block && r->block_size > 65536 && total / r->block_size < 8)
		r->block_size /= 2;
	/* like tcpdump's -B, any size is taken: rounded down to whole blocks */
	nr = total / r->block_size;
	if (nr < 2) {
		snprintf(err, errlen,
			 "ring size %llu bytes is too small: it must hold at least 2 blocks of %u bytes",
			 (unsigned long long)total, r->block_size);
		return -EINVAL;
	}
	if (nr > UINT32_MAX) {
		snprintf(err, errlen, "ring size %llu bytes is too large",
			 (unsigned long long)total);
		return -EINVAL;
	}
	r->block_nr = (uint32_t)nr;
	return rc_ring_conf_validate(r, err, errlen);
}

void rc_rotate_conf_split(const struct rc_rotate_conf *in, unsigned n, struct rc_rotate_conf *out)
{
	*out = *in;
	if (n <= 1)
		return;
	if (out->max_files)
		out->max_files = (in->max_files + n - 1) / n;
	if (out->max_total)
		out->max_total = in->max_total / n;
}

int rc_rotate_conf_validate(const struct rc_rotate_conf *r, const char *path, char *err,
			    size_t errlen)
{
	bool to_stdout = path && !strcmp(path, "-");

	if (to_stdout && rc_rotate_conf_active(r)) {
		snprintf(err, errlen, "rotation (-C, -G, -W) cannot be used when writing to stdout");
		return -EINVAL;
	}
	if (r->max_size && r->max_size < 4096) {
		snprintf(err, errlen, "file size limit %llu bytes is below the minimum of 4096",
			 (unsigned long long)r->max_size);
		return -EINVAL;
	}
	if (r->max_total && r->max_size && r->max_total < 2 * r->max_size) {
		snprintf(err, errlen,
			 "disk budget %llu bytes must hold at least two files of %llu bytes",
			 (unsigned long long)r->max_total, (unsigned long long)r->max_size);
		return -EINVAL;
	}
	if (r->max_total && !r->max_size && !r->max_time_ns) {
		snprintf(err, errlen,
			 "a disk budget needs rotation by size or time, or no file could ever be removed");
		return -EINVAL;
	}
	if (r->max_files && !r->max_size && !r->max_time_ns) {
		snprintf(err, errlen, "a file count (-W) needs rotation by size (-C) or time (-G)");
		return -EINVAL;
	}
	return 0;
}
