/* SPDX-License-Identifier: MIT */
/*
 * What a capture is asked to do, independent of where the request came
 * from: the CLI fills these structs from flags, the daemon from YAML.
 * Nothing here opens anything; rc_conf_validate() checks cross-field rules
 * so that both front ends reject the same mistakes with the same words.
 */
#ifndef RC_CONF_H
#define RC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_SNAPLEN_DEFAULT 262144u
#define RC_RING_SIZE_DEFAULT (64ULL << 20)
#define RC_BLOCK_SIZE_DEFAULT (1u << 20)
#define RC_FRAME_SIZE_DEFAULT 2048u
#define RC_RETIRE_TOV_DEFAULT_MS 40u

enum rc_backend {
	RC_BACKEND_AFPACKET,
	RC_BACKEND_AFXDP,
};

enum rc_xdp_mode {
	RC_XDP_MODE_AUTO,      /* native XDP, SKB mode if the driver has none */
	RC_XDP_MODE_NATIVE,
	RC_XDP_MODE_SKB,
};

/* AF_XDP backend settings (backend: afxdp). */
struct rc_xdp_conf {
	uint32_t frame_size;       /* UMEM chunk: 2048 or 4096 (larger frames: multi-buffer) */
	uint32_t frame_count;      /* UMEM chunks per queue */
	uint32_t ring_size;        /* RX and FILL ring entries, power of two */
	enum rc_xdp_mode mode;
	bool dedicated_port;       /* explicit consent: every frame is taken from the host */
	bool take_matching;        /* explicit consent on a port the host uses: the frames
				    * that match the filter are taken from it */
};

/* 64 MiB of UMEM per queue; a ring deep enough for a capture thread that
 * waits tens of milliseconds for a CPU (measured on a 2-core VM) */
#define RC_XDP_FRAME_SIZE_DEFAULT 2048u
#define RC_XDP_FRAME_COUNT_DEFAULT 32768u
#define RC_XDP_RING_SIZE_DEFAULT 16384u

struct rc_ring_conf {
	uint32_t block_size;   /* bytes, power of two multiple of the page size */
	uint32_t block_nr;
	uint32_t frame_size;   /* TPACKET_V3: only the kernel's validity rule */
	uint32_t retire_tov_ms;
};

struct rc_rotate_conf {
	uint64_t max_size;     /* bytes per file, 0 = no size rotation */
	uint64_t max_time_ns;  /* file age, 0 = no time rotation */
	uint32_t max_files;    /* keep at most N files, 0 = unlimited */
	uint64_t max_total;    /* keep all files under N bytes, 0 = unlimited */
};

/* What an output file is written as. */
enum rc_file_format {
	RC_FORMAT_AUTO,        /* pcapng when the name ends in .pcapng, else pcap */
	RC_FORMAT_PCAP,        /* libpcap's classic format */
	RC_FORMAT_PCAPNG,      /* pcapng: interface blocks, statistics per file */
};

/* How an output's files reach the disk (--io, io:). */
enum rc_io_mode {
	RC_IO_AUTO,            /* direct I/O where the file system takes it (not tmpfs,
				* pipes, FIFOs, devices, stdout), else the page cache */
	RC_IO_DIRECT,          /* direct I/O (O_DIRECT + io_uring), or the output fails */
	RC_IO_BUFFERED,        /* writev() through the page cache */
};

struct rc_pcap_conf {
	char *path;            /* template; "-" is stdout */
	enum rc_file_format format;
	enum rc_io_mode io;
	bool ts_micro;         /* microsecond timestamps (default: nanoseconds) */
	/* stop conditions (CLI, dumpcap's -a): the capture ends instead of
	 * writing a frame that would take a file past stop_size bytes, or
	 * instead of starting file stop_files + 1; 0 = none */
	uint64_t stop_size;
	uint32_t stop_files;
	struct rc_rotate_conf rotate;
	uint32_t file_mode;    /* e.g. 0640 */
	uint32_t snaplen;      /* 0 = the capture's */
	char *filter;          /* user-space filter on top of the kernel's, or NULL */
};

enum rc_rdma_policy {
	RC_RDMA_DROP,          /* out of credits: forward nothing of that block */
	RC_RDMA_HOLD,          /* keep up to hold_blocks blocks leased, then drop */
};

/* Forwarding to a collector over RDMA (outputs: - rdma: ...). */
struct rc_rdma_conf {
	char *peer;            /* "ADDR:PORT" (IPv6 as "[ADDR]:PORT") */
	char *device;          /* RDMA device the peer must be reached through, or NULL */
	uint32_t slots;        /* writes outstanding at most (collector slots) */
	enum rc_rdma_policy policy;
	uint32_t hold_blocks;  /* policy hold: blocks kept leased at most */
};

#define RC_RDMA_SLOTS_DEFAULT 16u
#define RC_RDMA_MAX_SLOTS 1024u   /* a sender's slots, and what a collector accepts */
#define RC_RDMA_HOLD_DEFAULT 8u

/* Where frame timestamps come from (tcpdump's -j). */
enum rc_tstamp_type {
	RC_TSTAMP_HOST,              /* the kernel's clock, when the frame arrives */
	RC_TSTAMP_ADAPTER,           /* the NIC's, synchronized to the system clock */
	RC_TSTAMP_ADAPTER_UNSYNCED,  /* the NIC's own clock (SOF_TIMESTAMPING_RAW_HARDWARE) */
};

enum rc_fanout_mode {
	RC_FANOUT_HASH,        /* PACKET_FANOUT_HASH: a flow stays on one worker */
	RC_FANOUT_LB,          /* round robin */
	RC_FANOUT_CPU,         /* by the CPU that received the frame */
	RC_FANOUT_QM,          /* by the NIC's RX queue */
	RC_FANOUT_ROLLOVER,    /* fill one worker, then the next */
	RC_FANOUT_RANDOM,
};

struct rc_capture_conf {
	char *name;
	char *iface;               /* the interface; the first one when several */
	char **ifaces;             /* CLI, several -i: every one, in order (n_ifaces > 1) */
	size_t n_ifaces;
	enum rc_backend backend;
	char *filter;          /* tcpdump syntax, NULL or "" = everything */
	uint32_t snaplen;
	bool promisc;
	enum rc_tstamp_type tstamp;
	char *read_file;           /* CLI -r: frames from this capture file ("-": stdin)
				    * instead of an interface */
	struct rc_ring_conf ring;
	struct rc_xdp_conf xdp;
	uint32_t workers;          /* >1: a PACKET_FANOUT group, one ring per worker;
				    * afxdp: one worker per RX queue (0 = all queues) */
	enum rc_fanout_mode fanout;
	bool fanout_defrag;        /* PACKET_FANOUT_FLAG_DEFRAG */
	bool fanout_rollover;      /* PACKET_FANOUT_FLAG_ROLLOVER */
	struct rc_pcap_conf *pcaps;
	size_t n_pcaps;
	struct rc_rdma_conf *rdmas;
	size_t n_rdmas;
	unsigned line;             /* where it was defined, for messages (0 = CLI) */
	unsigned col;
	unsigned iface_line, iface_col; /* its `interface:` key, for messages (0 = CLI) */
};

/* The daemon's whole configuration file. */
struct rc_config {
	char *path;                 /* the file it came from */
	char *user;                 /* run as this user after set-up; NULL = stay */
	char *group;
	char *runtime_dir;          /* control socket lives here */
	uint64_t status_interval_ns; /* STATUS= line to systemd */
	char *prometheus_path;      /* node_exporter textfile, NULL = off */
	uint64_t prometheus_interval_ns;
	struct rc_capture_conf *captures;
	size_t n_captures;
};

void rc_config_free(struct rc_config *c);

/* Same settings?  With @ignore_filter, the capture filter may differ. */
bool rc_capture_conf_equal(const struct rc_capture_conf *a, const struct rc_capture_conf *b,
			   bool ignore_filter);

void rc_capture_conf_init(struct rc_capture_conf *c);
void rc_capture_conf_clear(struct rc_capture_conf *c);
void rc_pcap_conf_clear(struct rc_pcap_conf *p);

/* The format @p is written in, AUTO resolved by its path. */
enum rc_file_format rc_file_format_of(const struct rc_pcap_conf *p);
const char *rc_file_format_name(enum rc_file_format f);
/* "pcap" / "pcapng" -> the format; -EINVAL otherwise. */
int rc_file_format_parse(const char *s, enum rc_file_format *ret);
/* "auto" / "direct" / "buffered" <-> the mode; parse: -EINVAL otherwise. */
const char *rc_io_mode_name(enum rc_io_mode m);
int rc_io_mode_parse(const char *s, enum rc_io_mode *ret);
void rc_rdma_conf_clear(struct rc_rdma_conf *r);

/* Split "ADDR:PORT" / "[ADDR]:PORT" (rdma://  prefix allowed) into @host
 * and @port; -EINVAL with a message in @err when it is not one. */
int rc_peer_split(const char *peer, char *host, size_t hostlen, char *port, size_t portlen,
		  char *err, size_t errlen);

/*
 * Derive the block count from a total ring size (rounded down to whole
 * blocks) and check the geometry.  Unless @fixed_block, the block size is
 * halved (not below 64 KiB) until the ring has at least 8 blocks.  Writes a
 * message naming the offending setting to @err on failure (-EINVAL).
 */
int rc_ring_conf_set_size(struct rc_ring_conf *r, uint64_t total, bool fixed_block,
			  char *err, size_t errlen);
int rc_ring_conf_validate(const struct rc_ring_conf *r, char *err, size_t errlen);
int rc_rotate_conf_validate(const struct rc_rotate_conf *r, const char *path, char *err,
			    size_t errlen);

/* Each of @n workers writes its own files: its share of the limits (the
 * file count rounded up, the budget divided). */
void rc_rotate_conf_split(const struct rc_rotate_conf *in, unsigned n, struct rc_rotate_conf *out);

static inline bool rc_rotate_conf_active(const struct rc_rotate_conf *r)
{
	return r->max_size || r->max_time_ns || r->max_files || r->max_total;
}

#endif
