/* SPDX-License-Identifier: MIT */
/*
 * The RDMA collector behind `ringcap rdma-recv`: accepts forwarding
 * connections from ringcap captures (one per capture worker), gives each a
 * ring of slots registered for remote write, walks every block written
 * into a slot with the capture side's own block walker (capture/tpv3.h)
 * and writes the frames through the pcap sink, so that its file holds the
 * same records as the sender's own pcap of those frames.  Then it returns
 * the slot to the sender as a credit.  Protocol: wire.h; the verbs set-up
 * it shares with the sender: verbs.h.
 *
 * Thread: one, the caller's; rc_collector_run() returns when @stop_fd is
 * readable, the output failed, or there are events to log.
 */
#ifndef RC_RDMA_COLLECTOR_H
#define RC_RDMA_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/event.h"
#include "../config/conf.h"

struct rc_collector_stats {
	uint64_t connections;   /* accepted */
	uint64_t rejected;      /* refused: bad hello, too much memory, link type */
	uint64_t active;        /* connected now */
	uint64_t blocks;
	uint64_t frames;        /* walked out of received blocks */
	uint64_t bytes;         /* their original lengths */
	uint64_t seq_gaps;      /* blocks missing in a connection's sequence */
	uint64_t malformed;     /* blocks whose frame list did not fit */
	uint64_t written;       /* frames in the pcap files */
	uint64_t lost;          /* frames the pcap sink could not write */
	uint64_t files;
};

struct rc_collector;

/* Listen on @listen ("ADDR:PORT"); the pcap output is created with the
 * first connection's link type and snapshot length. */
int rc_collector_new(const char *listen, const struct rc_pcap_conf *out,
		     struct rc_collector **ret, char *err, size_t errlen);
/*
 * Runs until @stop_fd is readable (0), the output fails (-errno, message
 * in @err), or it has something to say (1): connections made and lost,
 * the output's changes of state, posted to @events for the caller to
 * drain and log before it calls again.
 */
int rc_collector_run(struct rc_collector *c, int stop_fd, struct rc_events *events,
		     char *err, size_t errlen);
void rc_collector_stats(struct rc_collector *c, struct rc_collector_stats *ret);
void rc_collector_free(struct rc_collector *c);

#endif
