// SPDX-License-Identifier: MIT
/*
 * `ringcap rdma-recv`: the collector end of RDMA forwarding, in the
 * foreground (under systemd: ringcap-rdma-recv.service).  The main thread
 * runs the collector (rdma/collector.h) until SIGINT or SIGTERM, then
 * prints a summary.  Exit status: 0 after a signal, 2 for bad input, 1 when
 * the output failed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/event.h"
#include "../common/log.h"
#include "../rdma/collector.h"
#include "args.h"
#include "cli.h"

static const char usage[] =
	"usage: ringcap rdma-recv --listen ADDR:PORT -w FILE|- [-C SIZE] [-G TIME] [-W FILES]\n"
	"                         [--max-total SIZE] [--file-mode MODE]\n"
	"\n"
	"Receive blocks that `ringcap capture --forward rdma://ADDR:PORT` (or an rdma\n"
	"output of ringcapd) sends, and write their frames as nanosecond pcap.\n"
	"  --listen ADDR:PORT  address of a local RDMA device to accept senders on\n"
	"  -w FILE|-           pcap file (strftime %-conversions allowed); - = stdout\n"
	"  -C, -G, -W, --max-total  rotation, as for ringcap capture\n";

static void say_event(void *arg, enum rc_log_level lvl, const char *msg)
{
	(void)arg;
	rc_log(lvl, "%s", msg);
}

int rc_cli_rdma_recv(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "write", required_argument, NULL, 'w' },
		{ "file-size", required_argument, NULL, 'C' },
		{ "rotate-seconds", required_argument, NULL, 'G' },
		{ "file-count", required_argument, NULL, 'W' },
		{ "max-total", required_argument, NULL, RC_OPT_MAX_TOTAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rc_pcap_conf out = { 0 };
	struct rc_collector *col = NULL;
	struct rc_events *ev = NULL;
	struct rc_collector_stats st;
	const char *listen = NULL;
	char err[1024] = "";
	_cleanup_close_ int sfd = -1;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:C:G:W:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'w':
			if (!optarg[0]) {
				log_err("-w: empty output file name");
				return RC_EXIT_USAGE;
			}
			out.path = optarg;
			break;
		case 'C':
		case 'G':
		case 'W':
		case RC_OPT_MAX_TOTAL:
			if (rc_args_rotate_opt(c, optarg, &out.rotate, err, sizeof(err)) < 0) {
				log_err("%s", err);
				return RC_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return RC_EXIT_OK;
		case ':':
			log_err("option %s needs a value", argv[optind - 1]);
			fputs(usage, stderr);
			return RC_EXIT_USAGE;
		default:
			log_err("unknown option %s", argv[optind - 1]);
			fputs(usage, stderr);
			return RC_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return RC_EXIT_USAGE;
	}
	if (!listen || !out.path) {
		log_err("%s", !listen ? "no address given: use --listen ADDR:PORT"
				      : "no output given: use -w FILE (or -w -)");
		fputs(usage, stderr);
		return RC_EXIT_USAGE;
	}
	if (rc_rotate_conf_validate(&out.rotate, out.path, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return RC_EXIT_USAGE;
	}
	r = rc_collector_new(listen, &out, &col, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		return RC_EXIT_USAGE;
	}

	sfd = rc_cli_signalfd(false);
	if (sfd < 0) {
		log_err("cannot set up signal handling: %s", strerror(errno));
		rc_collector_free(col);
		return RC_EXIT_FAILURE;
	}
	log_info("listening on %s for RDMA senders, writing %s", listen, out.path);
	r = rc_events_new(&ev);
	if (r < 0) {
		log_err("cannot set up the event queue: %s", strerror(-r));
		rc_collector_free(col);
		return RC_EXIT_FAILURE;
	}
	while ((r = rc_collector_run(col, sfd, ev, err, sizeof(err))) == 1)
		rc_events_drain(ev, say_event, NULL);
	rc_events_drain(ev, say_event, NULL);
	if (r < 0)
		log_err("%s", err);
	rc_collector_stats(col, &st);
	rc_collector_free(col);
	rc_events_free(ev);
	fprintf(stderr, "%" PRIu64 " packet%s received over RDMA in %" PRIu64 " blocks, %" PRIu64
		" bytes\n", st.frames, st.frames == 1 ? "" : "s", st.blocks, st.bytes);
	fprintf(stderr, "%" PRIu64 " packet%s written\n", st.written, st.written == 1 ? "" : "s");
	fprintf(stderr, "%" PRIu64 " connection%s, %" PRIu64 " refused, %" PRIu64
		" sequence gaps, %" PRIu64 " malformed blocks\n", st.connections,
		st.connections == 1 ? "" : "s", st.rejected, st.seq_gaps, st.malformed);
	if (st.lost)
		fprintf(stderr, "%" PRIu64 " packets were not written because of an output error\n",
			st.lost);
	return r < 0 ? RC_EXIT_FAILURE : RC_EXIT_OK;
}
