/* SPDX-License-Identifier: MIT */
/*
 * ringcap subcommands.  Each returns the process exit status.
 */
#ifndef RC_CLI_H
#define RC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#ifndef RC_VERSION
#define RC_VERSION "0.1.0"
#endif

enum {
	RC_EXIT_OK = 0,
	RC_EXIT_FAILURE = 1,
	RC_EXIT_USAGE = 2,
};

int rc_cli_capture(int argc, char **argv);
int rc_cli_ctl(int argc, char **argv);     /* status, stats */
int rc_cli_config(int argc, char **argv);  /* config check FILE */
int rc_cli_rdma_recv(int argc, char **argv);
int rc_cli_list_ifaces(void);              /* -D */
/* The names -D lists, in its order (an rc_args_iface_list, args.h). */
int rc_cli_iface_names(char ***ret, size_t *ret_n, char *err, size_t errlen);

/* Block INT, TERM, HUP (unless ignored) and, with @usr1, USR1 and USR2, and
 * return a signalfd for them (-errno on failure). */
int rc_cli_signalfd(bool usr1);

#endif
