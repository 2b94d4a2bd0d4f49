/* SPDX-License-Identifier: MIT */
/*
 * The RDMA forwarding protocol: what the sender (sender.h, one per capture
 * worker) and the collector (collector.h, `ringcap rdma-recv`) say to each
 * other.  Both sides include this file and nothing else of each other's;
 * every field is big-endian.
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
 *
 * Invariants both ends rely on:
 *   - the collector's slots are what the hello asked for, or fewer, with
 *     the same slot_size (slots are counted modulo their number on both
 *     ends);
 *   - the sender keeps RC_RDMA_CREDIT_RECVS receives posted for credit
 *     messages, so the collector never has more than that in flight (a
 *     credit sent later says everything an earlier one did).
 *
 * Definitions only: no state, no thread.
 */
#ifndef RC_RDMA_WIRE_H
#define RC_RDMA_WIRE_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>

#define RC_RDMA_MAGIC 0x52434150u  /* "RCAP" */
#define RC_RDMA_VERSION 1u
#define RC_RDMA_MAX_SLOT (8u << 20)   /* Soft-RoCE's largest message */
#define RC_RDMA_PORT_DEFAULT 7718
#define RC_RDMA_CREDIT_RECVS 16u      /* receives the sender keeps posted */

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

/* Whether a hello's or welcome's magic and version (as sent, big-endian)
 * are this protocol's. */
static inline bool rc_rdma_wire_ours(uint32_t magic, uint32_t version)
{
	return be32toh(magic) == RC_RDMA_MAGIC && be32toh(version) == RC_RDMA_VERSION;
}

#endif
