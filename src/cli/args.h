/* SPDX-License-Identifier: MIT */
/*
 * `ringcap capture` arguments, tcpdump-compatible where tcpdump uses the
 * same letter, with dumpcap's -b and -a as aliases.  Parsing is separate
 * from running so that every bad input is unit-tested
 * (tests/unit/test_args.c); its only I/O is reading -F's file (and what
 * the caller's interface list does for -i N).
 */
#ifndef RC_ARGS_H
#define RC_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/conf.h"

struct rc_capture_args {
	struct rc_capture_conf cap;   /* one pcap output in cap.pcaps[0] */
	uint64_t count;               /* -c, 0 = unlimited */
	uint64_t duration_ns;         /* --duration, 0 = unlimited */
	bool quiet;                   /* -q */
	char *run_as;                 /* -Z USER, or NULL */
	char *postrotate;             /* -z CMD: run on every file closed, or NULL */
	bool list_ifaces;             /* -D: list the interfaces and stop */
	bool help;
	bool version;
};

enum {
	RC_ARGS_OK = 0,
	RC_ARGS_EXIT = 1,    /* --help / --version handled: exit 0 */
};

/*
 * The interfaces in the order `ringcap -D` numbers them (tcpdump's,
 * pcap_findalldevs()'s): @ret gets @ret_n names, the array and each name
 * malloc'ed for the caller to free.  0, or -errno with a message in @err.
 */
typedef int (*rc_args_iface_list)(char ***ret, size_t *ret_n, char *err, size_t errlen);

/*
 * Parse argv (argv[0] is the program or subcommand name).  -i N, a number
 * that names none of the interfaces @list gives, is the N-th of them, as in
 * tcpdump; @list is asked only then, at most once (NULL: numbers are names).
 * Returns RC_ARGS_OK, RC_ARGS_EXIT, or -EINVAL with a message in @err.
 */
int rc_args_parse_capture(int argc, char **argv, rc_args_iface_list list,
			  struct rc_capture_args *ret, char *err, size_t errlen);
void rc_args_free(struct rc_capture_args *a);

/* The rotation flags -C, -G, -W and --max-total (RC_OPT_MAX_TOTAL), shared
 * by `capture` and `rdma-recv`: 0 or -EINVAL with a message. */
#define RC_OPT_MAX_TOTAL 300
int rc_args_rotate_opt(int opt, const char *arg, struct rc_rotate_conf *rot, char *err,
		       size_t errlen);

extern const char rc_capture_usage[];

#endif
