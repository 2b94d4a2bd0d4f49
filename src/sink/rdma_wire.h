/* SPDX-License-Identifier: MIT */
/*
 * What the RDMA sink and its collector (`ringcap rdma-recv`) say to each
 * other.  Both sides include this file; every field is big-endian.
 *
 *   connect    rdma_cm private data, sender -> collector: struct rc_rdma_hello
 *   accept     rdma_cm private data, collector -> sender: struct rc_rdma_welcome
 *              (a ring of `slots` slots of `slot_size` bytes at `addr`,
 *              registered for remote write under `rkey`)
 *   data       one RDMA WRITE WITH IMMEDIATE per TPACKET_V3 block, into
 *              slot (seq % slots); the immediate is seq, counting from 0 on
 *              each connection.  The block is self-describing: the
 *              collector walks it with the capture side's block walker.
 *   credits    SEND, collector -> sender: struct rc_rdma_credit, the number
 *              of blocks the collector has finished with (cumulative).  The
 *              sender keeps seq - consumed < slots, so it never writes into
 *              a slot still being read.
 */
#ifndef RC_RDMA_WIRE_H
#define RC_RDMA_WIRE_H

#include <stdint.h>

#define RC_RDMA_MAGIC 0x52434150u  /* "RCAP" */
#define RC_RDMA_VERSION 1u
#define RC_RDMA_MAX_SLOT (8u << 20)   /* Soft-RoCE's largest message */
#define RC_RDMA_PORT_DEFAULT 7718

struct rc_rdma_hello {
	uint32_t magic;
	uint32_t version;
	uint32_t slot_size;   /* the sender's largest block */
	uint32_t slots;       /* credits the sender wants */
	uint32_t dlt;         /* libpcap link type of the frames */
	uint32_t snaplen;     /* the capture's snapshot length */
	uint32_t worker;      /* which of the capture's workers */
} __attribute__((packed));

struct rc_rdma_welcome {
	uint32_t magic;
	uint32_t version;
	uint64_t addr;
	uint32_t rkey;
	uint32_t slots;
	uint32_t slot_size;
} __attribute__((packed));

struct rc_rdma_credit {
	uint64_t consumed;
} __attribute__((packed));

#endif
