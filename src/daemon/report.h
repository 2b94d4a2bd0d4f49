/* SPDX-License-Identifier: MIT */
/*
 * What the daemon tells about its captures, in three forms: `ringcap
 * status` text, `ringcap stats` text or JSON, and Prometheus text
 * exposition for node_exporter's textfile collector.  Pure formatting over
 * a snapshot of counters; the caller owns the FILE.
 */
#ifndef RC_REPORT_H
#define RC_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../engine/run.h"

struct rc_report_capture {
	const char *name;
	const char *iface;
	const char *state;          /* "running", "failed: …", "stopped" */
	uint64_t uptime_s;
	struct rc_run *run;         /* NULL before the first start; may be stopped */
	bool running;
	uint64_t unseen;            /* frames the interface passed while reloads
				     * restarted the capture, and no run took */
};

void rc_report_status(FILE *f, const struct rc_report_capture *caps, size_t n,
		      uint64_t daemon_uptime_s, const char *config_path);
void rc_report_stats(FILE *f, const struct rc_report_capture *caps, size_t n, bool json);
void rc_report_prometheus(FILE *f, const struct rc_report_capture *caps, size_t n);

#endif
