// SPDX-License-Identifier: MIT
/*
 * ringcap: command dispatch.  `ringcap -i eth0 -w x.pcap` (no subcommand)
 * means `ringcap capture ...`, so tcpdump habits work.
 */
#include <stdio.h>
#include <string.h>

#include "../capture/xdp_env.h"
#include "../common/log.h"
#include "../common/stdfd.h"
#include "cli.h"

static const char usage[] =
	"usage: ringcap capture -i IFACE -w FILE|- [options] [FILTER...]\n"
	"       ringcap -i IFACE -w FILE|- [options] [FILTER...]\n"
	"       ringcap -r FILE|- -w FILE [options] [FILTER...]\n"
	"       ringcap -D\n"
	"       ringcap status [-S SOCKET] [--timeout TIME]\n"
	"       ringcap stats [--json] [-S SOCKET]\n"
	"       ringcap reload | rotate [-S SOCKET] [--timeout TIME]\n"
	"       ringcap config check FILE\n"
	"       ringcap rdma-recv --listen ADDR:PORT -w FILE [rotation options]\n"
	"       ringcap --help | --version\n"
	"\n"
	"Run 'ringcap capture --help' for the capture options; see ringcap(8).\n";

/* A capture, with what AF_XDP needs of the whole process around it
 * (capture/xdp_env.h: the libraries' print hooks, bpffs). */
static int capture(int argc, char **argv)
{
	int r;

	rc_xdp_process_init();
	r = rc_cli_capture(argc, argv);
	rc_xdp_process_fini();
	return r;
}

int main(int argc, char **argv)
{
	/* before anything is opened: a socket must never become fd 0-2 */
	if (rc_stdfd_sanitize() < 0)
		return RC_EXIT_FAILURE;
	rc_log_init("ringcap", 0);
	if (argc < 2) {
		fputs(usage, stderr);
		return RC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "capture"))
		return capture(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status") || !strcmp(argv[1], "stats") ||
	    !strcmp(argv[1], "reload") || !strcmp(argv[1], "rotate"))
		return rc_cli_ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rdma-recv"))
		return rc_cli_rdma_recv(argc - 1, argv + 1);
	if (!strcmp(argv[1], "config"))
		return rc_cli_config(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return RC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ringcap %s\n", RC_VERSION);
		return RC_EXIT_OK;
	}
	if (argv[1][0] == '-')
		return capture(argc, argv);
	log_err("unknown command '%s'", argv[1]);
	fputs(usage, stderr);
	return RC_EXIT_USAGE;
}
