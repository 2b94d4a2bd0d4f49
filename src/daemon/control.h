/* SPDX-License-Identifier: MIT */
/*
 * The daemon's control socket: `ringcap status`, `stats`, `reload`, ...
 *
 * A Unix stream socket (mode 0660, the service's group) served from the
 * daemon's main loop without ever blocking it: the listening socket and
 * every client are non-blocking and polled with the daemon's other
 * descriptors.  A client sends one request line; the handler writes the
 * answer into a buffer, which goes out as the client reads it.  A client
 * that says nothing, or does not read its answer, is dropped at its
 * deadline; many idle clients delay nobody (up to RC_CTL_MAX_CLIENTS at
 * once; beyond that a new client is told the daemon is busy).
 *
 * Thread: the daemon's main thread.
 */
#ifndef RC_CONTROL_H
#define RC_CONTROL_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define RC_CTL_MAX_CLIENTS 32

struct rc_ctl;

/*
 * Answer request @req (one line, without its newline) into @out and return
 * 0; or return a tag > 0 to answer it later with rc_ctl_answer() (work that
 * runs off the main loop, such as loading a new configuration).  A client
 * waiting for a later answer keeps its place, with no deadline.
 */
typedef uint64_t (*rc_ctl_handler)(void *arg, const char *req, FILE *out);

/* Answer every client waiting with a tag <= @tag: @text, then close. */
void rc_ctl_answer(struct rc_ctl *c, uint64_t tag, const char *text);

/*
 * Listen on @path (the daemon already holds the runtime directory's lock,
 * so a socket file there is a stale one of ours).  With @uid != -1 the
 * socket is given to @uid:@gid.  -errno with a message in @err.
 */
int rc_ctl_open(const char *path, uid_t uid, gid_t gid, struct rc_ctl **ret, char *err,
		size_t errlen);
/* Close every client and the socket, and remove the socket file. */
struct rc_ctl *rc_ctl_free(struct rc_ctl *c);

/* Fill @pfd with what to poll (at most 1 + RC_CTL_MAX_CLIENTS entries);
 * returns how many. */
unsigned rc_ctl_pollfds(struct rc_ctl *c, struct pollfd *pfd);
/* After poll(): serve what is ready, drop clients past their deadline. */
void rc_ctl_process(struct rc_ctl *c, const struct pollfd *pfd, unsigned n, rc_ctl_handler fn,
		    void *arg);
/* Milliseconds until the nearest client deadline, or -1. */
int rc_ctl_timeout_ms(const struct rc_ctl *c);

#endif
