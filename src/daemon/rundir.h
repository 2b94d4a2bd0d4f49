/* SPDX-License-Identifier: MIT */
/*
 * The runtime directory and the one-daemon-per-directory lock.
 *
 * The directory holds the control socket and a pid file.  What is there
 * is used as it is: an existing directory is never chown'ed, and a
 * symbolic link in its place is refused rather than followed (a link to a
 * root-owned directory must not hand that directory to the service user).
 * A missing directory is created (mode 0750) and, when the daemon will run
 * as another user, given to that user through the descriptor of the
 * directory it just made.
 *
 * The lock is flock(LOCK_EX) on the directory itself (deleting a file in
 * it cannot undo it); "ringcapd.pid" beside it holds the owner's pid, for
 * people.  It is taken before anything else is opened and held for the
 * life of the process, so a second ringcapd on the same directory stops
 * before it touches the control socket or any file.
 *
 * Thread: the main thread, at start.
 */
#ifndef RC_RUNDIR_H
#define RC_RUNDIR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Prepare @dir and take its lock.  @uid/@gid: the user the daemon will run
 * as (uid -1: it stays who it is).  Returns the lock's descriptor (keep it
 * open), -EBUSY when another ringcapd holds it, or -errno; a message in
 * @err either way.
 */
int rc_rundir_lock(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
