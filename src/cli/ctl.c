// SPDX-License-Identifier: MIT
/*
 * `ringcap status`, `ringcap stats [--json]`: ask a running ringcapd over
 * its control socket; `ringcap config check FILE`: what `ringcapd -n` does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/log.h"
#include "../common/units.h"
#include "../config/dropins.h"
#include "../config/yaml.h"
#include "../engine/ifaces.h"
#include "cli.h"

#define DEFAULT_SOCKET "/run/ringcap/ringcap.sock"

/* A timeout on every blocking step, connect() included (AF_UNIX honours
 * SO_SNDTIMEO there): a stopped or hung daemon must not hang its client. */
static void set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int no_answer(const char *path, unsigned ms)
{
	log_err("ringcapd at %s did not answer within %u ms (is it stopped or hung?)", path, ms);
	return RC_EXIT_FAILURE;
}

/* The daemon's answer, line by line, with any other control character as
 * \xNN (rc_log_escape): whatever a daemon, old or new, puts in a name does
 * not reach the terminal. */
static void put_escaped(const char *buf, size_t n)
{
	char out[4 * 4096 + 1];

	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t seg = nl ? (size_t)(nl - buf) : n, step = RC_MIN(seg, (size_t)4096);

		fwrite(out, 1, rc_log_escape(out, sizeof(out), buf, step), stdout);
		buf += step;
		n -= step;
		if (step == seg && nl) {
			fputc('\n', stdout);
			buf++;
			n--;
		}
	}
}

static int ask(const char *path, const char *req, unsigned timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = rc_clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ULL;
	bool at_line_start = true, refused = false;
	char buf[65536];
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path %s is too long", path);
		return RC_EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		set_timeouts(fd, timeout_ms);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		if (e == EAGAIN || e == EINPROGRESS || e == ETIMEDOUT)
			return no_answer(path, timeout_ms);
		log_err("cannot reach ringcapd at %s: %s%s", path, strerror(e),
			e == EACCES ? " (needs root or the ringcap group)" :
			e == ENOENT || e == ECONNREFUSED ? " (is ringcapd running?)" : "");
		return RC_EXIT_FAILURE;
	}
	if (write(fd, req, strlen(req)) < 0 || shutdown(fd, SHUT_WR) < 0) {
		int e = errno;

		close(fd);
		if (e == EAGAIN)
			return no_answer(path, timeout_ms);
		log_err("cannot send to ringcapd: %s", strerror(e));
		return RC_EXIT_FAILURE;
	}
	for (;;) {
		uint64_t now = rc_clock_ns(CLOCK_MONOTONIC);

		if (now >= deadline) {
			close(fd);
			return no_answer(path, timeout_ms);
		}
		set_timeouts(fd, (unsigned)((deadline - now) / 1000000ULL) + 1);
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		/* the daemon says "error: ..." on a line of its own when it refused */
		for (ssize_t i = 0; i < n; i++) {
			if (at_line_start && i + 6 <= n && !memcmp(buf + i, "error:", 6))
				refused = true;
			at_line_start = buf[i] == '\n';
		}
		put_escaped(buf, (size_t)n);
	}
	close(fd);
	if (n < 0) {
		if (errno == EAGAIN)
			return no_answer(path, timeout_ms);
		log_err("reading from ringcapd: %s", strerror(errno));
		return RC_EXIT_FAILURE;
	}
	return refused ? RC_EXIT_FAILURE : RC_EXIT_OK;
}

int rc_cli_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET, *cmd = argv[0];
	uint64_t timeout_ns = 5 * RC_NSEC_PER_SEC;
	bool json = false;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":S:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			path = optarg;
			break;
		case 't':
			if (rc_parse_duration(optarg, RC_NSEC_PER_SEC, &timeout_ns) < 0 ||
			    timeout_ns < RC_NSEC_PER_MSEC || timeout_ns > 3600 * RC_NSEC_PER_SEC) {
				log_err("--timeout: '%s' is not a time from 1ms to 1h (e.g. 5, 500ms)",
					optarg);
				return RC_EXIT_USAGE;
			}
			break;
		case 'j':
			if (strcmp(cmd, "stats")) {
				log_err("--json goes with 'ringcap stats'");
				return RC_EXIT_USAGE;
			}
			json = true;
			break;
		case 'h':
			printf("usage: ringcap %s [-S SOCKET] [--timeout TIME]%s\n", cmd,
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
	if (!strcmp(cmd, "status") || !strcmp(cmd, "reload") || !strcmp(cmd, "rotate")) {
		char req[16];

		snprintf(req, sizeof(req), "%s\n", cmd);
		return ask(path, req, (unsigned)(timeout_ns / RC_NSEC_PER_MSEC));
	}
	return ask(path, json ? "stats json\n" : "stats\n",
		   (unsigned)(timeout_ns / RC_NSEC_PER_MSEC));
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
	if (r < 0) {
		rc_config_free(cfg);
		rc_diag_print(&diag, stderr, NULL);
		return RC_EXIT_USAGE;
	}
	/* not an error: ringcapd starts such a capture when the interface appears */
	rc_diag_init(&diag);
	r = rc_ifaces_check(cfg, &diag);
	if (rc_memory_check(cfg, &diag) < 0 || r < 0)
		rc_diag_print(&diag, stderr, "warning: ");
	printf("configuration OK\n");
	rc_dropins_print(cfg, stdout);
	rc_config_free(cfg);
	return RC_EXIT_OK;
}
