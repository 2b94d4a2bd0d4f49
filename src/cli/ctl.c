// SPDX-License-Identifier: MIT
/*
 * `ringcap status`, `ringcap stats [--json]`: ask a running ringcapd over
 * its control socket; `ringcap config check FILE`: what `ringcapd -n` does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/log.h"
#include "../config/yaml.h"
#include "cli.h"

#define DEFAULT_SOCKET "/run/ringcap/ringcap.sock"

static int ask(const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536];
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path %s is too long", path);
		return RC_EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("cannot reach ringcapd at %s: %s%s", path, strerror(errno),
			errno == EACCES ? " (needs root or the ringcap group)" :
			errno == ENOENT || errno == ECONNREFUSED ? " (is ringcapd running?)" : "");
		if (fd >= 0)
			close(fd);
		return RC_EXIT_FAILURE;
	}
	if (write(fd, req, strlen(req)) < 0 || shutdown(fd, SHUT_WR) < 0) {
		log_err("cannot send to ringcapd: %s", strerror(errno));
		close(fd);
		return RC_EXIT_FAILURE;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	if (n < 0) {
		log_err("reading from ringcapd: %s", strerror(errno));
		return RC_EXIT_FAILURE;
	}
	return RC_EXIT_OK;
}

int rc_cli_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET, *cmd = argv[0];
	bool json = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":S:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			path = optarg;
			break;
		case 'j':
			if (strcmp(cmd, "stats")) {
				log_err("--json goes with 'ringcap stats'");
				return RC_EXIT_USAGE;
			}
			json = true;
			break;
		case 'h':
			printf("usage: ringcap %s [-S SOCKET]%s\n", cmd,
			       strcmp(cmd, "stats") ? "" : " [--json]");
			return RC_EXIT_OK;
		case ':':
			log_err("option %s needs a value", argv[optind - 1]);
			return RC_EXIT_USAGE;
		default:
			log_err("unknown option %s", argv[optind - 1]);
			return RC_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return RC_EXIT_USAGE;
	}
	if (!strcmp(cmd, "status"))
		return ask(path, "status\n");
	return ask(path, json ? "stats json\n" : "stats\n");
}

int rc_cli_config(int argc, char **argv)
{
	struct rc_config *cfg = NULL;
	struct rc_diag diag;
	int r;

	if (argc != 3 || strcmp(argv[1], "check")) {
		fputs("usage: ringcap config check FILE\n", stderr);
		return RC_EXIT_USAGE;
	}
	r = rc_config_load(argv[2], &cfg, &diag);
	if (r >= 0 && rc_config_check_interfaces(cfg, &diag) < 0)
		r = -EINVAL;
	rc_config_free(cfg);
	if (r < 0) {
		rc_diag_print(&diag, stderr, NULL);
		return RC_EXIT_USAGE;
	}
	printf("configuration OK\n");
	return RC_EXIT_OK;
}
