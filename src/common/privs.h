/* SPDX-License-Identifier: MIT */
/*
 * Giving up root once the rings exist: switch to the service user and keep
 * only the capabilities that capture and reload need (the daemon), or none
 * (the CLI's -Z).  Main thread, before any other thread exists:
 * capabilities are per thread.
 */
#ifndef RC_PRIVS_H
#define RC_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

/* Look up @user (and @group, or the user's primary group). */
int rc_privs_lookup(const char *user, const char *group, uid_t *ret_uid, gid_t *ret_gid,
		    char *err, size_t errlen);

/* Become @uid/@gid keeping CAP_NET_RAW, CAP_NET_ADMIN and CAP_IPC_LOCK;
 * every other capability leaves the bounding set too. */
int rc_privs_drop(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen);

/* Become @uid/@gid with no capability at all (the CLI's -Z, as tcpdump's:
 * the sockets are open, the files are made as that user). */
int rc_privs_drop_all(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
